"""The device store: SQLite (WAL, foreign keys), forward-only migrations, change log."""

from .db import DB_FILE, Store
from .errors import (
    DataDirUnwritable,
    FileError,
    NotAnAnXunStore,
    NotFound,
    SchemaTooNew,
    StorageFull,
    StoreBusy,
    StoreCorrupt,
    StoreError,
)

__all__ = [
    "DB_FILE", "DataDirUnwritable", "FileError", "NotAnAnXunStore", "NotFound", "SchemaTooNew", "StorageFull",
    "Store", "StoreBusy", "StoreCorrupt", "StoreError",
]
