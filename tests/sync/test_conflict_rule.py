"""The conflict rule (docs/sync.md): per-field later HLC, the lifecycle, sealed inspections,
office decisions as separate records, and a conflict log the office can read."""

from __future__ import annotations

import json
import time

from sync_support import FakeDevice, jpeg

from app.domain.signing import signed_hash, signed_record


def conflicts(server) -> list[dict]:
    li = server.sign_in("li")
    reply = li.http.get("/v1/conflicts")
    assert reply.status_code == 200
    return reply.json()["conflicts"]


def a_hazard(signed, **extra):
    site = signed.device.site()
    hazard = signed.device.hazard(site["entity_id"], **extra)
    assert [r["status"] for r in signed.push_ok([site, hazard])] == ["applied", "applied"]
    return site["entity_id"], hazard["entity_id"]


def test_per_field_the_later_edit_wins_and_the_earlier_one_is_logged(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    _, hazard_id = a_hazard(phone)
    tablet.pull_all()  # the tablet has the hazard, as the phone made it
    early = phone.device.hazard_update(hazard_id, location="一楼东侧")  # edited first, pushed last
    time.sleep(0.005)
    late = tablet.device.hazard_update(hazard_id, location="二楼西侧", requirement="三日内清理")
    assert tablet.push_ok([late])[0]["status"] == "applied"
    [result] = phone.push_ok([early])
    assert result["status"] == "applied" and "location" in result["discarded"]
    fields = phone.record("hazard", hazard_id)["fields"]
    assert fields["location"] == "二楼西侧" and fields["requirement"] == "三日内清理"
    [logged] = [c for c in conflicts(server) if c["field"] == "location"]
    assert logged["kind"] == "discarded"
    assert (logged["kept"], logged["discarded"]) == ("二楼西侧", "一楼东侧")
    assert logged["device_id"] == phone.device.id and logged["seq"] == early["seq"]


def test_edits_to_different_fields_on_two_devices_both_survive(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    _, hazard_id = a_hazard(phone)
    phone.push_ok([phone.device.hazard_update(hazard_id, location="三楼")])
    tablet.push_ok([tablet.device.hazard_update(hazard_id, rect_unit="物业公司")])
    fields = phone.record("hazard", hazard_id)["fields"]
    assert (fields["location"], fields["rect_unit"]) == ("三楼", "物业公司")


def test_a_device_clock_hours_fast_cannot_win_over_a_later_edit(server):
    fast = server.sign_in("wang")
    fast.device = FakeDevice(fast.device.id, clock_offset_s=2 * 3600)
    honest = server.sign_in("wang")
    _, hazard_id = a_hazard(honest)
    assert fast.push_ok([fast.device.hazard_update(hazard_id, location="快钟设备写的")])[0]["status"] == "applied"
    # made after the fast device's edit in real time, so it must win although its clock reads 2 h less
    [result] = honest.push_ok([honest.device.hazard_update(hazard_id, location="后来改的")])
    assert result == {"seq": result["seq"], "status": "applied", "code": None, "message": None, "discarded": []}
    assert honest.record("hazard", hazard_id)["fields"]["location"] == "后来改的"


def test_a_status_moves_only_along_the_lifecycle_from_the_servers_status(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    _, hazard_id = a_hazard(phone)
    stale = tablet.device.hazard_update(hazard_id, status="整改中")  # made offline on the tablet
    phone.push_ok([phone.device.hazard_update(hazard_id, status="待复查")])  # 当场整改: 待整改 → 待复查
    [result] = tablet.push_ok([stale])
    assert result["status"] == "applied" and "status" in result["discarded"]
    assert phone.record("hazard", hazard_id)["fields"]["status"] == "待复查"
    jump = phone.push_ok([phone.device.hazard_update(hazard_id, status="已销号")])  # no passing 复查
    assert "status" in jump[0]["discarded"]
    kinds = [(c["kind"], c["discarded"]) for c in conflicts(server)]
    assert ("lifecycle", "整改中") in kinds and ("lifecycle", "已销号") in kinds
    # with a passing 复查 (and its photo, logged before the move as the device logs it) it closes
    review = phone.device.review(hazard_id, passed=True)
    photo = phone.device.photo(jpeg())
    link = phone.device.link(photo["entity_id"], "review", review["entity_id"])
    close = phone.device.hazard_update(hazard_id, status="已销号", closed_at="2026-12-02T08:00:00.000Z")
    assert [r["status"] for r in phone.push_ok([review, photo, link, close])] == ["applied"] * 4
    fields = phone.record("hazard", hazard_id)["fields"]
    assert (fields["status"], fields["closed_at"]) == ("已销号", "2026-12-02T08:00:00.000Z")


def signed_inspection(signed):
    """A completed inspection with one answer and one hazard, signed over exactly what was pushed."""
    device = signed.device
    site = device.site()
    inspection = device.inspection(site["entity_id"])
    answer = device.answer(inspection["entity_id"], "A1", "是")
    hazard = device.hazard(site["entity_id"], inspection["entity_id"], item_id="A1", source="checklist")
    record = signed_record(inspection["payload"], [{**answer["payload"], "value": "是"}],
                           [{**hazard["payload"], "photo_shas": []}])
    signature = device.signature(inspection["entity_id"], record_hash=signed_hash(record))
    entries = [site, inspection, answer, hazard, signature, device.complete(inspection["entity_id"])]
    assert [r["status"] for r in signed.push_ok(entries)] == ["applied"] * 6
    return inspection["entity_id"], hazard["entity_id"]


def test_a_completed_signed_inspection_is_never_altered(server):
    wang = server.sign_in("wang")
    inspection_id, hazard_id = signed_inspection(wang)
    assert wang.record("signature", inspection_id)["verified"] is True
    results = wang.push_ok([
        wang.device.answer(inspection_id, "A1", "否"),
        wang.device.hazard_update(hazard_id, description="改过的描述"),
        wang.device.signature(inspection_id, record_hash="1" * 64),
        wang.device.entry("inspection", inspection_id, "update", {"id": inspection_id, "status": "draft"}),
    ])
    assert [r["code"] for r in results] == ["locked"] * 4
    assert "签名确认" in results[1]["message"] and "隐患描述" in results[1]["message"]
    assert json.loads(wang.record("answer", f"{inspection_id}/A1")["fields"]["value"]) == "是"
    # the lifecycle and 复查 still move on
    moved = wang.push_ok([wang.device.hazard_update(hazard_id, status="整改中")])
    assert moved[0]["status"] == "applied" and moved[0]["discarded"] == []
    locked = {(c["entity"], c["field"]) for c in conflicts(server) if c["kind"] == "locked"}
    assert locked == {("answer", "value"), ("answer", "answered_at"), ("hazard", "description"),
                      ("signature", "record_hash"), ("signature", "signed_at"), ("inspection", "status")}


def test_an_office_decision_is_a_separate_record_and_the_signature_stays_valid(server):
    wang = server.sign_in("wang")
    inspection_id, hazard_id = signed_inspection(wang)
    before = wang.record("signature", inspection_id)
    hazard_deadline = wang.record("hazard", hazard_id)["fields"]["deadline"]
    li = server.sign_in("li")
    reply = li.http.post(f"/v1/hazards/{hazard_id}/decisions",
                         json={"deadline": "2027-01-31", "severity": "重大", "listed": True, "note": "区安委办挂牌督办"})
    assert reply.status_code == 201
    decision = reply.json()
    assert (decision["decided_by"], decision["deadline"], decision["listed"]) == ("li", "2027-01-31", True)
    hazard = wang.record("hazard", hazard_id)["fields"]
    assert (hazard["deadline"], hazard["severity"], hazard["listed"]) == ("2027-01-31", "重大", True)
    after = wang.record("signature", inspection_id)
    assert after["verified"] is True and after["fields"] == before["fields"]
    # what the decision replaced is kept in the decision, not in the conflict log
    assert [c for c in conflicts(server) if c["kind"] == "overwritten"] == []
    with server.storage.read() as conn:
        before = conn.exec_driver_sql("SELECT sv_before FROM decisions").scalar()
    assert json.loads(before) == {"deadline": hazard_deadline, "severity": "一般", "listed": False}


def test_only_a_manager_decides_and_reads_the_conflict_log(server):
    wang = server.sign_in("wang")
    _, hazard_id = a_hazard(wang)
    assert wang.http.post(f"/v1/hazards/{hazard_id}/decisions", json={"listed": True}).status_code == 403
    assert wang.http.get("/v1/conflicts").status_code == 403
    [result] = wang.push_ok([wang.device.hazard_update(hazard_id, listed=True)])
    assert result["code"] == "forbidden" and "管理员" in result["message"]


def test_a_withdrawn_hazard_is_gone_and_later_edits_to_it_are_refused(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    _, hazard_id = a_hazard(phone)
    late_edit = tablet.device.hazard_update(hazard_id, location="四楼")
    assert phone.push_ok([phone.device.entry("hazard", hazard_id, "delete", {"id": hazard_id})])[0]["status"] \
        == "applied"
    [result] = tablet.push_ok([late_edit])
    assert result["code"] == "deleted"
    assert phone.record("hazard", hazard_id)["deleted"] is True


def test_a_hazard_withdrawn_after_another_device_reviewed_it_takes_the_review_along_and_logs_it(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    _, hazard_id = a_hazard(phone)
    review = tablet.device.review(hazard_id, passed=False)
    review["payload"]["note"] = "仍有杂物"
    shot = tablet.device.photo(jpeg())
    link = tablet.device.link(shot["entity_id"], "review", review["entity_id"])
    move = tablet.device.hazard_update(hazard_id, status="待复查")
    fail = tablet.device.hazard_update(hazard_id, status="整改中")
    assert {r["status"] for r in tablet.push_ok([move, review, shot, link, fail])} == {"applied"}
    # the phone had not seen the 复查 when its inspector corrected the answer
    assert phone.push_ok([phone.device.entry("hazard", hazard_id, "delete", {"id": hazard_id})])[0]["status"] \
        == "applied"
    assert tablet.record("review", review["entity_id"])["deleted"] is True
    assert tablet.record("photo_link", link["entity_id"])["deleted"] is True
    logged = {(c["entity"], c["kind"], c["discarded"]) for c in conflicts(server)}
    assert {("hazard", "deleted", "整改中"), ("review", "deleted", False)} <= logged


def test_an_edit_made_without_seeing_the_other_devices_value_is_logged_as_overwritten(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    _, hazard_id = a_hazard(phone)
    tablet.pull_all()
    phone.push_ok([phone.device.hazard_update(hazard_id, rect_unit="房东")])  # the tablet has not pulled this
    tablet.push_ok([tablet.device.hazard_update(hazard_id, rect_unit="物业公司")])
    phone.pull_all()
    phone.push_ok([phone.device.hazard_update(hazard_id, rect_unit="街道办")])  # seen first: ordinary history
    logged = [(c["kind"], c["kept"], c["discarded"]) for c in conflicts(server) if c["field"] == "rect_unit"]
    assert logged == [("overwritten", "物业公司", "房东")]


def test_an_inspection_whose_records_do_not_match_the_signature_is_flagged(server):
    wang = server.sign_in("wang")
    device = wang.device
    site = device.site()
    inspection = device.inspection(site["entity_id"])
    answer = device.answer(inspection["entity_id"], "A1", "是")
    signature = device.signature(inspection["entity_id"], record_hash="ab" * 32)  # signed something else
    assert [r["status"] for r in wang.push_ok(
        [site, inspection, answer, signature, device.complete(inspection["entity_id"])])] == ["applied"] * 5
    assert wang.record("signature", inspection["entity_id"])["verified"] is False
    [flagged] = [c for c in conflicts(server) if c["kind"] == "signature"]
    assert flagged["entity_id"] == inspection["entity_id"] and "签名哈希不符" in flagged["reason"]
