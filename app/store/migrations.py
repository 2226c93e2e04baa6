"""Forward-only schema migrations, each applied with its ``schema_migrations`` row in one transaction.

Over 400 lines on purpose: m001–m006 are history, kept exactly as devices ran them and read top to
bottom as the schema's story (m006 repeats the hazards DDL because it rebuilds that table). Newer
migrations live in their own modules (``m007_sync.py``, ``withdrawn.py``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from .errors import NotAnAnXunStore, SchemaTooNew
from .ids import to_text, utc_now
from .m007_sync import m007_sync
from .search import register_functions
from .withdrawn import m008_withdrawn_hazards

Migration = tuple[int, str, Callable[[sqlite3.Connection], None]]


def m001_core(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE sites (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(name) > 0),
            address TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            grid TEXT NOT NULL DEFAULT '',
            contact_name TEXT NOT NULL DEFAULT '',
            contact_phone TEXT NOT NULL DEFAULT '',
            lat REAL, lon REAL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE inspections (
            id TEXT PRIMARY KEY,
            site_id TEXT NOT NULL REFERENCES sites(id),
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            inspector_id TEXT NOT NULL DEFAULT '',
            inspector_name TEXT NOT NULL DEFAULT '',
            device_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('draft', 'completed')),
            current_item_id TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE answers (
            inspection_id TEXT NOT NULL REFERENCES inspections(id),
            item_id TEXT NOT NULL,
            value TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL,
            PRIMARY KEY (inspection_id, item_id)
        );
        CREATE TABLE signatures (
            inspection_id TEXT PRIMARY KEY REFERENCES inspections(id),
            signer_name TEXT NOT NULL,
            png BLOB NOT NULL,
            record_hash TEXT NOT NULL,
            signed_at TEXT NOT NULL
        );
        CREATE TABLE hazards (
            id TEXT PRIMARY KEY,
            inspection_id TEXT REFERENCES inspections(id),
            site_id TEXT NOT NULL REFERENCES sites(id),
            checklist_id TEXT,
            item_id TEXT,
            source TEXT NOT NULL CHECK (source IN ('checklist', 'manual')),
            description TEXT NOT NULL,
            location TEXT NOT NULL DEFAULT '',
            severity TEXT NOT NULL CHECK (severity IN ('一般', '重大')),
            status TEXT NOT NULL CHECK (status IN ('待整改', '整改中', '待复查', '已销号')),
            rect_unit TEXT NOT NULL DEFAULT '',
            requirement TEXT NOT NULL DEFAULT '',
            deadline TEXT NOT NULL,
            photo_required INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE UNIQUE INDEX hazards_one_per_item ON hazards (inspection_id, item_id)
            WHERE inspection_id IS NOT NULL AND item_id IS NOT NULL;
        CREATE TABLE reviews (
            id TEXT PRIMARY KEY,
            hazard_id TEXT NOT NULL REFERENCES hazards(id),
            reviewer TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            passed INTEGER NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE photos (
            sha256 TEXT PRIMARY KEY,
            original_sha256 TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            captured_at TEXT NOT NULL,
            lat REAL, lon REAL, accuracy_m REAL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE photo_links (
            photo_sha256 TEXT NOT NULL REFERENCES photos(sha256),
            owner_kind TEXT NOT NULL CHECK (owner_kind IN ('hazard', 'review', 'answer')),
            owner_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (owner_kind, owner_id, photo_sha256)
        );
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
            payload TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


def m002_ledger_indexes_and_search(conn: sqlite3.Connection) -> None:
    # Chinese has no spaces: the trigram tokenizer matches any substring of 3+ characters;
    # shorter queries fall back to LIKE over the same FTS table (see store.search).
    run_script(
        conn,
        """
        CREATE INDEX hazards_by_status ON hazards (status, deadline);
        CREATE INDEX hazards_by_site ON hazards (site_id, status);
        CREATE INDEX hazards_by_checklist ON hazards (checklist_id, status);
        CREATE INDEX hazards_by_severity ON hazards (severity, status);
        CREATE INDEX hazards_by_deadline ON hazards (deadline);
        CREATE INDEX hazards_by_inspection ON hazards (inspection_id);
        CREATE INDEX sites_by_grid ON sites (grid, kind);
        CREATE INDEX sites_by_kind ON sites (kind);
        CREATE INDEX inspections_by_site ON inspections (site_id, checklist_id, status);
        CREATE INDEX inspections_by_status ON inspections (status, updated_at);
        CREATE INDEX reviews_by_hazard ON reviews (hazard_id);

        CREATE VIRTUAL TABLE sites_fts USING fts5(
            name, address, grid, contact_name,
            content='sites', content_rowid='rowid', tokenize='trigram'
        );
        CREATE TRIGGER sites_fts_ai AFTER INSERT ON sites BEGIN
            INSERT INTO sites_fts(rowid, name, address, grid, contact_name)
            VALUES (new.rowid, new.name, new.address, new.grid, new.contact_name);
        END;
        CREATE TRIGGER sites_fts_ad AFTER DELETE ON sites BEGIN
            INSERT INTO sites_fts(sites_fts, rowid, name, address, grid, contact_name)
            VALUES ('delete', old.rowid, old.name, old.address, old.grid, old.contact_name);
        END;
        CREATE TRIGGER sites_fts_au AFTER UPDATE ON sites BEGIN
            INSERT INTO sites_fts(sites_fts, rowid, name, address, grid, contact_name)
            VALUES ('delete', old.rowid, old.name, old.address, old.grid, old.contact_name);
            INSERT INTO sites_fts(rowid, name, address, grid, contact_name)
            VALUES (new.rowid, new.name, new.address, new.grid, new.contact_name);
        END;
        INSERT INTO sites_fts(sites_fts) VALUES ('rebuild');

        CREATE VIRTUAL TABLE hazards_fts USING fts5(
            description, location, rect_unit,
            content='hazards', content_rowid='rowid', tokenize='trigram'
        );
        CREATE TRIGGER hazards_fts_ai AFTER INSERT ON hazards BEGIN
            INSERT INTO hazards_fts(rowid, description, location, rect_unit)
            VALUES (new.rowid, new.description, new.location, new.rect_unit);
        END;
        CREATE TRIGGER hazards_fts_ad AFTER DELETE ON hazards BEGIN
            INSERT INTO hazards_fts(hazards_fts, rowid, description, location, rect_unit)
            VALUES ('delete', old.rowid, old.description, old.location, old.rect_unit);
        END;
        CREATE TRIGGER hazards_fts_au AFTER UPDATE OF description, location, rect_unit ON hazards BEGIN
            INSERT INTO hazards_fts(hazards_fts, rowid, description, location, rect_unit)
            VALUES ('delete', old.rowid, old.description, old.location, old.rect_unit);
            INSERT INTO hazards_fts(rowid, description, location, rect_unit)
            VALUES (new.rowid, new.description, new.location, new.rect_unit);
        END;
        INSERT INTO hazards_fts(hazards_fts) VALUES ('rebuild');
        """
    )


def m003_ledger_order_and_short_search(conn: sqlite3.Connection) -> None:
    # The ledger pages by (deadline, created_at) under each filter; these indexes let a page
    # stop after 50 rows instead of sorting every match. Short queries (1–2 characters, e.g.
    # 消防) cannot use the trigram index, so hazards also get a bigram index: search_grams()
    # (registered on every Store connection) writes each 2-character window as a token.
    run_script(
        conn,
        """
        DROP INDEX hazards_by_status;
        DROP INDEX hazards_by_checklist;
        DROP INDEX hazards_by_severity;
        DROP INDEX hazards_by_deadline;
        CREATE INDEX hazards_by_deadline ON hazards (deadline, created_at, status, severity, checklist_id);
        CREATE INDEX hazards_by_status ON hazards (status, deadline, created_at, severity, checklist_id);
        CREATE INDEX hazards_by_severity ON hazards (severity, deadline, created_at, status, checklist_id);
        CREATE INDEX hazards_by_checklist ON hazards (checklist_id, deadline, created_at, status, severity);

        CREATE VIRTUAL TABLE hazards_grams USING fts5(grams, tokenize='unicode61', detail=none);
        CREATE TRIGGER hazards_grams_ai AFTER INSERT ON hazards BEGIN
            INSERT INTO hazards_grams(rowid, grams)
            VALUES (new.rowid, search_grams(new.description, new.location, new.rect_unit));
        END;
        CREATE TRIGGER hazards_grams_ad AFTER DELETE ON hazards BEGIN
            DELETE FROM hazards_grams WHERE rowid = old.rowid;
        END;
        CREATE TRIGGER hazards_grams_au AFTER UPDATE OF description, location, rect_unit ON hazards BEGIN
            DELETE FROM hazards_grams WHERE rowid = old.rowid;
            INSERT INTO hazards_grams(rowid, grams)
            VALUES (new.rowid, search_grams(new.description, new.location, new.rect_unit));
        END;
        INSERT INTO hazards_grams(rowid, grams)
            SELECT rowid, search_grams(description, location, rect_unit) FROM hazards;
        """,
    )


def m004_deadline_chosen(conn: sqlite3.Connection) -> None:
    # Whether the inspector set 整改期限 by hand: a default one follows a severity change.
    run_script(conn, "ALTER TABLE hazards ADD COLUMN deadline_chosen INTEGER NOT NULL DEFAULT 0;")


def m005_fast_common_words(conn: sqlite3.Connection) -> None:
    # A word in thousands of hazards (消防: about half) is searched by walking the ledger order
    # and testing each row until the page is full. With the text and the filter columns in the
    # index entry SQLite tests them there and reads a table row only for a row on the page
    # (~0.3 µs an entry instead of ~2 µs). It replaces m003's hazards_by_deadline, its prefix.
    # Every hazard search also looks for the text in site names and addresses: sites get the
    # bigram index hazards have, so a 2-character word needs no scan of every site.
    run_script(
        conn,
        """
        DROP INDEX hazards_by_deadline;
        CREATE INDEX hazards_by_deadline_with_text ON hazards
            (deadline, created_at, status, severity, checklist_id, site_id, description, location, rect_unit);

        CREATE VIRTUAL TABLE sites_grams USING fts5(grams, tokenize='unicode61', detail=none);
        CREATE TRIGGER sites_grams_ai AFTER INSERT ON sites BEGIN
            INSERT INTO sites_grams(rowid, grams)
            VALUES (new.rowid, search_grams(new.name, new.address, new.grid, new.contact_name));
        END;
        CREATE TRIGGER sites_grams_ad AFTER DELETE ON sites BEGIN
            DELETE FROM sites_grams WHERE rowid = old.rowid;
        END;
        CREATE TRIGGER sites_grams_au AFTER UPDATE OF name, address, grid, contact_name ON sites BEGIN
            DELETE FROM sites_grams WHERE rowid = old.rowid;
            INSERT INTO sites_grams(rowid, grams)
            VALUES (new.rowid, search_grams(new.name, new.address, new.grid, new.contact_name));
        END;
        INSERT INTO sites_grams(rowid, grams)
            SELECT rowid, search_grams(name, address, grid, contact_name) FROM sites;
        """,
    )


_HAZARDS_V6 = """
    CREATE TABLE hazards (
        id TEXT PRIMARY KEY,
        inspection_id TEXT REFERENCES inspections(id),
        site_id TEXT NOT NULL REFERENCES sites(id),
        checklist_id TEXT,
        item_id TEXT,
        source TEXT NOT NULL CHECK (source IN ('checklist', 'manual', 'combination')),
        description TEXT NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        severity TEXT NOT NULL CHECK (severity IN ('一般', '重大')),
        status TEXT NOT NULL CHECK (status IN ('待整改', '整改中', '待复查', '已销号')),
        rect_unit TEXT NOT NULL DEFAULT '',
        requirement TEXT NOT NULL DEFAULT '',
        deadline TEXT NOT NULL,
        photo_required INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT,
        deadline_chosen INTEGER NOT NULL DEFAULT 0,
        element_items TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(element_items))
    )
