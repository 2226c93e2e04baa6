"""The device database: one SQLite file (WAL, foreign keys on), one writer at a time.

Flet runs handlers on the asyncio loop, so the UI calls the store through
``asyncio.to_thread``; the connection is shared across those threads behind one lock.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from sync.hlc import Hlc, HlcClock, wall_ms

from .errors import (  # NotFound and StoreError: importers name them from here too
    DataDirUnwritable,
    NotFound,
    StorageFull,
    StoreBusy,
    StoreCorrupt,
    StoreError,
)
from .ids import new_id, to_text, utc_now
from .migrations import migrate
from .search import register_functions

log = logging.getLogger(__name__)

DB_FILE = "anxun.db"
#: How long a statement waits for another writer (another process, a backup) before giving up.
BUSY_TIMEOUT_S = 10.0
#: Closing must not hang the app's exit behind another writer for the full busy timeout.
CLOSE_BUSY_TIMEOUT_MS = 200

__all__ = ["DB_FILE", "NotFound", "Store", "StoreError"]


class Store:
    """An open device database.

    :param path: the SQLite file, e.g. ``<data>/anxun.db``; created and migrated if new.
    :param synchronous: ``FULL`` makes each commit durable across power loss, not only an
        app crash: a phone's battery can die mid-inspection.
    :param wall_ms: the device's wall clock in ms for the change log's HLC (tests pass a skewed one).
    :raises StoreError: a subclass saying, in Chinese, why the database cannot be opened
        (``DataDirUnwritable``, ``StorageFull``, ``StoreBusy``, ``StoreCorrupt``,
        ``NotAnAnXunStore``, ``SchemaTooNew``); nothing is left open.
    """

    def __init__(self, path: Path, *, synchronous: str = "FULL", wall_ms: Callable[[], int] = wall_ms):
        self.path = Path(path)
        self.lock = threading.RLock()
        self._depth = 0
        self._closed = False
        self._wall_ms = wall_ms
        self._clock: HlcClock | None = None
        _check_writable(self.path.parent)
        try:
            self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                        timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise _open_error(self.path, exc) from exc
        try:
            self.conn.row_factory = sqlite3.Row
            _use_wal(self.conn, self.path)
            self.conn.execute(f"PRAGMA synchronous={synchronous}")
            self.conn.execute("PRAGMA foreign_keys=ON")
            _quick_check(self.conn, self.path)
            register_functions(self.conn)
            self.db = sqlite_utils.Database(self.conn)
            with self.lock:
                applied = migrate(self.conn)
        except BaseException as exc:
            self.conn.close()
            self._closed = True
            if isinstance(exc, sqlite3.Error):
                raise _open_error(self.path, exc) from exc
            raise
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
        """Append to the change log the sync engine reads; call inside ``atomic()``.

        The row carries the change's HLC and the user signed in now (``sync.user``), if any.
        """
        assert self._depth, "log_change must run inside the mutation's transaction"
        hlc, user = self._stamp()
        self.conn.execute(
            "INSERT INTO changes (entity, entity_id, op, payload, at, hlc, user_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entity, entity_id, op, json.dumps(payload, ensure_ascii=False, default=str), to_text(utc_now()),
             str(hlc), user),
        )

    @property
    def device_id(self) -> str:
        """This device's id, e.g. ``01a23484-9dd6-7000-b9c0-96cf9c47feee`` (made on first use)."""
        return self.clock.node

    @property
    def clock(self) -> HlcClock:
        """This device's hybrid logical clock (node: the device id, made on first use)."""
        with self.lock:
            if self._clock is None:
                self._clock = HlcClock(_device_id(self), now_ms=self._wall_ms)
            return self._clock

    def _stamp(self) -> tuple[Hlc, str | None]:
        """The next HLC and the signed-in user's name.

        Another process (the sync command line) may have logged changes or taken in the server's
        clock meanwhile: its last values are read under the write lock and the clock moves past them.
        """
        last, seen, user = self.conn.execute(
            "SELECT (SELECT hlc FROM changes ORDER BY seq DESC LIMIT 1),"
            " (SELECT value FROM settings WHERE key = 'sync.hlc'),"
            " (SELECT value FROM settings WHERE key = 'sync.user')").fetchone()
        known = [Hlc.parse(text) for text in (last, json.loads(seen) if seen else None) if text]
        clock = self.clock
        hlc = clock.observe(max(known)) if known else clock.now()
        name = json.loads(user).get("name") if user else None
        return hlc, name

    def close(self) -> None:
        """Close the connection; a second call does nothing, and a failed ``optimize`` is only logged."""
        with self.lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.conn.execute(f"PRAGMA busy_timeout={CLOSE_BUSY_TIMEOUT_MS}")
                # Keeps the planner's statistics fresh for the ledger indexes (cheap, bounded).
                self.conn.execute("PRAGMA analysis_limit=1000")
                self.conn.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.warning("PRAGMA optimize skipped while closing %s: %s", self.path, exc)
            finally:
                self.conn.close()


def _device_id(store: Store) -> str:
    """This device's id, made once (UUIDv7) and kept in the settings."""
    with store.atomic():
        found = store.conn.execute("SELECT value FROM settings WHERE key = 'device_id'").fetchone()
        if found is not None:
            return json.loads(found[0])
        device_id = new_id()
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('device_id', ?)", (json.dumps(device_id),))
        return device_id


def _check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and prove a file can be made in it (WAL needs ``-wal``/``-shm``).

    :raises DataDirUnwritable: read-only, no permission, or a file where the folder should be.
    :raises StorageFull: the disk is full.
    """
    probe = folder / ".anxun-write-test"  # one name: a process killed right here leaves one small file
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600))
        probe.unlink(missing_ok=True)  # another process opening the folder may have removed it first
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(folder, str(exc)) from exc
        raise DataDirUnwritable(folder, str(exc)) from exc


def _use_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Switch to WAL, retrying while another process holds the lock (the switch does not wait by itself).

    :raises sqlite3.OperationalError: still locked after ``BUSY_TIMEOUT_S`` (the caller says StoreBusy).
    :raises StoreError: the file system cannot hold a WAL database.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.005
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
            continue
        if mode != "wal":  # e.g. a network share without shared memory
            raise StoreError(f"{path}: journal_mode is {mode!r}, WAL is not supported there",
                             f"数据目录 {path.parent} 不支持本应用的数据库格式，请换到本机存储")
        return


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged database before anything reads or writes it (O(size): ~0.2 s at 100 MB).

    :raises StoreCorrupt: naming the first problems ``PRAGMA quick_check`` found.
    """
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise StoreCorrupt(path, "; ".join(problems))


def _primary_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code, e.g. ``SQLITE_READONLY`` for ``SQLITE_READONLY_DBMOVED``."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _is_busy(exc: sqlite3.Error) -> bool:
    return _primary_code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc)


def _open_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """The typed, Chinese-worded error for a SQLite failure while opening ``path``."""
    code = _primary_code(exc)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in str(exc) \
            or "not a database" in str(exc):
        return StoreCorrupt(path, str(exc))
    if code == sqlite3.SQLITE_FULL:
        return StorageFull(path, str(exc))
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return DataDirUnwritable(path.parent, str(exc))
    if _is_busy(exc):
        return StoreBusy(path, str(exc))
    return StoreError(f"cannot open {path}: {exc}", f"无法打开数据库 {path}：{exc}")
