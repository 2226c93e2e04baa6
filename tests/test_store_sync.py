"""The device store's side of sync: migration 7 on a store older versions made, the change log's
HLC and user, what is waiting counted as a person counts it, and pulled records applied."""

from __future__ import annotations

import hashlib
import json
import sqlite3

from app.store import DB_FILE, Store, inbox, outbox
from app.store.m007_sync import m007_sync
from app.store.migrations import MIGRATIONS, migrate
from app.store.withdrawn import m008_withdrawn_hazards
from sync.hlc import Hlc
from sync.protocol import RECORD_FIELDS
from tests.factories import jpeg_bytes, png_bytes

DEVICE = "01a23484-9dd6-7000-b9c0-96cf9c47feee"


def test_migration_7_removes_the_plain_text_password_and_keeps_the_server_to_sign_in_again(tmp_path):
    conn = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    migrate(conn, upto=5)
    settings = {"inspector_name": "王芳", "endpoint_url": "https://sync.example.cn", "username": "wang",
                "password": "hunter2-秘密口令", "photo_quality": 80}
    conn.execute("INSERT INTO settings VALUES ('app_settings', ?)", (json.dumps(settings, ensure_ascii=False),))
    conn.close()

    store = Store(tmp_path / DB_FILE)

    kept = json.loads(store.scalar("SELECT value FROM settings WHERE key = 'app_settings'"))
    assert kept == {"inspector_name": "王芳", "photo_quality": 80}
    assert json.loads(store.scalar("SELECT value FROM settings WHERE key = 'sync.credentials'")) == {
        "server": "https://sync.example.cn", "user": "wang", "token": None}
    store.close()
    for path in tmp_path.iterdir():
        assert b"hunter2" not in path.read_bytes()


