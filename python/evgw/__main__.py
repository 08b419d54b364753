import sys

from evgw.cli import main

sys.exit(main())
