"""Photos: HEAD to skip, upload verified against the hash and decoded before it is kept, download
in scope; what a record still lacks reads 缺少N张照片."""

from __future__ import annotations

import os
import time

from sync_support import jpeg, png, raw_request, sha


def photo_record(signed, data: bytes):
    """Push a site, a hazard and a photo linked to it; returns the hazard's id."""
    site = signed.device.site()
    hazard = signed.device.hazard(site["entity_id"])
    photo = signed.device.photo(data)
    signed.push_ok([site, hazard, photo, signed.device.link(photo["entity_id"], "hazard", hazard["entity_id"])])
    return hazard["entity_id"]


def incoming_files(server) -> list:
    return list(server.storage.files.incoming.iterdir())


def test_head_says_what_is_missing_upload_stores_it_and_get_returns_the_same_bytes(server):
    wang = server.sign_in("wang")
    data = jpeg()
    photo_record(wang, data)
    url = f"/v1/photos/{sha(data)}"
    assert wang.http.head(url).status_code == 404
    stored = wang.http.put(url, content=data, headers={"content-type": "image/jpeg"})
    assert stored.status_code == 201
    assert stored.json() == {"server": "anxun", "sha256": sha(data), "bytes": len(data), "status": "stored"}
    assert wang.http.head(url).status_code == 200
    got = wang.http.get(url)
    assert got.content == data and got.headers["content-type"] == "image/jpeg"
    again = wang.http.put(url, content=data)
    assert again.status_code == 200 and again.json()["status"] == "exists"


def test_an_upload_that_does_not_match_its_hash_is_refused_and_nothing_is_kept(server):
    wang = server.sign_in("wang")
    data = jpeg()
    photo_record(wang, data)
    other = jpeg(colour=(10, 200, 10))
    reply = wang.http.put(f"/v1/photos/{sha(data)}", content=other)
    assert reply.status_code == 422 and reply.json()["code"] == "hash_mismatch"
    assert "SHA-256" in reply.json()["message"]
    assert wang.http.head(f"/v1/photos/{sha(data)}").status_code == 404
    assert incoming_files(server) == []


def test_a_file_that_is_not_an_image_is_refused(server):
    wang = server.sign_in("wang")
    text = b"%PDF-1.4 not a photo at all" * 10
    wang.push_ok([wang.device.entry("photo", sha(text), "insert", {
        "sha256": sha(text), "original_sha256": sha(text), "width": 10, "height": 10, "bytes": len(text),
        "captured_at": "2026-12-01T08:00:00.000Z"})])
    reply = wang.http.put(f"/v1/photos/{sha(text)}", content=text)
    assert reply.status_code == 415 and reply.json()["code"] == "not_an_image"
    assert server.storage.files.exists(sha(text)) is False


