"""The database behind the endpoint: an engine, read and write transactions, the schema.

SQLite (the embedded default) gets WAL, full fsync and ``BEGIN IMMEDIATE`` for writes, so two
writers queue on the lock instead of failing half-way; PostgreSQL needs none of that. SQL
itself stays portable: the same statements run on both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from sync.hlc import SERVER_NODE, Hlc, wall_ms

from .config import ServerSettings
from .files import PhotoFiles
from .tables import SCHEMA_VERSION, counters, metadata, server_meta

log = logging.getLogger(__name__)

FEED = "feed"


class DatabaseRefused(RuntimeError):
    """The database does not fit this server (made by a newer one, or by an older one that lacks
    columns this one stores); no record in it was touched."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Storage:
    """One endpoint's database and photo folder.

    :param settings: ``settings.database()`` names the database; created and checked on open.
    :raises DatabaseRefused: the database was made by a newer server version, or lacks a column
        this server stores (made by an older one: the server has no migrations yet).
    """

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = _engine(settings.database())
        self.files = PhotoFiles(settings.photos_dir())
        try:
            self._prepare()
        except DatabaseRefused:
            self.engine.dispose()
            raise

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One writing transaction, committed on success and rolled back on any error."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(anxun_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One reading transaction (a consistent snapshot on SQLite)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def _prepare(self) -> None:
        metadata.create_all(self.engine)
        missing = _missing_columns(self.engine)
        if missing:
            where = self.engine.url.render_as_string(hide_password=True)
            raise DatabaseRefused(f"server database {where} lacks columns this server stores: "
                                  f"{', '.join(missing)}; it was made by an older server and needs migrating")
        with self.write() as conn:
            found = conn.execute(select(server_meta.c.value).where(server_meta.c.key == "schema_version")).scalar()
            if found is not None and int(found) > SCHEMA_VERSION:
                raise DatabaseRefused(f"server database schema {found} is newer than this server "
                                      f"({SCHEMA_VERSION})")
        for statement in (
            insert(server_meta).values(key="schema_version", value=str(SCHEMA_VERSION)),
            insert(counters).values(name=FEED, value=0),
        ):
            try:  # another process (the CLI beside a running server) may have made it first
                with self.write() as conn:
                    conn.execute(statement)
            except IntegrityError:
                pass


def _missing_columns(engine: Engine) -> list[str]:
    """``table.column`` of each column the schema has and the database does not, e.g. a field added
    to a wire model (``create_all`` creates missing tables, never missing columns)."""
    inspector = inspect(engine)
    missing = []
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
    return missing


def next_numbers(conn: Connection, count: int, name: str = FEED) -> range:
    """Take ``count`` numbers from a counter inside the caller's transaction.

    The UPDATE locks the counter row until commit, so the numbers are handed out in commit
    order (anchors §8: a sequence taken before commit lets a reader skip a row).
    """
    conn.execute(update(counters).where(counters.c.name == name).values(value=counters.c.value + count))
    top = conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar_one()
    return range(top - count + 1, top + 1)


def current_number(conn: Connection, name: str = FEED) -> int:
    return conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar_one()


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself: pysqlite's own handling breaks SAVEPOINT.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # An acknowledged push must survive a power cut: the device prunes what we acknowledged.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A write takes the lock up front; a read-then-write upgrade could fail with SQLITE_BUSY.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("anxun_write") else "BEGIN")

    return engine


def server_clock() -> str:
    """The server's HLC now, for replies: a device observes it so its next edits sort after."""
    return str(Hlc(wall_ms(), 0, SERVER_NODE))
