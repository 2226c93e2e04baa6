"""The schema and the hot statements compile for PostgreSQL: no SQLite-only SQL (no server here
to run them on; the SQLite tests run the same statements)."""

from __future__ import annotations

from sqlalchemy import create_mock_engine
from sqlalchemy.dialects import postgresql

from sync.server.entities import SPECS
from sync.server.tables import metadata


def test_the_schema_compiles_for_postgresql():
    statements: list[str] = []
    engine = create_mock_engine("postgresql+psycopg://", lambda sql, *a, **k: statements.append(
        str(sql.compile(dialect=engine.dialect))))
    metadata.create_all(engine, checkfirst=False)
    ddl = "\n".join(statements)
    assert "CREATE TABLE push_log" in ddl and "PRIMARY KEY (device_id, seq)" in ddl
    assert "JSONB" in ddl and "TIMESTAMP WITH TIME ZONE" in ddl
    assert "AUTOINCREMENT" not in ddl and "PRAGMA" not in ddl


def test_record_reads_lock_rows_on_postgresql():
    select = SPECS["hazard"]._locked_select
    assert "FOR UPDATE" in str(select.compile(dialect=postgresql.dialect()))
