"""A device upgrading from v1 checklists to v2 loses no draft; it installs only files it can read.

- A draft made on v1 renders, rates and completes on v1 after the app ships v2; new inspections
  use v2 — whether the device kept v1 itself or ran an app that kept no versions (schema 5 store).
- A checklist file says the oldest schema that can read it; the device refuses one it cannot read,
  naming the file and why, and nothing changes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import yaml

from app.services import ChecklistRefused, open_device
from app.store import DB_FILE
from app.store.migrations import MIGRATIONS, applied_versions, migrate
from checklists import load_file
from checklists.loader import SHIPPED_DIR
from tests.answers import finish_safely
from tests.factories import TODAY

ARCHIVE = SHIPPED_DIR / "archive"
DEVICE = "01a23484-9dd6-7000-b9c0-96cf9c47feee"
V1 = {path.name.split(".")[0]: load_file(path) for path in sorted(ARCHIVE.glob("*.v1.yaml"))}



def test_a_v1_draft_finishes_on_v1_after_the_app_ships_v2_and_new_inspections_use_v2(tmp_path: Path):
    data = tmp_path / "data"
    old_app = open_device(data, checklists=dict(V1), today=lambda: TODAY)
    site = old_app.sites.create(name="西林苑 3 幢出租屋", address="钟楼区西林街道西林苑 3 幢", kind="群租房")
    draft = old_app.inspections.start(site.id, "group_rental")
    old_app.inspections.answer(draft.id, "GR-07", 3)  # v1: the average area typed by hand
    old_app.inspections.answer(draft.id, "GR-10", "是")  # v1: 地下室/木结构/易燃易爆 in one item, 重大
    old_app.close()

    device = open_device(data, today=lambda: TODAY)  # the new app: v2 shipped
    (row,) = device.inspections.drafts()
    assert (row.inspection_id, row.checklist_title) == (draft.id, "群租房")
    state = device.inspections.state(draft.id)
    assert (state.checklist.version, state.checklist.schema_version) == (1, 1)
    assert {"GR-07", "GR-10"} <= set(state.hazards)  # rendered with v1's items
    assert state.hazards["GR-10"].severity == "重大"
    assert device.signoff.summary(draft.id).rating.colour == "红"  # rated by v1's rules
    finish_safely(device, draft.id)
    assert device.inspections.get(draft.id).status == "completed"

    fresh = device.sites.create(name="荷花池街道 12 号群租房", kind="群租房")
    new = device.inspections.start(fresh.id, "group_rental")
    assert new.checklist_version == 2
    assert "GR-07c" in [i.id for i in device.inspections.state(new.id).visible]
    device.close()


def _v5_store_with_a_v1_draft(path: Path) -> None:
    """A database as the app before checklists v2 left it: schema 5, a v1 draft with a hazard and a
    review, no checklist versions kept."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    assert migrate(conn, upto=5) == [1, 2, 3, 4, 5]
    now = "2026-11-20T02:00:00.000Z"
    conn.execute("INSERT INTO sites (id, name, address, kind, grid, created_at, updated_at) VALUES "
                  "('s1', '西林苑出租屋', '西林街道 3 幢', '群租房', '西林-02', ?, ?)", (now, now))
    conn.execute("INSERT INTO inspections (id, site_id, checklist_id, checklist_version, device_id, status, "
                 "current_item_id, started_at, updated_at) VALUES ('i1', 's1', 'group_rental', 1, ?, 'draft', "
                 "'GR-10', ?, ?)", (DEVICE, now, now))
    # the app kept its device id from its first start (a draft lists only on the device that made it)
    conn.execute("INSERT INTO settings (key, value) VALUES ('device_id', ?)", (json.dumps(DEVICE),))
    conn.execute("INSERT INTO answers (inspection_id, item_id, value, answered_at) VALUES ('i1', 'GR-10', '\"是\"', ?)",
                 (now,))
    conn.execute("INSERT INTO hazards (id, inspection_id, site_id, checklist_id, item_id, source, description, "
                 "severity, status, deadline, photo_required, created_at, updated_at, deadline_chosen) VALUES "
                 "('h1', 'i1', 's1', 'group_rental', 'GR-10', 'checklist', '地下室住人（检查结果：是）', '重大', "
                 "'待整改', '2026-12-20', 1, ?, ?, 1)", (now, now))
    conn.execute("INSERT INTO hazards (id, site_id, source, description, severity, status, deadline, created_at, "
                 "updated_at) VALUES ('h2', 's1', 'manual', '楼道飞线充电', '一般', '待复查', '2026-11-27', ?, ?)",
                 (now, now))
    conn.execute("INSERT INTO reviews (id, hazard_id, reviewer, reviewed_at, passed, note) VALUES "
                 "('r1', 'h2', '李四', ?, 0, '仍有飞线')", (now,))
    conn.close()


