"""The device sync engine against the real server on loopback, with real device stores: what a
worker relies on — everything sent once, the same records on both sides, images uploaded before
a record counts as sent, other devices' work pulled with its photos, office decisions arriving."""

from __future__ import annotations

from datetime import date

import pytest
from client_support import (
    Fault,
    FaultyTransport,
    device_records,
    inspect_site,
    push_log,
    server_records,
    sign_in,
    site_in,
)
from sync_support import PASSWORD, jpeg

from app.services import HazardEdit, PendingChanges
from app.store import hazards as hazard_store
from sync.client import engine as engine_module
from sync.client.errors import OutOfTime, SignInNeeded
from sync.protocol import DecisionIn
from sync.server import decisions
from sync.server.accounts import User


def test_one_sync_sends_every_change_and_image_and_the_server_then_holds_the_same_records(server, new_device):
    device = new_device("a")
    site = site_in(device)
    inspection_id = inspect_site(device, site.id, photo=jpeg((800, 600)))
    sign_in(device, server)

    report = device.sync.run(60)

    assert report.rejected == 0 and report.uploaded == 2  # the hazard photo and the signature image
    assert device.sync.status().pending == 0
    assert device.store.scalar("SELECT count(*) FROM changes") == 0  # acknowledged rows are pruned
    assert server_records(server) == device_records(device)
    wang = server.sign_in("wang")
    assert wang.record("inspection", inspection_id)["complete"] is True
    assert wang.record("signature", inspection_id)["verified"] is True


def test_every_change_names_the_user_signed_in_when_it_was_made(server, new_device):
    device = new_device("a")
    site_in(device, name="签到前的场所")
    sign_in(device, server)
    site_in(device, name="签到后的场所")
    users = [r["user_name"] for r in device.store.rows("SELECT user_name FROM changes ORDER BY seq")]
    assert users == [None, "wang"]
    device.sync.run(30)
    assert {r["status"] for r in push_log(server)} == {"applied"}


def test_a_sync_with_nothing_to_do_is_one_request(server, new_device):
    device = new_device("a")
    site_in(device)
    transport = FaultyTransport()
    sign_in(device, server, transport=transport)
    device.sync.run(30)
    transport.sent.clear()

    device.sync.run(30)

    assert [(method, url.split("?")[0].split("/", 3)[3]) for method, url, _ in transport.sent] == [("GET", "v1/pull")]


def test_two_devices_inspect_the_same_site_offline_and_converge(server, new_device):
    a, b = new_device("a"), new_device("b")
    sign_in(a, server)
    sign_in(b, server)
    site = site_in(a)
    a.sync.run(30)
    b.sync.run(30)  # b now knows the site
    assert b.sites.get(site.id).name == site.name

    # both offline: each inspects the same site; both edit the site's contact
    inspect_site(a, site.id, photo=jpeg((640, 480), (200, 30, 30)))
    inspect_site(b, site.id, photo=jpeg((640, 480), (30, 30, 200)), sign=False)
    shared = a.hazards.create(site_id=site.id, description="楼道电动车充电")
    a.sync.run(30)
    b.sync.run(30)
    b.hazards.edit(shared.id, HazardEdit(location="一楼楼道（b）"))
    a.hazards.edit(shared.id, HazardEdit(location="一楼楼道（a，后改）"))
    for device in (b, a, b):
        device.sync.run(30)

    on_server = server_records(server)
    assert device_records(a) == on_server
    assert device_records(b) == on_server
    assert len([k for k in on_server if k[0] == "inspection"]) == 2
    assert on_server[("hazard", shared.id)]["location"] == "一楼楼道（a，后改）"  # the later edit (HLC) wins
    # b's draft stays b's: it is not offered to a as a draft to resume
    assert [d.site_name for d in a.inspections.drafts()] == []
    assert len(b.inspections.drafts()) == 1


