"""The device database: one SQLite file (WAL, foreign keys on), one writer at a time.

Flet runs handlers on the asyncio loop, so the UI calls the store through
``asyncio.to_thread``; the connection is shared across those threads behind one lock.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from app.domain.errors import AnXunError
from app.domain.vocab import ENTITY_NAMES

from .ids import to_text, utc_now
from .migrations import migrate
from .search import register_functions

log = logging.getLogger(__name__)

DB_FILE = "anxun.db"


class StoreError(AnXunError):
    """Root of the store's errors."""

    message = "数据保存失败，请重试"


class NotFound(StoreError):
    """No record with that id (deleted, or never synced to this device)."""

    def __init__(self, entity: str, entity_id: str):
        super().__init__(f"{entity} {entity_id} not found",
                         f"找不到该{ENTITY_NAMES.get(entity, '记录')}，可能已被删除")
        self.entity = entity
        self.entity_id = entity_id


class Store:
    """An open device database.

    :param path: the SQLite file, e.g. ``<data>/anxun.db``; created and migrated if new.
    :param synchronous: ``FULL`` makes each commit durable across power loss, not only an
        app crash: a phone's battery can die mid-inspection.
    """

    def __init__(self, path: Path, *, synchronous: str = "FULL"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=10000")
        register_functions(self.conn)
        self.db = sqlite_utils.Database(self.conn)
        self.lock = threading.RLock()
        self._depth = 0
        with self.lock:
            applied = migrate(self.conn)
        if applied:
            log.info("store %s migrated to versions %s", self.path, applied)

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One transaction (nested calls join the outer one); the lock keeps writers serial."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    def rows(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(row) for row in self.conn.execute(sql, params)]

    def row(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        with self.lock:
            found = self.conn.execute(sql, params).fetchone()
        return dict(found) if found is not None else None

    def scalar(self, sql: str, params: tuple | dict = ()) -> Any:
        with self.lock:
            found = self.conn.execute(sql, params).fetchone()
        return found[0] if found is not None else None

    def log_change(self, entity: str, entity_id: str, op: str, payload: dict[str, Any]) -> None:
        """Append to the change log the sync engine reads; call inside ``atomic()``."""
        assert self._depth, "log_change must run inside the mutation's transaction"
        self.conn.execute(
            "INSERT INTO changes (entity, entity_id, op, payload, at) VALUES (?, ?, ?, ?, ?)",
            (entity, entity_id, op, json.dumps(payload, ensure_ascii=False, default=str), to_text(utc_now())),
        )

    def close(self) -> None:
        with self.lock:
            # Keeps the planner's statistics fresh for the ledger indexes (cheap, bounded).
            self.conn.execute("PRAGMA analysis_limit=1000")
            self.conn.execute("PRAGMA optimize")
            self.conn.close()
