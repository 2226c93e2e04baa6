"""A real device store's change log, pushed as it is, is accepted entry by entry; the server's
records then equal the device's rows, and the representative's signature checks out."""

from __future__ import annotations

import io
import json

from PIL import Image
from sync_support import jpeg, server_command

from app.services import HazardEdit

BOOLEAN_COLUMNS = {"photo_required", "deadline_chosen", "passed"}
#: Device columns its change log does not carry: saving an answer moves the inspection's
#: updated_at and current_item_id without a log row.
NOT_LOGGED = {("inspection", "updated_at"), ("inspection", "current_item_id")}


def signature_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (255, 255, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def inspect_on_the_device(device, site):
    """What a 网格员 does on site: answers raising hazards, photos, a manual hazard, signature, 复查."""
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A1", "是", note="楼梯间堆满纸箱")
    device.inspections.answer(inspection.id, "A2", "否")
    device.inspections.answer(inspection.id, "A3", 5)
    device.inspections.answer(inspection.id, "B1", "是")
    device.inspections.answer(inspection.id, "B2", ["灭火器"])
    device.inspections.answer(inspection.id, "B3", "2026-01-02")
    state = device.inspections.state(inspection.id)
    blocked = state.hazards["A1"]
    device.evidence.add_to_hazard(blocked.id, jpeg(size=(800, 600)))
    device.hazards.edit(blocked.id, HazardEdit(location="一楼楼梯间", deadline="2026-12-20"))
    device.hazards.create(site_id=site.id, inspection_id=inspection.id, description="配电箱门缺失", location="二楼")
    device.signoff.sign(inspection.id, signer_name="张三", png=signature_png())
    device.signoff.complete(inspection.id)
    device.hazards.transition(blocked.id, "整改中")
    device.hazards.transition(blocked.id, "待复查")
    device.reviews.record(blocked.id, reviewer="李四", passed=True, note="已清理",
                           photos=[jpeg(size=(640, 480), colour=(20, 90, 160))])
    return inspection.id


def change_log(device) -> list[dict]:
    """The device's ``changes`` rows as push entries, each with the HLC it was logged with."""
    return [{"seq": r["seq"], "entity": r["entity"], "entity_id": r["entity_id"], "op": r["op"],
             "payload": json.loads(r["payload"]), "at": r["at"], "hlc": r["hlc"]}
            for r in device.store.rows("SELECT * FROM changes ORDER BY seq")]


def device_rows(device) -> dict[tuple[str, str], dict]:
    """Every record on the device, keyed like the dump, with values as the dump writes them."""
    queries = {
        "site": ("SELECT * FROM sites", lambda r: r["id"]),
        "inspection": ("SELECT * FROM inspections", lambda r: r["id"]),
        "answer": ("SELECT * FROM answers", lambda r: f"{r['inspection_id']}/{r['item_id']}"),
        "hazard": ("SELECT * FROM hazards", lambda r: r["id"]),
        "review": ("SELECT * FROM reviews", lambda r: r["id"]),
        "photo": ("SELECT * FROM photos", lambda r: r["sha256"]),
        "photo_link": ("SELECT * FROM photo_links",
                       lambda r: f"{r['owner_kind']}/{r['owner_id']}/{r['photo_sha256']}"),
    }
    rows = {}
    for entity, (sql, key) in queries.items():
        for row in device.store.rows(sql):
            row = {k: (bool(v) if k in BOOLEAN_COLUMNS else v) for k, v in row.items()}
            if entity == "answer":
                row["value"] = json.loads(row["value"])
            if entity == "hazard":
                row["element_items"] = json.loads(row["element_items"])
            rows[(entity, key(row))] = row
    return rows


def test_a_real_device_log_is_accepted_and_the_server_then_holds_the_same_records(server, device, site):
    device.settings.update(inspector_name="王芳")
    inspection_id = inspect_on_the_device(device, site)
    entries = change_log(device)
    wang = server.sign_in("wang", device_id=device.device_id)
    results = wang.push_ok(entries)
    assert [(r["seq"], r["status"], r["code"]) for r in results if r["status"] != "applied"] == []

    # the server rebuilt what was signed from what it received, and it matches the device's hash
    signature = wang.record("signature", inspection_id)
    assert signature["verified"] is True
    for sha256 in {e["entity_id"] for e in entries if e["entity"] == "photo"}:
        data = device.evidence.photo_path(sha256).read_bytes()
        assert wang.http.put(f"/v1/photos/{sha256}", content=data).status_code == 201
    assert wang.record("inspection", inspection_id)["note"] == "缺少签名图像"  # the signature names its PNG
    png = device.signoff.signature_png(inspection_id)
    [named] = {e["payload"]["png_sha256"] for e in entries if e["entity"] == "signature"}
    assert wang.http.put(f"/v1/photos/{named}", content=png, headers={"Content-Type": "image/png"}).status_code == 201
    assert wang.record("inspection", inspection_id)["complete"] is True

    done = server_command("--data", str(server.settings.data_dir), "dump")
    dumped = {(o["entity"], o["id"]): o for o in map(json.loads, done.stdout.splitlines())}
    device = device_rows(device)
    for key, row in device.items():
        fields = dumped[key]["fields"]
        expected = {k: v for k, v in row.items() if (key[0], k) not in NOT_LOGGED}
        assert {k: fields[k] for k in expected} == expected, key
        assert "missing" not in dumped[key] and dumped[key].get("file_ok", True) is True
    assert {k for k in dumped if k[0] != "signature"} == set(device)

    # pushing the same log again changes nothing
    assert {r["status"] for r in wang.push_ok(entries)} == {"duplicate"}
