"""The durable store: SQLite (default) or PostgreSQL behind one ``Store`` contract.

store = await open_store("sqlite:///var/evgw.db")   # or "postgresql://user@host/db"
try:
    outcome = await store.start_transaction(start)  # committed when it returns
finally:
    await store.aclose()
"""

from evgw.store._db import Db
from evgw.store._errors import StoreError, StoreUnavailable
from evgw.store._interface import Store, StoreStatistics
from evgw.store._open import migrate, open_store

__all__ = [
    "Db",
    "Store",
    "StoreError",
    "StoreStatistics",
    "StoreUnavailable",
    "migrate",
    "open_store",
]
