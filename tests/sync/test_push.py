"""Push: each change-log entry applied exactly once; one bad entry never blocks the rest."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select
from sync_support import raw_request

from sync.server.tables import hazards, push_log, sites


def count(server, table) -> int:
    with server.storage.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_a_push_applies_each_entry_and_names_the_server(server):
    wang = server.sign_in("wang")
    site = wang.device.site()
    inspection = wang.device.inspection(site["entity_id"])
    hazard = wang.device.hazard(site["entity_id"], inspection["entity_id"])
    reply = wang.push([site, inspection, hazard])
    assert reply.status_code == 200
    body = reply.json()
    assert body["server"] == "anxun" and body["protocol"] == 1 and body["device_id"] == wang.device.id
    assert [(r["seq"], r["status"]) for r in body["results"]] == [(1, "applied"), (2, "applied"), (3, "applied")]
    stored = wang.record("hazard", hazard["entity_id"])["fields"]
    assert stored["description"] == "疏散通道堆放杂物" and stored["status"] == "待整改"


def test_a_replayed_batch_is_acknowledged_as_duplicate_and_never_applied_twice(server):
    wang = server.sign_in("wang")
    site = wang.device.site()
    hazard = wang.device.hazard(site["entity_id"])
    update = wang.device.hazard_update(hazard["entity_id"], location="二楼")
    assert [r["status"] for r in wang.push_ok([site, hazard, update])] == ["applied"] * 3
    assert [r["status"] for r in wang.push_ok([site, hazard, update])] == ["duplicate"] * 3
    assert count(server, sites) == 1 and count(server, hazards) == 1 and count(server, push_log) == 3


def test_the_same_key_with_a_changed_payload_is_a_conflict_and_keeps_the_first(server):
    wang = server.sign_in("wang")
    site = wang.device.site(name="第一版名称")
    wang.push_ok([site])
    changed = json.loads(json.dumps(site))
    changed["payload"]["name"] = "另一个名称"
    [result] = wang.push_ok([changed])
    assert result["status"] == "rejected" and result["code"] == "key_conflict"
    assert "序号 1" in result["message"]
    assert wang.record("site", site["entity_id"])["fields"]["name"] == "第一版名称"


def test_one_bad_entry_is_rejected_with_the_field_named_while_the_rest_apply(server):
    wang = server.sign_in("wang")
    site = wang.device.site()
    bad = wang.device.hazard(site["entity_id"], severity="很严重")
    good = wang.device.hazard(site["entity_id"])
    unknown = wang.device.entry("gadget", "x1", "insert", {"id": "x1"})
    results = wang.push_ok([site, bad, good, unknown])
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "rejected"]
    assert results[1]["code"] == "invalid" and "severity" in results[1]["message"] and "很严重" in results[1]["message"]
    assert results[3]["code"] == "invalid" and "entity" in results[3]["message"]
    assert count(server, hazards) == 1
    # a rejection is final: replaying it gives the same answer, not a second try
    again = wang.push_ok([bad])
    assert again == [results[1]]


def test_an_entry_outside_the_users_grids_is_rejected_per_entry_as_forbidden(server):
    wang = server.sign_in("wang")  # grid 荷花池-01
    mine = wang.device.site(grid="荷花池-01")
    theirs = wang.device.site(grid="青果巷-02")
    results = wang.push_ok([mine, theirs])
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["code"] == "forbidden" and "青果巷-02" in results[1]["message"]
    # and 赵 (青果巷-02) may not add a hazard to wang's site
    zhao = server.sign_in("zhao")
    [result] = zhao.push_ok([zhao.device.hazard(mine["entity_id"])])
    assert result["code"] == "forbidden"


def test_records_that_hang_on_a_missing_one_are_rejected_with_the_reason(server):
    wang = server.sign_in("wang")
    orphan = wang.device.hazard("01a2-no-such-site")
    update = wang.device.hazard_update("01a2-no-such-hazard", location="x")
    results = wang.push_ok([orphan, update])
    assert [r["code"] for r in results] == ["missing_parent", "unknown_record"]
    assert "场所" in results[0]["message"] and "请先同步" in results[0]["message"]


def test_an_entry_without_a_usable_seq_is_rejected_and_the_rest_still_apply(server):
    wang = server.sign_in("wang")
    site = wang.device.site()
    broken = {"entity": "site", "op": "insert"}
    results = wang.push_ok([broken, site])
    assert results[0] == {"seq": None, "status": "rejected", "code": "invalid",
                          "message": "第 1 条缺少有效的序号 seq（正整数）", "discarded": []}
    assert results[1]["status"] == "applied"


def test_an_entry_stamped_with_another_devices_clock_is_rejected(server):
    wang = server.sign_in("wang")
    site = wang.device.site()
    site["hlc"] = site["hlc"][:19] + "-another-device"  # same ms and counter, another node
    [result] = wang.push_ok([site])
    assert result["code"] == "invalid" and "hlc" in result["message"]


def test_a_token_pushes_only_for_the_device_that_signed_in(server):
    wang = server.sign_in("wang")
    reply = wang.push([wang.device.site()], device_id="someone-elses-device")
    assert reply.status_code == 403
    assert reply.json()["code"] == "device_mismatch"


def test_a_push_cut_off_after_the_server_committed_is_resent_without_a_duplicate(server):
    wang = server.sign_in("wang")
    site = wang.device.site()
    hazard = wang.device.hazard(site["entity_id"])
    body = json.dumps({"device_id": wang.device.id, "entries": [site, hazard]}).encode()
    head = (f"POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wang.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    raw_request(server.port, head, body)  # the connection closes before any reply is read
    deadline = time.monotonic() + 10
    while count(server, hazards) == 0:
        assert time.monotonic() < deadline, "the server never applied the cut-off push"
        time.sleep(0.05)
    # the device never saw an acknowledgement, so it sends the same entries again
    assert [r["status"] for r in wang.push_ok([site, hazard])] == ["duplicate", "duplicate"]
    assert count(server, hazards) == 1 and count(server, push_log) == 2


def test_two_devices_of_one_user_have_separate_sequences(server):
    phone = server.sign_in("wang")
    tablet = server.sign_in("wang")
    assert phone.push_ok([phone.device.site()])[0]["status"] == "applied"
    assert tablet.push_ok([tablet.device.site()])[0]["status"] == "applied"  # seq 1 again, other device
    assert count(server, sites) == 2