def test_another_devices_hazard_arrives_with_its_photo_thumbnail_and_a_review_on_it_syncs_back(server, new_device):
    a, b = new_device("a"), new_device("b")
    sign_in(a, server)
    sign_in(b, server)
    site = site_in(a)
    hazard = a.hazards.create(site_id=site.id, description="消防通道堆放杂物")
    photo = jpeg((1600, 1200), (120, 160, 40))
    sha = a.evidence.add_to_hazard(hazard.id, photo)
    a.hazards.transition(hazard.id, "待复查")
    a.sync.run(30)

    b.sync.run(30)

    row = b.hazards.get(hazard.id)
    assert row.photo_shas == [sha] and row.site_name == site.name
    thumb = b.evidence.thumb_path(sha)
    assert thumb.is_file() and not b.evidence.photo_path(sha).exists()
    from PIL import Image

    with Image.open(thumb) as image:
        assert max(image.size) <= 320
    full = b.sync.fetch_photo(sha)  # full size on demand
    assert full.read_bytes() == a.evidence.photo_path(sha).read_bytes()

    b.reviews.record(hazard.id, reviewer="李四", passed=True, note="已清理", photos=[jpeg((640, 480))])
    b.sync.run(30)
    a.sync.run(30)
    assert a.hazards.get(hazard.id).status == "已销号"
    assert [r.reviewer for r in a.reviews.of(hazard.id)] == ["李四"]
    assert device_records(a) == device_records(b) == server_records(server)


def test_a_combination_hazard_arrives_on_another_device_with_the_items_it_was_counted_from(server, new_device):
    a, b = new_device("a"), new_device("b")
    sign_in(a, server)
    sign_in(b, server)
    site = site_in(a)
    inspection = a.inspections.start(site.id, "sample")
    with a.store.atomic():  # as a 综合判定 rule raises it (checklists v2)
        hazard_id = hazard_store.insert_hazard(
            a.store, site_id=site.id, inspection_id=inspection.id, checklist_id="sample", item_id="combination:r1",
            source="combination", description="多项隐患叠加，判定为重大隐患", severity="重大", status="待整改",
            deadline=date(2026, 12, 31), element_items=["A1", "A2"])

    a.sync.run(30)
    b.sync.run(30)

    assert b.hazards.get(hazard_id).element_items == ["A1", "A2"]
    assert device_records(b) == device_records(a) == server_records(server)


def test_pulled_records_write_no_change_rows_and_a_field_changed_here_keeps_its_value_until_sent(
        server, new_device):
    a, b = new_device("a"), new_device("b")
    sign_in(a, server)
    sign_in(b, server)
    site = site_in(a)
    hazard = a.hazards.create(site_id=site.id, description="楼道堆物")
    a.sync.run(30)
    b.sync.run(30)
    assert b.store.scalar("SELECT count(*) FROM changes") == 0

    a.hazards.edit(hazard.id, HazardEdit(location="三楼", requirement="当日清理"))
    a.sync.run(30)
    b.hazards.edit(hazard.id, HazardEdit(location="二楼"))  # b's own, not yet sent
    engine = engine_module.SyncEngine(b.store, b.photo_files, b.data_dir, b.sync.transport)
    engine._retrying(lambda: engine._pull(engine_api(b), engine_module.SyncReport()),
                     engine_module.SyncReport())

    row = b.hazards.get(hazard.id)
    assert row.requirement == "当日清理"  # the server's value arrived
    assert row.location == "二楼"  # b's pending edit is not overwritten by the pull
    b.sync.run(30)
    a.sync.run(30)
    assert a.hazards.get(hazard.id).location == b.hazards.get(hazard.id).location == "二楼"


def engine_api(device):
    from sync.client.api import Api
    from sync.client.state import credentials

    creds = credentials(device.store)
    return Api(creds.server, device.sync.transport, creds.token)