def test_a_truncated_image_is_refused_even_with_a_matching_hash(server):
    wang = server.sign_in("wang")
    whole = jpeg(size=(640, 480))
    cut = whole[: len(whole) // 2]
    photo_record(wang, cut)
    reply = wang.http.put(f"/v1/photos/{sha(cut)}", content=cut)
    assert reply.status_code == 422 and reply.json()["code"] == "corrupt_image"


def test_too_large_and_too_many_pixels_are_refused(start_server):
    server = start_server(max_photo_bytes=30_000, max_photo_pixels=100_000)
    server.add_user("wang")
    wang = server.sign_in("wang")
    big = jpeg(size=(300, 300), colour=(1, 2, 3)) + b"\0" * 40_000  # bytes after the JPEG end still count
    wide = jpeg(size=(400, 300))  # 120 000 pixels
    photo_record(wang, big)
    photo_record(wang, wide)
    declared = wang.http.put(f"/v1/photos/{sha(big)}", content=big)
    assert declared.status_code == 413 and declared.json()["code"] == "too_large"

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    streamed = wang.http.put(f"/v1/photos/{sha(big)}", content=chunks())
    assert streamed.status_code == 413
    pixels = wang.http.put(f"/v1/photos/{sha(wide)}", content=wide)
    assert pixels.status_code == 422 and pixels.json()["code"] == "too_many_pixels"
    assert "400×300" in pixels.json()["message"]
    assert incoming_files(server) == []


def test_an_interrupted_upload_leaves_nothing_half_stored_and_can_be_sent_again(server):
    wang = server.sign_in("wang")
    data = jpeg(size=(800, 600))
    photo_record(wang, data)
    head = (f"PUT /v1/photos/{sha(data)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wang.token}\r\n"
            f"Content-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    sock = raw_request(server.port, head, data[: len(data) // 2], close_after=False)
    deadline = time.monotonic() + 5
    while not incoming_files(server):  # the server is writing the partial body
        assert time.monotonic() < deadline
        time.sleep(0.01)
    sock.close()  # the network drops mid-upload
    deadline = time.monotonic() + 5
    while incoming_files(server):
        assert time.monotonic() < deadline, "the partial upload was left behind"
        time.sleep(0.02)
    assert wang.http.head(f"/v1/photos/{sha(data)}").status_code == 404
    assert wang.http.put(f"/v1/photos/{sha(data)}", content=data).status_code == 201


def test_a_photo_no_record_names_is_refused_until_the_record_is_pushed(server):
    wang = server.sign_in("wang")
    data = jpeg()
    reply = wang.http.put(f"/v1/photos/{sha(data)}", content=data)
    assert reply.status_code == 409 and reply.json()["code"] == "not_expected"
    assert "请先同步记录" in reply.json()["message"]


def test_a_refusal_reaches_a_client_still_sending_its_photo(server):
    wang = server.sign_in("wang")
    data = os.urandom(2_000_000)
    head = (f"PUT /v1/photos/{sha(data)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wang.token}\r\n"
            f"Content-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    sock = raw_request(server.port, head, close_after=False)
    for start in range(0, len(data), 100_000):  # a slow link: the answer is ready long before the body ends
        sock.sendall(data[start:start + 100_000])
        time.sleep(0.01)
    sock.settimeout(5)
    reply = b""
    while b"not_expected" not in reply:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the answer: {reply!r}"
        reply += chunk
    sock.close()
    assert reply.startswith(b"HTTP/1.1 409")


def test_photos_of_another_grid_cannot_be_fetched(server):
    wang, zhao = server.sign_in("wang"), server.sign_in("zhao")
    data = jpeg()
    photo_record(wang, data)
    assert wang.http.put(f"/v1/photos/{sha(data)}", content=data).status_code == 201
    assert zhao.http.get(f"/v1/photos/{sha(data)}").status_code == 403
    assert zhao.http.head(f"/v1/photos/{sha(data)}").status_code == 403
    assert server.sign_in("wang").http.get(f"/v1/photos/{sha(data)}").status_code == 200  # same grid


def test_a_record_whose_photos_have_not_all_arrived_says_so_and_is_not_complete(server):
    wang = server.sign_in("wang")
    device = wang.device
    site = device.site()
    inspection = device.inspection(site["entity_id"])
    hazard = device.hazard(site["entity_id"], inspection["entity_id"])
    first, second, signature_png = jpeg(colour=(1, 1, 1)), jpeg(colour=(2, 2, 2)), png()
    entries = [site, inspection, hazard]
    for data in (first, second):
        entries += [device.photo(data), device.link(sha(data), "hazard", hazard["entity_id"])]
    entries += [device.signature(inspection["entity_id"], png_sha256=sha(signature_png)),
                device.complete(inspection["entity_id"])]
    assert all(r["status"] == "applied" for r in wang.push_ok(entries))

    state = wang.record("hazard", hazard["entity_id"])
    assert (state["files_missing"], state["note"]) == (2, "缺少2张照片")
    state = wang.record("inspection", inspection["entity_id"])
    assert (state["note"], state["complete"]) == ("缺少2张照片和签名图像", False)
    assert wang.record("signature", inspection["entity_id"])["note"] == "缺少签名图像"

    assert wang.http.put(f"/v1/photos/{sha(first)}", content=first).status_code == 201
    assert wang.http.put(f"/v1/photos/{sha(signature_png)}", content=signature_png).status_code == 201
    assert wang.record("inspection", inspection["entity_id"])["note"] == "缺少1张照片"
    assert wang.http.put(f"/v1/photos/{sha(second)}", content=second).status_code == 201
    state = wang.record("inspection", inspection["entity_id"])
    assert (state["files_missing"], state["note"], state["complete"]) == (0, None, True)
