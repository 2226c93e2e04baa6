"""The device store: migrations, Chinese search, photos through the device, backup."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.photos import PhotoError
from app.services import HazardEdit, LedgerFilter
from app.store import DB_FILE, SchemaTooNew, Store
from app.store.backup import BackupError, export_data, import_data
from app.store.migrations import MIGRATIONS, applied_versions, migrate
from tests.factories import jpeg_bytes

REPO = Path(__file__).resolve().parents[1]


def test_upgrade_from_a_first_version_database(tmp_path):
    path = tmp_path / DB_FILE
    old = sqlite3.connect(path, isolation_level=None)
    assert migrate(old, upto=1) == [1]
    old.execute("INSERT INTO sites (id, name, address, kind, grid, created_at, updated_at) VALUES "
                "('s1', '西林苑出租屋', '西林街道 3 幢', '群租房', '西林-02', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')")
    old.execute("INSERT INTO hazards (id, site_id, source, description, severity, status, deadline, "
                "created_at, updated_at) VALUES ('h1', 's1', 'manual', '楼梯间堆放杂物', '一般', '待整改', "
                "'2026-12-01', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')")
    old.close()

    store = Store(path)  # opening migrates forward
    assert applied_versions(store.conn) == [v for v, _, _ in MIGRATIONS]
    from datetime import date

    from app.store.hazards import query_hazards
    from app.store.sites import find_sites

    assert [s.id for s in find_sites(store, "西林苑")] == ["s1"]  # rows from v1 are searchable
    assert [h.id for h in query_hazards(store, today=date(2026, 11, 29), text="楼梯间")] == ["h1"]
    assert [h.id for h in query_hazards(store, today=date(2026, 11, 29), text="杂物")] == ["h1"]
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA journal_mode") == "wal"
    store.close()


def test_migrations_run_once_and_refuse_a_newer_database(tmp_path):
    path = tmp_path / DB_FILE
    Store(path).close()
    store = Store(path)
    assert migrate(store.conn) == []
    store.conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    with pytest.raises(SchemaTooNew, match="newer than this app knows") as caught:
        migrate(store.conn)
    assert "请先升级应用" in caught.value.message
    store.close()


def test_failed_migration_leaves_no_trace(tmp_path, monkeypatch):
    from app.store import migrations

    def broken(conn):
        conn.execute("CREATE TABLE half (x)")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (99, "broken", broken)])
    conn = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(conn)
    assert applied_versions(conn) == [v for v, _, _ in MIGRATIONS]  # all real ones, not 99
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0


@pytest.mark.parametrize("query,expected", [
    ("荷花池", ["荷花池街道 12 号群租房"]),        # 3+ characters: trigram index
    ("花池", ["荷花池街道 12 号群租房"]),          # 2 characters: LIKE fallback
    ("星", ["星港大厦"]),                         # 1 character
    ("新闸街道", ["星港大厦"]),                   # address
    ("西林-02", ["西林苑 3 幢"]),                 # grid
    ('"引号', []),                               # FTS syntax characters are literal text
    ("100%", []),
])
def test_site_search_finds_chinese_substrings(device, query, expected):
    device.sites.create(name="荷花池街道 12 号群租房", address="钟楼区荷花池街道 12 号", kind="群租房", grid="荷花池-01")
    device.sites.create(name="星港大厦", address="钟楼区新闸街道星港路 88 号", kind="高层公共建筑", grid="新闸-03")
    device.sites.create(name="西林苑 3 幢", address="西林街道", kind="群租房", grid="西林-02")
    assert [s.name for s in device.sites.search(query)] == expected


def test_site_filters_by_kind_and_grid(device):
    device.sites.create(name="甲", kind="群租房", grid="A")
    device.sites.create(name="乙", kind="高层住宅", grid="A")
    device.sites.create(name="丙", kind="群租房", grid="B")
    assert {s.name for s in device.sites.search(kind="群租房")} == {"甲", "丙"}
    assert [s.name for s in device.sites.search(kind="群租房", grid="A")] == ["甲"]
    assert device.sites.grids() == ["A", "B"]


def test_hazard_search_by_description_and_site_name(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A1", "是")
    other = device.sites.create(name="星港大厦", kind="群租房")
    device.hazards.create(site_id=other.id, description="电动自行车在门厅充电")
    assert [h.site_name for h in device.hazards.ledger(LedgerFilter(text="疏散通道"))] == [site.name]
    assert [h.site_name for h in device.hazards.ledger(LedgerFilter(text="充电"))] == ["星港大厦"]
    assert [h.site_name for h in device.hazards.ledger(LedgerFilter(text="星港"))] == ["星港大厦"]
    device.hazards.edit(device.hazards.ledger(LedgerFilter(text="疏散通道"))[0].id, HazardEdit(location="三楼东侧走道"))
    assert len(device.hazards.ledger(LedgerFilter(text="东侧走道"))) == 1


@pytest.mark.parametrize("query,found", [
    ("东侧", True), ("侧", True), ("道", True),     # bigram index: start, middle and last character
    ("西侧", False), ("东走", False),               # no false positives across windows
    ("3", True), ("三楼", True), ("楼", True),
])
def test_short_hazard_search(device, site, query, found):
    row = device.hazards.create(site_id=site.id, description="飞线充电", location="3 号楼三楼东侧走道")
    assert [h.id for h in device.hazards.ledger(LedgerFilter(text=query))] == ([row.id] if found else [])


def test_short_search_follows_edits_and_withdrawn_hazards(device, site):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    device.hazards.edit(hazard.id, HazardEdit(location="地下室"))
    assert [h.id for h in device.hazards.ledger(LedgerFilter(text="地下"))] == [hazard.id]
    device.hazards.edit(hazard.id, HazardEdit(location="屋顶"))
    assert device.hazards.ledger(LedgerFilter(text="地下")) == []
    device.inspections.answer(inspection.id, "A1", "否", withdraw=True)  # withdraws the hazard (confirmed)
    assert device.hazards.ledger(LedgerFilter(text="屋顶")) == []
    assert device.store.scalar("SELECT count(*) FROM hazards_grams") == 0


def test_site_needs_a_name_and_known_kind(device):
    from app.services import InvalidAnswer

    with pytest.raises(InvalidAnswer, match="场所名称"):
        device.sites.create(name="  ", kind="群租房")
    with pytest.raises(InvalidAnswer):
        device.sites.create(name="某地", kind="仓库")
    assert device.sites.search() == []


def test_hazard_photo_is_stored_by_hash_with_evidence(device, site):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    original = jpeg_bytes((3000, 2000))
    sha = device.evidence.add_to_hazard(hazard.id, original, gps=(31.78, 119.95), accuracy_m=8.0)
    stored = device.evidence.photo_path(sha).read_bytes()
    import hashlib

    assert hashlib.sha256(stored).hexdigest() == sha
    row = device.store.row("SELECT * FROM photos WHERE sha256 = ?", (sha,))
    assert row["original_sha256"] == hashlib.sha256(original).hexdigest()
    assert max(row["width"], row["height"]) == 1920
    assert (row["lat"], row["lon"], row["accuracy_m"]) == (31.78, 119.95, 8.0)
    assert device.hazards.get(hazard.id).photo_shas == [sha]
    assert device.evidence.thumb_path(sha).exists()
    # The same capture again (double tap, retried upload) is one photo, one link.
    assert device.evidence.add_to_hazard(hazard.id, original, gps=(31.78, 119.95)) == sha
    assert device.hazards.get(hazard.id).photo_shas == [sha]


@pytest.mark.parametrize("data", [b"not an image at all", jpeg_bytes()[:2000]])
def test_refused_photo_keeps_everything_else(device, site, data):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    with pytest.raises(PhotoError) as caught:
        device.evidence.add_to_hazard(hazard.id, data)
    assert caught.value.message
    assert device.hazards.get(hazard.id).photo_shas == []
    assert device.store.scalar("SELECT count(*) FROM photos") == 0
    assert device.inspections.state(inspection.id).answers["A1"].value == "是"


def test_review_photos_attach_to_the_review(device, site):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    device.hazards.transition(hazard.id, "待复查")
    device.reviews.record(hazard.id, reviewer="张三", passed=True, photos=[jpeg_bytes(colour=(10, 200, 10))])
    (review,) = device.reviews.of(hazard.id)
    assert len(review.photo_shas) == 1 and device.evidence.photo_path(review.photo_shas[0]).exists()


def test_refused_review_photo_records_no_review(device, site):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    device.hazards.transition(hazard.id, "待复查")
    with pytest.raises(PhotoError):
        device.reviews.record(hazard.id, reviewer="张三", passed=True, photos=[b"junk"])
    assert device.reviews.of(hazard.id) == [] and device.hazards.get(hazard.id).status == "待复查"


def test_export_snapshot_while_writing_and_import(device, site, tmp_path):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    stop = threading.Event()

    def keep_writing():
        n = 0
        while not stop.is_set():
            device.inspections.answer(inspection.id, "A3", n % 3)  # never over the limit: no new hazard
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        out = tmp_path / "snapshot.zip"
        result = subprocess.run([sys.executable, "-m", "app.store.backup", "export", str(device.data_dir), str(out)],
                                cwd=REPO, capture_output=True, text=True, timeout=60)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert "2 photo files" in result.stderr  # the photo and its thumbnail
    restored = tmp_path / "restored"
    import_data(out, restored)
    copy = sqlite3.connect(restored / DB_FILE)
    assert copy.execute("SELECT count(*) FROM hazards").fetchone()[0] == 1
    assert copy.execute("SELECT value FROM answers WHERE item_id = 'A1'").fetchone()[0] == '"是"'
    assert len(list((restored / "photos").rglob("*.jpg"))) == 2  # photo + thumbnail
    with pytest.raises(BackupError, match="empty folder"):
        import_data(out, restored)


def test_export_without_database_is_a_clear_error(tmp_path):
    with pytest.raises(BackupError, match="no database"):
        export_data(tmp_path, tmp_path / "x.zip")
