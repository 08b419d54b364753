"""Errors raised by the store."""

from __future__ import annotations


class StoreError(Exception):
    """A database operation failed (the driver's exception is the ``__cause__``)."""


class StoreUnavailable(StoreError):
    """The store cannot take or answer requests: closed, writer thread dead, or the database
    unreachable. Nothing of the failed request was committed; retrying later may succeed."""
