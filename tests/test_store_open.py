"""Opening the device store: concurrent first opens, broken or foreign files, read-only folders, closing.

Every refusal is a ``StoreError`` whose ``message`` is Chinese and, for a damaged database,
points to ``python -m app.store.backup import``; the command line prints that one line and
exits non-zero instead of a traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from app.domain.errors import AnXunError
from app.store import DB_FILE, Store, StoreError
from app.store.migrations import MIGRATIONS, applied_versions

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 29)
NEWEST = max(v for v, _, _ in MIGRATIONS)


def _open_after(barrier, folder: str, results) -> None:  # runs in a forked child
    try:
        barrier.wait(timeout=30)
        store = Store(Path(folder) / DB_FILE)
        versions = applied_versions(store.conn)
        store.close()
        results.put(("ok", versions))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def test_four_processes_opening_a_new_folder_at_once_all_succeed(tmp_path: Path) -> None:
    fork = multiprocessing.get_context("fork")
    rounds, per_round = 25, 4
    outcomes = []
    for n in range(rounds):
        folder = tmp_path / f"round{n}"
        barrier, results = fork.Barrier(per_round), fork.Queue()
        children = [fork.Process(target=_open_after, args=(barrier, str(folder), results))
                    for _ in range(per_round)]
        for child in children:
            child.start()
        outcomes += [results.get(timeout=60) for _ in children]
        for child in children:
            child.join(timeout=60)
        conn = sqlite3.connect(folder / DB_FILE)
        assert [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")] == \
            [v for v, _, _ in MIGRATIONS]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
    failures = [detail for status, detail in outcomes if status != "ok"]
    assert failures == []
    assert all(detail == [v for v, _, _ in MIGRATIONS] for _, detail in outcomes)


def filled_store(folder: Path, hazards: int = 400) -> Path:
    """A closed store with one site and ``hazards`` hazards (many pages), WAL checkpointed."""
    store = Store(folder / DB_FILE)
    now = "2026-11-01T00:00:00.000Z"
    with store.atomic() as conn:
        conn.execute("INSERT INTO sites (id, name, address, kind, grid, created_at, updated_at) VALUES"
                     " ('s1', '西林苑 3 幢', '新闸街道', '群租房', '西林-02', ?, ?)", (now, now))
        conn.executemany(
            "INSERT INTO hazards (id, site_id, source, description, severity, status, deadline, created_at,"
            " updated_at) VALUES (?, 's1', 'manual', ?, '一般', '待整改', '2026-12-01', ?, ?)",
            [(f"h{i}", f"{i} 号楼梯间堆放杂物，电动自行车停放在门厅" * 3, now, now) for i in range(hazards)])
    store.close()
    return folder / DB_FILE


def corrupt_page_of(path: Path, table: str) -> None:
    """Scribble over the middle of ``table``'s first leaf page, as a bad flash block would."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        page = bytearray(f.read(page_size))
        page[12:page_size // 2] = os.urandom(page_size // 2 - 12)  # keeps the page type, breaks the cells
        f.seek((root - 1) * page_size)
        f.write(page)


def open_fds_to(path: Path) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)):
            found.append(target)
    return found


def assert_chinese_refusal(error: AnXunError, *needles: str) -> None:
    assert isinstance(error, StoreError)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)
    for needle in needles:
        assert needle in error.message


def test_page_corrupted_database_is_refused_at_open_pointing_to_backup_import(tmp_path: Path) -> None:
    path = filled_store(tmp_path)
    corrupt_page_of(path, "hazards")
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert_chinese_refusal(caught.value, "损坏", "python -m app.store.backup import")
    assert open_fds_to(path) == []  # the failed open closed its connection


def test_file_that_is_not_a_database_is_refused_and_closed(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    path.write_bytes(b"PK\x03\x04 this is a zip, copied here by mistake" * 200)
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert_chinese_refusal(caught.value, "损坏", "python -m app.store.backup import")
    assert open_fds_to(path) == []
    assert path.read_bytes().startswith(b"PK\x03\x04")  # nothing written over the user's file


def test_another_apps_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE sites (id INTEGER PRIMARY KEY, url TEXT)")
    other.execute("INSERT INTO sites (url) VALUES ('https://example.org')")
    other.commit()
    other.close()
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert_chinese_refusal(caught.value, "不是安巡")
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {"sites"}


def test_database_from_a_newer_app_is_refused_with_a_chinese_message(tmp_path: Path) -> None:
    path = filled_store(tmp_path, hazards=1)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'future', 'now')", (NEWEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert_chinese_refusal(caught.value, "升级")
    assert open_fds_to(path) == []


def test_empty_database_file_opens_as_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    path.write_bytes(b"")
    store = Store(path)
    assert applied_versions(store.conn) == [v for v, _, _ in MIGRATIONS]
    store.close()


def test_close_survives_a_failing_optimize_and_releases_the_file(tmp_path: Path) -> None:
    store = Store(tmp_path / DB_FILE)
    store.rows("SELECT * FROM hazards WHERE status = '待整改'")
    # The connection refuses every PRAGMA from now on, as a read-only remount or a full disk would.
    store.conn.set_authorizer(lambda action, *args: sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_PRAGMA
                              else sqlite3.SQLITE_OK)
    store.close()  # no exception
    with pytest.raises(sqlite3.ProgrammingError):
        store.conn.execute("SELECT 1")
    assert open_fds_to(tmp_path / DB_FILE) == []
    store.close()  # closing twice is harmless


def test_close_does_not_hang_behind_another_writer(tmp_path: Path) -> None:
    store = Store(tmp_path / DB_FILE)
    for n in range(50):  # give ANALYZE something to do
        store.rows("SELECT * FROM hazards WHERE status = ? ORDER BY deadline", (str(n),))
    other = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        store.close()
        assert time.monotonic() - started < 5
    finally:
        other.execute("ROLLBACK")
        other.close()


# --- the command line -------------------------------------------------------------------------

def run_app(*args: str, readonly: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app", "--no-browser", "--port", "0", *args]
    if readonly and os.geteuid() == 0:
        # root writes anywhere; drop the capability so folder permissions apply as for a user.
        command = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                   "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def assert_one_line_refusal(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("with_database", [False, True])
def test_app_on_a_read_only_folder_says_so_and_exits(tmp_path: Path, with_database: bool) -> None:
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    folder = tmp_path / "readonly"
    folder.mkdir()
    if with_database:
        filled_store(folder, hazards=1)
    folder.chmod(0o555)
    try:
        proc = run_app("--data", str(folder), readonly=True)
    finally:
        folder.chmod(0o755)
    assert_one_line_refusal(proc, "无法写入", str(folder))


def test_demo_on_a_corrupt_database_says_so_and_exits(tmp_path: Path) -> None:
    (tmp_path / DB_FILE).write_bytes(os.urandom(64 * 1024))
    proc = run_app("--demo", "--data", str(tmp_path))
    assert_one_line_refusal(proc, "损坏", "python -m app.store.backup import")


def test_app_on_a_page_corrupted_database_says_so_and_exits(tmp_path: Path) -> None:
    corrupt_page_of(filled_store(tmp_path), "hazards")
    proc = run_app("--data", str(tmp_path))
    assert_one_line_refusal(proc, "损坏", "python -m app.store.backup import")