def test_migration_7_gives_old_changes_an_hlc_in_their_order_and_names_the_signature_image(tmp_path):
    conn = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    migrate(conn, upto=5)
    png = png_bytes()
    conn.execute("INSERT INTO settings VALUES ('device_id', ?)", (json.dumps(DEVICE),))
    conn.execute("INSERT INTO sites VALUES ('s1', '星港大厦', '', '高层公共建筑', '', '', '', NULL, NULL, "
                 "'2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')")
    conn.execute("INSERT INTO inspections VALUES ('i1', 's1', 'sample', 1, '', '', ?, 'draft', NULL, "
                 "'2026-11-01T00:00:00.000Z', NULL, '2026-11-01T00:00:00.000Z')", (DEVICE,))
    conn.execute("INSERT INTO signatures VALUES ('i1', '张三', ?, 'h2', '2026-11-01T00:00:02.000Z')", (png,))
    conn.execute("INSERT INTO photos VALUES (?, ?, 10, 10, 100, '2026-11-01T00:00:00.000Z', NULL, NULL, NULL, "
                 "'2026-11-01T00:00:03.000Z')", ("a" * 64, "b" * 64))
    same_ms = "2026-11-01T00:00:01.000Z"
    for at, entity, entity_id, payload in [
        (same_ms, "site", "s1", {"id": "s1"}),
        (same_ms, "signature", "i1", {"inspection_id": "i1", "record_hash": "h1", "png_bytes": 10}),
        ("2026-11-01T00:00:00.500Z", "photo", "a" * 64, {"sha256": "a" * 64}),  # a clock stepped back
        ("2026-11-01T00:00:02.000Z", "signature", "i1", {"inspection_id": "i1", "record_hash": "h2",
                                                         "png_bytes": len(png)}),
    ]:
        conn.execute("INSERT INTO changes (entity, entity_id, op, payload, at) VALUES (?, ?, 'update', ?, ?)",
                     (entity, entity_id, json.dumps(payload), at))
    conn.close()

    store = Store(tmp_path / DB_FILE)

    rows = store.rows("SELECT * FROM changes ORDER BY seq")
    stamps = [Hlc.parse(r["hlc"]) for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4 and {s.node for s in stamps} == {DEVICE}
    payloads = [json.loads(r["payload"]) for r in rows]
    assert "png_sha256" not in payloads[1]  # an older signature: its image is gone
    assert payloads[3]["png_sha256"] == hashlib.sha256(png).hexdigest()  # the one that stands names its image
    assert payloads[2]["created_at"] == "2026-11-01T00:00:03.000Z"
    assert store.scalar("SELECT png_sha256 FROM signatures") == hashlib.sha256(png).hexdigest()
    assert store.device_id == DEVICE
    with store.atomic():
        store.log_change("site", "s1", "update", {"id": "s1", "name": "星港大厦 A 座"})
    assert Hlc.parse(store.scalar("SELECT hlc FROM changes ORDER BY seq DESC LIMIT 1")) > stamps[-1]
    store.close()


def test_a_folder_that_took_migration_7_before_6_keeps_its_listed_hazards_and_takes_6(tmp_path):
    # A folder of the sync branch, made before checklists v2 (migration 6) was merged beside it.
    conn = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    migrate(conn, upto=5)
    conn.execute("BEGIN")
    m007_sync(conn)
    conn.execute("INSERT INTO schema_migrations VALUES (7, 'sync', '2026-11-20T00:00:00.000Z')")
    conn.execute("COMMIT")
    conn.execute("INSERT INTO sites VALUES ('s1', '星港大厦', '', '高层公共建筑', '', '', '', NULL, NULL, "
                 "'2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')")
    conn.execute("INSERT INTO hazards (id, site_id, source, description, severity, status, deadline, created_at,"
                 " updated_at, listed) VALUES ('h1', 's1', 'manual', '消防车通道被占用', '重大', '待整改', "
                 "'2026-12-01', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', 1)")
    conn.close()

    store = Store(tmp_path / DB_FILE)

    assert [r["version"] for r in store.rows("SELECT version FROM schema_migrations ORDER BY version")] == [
        v for v, _, _ in MIGRATIONS]
    row = store.rows("SELECT listed, element_items FROM hazards WHERE id = 'h1'")[0]
    assert row == {"listed": 1, "element_items": "[]"}
    store.close()


def test_a_folder_that_took_migration_8_before_7_takes_7_and_its_changes_get_an_hlc(tmp_path):
    # A folder of the field-UX app (migration 8), made before the sync engine was merged beside it.
    conn = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    migrate(conn, upto=6)
    conn.execute("BEGIN")
    m008_withdrawn_hazards(conn)
    conn.execute("INSERT INTO schema_migrations VALUES (8, 'withdrawn_hazards', '2026-11-20T00:00:00.000Z')")
    conn.execute("COMMIT")
    conn.execute("INSERT INTO settings VALUES ('device_id', ?)", (json.dumps(DEVICE),))
    conn.execute("INSERT INTO changes (entity, entity_id, op, payload, at) VALUES ('site', 's1', 'insert', "
                 "'{\"id\": \"s1\"}', '2026-11-01T00:00:01.000Z')")
    conn.close()

    store = Store(tmp_path / DB_FILE)

    assert [r["version"] for r in store.rows("SELECT version FROM schema_migrations ORDER BY version")] == [
        v for v, _, _ in MIGRATIONS]
    assert Hlc.parse(store.scalar("SELECT hlc FROM changes")).node == DEVICE
    assert store.scalar("SELECT count(*) FROM withdrawn_hazards") == 0
    store.close()


def test_a_new_change_sorts_after_what_another_process_saw_of_the_servers_clock(device):
    ahead = Hlc(device.store.clock.last.ms + 3_600_000, 7, "server")  # the command line synced meanwhile
    device.store.conn.execute("INSERT INTO settings VALUES ('sync.hlc', ?)", (json.dumps(str(ahead)),))

    site = device.sites.create(name="星港大厦", kind="群租房")

    stamp = Hlc.parse(device.store.scalar("SELECT hlc FROM changes WHERE entity_id = ?", (site.id,)))
    assert stamp > ahead and stamp.node == device.device_id


def test_what_is_waiting_counts_inspections_hazards_photos_and_sites_not_rows(device, site):
    inspection = device.inspections.start(site.id, "sample")
    for item, value in (("A1", "是"), ("A2", "否"), ("A3", 5), ("B1", "否")):
        device.inspections.answer(inspection.id, item, value)
    hazard = device.inspections.state(inspection.id).hazards["A1"]
    device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    device.evidence.add_to_hazard(hazard.id, jpeg_bytes(colour=(10, 200, 10)))

    waiting = outbox.pending(device.store)

    assert (waiting.inspections, waiting.hazards, waiting.photos, waiting.sites) == (1, 3, 2, 1)
    assert waiting.changes == device.store.scalar("SELECT count(*) FROM changes") > 10


def test_a_pulled_page_applies_whole_with_its_cursor_and_writes_no_change_rows(device):
    site = {"id": "s9", "name": "西林苑 3 幢", "address": "", "kind": "群租房", "grid": "西林-02", "contact_name": "",
            "contact_phone": "", "lat": None, "lon": None, "created_at": "2026-11-01T00:00:00.000Z",
            "updated_at": "2026-11-01T00:00:00.000Z"}
    hazard = {"id": "h9", "inspection_id": None, "site_id": "s9", "checklist_id": None, "item_id": None,
              "source": "manual", "description": "楼道堆物", "location": "", "severity": "一般", "status": "待整改",
              "rect_unit": "", "requirement": "", "deadline": "2026-12-09", "deadline_chosen": False,
              "photo_required": False, "created_at": "2026-11-01T00:00:00.000Z",
              "updated_at": "2026-11-01T00:00:00.000Z", "closed_at": None, "listed": True}
    before = device.store.scalar("SELECT count(*) FROM changes")

    done = inbox.apply_page(device.store, [{"entity": "hazard", "id": "h9", "op": "upsert", "fields": hazard},
                                           {"entity": "site", "id": "s9", "op": "upsert", "fields": site}], "42")

    assert done.parked == 1 and done.unparked == 1  # the hazard waited for its site, in the same page
    assert device.hazards.get("h9").listed is True and inbox.cursor(device.store) == "42"
    assert device.store.scalar("SELECT count(*) FROM changes") == before
    inbox.apply_page(device.store, [{"entity": "hazard", "id": "h9", "op": "delete", "fields": {"id": "h9"}}], "43")
    assert device.store.scalar("SELECT count(*) FROM hazards WHERE id = 'h9'") == 0


def test_a_fresh_device_has_a_column_for_every_field_the_server_sends(tmp_path):
    store = Store(tmp_path / DB_FILE)
    missing = []
    for entity, table in inbox.PULLED_TABLES.items():
        present = {row[1] for row in store.conn.execute(f"PRAGMA table_info({table.name})")}
        missing += [f"{entity} → {table.name}.{column}" for column in table.columns if column not in present]
    store.close()
    assert inbox.PULLED_TABLES.keys() == RECORD_FIELDS.keys() - {"office"}  # the office's is a setting
    assert not missing, "a wire field the device cannot store (a pull would fail): " + ", ".join(missing)