def test_a_schema_5_store_upgrades_in_one_migration_keeping_every_row(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    _v5_store_with_a_v1_draft(data / DB_FILE)
    device = open_device(data, today=lambda: TODAY)
    store = device.store
    assert applied_versions(store.conn) == [v for v, _, _ in MIGRATIONS] and MIGRATIONS[-1][0] == 8
    h1 = device.hazards.get("h1")
    assert (h1.source, h1.deadline, h1.deadline_chosen, h1.element_items) == ("checklist", date(2026, 12, 20), True, [])
    assert [r.note for r in device.reviews.of("h2")] == ["仍有飞线"]
    # the hazards' search indexes still point at the same rows
    assert [h.id for h in device.hazards.ledger(device_filter(text="飞线充电"))] == ["h2"]
    assert [h.id for h in device.hazards.ledger(device_filter(text="住人"))] == ["h1"]
    # reviews still refuse a hazard that does not exist
    with pytest.raises(sqlite3.IntegrityError):
        with store.atomic():
            store.conn.execute("INSERT INTO reviews (id, hazard_id, reviewer, reviewed_at, passed) "
                               "VALUES ('r2', 'nope', 'x', 'y', 1)")
    # a combination hazard can now be stored
    with store.atomic():
        store.conn.execute("INSERT INTO hazards (id, site_id, source, item_id, description, severity, status, "
                           "deadline, created_at, updated_at, element_items) VALUES ('h3', 's1', 'combination', "
                           "'combination:x', '疑似重大', '重大', '待整改', '2026-12-30', 'a', 'a', '[\"GR-08\"]')")
    device.close()


def device_filter(**fields):
    from app.services import LedgerFilter

    return LedgerFilter(**fields)


def test_a_draft_from_an_app_that_kept_no_versions_resumes_on_its_archived_version(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    _v5_store_with_a_v1_draft(data / DB_FILE)
    device = open_device(data, today=lambda: TODAY)
    state = device.inspections.state("i1")
    assert state.checklist.version == 1 and state.hazards["GR-10"].id == "h1"
    assert [d.inspection_id for d in device.inspections.drafts()] == ["i1"]
    finish_safely(device, "i1")
    # the device now keeps v1 itself
    kept = {(r["checklist_id"], r["version"]) for r in device.store.rows("SELECT * FROM checklist_versions")}
    assert ("group_rental", 1) in kept and ("group_rental", 2) in kept
    device.close()


# --- installing a checklist file --------------------------------------------------------------------

def _shipped_raw(checklist_id: str) -> dict:
    return yaml.safe_load((SHIPPED_DIR / f"{checklist_id}.yaml").read_text(encoding="utf-8"))


def _write(path: Path, raw: dict) -> Path:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_file_this_app_cannot_read_is_refused_naming_it_and_why_and_nothing_changes(tmp_path: Path):
    device = open_device(tmp_path / "data", today=lambda: TODAY)
    raw = {**_shipped_raw("group_rental"), "version": 3, "schema_version": 3, "min_schema_version": 3}
    path = _write(tmp_path / "group_rental.yaml", raw)
    with pytest.raises(ChecklistRefused) as refused:
        device.catalog.install(path)
    assert refused.value.message == "检查表文件“group_rental.yaml”未安装：该文件需要更新版本的应用才能读取，请先升级应用"
    assert "cannot be read by this app" in str(refused.value)
    assert "this app reads schema versions 1–2" in str(refused.value)
    assert device.catalog.get("group_rental").version == 2
    assert device.store.scalar("SELECT count(*) FROM checklist_versions WHERE version = 3") == 0
    device.close()


def test_a_newer_file_becomes_current_stays_after_reopening_and_drafts_keep_their_version(tmp_path: Path):
    data = tmp_path / "data"
    device = open_device(data, today=lambda: TODAY)
    site = device.sites.create(name="西林苑出租屋", kind="群租房")
    draft = device.inspections.start(site.id, "group_rental")
    raw = _shipped_raw("group_rental")
    raw["version"] = 3
    raw["title"] = "群租房（第三版）"
    installed = device.catalog.install(_write(tmp_path / "incoming.yaml", raw))
    assert device.catalog.get("group_rental") is installed
    device.close()

    device = open_device(data, today=lambda: TODAY)
    assert device.catalog.errors == []  # the older shipped file is not an error: a newer one is installed
    assert device.catalog.get("group_rental").title == "群租房（第三版）"
    assert device.inspections.state(draft.id).checklist.version == 2
    other = device.sites.create(name="新村路 12 号群租房", kind="群租房")
    assert device.inspections.start(other.id, "group_rental").checklist_version == 3
    device.close()


@pytest.mark.parametrize("change,reason", [
    ({"version": 1}, "版本低于本机正在使用的版本"),                  # older than the version in use
    ({"title": "群租房（改）"}, "该版本已在使用，内容不能更改，请以新版本号发布"),  # same version, other content
    ({"scope": ["不存在的场所"]}, "文件内容有误，请联系管理员"),          # invalid
])
def test_a_file_that_would_change_a_version_in_use_is_refused(tmp_path: Path, change, reason):
    device = open_device(tmp_path / "data", today=lambda: TODAY)
    path = _write(tmp_path / "group_rental.yaml", {**_shipped_raw("group_rental"), **change})
    with pytest.raises(ChecklistRefused) as refused:
        device.catalog.install(path)
    assert refused.value.message.endswith(reason)
    assert device.catalog.get("group_rental").title == "群租房"
    device.close()


def test_the_same_file_installed_twice_is_accepted(tmp_path: Path):
    device = open_device(tmp_path / "data", today=lambda: TODAY)
    copy = shutil.copy(SHIPPED_DIR / "group_rental.yaml", tmp_path / "group_rental.yaml")
    assert device.catalog.install(Path(copy)).version == 2
    device.close()


def test_every_version_the_device_used_is_kept_so_a_draft_outlives_its_checklist(tmp_path: Path):
    from app.services import Checklist
    from tests.factories import V2_SAMPLE

    data = tmp_path / "data"
    first = Checklist.model_validate(V2_SAMPLE)  # neither shipped nor archived: only the device has it
    device = open_device(data, checklists={"v2": first}, today=lambda: TODAY)
    site = device.sites.create(name="南大街商业步行街", kind="人员密集场所")
    draft = device.inspections.start(site.id, "v2")
    device.inspections.answer(draft.id, "E1", "是")
    device.close()

    second = Checklist.model_validate({**V2_SAMPLE, "version": 2, "title": "第二版测试检查表（修订）"})
    device = open_device(data, checklists={"v2": second}, today=lambda: TODAY)
    state = device.inspections.state(draft.id)
    assert (state.checklist.version, state.checklist.title) == (1, "第二版测试检查表")
    assert "E1" in state.hazards
    other = device.sites.create(name="星港大厦商场", kind="人员密集场所")
    assert device.inspections.start(other.id, "v2").checklist_version == 2
    device.close()


def test_a_kept_version_reads_back_equal():
    from app.services.checklist_versions import checklist_body, read_body
    from checklists import load_shipped

    for checklist in [*V1.values(), *load_shipped().checklists.values()]:
        assert read_body(checklist_body(checklist), checklist.id) == checklist, checklist.id


def test_a_kept_newer_version_that_cannot_be_read_back_never_lets_the_version_go_down(tmp_path: Path):
    data = tmp_path / "data"
    device = open_device(data, today=lambda: TODAY)
    raw = _shipped_raw("group_rental")
    raw["version"] = 3
    device.catalog.install(_write(tmp_path / "incoming.yaml", raw))
    device.store.conn.execute("UPDATE checklist_versions SET body = '{\"id\": \"group_rental\"}' WHERE version = 3")
    device.close()
    device = open_device(data, today=lambda: TODAY)
    assert not device.catalog.has("group_rental")  # not the shipped version 2 in its place
    assert any("version went down" in str(e) for e in device.catalog.errors)
    device.close()
