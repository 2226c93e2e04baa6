"""A checklist the office publishes reaches the inspector: the next sync installs it, new
inspections use it, a draft started before finishes on its own version, and a file this app
cannot read is refused on the device without touching the version in use. What a sync from the
command line pulls takes effect when the app next opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from client_support import client_command, sign_in, site_in

from app.services import open_device
from app.store import inbox
from sync.server.publish import publish_checklist
from tests.factories import TODAY, next_edition

NEW_QUESTION = "检查地点（小区、楼栋、单元或门牌号）"


def lifeline_v3(folder: Path, *, min_schema: int = 2) -> Path:
    """生命通道 as the office publishes it next: version 3, one question reworded."""
    def reword(text: str) -> str:
        text = text.replace("min_schema_version: 2", f"min_schema_version: {min_schema}", 1)
        return text.replace("question: 检查地点（小区、楼栋或门牌号）", f"question: {NEW_QUESTION}", 1)

    return next_edition("lifeline", folder, reword)


@pytest.fixture
def device(new_device):
    """A device with the shipped checklists (生命通道 version 2)."""
    return new_device("device", shipped=True)


def test_a_published_checklist_is_installed_by_the_next_sync_and_new_inspections_use_it(server, device, tmp_path):
    draft = device.inspections.start(site_in(device, name="荷花池街道 12 号").id, "lifeline")
    publish_checklist(server.storage, lifeline_v3(tmp_path))
    sign_in(device, server)

    device.sync.run(60)

    assert device.catalog.get("lifeline").version == 3
    assert device.catalog.get("lifeline").item("LC-00a").question == NEW_QUESTION
    later = device.inspections.start(site_in(device, name="荷花池街道 14 号").id, "lifeline")
    assert later.checklist_version == 3
    assert device.catalog.for_inspection(device.inspections.get(draft.id)).version == 2  # the draft keeps its own


def test_what_the_command_line_sync_pulls_is_put_in_force_when_the_app_opens(server, device, tmp_path):
    publish_checklist(server.storage, lifeline_v3(tmp_path))
    server.sign_in("li").http.put("/v1/office/settings", json={"levels": {"hw_storage": {"HW-18a": "隐患"}}})
    sign_in(device, server)
    device.close()

    done = client_command(tmp_path / "device", "sync")
    assert done.returncode == 0 and done.stderr == ""  # it opens no checklists, so it applies nothing

    reopened = open_device(tmp_path / "device", today=lambda: TODAY)
    try:
        assert reopened.catalog.get("lifeline").version == 3
        assert reopened.office.config().level_of("hw_storage", "HW-18a", "预警") == "隐患"
    finally:
        reopened.close()


def test_a_pulled_checklist_this_app_cannot_read_leaves_the_one_in_use(device, tmp_path, caplog):
    text = lifeline_v3(tmp_path, min_schema=99).read_text(encoding="utf-8")
    inbox.apply_records(device.store, [{"entity": "checklist", "id": "lifeline", "op": "upsert", "fields": {
        "id": "lifeline", "version": 3, "title": "生命通道", "yaml": text, "sha256": "0" * 64,
        "published_at": "2026-11-30T08:00:00Z"}}])

    assert device.catalog.install_pulled() == []
    assert device.catalog.install_pulled() == []

    assert device.catalog.get("lifeline").version == 2
    refusals = [r.getMessage() for r in caplog.records if "lifeline v3 (pulled)" in r.getMessage()]
    assert len(refusals) == 1 and "cannot be read by this app" in refusals[0]  # said once, not at every sync
