"""The central endpoint applies the closing rules of ``app.domain.closing`` to a hazard's status
moves: 复查合格 needs a review photo, 复查不合格 a reason, and a 疑似重大 hazard is never closed by
the account that found it. A refused move is discarded and logged; the hazard stays 待复查."""

from __future__ import annotations

from sync_support import jpeg

from app.domain.closing import identities, review_problems


def conflicts(server) -> list[dict]:
    reply = server.sign_in("li").http.get("/v1/conflicts")
    assert reply.status_code == 200
    return reply.json()["conflicts"]


def awaiting_review(signed, **extra) -> str:
    """A hazard sent by ``signed``, moved to 待复查 (当场整改)."""
    device = signed.device
    site = device.site()
    hazard = device.hazard(site["entity_id"], **extra)
    move = device.hazard_update(hazard["entity_id"], status="待复查")
    assert [r["status"] for r in signed.push_ok([site, hazard, move])] == ["applied"] * 3
    return hazard["entity_id"]


def review_with(signed, hazard_id: str, *, passed: bool, note: str = "", photo: bool = False,
                status: str) -> dict:
    """Push a 复查 (its photo linked first, as the device logs it) and the status move it decides;
    returns the result of the move."""
    device = signed.device
    review = device.review(hazard_id, passed=passed)
    review["payload"]["note"] = note
    entries = [review]
    if photo:
        shot = device.photo(jpeg())
        entries += [shot, device.link(shot["entity_id"], "review", review["entity_id"])]
    entries.append(device.hazard_update(hazard_id, status=status))
    results = signed.push_ok(entries)
    assert {r["status"] for r in results} == {"applied"}
    return results[-1]


def test_a_pass_without_a_review_photo_does_not_close_the_hazard(server):
    wang = server.sign_in("wang")
    hazard_id = awaiting_review(wang)
    move = review_with(wang, hazard_id, passed=True, status="已销号")
    assert "status" in move["discarded"]
    assert wang.record("hazard", hazard_id)["fields"]["status"] == "待复查"
    [logged] = [c for c in conflicts(server) if c["kind"] == "lifecycle"]
    assert "复查照片" in logged["reason"]
    move = review_with(wang, hazard_id, passed=True, photo=True, status="已销号")
    assert move["discarded"] == []
    assert wang.record("hazard", hazard_id)["fields"]["status"] == "已销号"


def test_a_fail_without_a_reason_does_not_reopen_the_hazard(server):
    wang = server.sign_in("wang")
    hazard_id = awaiting_review(wang)
    assert "status" in review_with(wang, hazard_id, passed=False, status="整改中")["discarded"]
    assert wang.record("hazard", hazard_id)["fields"]["status"] == "待复查"
    assert review_with(wang, hazard_id, passed=False, note="楼梯间仍有杂物", status="整改中")["discarded"] == []
    assert wang.record("hazard", hazard_id)["fields"]["status"] == "整改中"


def test_a_suspected_major_hazard_is_not_closed_by_the_account_that_found_it(server):
    server.add_user("chen", "网格员", ("荷花池-01",))
    wang, chen = server.sign_in("wang"), server.sign_in("chen")
    hazard_id = awaiting_review(wang, severity="重大")
    move = review_with(wang, hazard_id, passed=True, photo=True, status="已销号")
    assert "status" in move["discarded"]
    assert wang.record("hazard", hazard_id)["fields"]["status"] == "待复查"
    [logged] = [c for c in conflicts(server) if c["kind"] == "lifecycle"]
    assert "发现人" in logged["reason"]
    # another inspector of the grid closes it
    assert review_with(chen, hazard_id, passed=True, photo=True, status="已销号")["discarded"] == []
    assert chen.record("hazard", hazard_id)["fields"]["status"] == "已销号"


def test_the_device_and_the_server_word_a_refusal_the_same():
    """One rule, one wording: what the server logs is what the device said."""
    problems = review_problems(severity="重大", passed=True, photos=0, note="", finder=identities("wang"),
                               reviewer=identities("wang"))
    assert problems == ["复查合格需要至少一张复查照片", "疑似重大隐患不能由发现人本人复查销号，请由其他检查员复查"]
