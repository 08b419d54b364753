"""Load tests for evgw: scenarios, the comparison peer and reports (outside pytest collection).

The simulator itself lives in the installed package (`evgw.testing.fleet`); `loadtests.sim`
re-exports it. Run `python -m loadtests --help` or `make loadtest`; see docs/loadtests.md.
"""
