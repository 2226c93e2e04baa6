"""Support snapshots: hostile or broken zips are refused before anything is written; a good one
lands whole, as the database it was; no secret leaves the device.

Every hostile input is generated here: zip bombs, symlink and path-escaping entries, a flipped
byte (bad CRC), an empty or foreign database, a newer schema, a stale WAL in the target.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from app.store import DB_FILE
from app.store.backup import BackupError, export_data, import_data
from app.store.secrets import SECRET_KEY_PREFIXES
from app.store.settings import put_setting
from tests.factories import jpeg_bytes

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def snapshot(device, site, tmp_path) -> Path:
    """A real export of a store with one inspection, one hazard and its photo (+ thumbnail)."""
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    out = tmp_path / "snapshot.zip"
    export_data(device.data_dir, out)
    return out


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(path: Path, out: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]] = (),
          drop: tuple[str, ...] = (), replace: dict[str, bytes] | None = None) -> Path:
    """A copy of the snapshot ``path`` with entries dropped, replaced or added (in that order, at the end)."""
    replace = replace or {}
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in drop:
                dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, data in extra:
            dst.writestr(name, data)
    return out


def sqlite_edit(database: bytes, change) -> bytes:  # noqa: ANN001 - change(conn) edits a copy
    """The bytes of ``database`` (b"" for a new one) after ``change`` ran on it, in rollback-journal mode."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.db"
        path.write_bytes(database)
        conn = sqlite3.connect(path)
        change(conn)
        conn.commit()
        conn.close()
        return path.read_bytes()


def assert_nothing_written(target: Path, existed: list[str] | None = None) -> None:
    """The target is as before (absent, or holding exactly ``existed``) and no staging folder is left."""
    if existed is None:
        assert not target.exists()
    else:
        assert sorted(os.listdir(target)) == existed
    assert [p.name for p in target.parent.iterdir() if ".import-" in p.name] == []


def assert_chinese(error: BackupError, *needles: str) -> None:
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)
    for needle in needles:
        assert needle in error.message, error.message


# --- zip bombs and hostile entries -------------------------------------------------------------

def test_zip_bomb_is_refused_before_anything_is_written(snapshot, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(DB_FILE, entries(snapshot)[DB_FILE])
        with zf.open("photos/ab/" + "a" * 64 + ".jpg", "w") as out:  # 256 MiB of zeros → ~250 KB
            zero = bytes(1024 * 1024)
            for _ in range(256):
                out.write(zero)
    assert bomb.stat().st_size < 1024 * 1024
    target = tmp_path / "restored"
    with pytest.raises(BackupError) as caught:
        import_data(bomb, target)
    assert_chinese(caught.value, "压缩炸弹")
    assert_nothing_written(target)


def test_snapshot_larger_than_the_cap_is_refused_before_writing(snapshot, tmp_path):
    # 2 MiB that does not compress, so only the size cap can refuse it.
    photos = [(f"photos/{n:02d}/{n:064d}.jpg", os.urandom(256 * 1024)) for n in range(8)]
    big = rezip(snapshot, tmp_path / "big.zip", extra=photos)
    target = tmp_path / "restored"
    with pytest.raises(BackupError) as caught:
        import_data(big, target, max_bytes=1024 * 1024)
    assert_chinese(caught.value, "上限")
    assert_nothing_written(target)


@pytest.mark.parametrize("name", ["../escape.jpg", "/etc/cron.d/x.jpg", "photos/../../escape.jpg",
                                  "photos\\..\\x.jpg", "anxun.db-wal", "anxun.db-shm", "notes.txt",
                                  "photos/.hidden.jpg"])
def test_entry_outside_the_snapshot_layout_is_refused(snapshot, tmp_path, name):
    hostile = rezip(snapshot, tmp_path / "hostile.zip", extra=[(name, b"x" * 100)])
    target = tmp_path / "restored"
    with pytest.raises(BackupError) as caught:
        import_data(hostile, target)
    assert_chinese(caught.value, "已拒绝导入")
    assert_nothing_written(target)
    assert not (tmp_path / "escape.jpg").exists()


def test_symlink_entry_is_refused(snapshot, tmp_path):
    link = zipfile.ZipInfo("photos/ab/" + "b" * 64 + ".jpg")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    hostile = rezip(snapshot, tmp_path / "link.zip", extra=[(link, b"/etc/passwd")])
    target = tmp_path / "restored"
    with pytest.raises(BackupError) as caught:
        import_data(hostile, target)
    assert_chinese(caught.value, "链接")
    assert_nothing_written(target)


def test_bad_crc_in_the_last_photo_leaves_no_half_restored_folder_and_a_retry_works(snapshot, tmp_path):
    raw = bytearray(snapshot.read_bytes())
    with zipfile.ZipFile(snapshot) as zf:
        last = zf.infolist()[-1]  # a stored (uncompressed) photo, after the database
        assert last.filename.startswith("photos/") and last.compress_type == zipfile.ZIP_STORED
        data_at = last.header_offset + 30 + len(last.filename.encode()) + len(last.extra)
    raw[data_at + 100] ^= 0xFF
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(raw))
    target = tmp_path / "restored"
    with pytest.raises(BackupError) as caught:
        import_data(broken, target)
    assert_chinese(caught.value, "损坏")
    assert_nothing_written(target)

    import_data(snapshot, target)  # the same folder takes the good snapshot
    assert (target / DB_FILE).exists() and len(list((target / "photos").rglob("*.jpg"))) == 2


