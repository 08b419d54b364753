"""The fleet simulator, as `loadtests.sim` (it lives in the installed `evgw.testing.fleet`)."""

from evgw.testing.fleet import *  # noqa: F403
