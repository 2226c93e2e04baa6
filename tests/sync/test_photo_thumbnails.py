"""Small server additions the device engine relies on: a HEAD reply that names our server (it has
no body to do so), thumbnails of stored photos, and a record fetched again that names the server."""

from __future__ import annotations

import io

from PIL import Image
from sync_support import jpeg, sha

from sync.protocol import PHOTO_SERVER_HEADER, THUMBNAIL_EDGE_PX


def hazard_with_photo(signed, data: bytes) -> str:
    site = signed.device.site()
    hazard = signed.device.hazard(site["entity_id"])
    photo = signed.device.photo(data)
    signed.push_ok([site, hazard, photo, signed.device.link(photo["entity_id"], "hazard", hazard["entity_id"])])
    return hazard["entity_id"]


def test_head_answers_carry_our_marker_whether_or_not_the_photo_is_stored(server):
    wang = server.sign_in("wang")
    data = jpeg()
    hazard_with_photo(wang, data)
    url = f"/v1/photos/{sha(data)}"
    missing = wang.http.head(url)
    assert missing.status_code == 404 and missing.headers[PHOTO_SERVER_HEADER] == "anxun"
    wang.http.put(url, content=data)
    present = wang.http.head(url)
    assert present.status_code == 200 and present.headers[PHOTO_SERVER_HEADER] == "anxun"


def test_a_thumbnail_is_a_small_jpeg_of_the_stored_photo_and_stays_in_scope(server):
    wang = server.sign_in("wang")
    data = jpeg((1600, 1200), (30, 120, 200))
    hazard_with_photo(wang, data)
    wang.http.put(f"/v1/photos/{sha(data)}", content=data)

    reply = wang.http.get(f"/v1/photos/{sha(data)}", params={"size": "thumb"})

    assert reply.status_code == 200 and reply.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(reply.content)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == THUMBNAIL_EDGE_PX and thumb.size[0] > thumb.size[1]
        assert thumb.getpixel((10, 10))[2] > 150  # the photo's colours, made small
    assert len(reply.content) < len(data) / 5
    assert wang.http.get(f"/v1/photos/{sha(data)}", params={"size": "thumb"}).content == reply.content
    zhao = server.sign_in("zhao")  # another grid
    assert zhao.http.get(f"/v1/photos/{sha(data)}", params={"size": "thumb"}).status_code == 403
    assert wang.http.get(f"/v1/photos/{sha(data)}", params={"size": "huge"}).status_code == 422


def test_a_record_fetched_again_names_our_server(server):
    wang = server.sign_in("wang")
    hazard_id = hazard_with_photo(wang, jpeg())
    assert wang.record("hazard", hazard_id)["server"] == "anxun"
