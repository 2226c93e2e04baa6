"""The office's settings for its district (红黄蓝 rules, item levels, check methods hidden per role)
reach every device: a 管理员 sets them, the next sync puts them in force, settings that name
something no checklist has are refused before any device sees them."""

from __future__ import annotations

import json

import pytest
from client_support import sign_in, site_in
from sync_support import server_command

from app.services import open_device
from app.store import inbox
from checklists import ChecklistError
from checklists.loader import SHIPPED_DIR
from sync.server.publish import publish_checklist
from tests.factories import TODAY, next_edition

#: A district that makes the 危废 storage period a hard limit and keeps instruments from 网格员.
SETTINGS = {"levels": {"hw_storage": {"HW-18a": "隐患"}}, "hidden_methods": {"网格员": ["仪器测量"]}}
#: A 生命通道 item checked with an instrument (照度计).
MEASURED_ITEM = "LC-04"


@pytest.fixture
def device(new_device):
    """A device with the shipped checklists, on a fixed inspector's day."""
    return new_device("device", shipped=True)


def visible_items(device, name: str) -> set[str]:
    site = site_in(device, name=name)
    inspection = device.inspections.start(site.id, "lifeline")
    return {item.id for item in device.inspections.state(inspection.id).visible}


def test_settings_a_manager_sets_are_in_force_on_a_grid_workers_device_after_its_next_sync(server, device):
    sign_in(device, server, "wang")  # a 网格员
    device.sync.run(60)
    assert MEASURED_ITEM in visible_items(device, "荷花池街道 12 号")

    reply = server.sign_in("li").http.put("/v1/office/settings", json=SETTINGS)
    assert reply.status_code == 200, reply.text
    assert reply.json()["version"] == 1 and reply.json()["set_by"] == "li"
    device.sync.run(60)

    assert device.office.config().level_of("hw_storage", "HW-18a", "预警") == "隐患"
    assert MEASURED_ITEM not in visible_items(device, "荷花池街道 14 号")


def test_every_grid_pulls_the_settings_and_a_change_arrives_as_a_new_version(server):
    admin = server.sign_in("li")
    admin.http.put("/v1/office/settings", json=SETTINGS)
    admin.http.put("/v1/office/settings", json={**SETTINGS, "repeat_within_days": 180})

    for name in ("wang", "zhao"):  # two grids
        [record] = [r for r in server.sign_in(name).pull_all() if r["entity"] == "office"]
        assert record["fields"]["version"] == 2 and record["fields"]["config"]["repeat_within_days"] == 180
    assert server.sign_in("wang").http.get("/v1/office/settings").json()["version"] == 2


def test_only_a_manager_sets_them_and_settings_that_do_not_fit_the_checklists_are_refused(server):
    assert server.sign_in("wang").http.put("/v1/office/settings", json=SETTINGS).status_code == 403
    admin = server.sign_in("li")
    assert admin.http.get("/v1/office/settings").status_code == 404  # nothing set yet

    unknown_item = admin.http.put("/v1/office/settings", json={"levels": {"hw_storage": {"HW-99": "隐患"}}})
    level_not_allowed = admin.http.put("/v1/office/settings", json={"levels": {"lifeline": {"LC-04": "预警"}}})

    misspelt_role = admin.http.put("/v1/office/settings", json={"hidden_methods": {"网格元": ["仪器测量"]}})

    assert unknown_item.status_code == 422 and "HW-99" in unknown_item.json()["message"]
    assert level_not_allowed.status_code == 422 and "LC-04" in level_not_allowed.json()["message"]
    assert misspelt_role.status_code == 422 and "网格元" in misspelt_role.json()["message"]
    assert [r for r in admin.pull_all() if r["entity"] == "office"] == []


def pull(device, version: int, config: dict) -> None:
    """What a pull of the office's settings record does on the device."""
    inbox.apply_records(device.store, [{"entity": "office", "id": "settings", "op": "upsert", "fields": {
        "version": version, "config": config, "set_by": "li", "set_at": "2026-11-30T08:00:00Z"}}])


