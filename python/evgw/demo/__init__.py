"""`evgw demo`: a day in the life of a two-site network, in ten minutes (see `_run`)."""

from ._run import run_demo

__all__ = ["run_demo"]