def test_a_record_pulled_before_its_parent_waits_and_then_applies(server, new_device, monkeypatch):
    a, b = new_device("a"), new_device("b")
    sign_in(a, server)
    sign_in(b, server)
    site = site_in(a)
    hazard = a.hazards.create(site_id=site.id, description="楼道堆物")
    a.sync.run(30)
    # the site changes later: in the feed it now comes after its hazard
    a.store.conn.execute("BEGIN IMMEDIATE")
    a.store.conn.execute("UPDATE sites SET contact_phone = '13800000009' WHERE id = ?", (site.id,))
    a.store.conn.execute("COMMIT")
    from app.store.ids import to_text, utc_now

    with a.store.atomic():
        a.store.log_change("site", site.id, "update", {"id": site.id, "contact_phone": "13800000009",
                                                        "updated_at": to_text(utc_now())})
    a.sync.run(30)
    monkeypatch.setattr(engine_module, "PULL_LIMIT", 1)  # one record a page: the hazard's page comes first

    b.sync.run(30)

    assert b.hazards.get(hazard.id).site_name == site.name
    assert b.store.scalar("SELECT count(*) FROM sync_parked") == 0
    assert b.sites.get(site.id).contact_phone == "13800000009"


def test_an_office_decision_arrives_as_a_record_and_moves_the_hazard(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    site = site_in(device)
    hazard = device.hazards.create(site_id=site.id, description="疏散楼梯堵塞", severity="一般")
    device.sync.run(30)
    admin = User(id=0, name="li", role="管理员", grids=())
    decisions.decide(server.storage, admin, hazard.id,
                     DecisionIn(deadline="2027-01-31", severity="重大", listed=True, note="区安委办挂牌督办"))

    device.sync.run(30)

    row = device.hazards.get(hazard.id)
    assert row.listed is True and row.severity == "重大" and row.deadline.isoformat() == "2027-01-31"
    [decision] = device.sync.decisions(hazard.id)
    assert (decision.note, decision.listed, decision.decided_by, decision.severity) == ("区安委办挂牌督办", True, "li", "重大")
    assert decision.deadline.isoformat() == "2027-01-31"
    assert device.store.scalar("SELECT count(*) FROM changes") == 0


def test_rejected_entries_are_kept_with_the_servers_reason_and_never_block_the_rest(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    outside = site_in(device, grid="西林-02", name="西林苑 3 幢出租屋")  # wang works in 荷花池-01 only
    inside = site_in(device)

    report = device.sync.run(30)

    assert report.rejected == 1 and report.pushed == 1
    [entry] = device.sync.rejected()
    assert entry.what == "场所“西林苑 3 幢出租屋”" and entry.code == "forbidden" and "网格" in entry.reason
    assert device.sync.status().pending == 0 and device.sync.status().rejected == 1
    assert ("site", inside.id) in server_records(server) and ("site", outside.id) not in server_records(server)


def test_a_photo_whose_file_is_gone_from_the_device_is_listed_and_the_sync_says_a_person_must_look(
        server, new_device):
    device = new_device("a")
    site = site_in(device)
    hazard = device.hazards.create(site_id=site.id, description="楼道堆物", location="一楼")
    sha256 = device.evidence.add_to_hazard(hazard.id, jpeg((800, 600)))
    device.photo_files.path(sha256).unlink()  # e.g. the memory card was swapped
    sign_in(device, server)

    report = device.sync.run(30)

    assert report.rejected == 1 and "被拒收" in report.line()
    [entry] = device.sync.rejected()
    assert "找不到这张照片" in entry.reason
    assert device.sync.status().pending == 0  # listed once, never retried forever


def test_the_pending_count_reads_as_inspections_hazards_and_photos(server, new_device):
    device = new_device("a")
    site = site_in(device)
    inspect_site(device, site.id, photo=jpeg((640, 480)))
    waiting = device.sync.status().waiting
    assert (waiting.inspections, waiting.hazards, waiting.photos, waiting.sites) == (1, 4, 1, 1)
    sign_in(device, server)
    # the records go up but the photo upload is cut off: the photo still counts, the rest does not
    device.sync.transport = FaultyTransport([Fault("drop", "PUT", "/v1/photos/", times=1000)])
    with pytest.raises(OutOfTime):
        device.sync.run(1.5)
    waiting = device.sync.status().waiting
    assert (waiting.inspections, waiting.hazards, waiting.photos, waiting.sites) == (1, 0, 1, 0)
    assert device.store.scalar("SELECT count(*) FROM changes") == 0


def test_sign_out_is_refused_while_changes_are_pending_unless_confirmed(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    site_in(device)
    with pytest.raises(PendingChanges) as refused:
        device.sync.sign_out()
    assert "1 个场所" in refused.value.message and device.sync.status().signed_in

    device.sync.sign_out(confirm=True)

    assert not device.sync.status().signed_in
    with pytest.raises(SignInNeeded):
        device.sync.run(10)
    assert device.sync.status().last_error == SignInNeeded.NOT_SIGNED_IN


def test_signing_in_as_another_user_or_server_is_refused_while_changes_are_pending(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    site_in(device)
    device.sync.sign_out(confirm=True)
    with pytest.raises(PendingChanges) as other_user:
        device.sync.sign_in(server.url, "zhao", PASSWORD)
    assert "请先用原账号同步完成" in other_user.value.message
    with pytest.raises(PendingChanges):
        device.sync.sign_in("http://127.0.0.1:9", "wang", PASSWORD)

    device.sync.sign_in(server.url, "wang", PASSWORD)  # the same account is fine
    device.sync.run(30)
    device.sync.sign_in(server.url, "zhao", PASSWORD)  # and anyone once everything is sent
    assert device.sync.status().user == "zhao"


def test_signing_in_hides_the_check_methods_the_office_hides_from_the_users_role(server, new_device):
    device = new_device("a")
    device.office.update({"hidden_methods": {"网格员": ["仪器测量"]}})
    assert device.office.hidden_methods() == ()  # nobody signed in: nothing is known of the role

    sign_in(device, server)

    assert device.office.role() == "网格员" and device.office.hidden_methods() == ("仪器测量",)


def test_the_password_is_never_kept_on_the_device(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    device.store.close()
    for path in device.data_dir.iterdir():
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_a_rejected_change_is_undone_on_the_device_so_it_shows_what_the_server_kept(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    site = site_in(device)
    hazard = device.hazards.create(site_id=site.id, description="楼道堆物")
    device.sync.run(30)
    # an older app (or a tampered one) sets 挂牌督办 itself: only the office may
    with device.store.atomic():
        device.store.conn.execute("UPDATE hazards SET listed = 1, location = '五楼' WHERE id = ?", (hazard.id,))
        device.store.log_change("hazard", hazard.id, "update", {"id": hazard.id, "listed": True, "location": "五楼"})

    report = device.sync.run(30)

    assert report.rejected == 1
    row = device.hazards.get(hazard.id)
    assert row.listed is False and row.location == ""  # the server's record, fetched again
    assert device_records(device) == server_records(server)
    [entry] = device.sync.rejected()
    assert entry.what == "隐患“楼道堆物”" and entry.reason == "只有管理员可以挂牌督办"


def test_a_signature_redone_before_its_image_went_up_sends_the_new_image_and_lists_nothing(server, new_device):
    device = new_device("a")
    site = site_in(device)
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A1", "否")
    device.signoff.sign(inspection.id, signer_name="张三", png=signature_png(colour=(250, 250, 250)))
    sign_in(device, server, transport=FaultyTransport([Fault("drop", "PUT", "/v1/photos/", times=1000)]))
    with pytest.raises(OutOfTime):
        device.sync.run(1.0)  # the records went up, the image did not
    device.signoff.sign(inspection.id, signer_name="张三", png=signature_png(colour=(240, 240, 240)))
    device.sync.transport = FaultyTransport()

    device.sync.run(30)

    assert device.sync.rejected() == [] and device.sync.status().pending == 0
    wang = server.sign_in("wang")
    assert wang.record("signature", inspection.id)["files_missing"] == 0
    assert wang.record("signature", inspection.id)["fields"]["png_sha256"] == device.store.scalar(
        "SELECT png_sha256 FROM signatures")


def signature_png(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), colour).save(buffer, "PNG")
    return buffer.getvalue()