def test_pulled_settings_this_apps_checklists_cannot_take_leave_the_ones_in_force(device, caplog):
    device.office.update(SETTINGS)
    pull(device, 2, {"levels": {"hw_storage": {"HW-77": "隐患"}}})  # an item this app's checklists lack

    assert device.office.apply_pulled() is False
    assert device.office.apply_pulled() is False

    assert device.office.config().level_of("hw_storage", "HW-18a", "预警") == "隐患"
    refusals = [r for r in caplog.records if "office settings version 2 not applied" in r.getMessage()]
    assert len(refusals) == 1 and "HW-77" in refusals[0].getMessage()  # said once, not at every sync


def test_settings_from_a_rebuilt_server_take_effect_though_it_numbers_them_from_1_again(device):
    pull(device, 3, SETTINGS)
    assert device.office.apply_pulled() is True
    pull(device, 1, {"levels": {"hw_storage": {"HW-18a": "预警"}}})

    assert device.office.apply_pulled() is True

    assert device.office.config().level_of("hw_storage", "HW-18a", "预警") == "预警"
    assert device.office.hidden_methods() == ()


def test_a_malformed_pulled_record_never_keeps_the_app_from_opening(tmp_path, caplog):
    device = open_device(tmp_path / "device", today=lambda: TODAY)
    inbox.apply_records(device.store, [{"entity": "office", "id": "settings", "op": "upsert",
                                        "fields": {"version": 1}}])  # no config
    device.close()

    reopened = open_device(tmp_path / "device", today=lambda: TODAY)
    reopened.close()

    assert "pulled checklists or office settings not taken" in caplog.text


def test_the_command_line_sets_them_from_a_file_names_what_is_wrong_and_the_dump_shows_them(tmp_path):
    good, bad = tmp_path / "office.yaml", tmp_path / "bad.yaml"
    good.write_text("levels:\n  hw_storage:\n    HW-18a: 隐患\nhidden_methods:\n  网格员: [仪器测量]\n",
                    encoding="utf-8")
    bad.write_text("levels:\n  hw_storage:\n    HW-99: 隐患\n", encoding="utf-8")

    def office_set(path):
        return server_command("--data", str(tmp_path / "server"), "office", "set", str(path), "--by", "李主任")

    done, refused = office_set(good), office_set(bad)

    assert done.returncode == 0 and "第 1 版（李主任）" in done.stdout
    assert refused.returncode == 1 and "bad.yaml" in refused.stderr and "HW-99" in refused.stderr
    dump = server_command("--data", str(tmp_path / "server"), "dump")
    [line] = [json.loads(line) for line in dump.stdout.splitlines() if '"entity":"office"' in line]
    assert line["fields"]["set_by"] == "李主任" and line["fields"]["config"]["levels"] == SETTINGS["levels"]


def test_a_checklist_version_the_settings_in_force_do_not_fit_is_not_published(server, tmp_path):
    server.sign_in("li").http.put("/v1/office/settings", json=SETTINGS)  # HW-18a as a hard limit (隐患)
    def no_hard_limit_for_hw_18a(text: str) -> str:
        cut = text.index("office_levels: [隐患]", text.index("- id: HW-18a"))
        return text[:cut] + "office_levels: []" + text[cut + len("office_levels: [隐患]"):]

    edition = next_edition("hw_storage", tmp_path, no_hard_limit_for_hw_18a)

    with pytest.raises(ChecklistError, match="HW-18a"):
        publish_checklist(server.storage, edition)

    assert [r for r in server.sign_in("wang").pull_all() if r["entity"] == "checklist"] == []


def test_a_shipped_version_cannot_be_published_again_with_other_content(server, tmp_path):
    reworded = tmp_path / "lifeline.yaml"
    reworded.write_text((SHIPPED_DIR / "lifeline.yaml").read_text(encoding="utf-8").replace(
        "检查地点（小区、楼栋或门牌号）", "检查地点", 1), encoding="utf-8")

    with pytest.raises(ChecklistError, match="ships with the app with other content"):
        publish_checklist(server.storage, reworded)
    assert publish_checklist(server.storage, SHIPPED_DIR / "lifeline.yaml")[1] is True  # the same content is fine