"""
_HAZARD_COLUMNS = ("id, inspection_id, site_id, checklist_id, item_id, source, description, location, severity, "
                   "status, rect_unit, requirement, deadline, photo_required, created_at, updated_at, closed_at, "
                   "deadline_chosen")


def m006_checklists_v2(conn: sqlite3.Connection) -> None:
    # Checklists v2 (issue 11):
    # - a hazard can be raised by a 综合判定 rule (source 'combination'), linked to the items whose
    #   hazards it was counted from (element_items, a JSON list of item ids of the same inspection);
    # - 预警 and 记录并报告 findings are kept apart from hazards (they never go on a 告知单);
    # - every checklist version the device has used is kept, so a draft finishes on its own version.
    #
    # SQLite cannot change a CHECK constraint in place: hazards is rebuilt. PRAGMA foreign_keys
    # cannot change inside this migration's transaction, so reviews' references to hazards are
    # deferred instead: dropping the table counts them as violations, copying the rows back into
    # the new table (same ids, same rowids, so the FTS indexes stay valid) resolves them before
    # COMMIT. Indexes and triggers are taken from the schema as it is and recreated after the copy
    # (the rows are already in the FTS tables, so the copy must not fire the triggers).
    conn.execute("PRAGMA defer_foreign_keys = ON")
    dependents = [row[0] for row in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'hazards' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL ORDER BY type, name")]
    # A folder of the sync branch ran migration 7 before this one existed: keep its column.
    had_listed = "listed" in {row[1] for row in conn.execute("PRAGMA table_info(hazards)")}
    columns = _HAZARD_COLUMNS + (", listed" if had_listed else "")
    conn.execute(f"CREATE TEMP TABLE hazards_v5 AS SELECT rowid AS old_rowid, {columns} FROM hazards")
    conn.execute("DROP TABLE hazards")
    conn.execute(_HAZARDS_V6)
    if had_listed:
        conn.execute("ALTER TABLE hazards ADD COLUMN listed INTEGER NOT NULL DEFAULT 0")
    conn.execute(f"INSERT INTO hazards (rowid, {columns}) SELECT old_rowid, {columns} FROM hazards_v5")
    conn.execute("DROP TABLE temp.hazards_v5")
    for sql in dependents:
        conn.execute(sql)
    run_script(
        conn,
        """
        CREATE TABLE findings (
            inspection_id TEXT NOT NULL REFERENCES inspections(id),
            item_id TEXT NOT NULL,
            checklist_id TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('预警', '记录并报告')),
            text TEXT NOT NULL,
            requirement TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (inspection_id, item_id)
        );
        CREATE INDEX findings_by_level ON findings (level, created_at);

        CREATE TABLE checklist_versions (
            checklist_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            schema_version INTEGER NOT NULL,
            body TEXT NOT NULL CHECK (json_valid(body)),
            sha256 TEXT NOT NULL,
            stored_at TEXT NOT NULL,
            PRIMARY KEY (checklist_id, version)
        );
        """,
    )


MIGRATIONS: list[Migration] = [
    (1, "core", m001_core),
    (2, "ledger_indexes_and_search", m002_ledger_indexes_and_search),
    (3, "ledger_order_and_short_search", m003_ledger_order_and_short_search),
    (4, "deadline_chosen", m004_deadline_chosen),
    (5, "fast_common_words", m005_fast_common_words),
    (6, "checklists_v2", m006_checklists_v2),
    (7, "sync", m007_sync),
    (8, "withdrawn_hazards", m008_withdrawn_hazards),
]


def applied_versions(conn: sqlite3.Connection) -> list[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]


def migrate(conn: sqlite3.Connection, *, upto: int | None = None) -> list[int]:
    """Apply pending migrations in order; returns the versions applied now.

    Several processes may open a new data folder at once: each migration runs under the write
    lock (``BEGIN IMMEDIATE``) with the applied versions read inside it, so a version another
    process applied meanwhile is seen and skipped, never applied twice.

    :param upto: stop after this version (tests build a database "as version 1 made it").
    :raises NotAnAnXunStore: the database holds tables but no migration record (another program's file).
    :raises SchemaTooNew: a version newer than this app knows has been applied.
    """
    register_functions(conn)  # m003's triggers and backfill call search_grams()
    if not _pending(read_versions(conn), upto):  # the usual open: nothing to do, no write lock
        return []
    applied = []
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            pending = _pending(applied_versions(conn), upto)
            if not pending:
                conn.execute("COMMIT")
                return applied
            version, name, apply = pending[0]
            apply(conn)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, to_text(utc_now())),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)


def read_versions(conn: sqlite3.Connection) -> list[int]:
    """Applied versions, read without writing (``applied_versions`` creates the table).

    :raises NotAnAnXunStore: the database holds tables but no migration record.
    """
    conn.execute("BEGIN")  # one snapshot: another process may commit its first migration meanwhile
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")]
        if "schema_migrations" in tables:
            return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    finally:
        conn.execute("COMMIT")
    if tables:
        raise NotAnAnXunStore(_db_path(conn), f"tables {tables[:5]} but no schema_migrations")
    return []


def _pending(done: list[int], upto: int | None) -> list[Migration]:
    known = max(v for v, _, _ in MIGRATIONS)
    newest = max(done, default=0)
    if newest > known:
        raise SchemaTooNew(newest, known)
    return [m for m in MIGRATIONS if m[0] not in done and (upto is None or m[0] <= upto)]


def _db_path(conn: sqlite3.Connection) -> Path:
    return Path(conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:")


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run a multi-statement script inside the caller's transaction.

    ``executescript`` would COMMIT first and break the one-transaction-per-migration rule.
    """
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            conn.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:60]}")
