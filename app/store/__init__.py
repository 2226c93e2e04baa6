"""The device store: SQLite (WAL, foreign keys), forward-only migrations, change log."""

from .db import DB_FILE, NotFound, Store, StoreError

__all__ = ["DB_FILE", "NotFound", "Store", "StoreError"]