def test_not_a_zip_is_refused(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(BackupError) as caught:
        import_data(junk, tmp_path / "restored")
    assert_chinese(caught.value, "不是有效的备份文件")
    assert_nothing_written(tmp_path / "restored")


# --- is it an AnXun store this app can open ----------------------------------------------------

def _other_app(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE sites (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO sites (url) VALUES ('https://example.org')")


@pytest.mark.parametrize("database,needle", [
    pytest.param(lambda snap: b"", "不是数据库文件", id="zero_bytes"),
    pytest.param(lambda snap: os.urandom(8192), "不是数据库文件", id="random_bytes"),
    pytest.param(lambda snap: sqlite_edit(b"", _other_app), "不是安巡的数据", id="unrelated_sqlite"),
    pytest.param(lambda snap: sqlite_edit(b"", lambda c: c.execute("PRAGMA user_version = 1")),
                 "不是安巡的数据", id="empty_sqlite"),
    pytest.param(lambda snap: newer_schema(snap), "更新版本", id="newer_schema"),
    pytest.param(lambda snap: damaged(snap), "损坏", id="damaged_page"),
])
def test_database_that_is_not_an_openable_anxun_store_is_refused(snapshot, tmp_path, database, needle):
    original = entries(snapshot)[DB_FILE]
    bad = rezip(snapshot, tmp_path / "bad.zip", replace={DB_FILE: database(original)})
    target = tmp_path / "restored"
    target.mkdir()  # an existing empty folder is a fine target
    with pytest.raises(BackupError) as caught:
        import_data(bad, target)
    assert_chinese(caught.value, needle)
    assert_nothing_written(target, existed=[])


def newer_schema(database: bytes) -> bytes:
    return sqlite_edit(database,
                       lambda c: c.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')"))


def damaged(database: bytes) -> bytes:
    """The database with the cells of the hazards table's root page overwritten (a bad flash block)."""
    found: dict[str, int] = {}
    sqlite_edit(database, lambda c: found.update(
        root=c.execute("SELECT rootpage FROM sqlite_master WHERE name = 'hazards'").fetchone()[0]))
    page_size = int.from_bytes(database[16:18], "big")
    start = (found["root"] - 1) * page_size
    broken = bytearray(database)
    broken[start + 8:start + page_size // 2] = os.urandom(page_size // 2 - 8)
    return bytes(broken)


# --- the target folder -------------------------------------------------------------------------

def stale_wal(tmp_path: Path) -> tuple[bytes, bytes]:
    """The -wal and -shm of another database, copied while a writer held them (as a crash leaves them)."""
    other = tmp_path / "other" / DB_FILE
    other.parent.mkdir()
    conn = sqlite3.connect(other, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE sites (id TEXT PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO sites VALUES ('x', '别的数据库')")
    wal, shm = other.with_name(DB_FILE + "-wal").read_bytes(), other.with_name(DB_FILE + "-shm").read_bytes()
    conn.close()
    return wal, shm


def test_stale_wal_in_the_target_is_refused_never_replayed(snapshot, tmp_path):
    wal, shm = stale_wal(tmp_path)
    target = tmp_path / "restored"
    target.mkdir()
    (target / (DB_FILE + "-wal")).write_bytes(wal)
    (target / (DB_FILE + "-shm")).write_bytes(shm)
    with pytest.raises(BackupError) as caught:
        import_data(snapshot, target)
    assert_chinese(caught.value, "不是空的", DB_FILE + "-wal")
    assert_nothing_written(target, existed=[DB_FILE + "-shm", DB_FILE + "-wal"])
    assert (target / (DB_FILE + "-wal")).read_bytes() == wal  # the user's files are untouched


def test_target_with_other_files_is_refused_untouched(snapshot, tmp_path):
    target = tmp_path / "restored"
    target.mkdir()
    (target / "现场记录.txt").write_text("别删我", encoding="utf-8")
    with pytest.raises(BackupError) as caught:
        import_data(snapshot, target)
    assert_chinese(caught.value, "不是空的")
    assert (target / "现场记录.txt").read_text(encoding="utf-8") == "别删我"
    assert_nothing_written(target, existed=["现场记录.txt"])


def test_import_restores_exactly_the_exported_store(device, snapshot, tmp_path):
    target = tmp_path / "nested" / "restored"
    counts = import_data(snapshot, target)
    assert counts == {"sites": 1, "hazards": 1, "photos": 2}
    assert sorted(p.name for p in target.iterdir()) == [DB_FILE, "photos"]
    copy = sqlite3.connect(target / DB_FILE)
    live = device.store
    for table in ("sites", "hazards", "answers", "photos", "photo_links", "changes"):
        assert copy.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == \
            [tuple(r) for r in live.conn.execute(f"SELECT * FROM {table} ORDER BY 1")], table
    copy.close()
    from app.store import Store

    Store(target / DB_FILE).close()  # and the app opens it


# --- secrets -----------------------------------------------------------------------------------

def test_snapshot_carries_no_password_and_no_sync_credentials(device, tmp_path):
    put_setting(device.store, "app_settings", {"password": "hunter2-秘密口令", "text_scale": 1.2})
    put_setting(device.store, "sync.credentials",
                {"url": "https://sync.example.cn", "token": "tok-0123456789abcdef"})
    put_setting(device.store, "sync.credentials.refresh", "refresh-fedcba9876543210")
    put_setting(device.store, "sync.pushed_seq", 7)
    out = tmp_path / "snapshot.zip"
    export_data(device.data_dir, out)

    raw = entries(out)[DB_FILE]
    for secret in ("hunter2", "tok-0123456789abcdef", "refresh-fedcba9876543210", "sync.example.cn"):
        assert secret.encode() not in raw  # not in any row, nor in a freed page
    restored = tmp_path / "restored"
    import_data(out, restored)
    conn = sqlite3.connect(restored / DB_FILE)
    settings = dict(conn.execute("SELECT key, value FROM settings"))
    conn.close()
    assert not [k for k in settings if k.startswith(SECRET_KEY_PREFIXES)]
    assert json.loads(settings["app_settings"]) == {"text_scale": 1.2}
    assert json.loads(settings["sync.pushed_seq"]) == 7  # ordinary settings travel
    # the device keeps its own
    assert "hunter2" in device.store.scalar("SELECT value FROM settings WHERE key = 'app_settings'")


# --- the command line --------------------------------------------------------------------------

def run_backup(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.store.backup", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          env={**os.environ, "LC_ALL": "C", "LANG": "C"})


def test_command_line_refusal_is_one_chinese_line_and_exit_1(snapshot, tmp_path):
    hostile = rezip(snapshot, tmp_path / "hostile.zip", extra=[("../escape.jpg", b"x")])
    proc = run_backup("import", hostile, tmp_path / "restored")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "已拒绝导入" in lines[0]
    assert_nothing_written(tmp_path / "restored")


def test_command_line_import_reports_what_it_restored(snapshot, tmp_path):
    proc = run_backup("import", snapshot, tmp_path / "restored")
    assert proc.returncode == 0, proc.stderr
    assert "1 sites, 1 hazards, 2 photo files" in proc.stderr

