"""Central endpoint benchmark: push, pull and photo upload over real HTTP on loopback.

    python bench/server.py [--entries 5000] [--photos 100]

Starts the server (uvicorn in a thread, fresh data folder in a temp dir) and times, with
``requests`` as the device does:

- ``push_batched_*``: ``--entries`` hazard inserts pushed 500 per request;
- ``push_single_request_ms``: the same kind of entry, one request each (300 of them), and
  ``push_batch_speedup_x``, the per-entry ratio of the two;
- ``pull_noop_ms``: a pull with nothing new (p50, p95): the cost of a sync with nothing to do;
- ``pull_records_per_s``: a second device pulling everything, 1000 records a page;
- ``photo_put_ms``: uploading ``--photos`` JPEGs of about 200 KB (hash, decode, fsync, rename).

stdout carries only ``name: value unit`` lines. Issue 9's ``bench/sync.py`` times the device
engine end to end; this one is the server's share.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
import uvicorn
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sync.hlc import HlcClock
from sync.protocol import format_time
from sync.server import ServerSettings, create_app
from sync.server.accounts import add_user

PASSWORD = "bench-password"


class Device:
    def __init__(self, device_id: str):
        self.id = device_id
        self.clock = HlcClock(device_id)
        self.seq = 0

    def entry(self, entity: str, entity_id: str, payload: dict) -> dict:
        self.seq += 1
        return {"seq": self.seq, "entity": entity, "entity_id": entity_id, "op": "insert", "payload": payload,
                "at": format_time(datetime.now(UTC)), "hlc": str(self.clock.now())}

    def site(self) -> dict:
        now = format_time(datetime.now(UTC))
        site_id = str(uuid.uuid4())
        return self.entry("site", site_id, {"id": site_id, "name": "荷花池街道 12 号", "kind": "群租房",
                                            "grid": "荷花池-01", "created_at": now, "updated_at": now})

    def hazard(self, site_id: str) -> dict:
        now = format_time(datetime.now(UTC))
        hazard_id = str(uuid.uuid4())
        return self.entry("hazard", hazard_id, {
            "id": hazard_id, "site_id": site_id, "source": "manual", "description": "疏散通道堆放杂物",
            "location": "一楼楼梯间", "severity": "一般", "status": "待整改", "requirement": "清除堆放物品",
            "deadline": (date.today() + timedelta(days=7)).isoformat(), "created_at": now, "updated_at": now})

    def photo(self, data: bytes) -> dict:
        sha = hashlib.sha256(data).hexdigest()
        return self.entry("photo", sha, {"sha256": sha, "original_sha256": sha, "width": 1600, "height": 1200,
                                         "bytes": len(data), "captured_at": format_time(datetime.now(UTC))})


def serve(data_dir: Path) -> tuple[uvicorn.Server, str]:
    app = create_app(ServerSettings(data_dir=data_dir))
    add_user(app.state.storage, "wang", "网格员", ["荷花池-01"], PASSWORD)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def sign_in(url: str) -> tuple[requests.Session, Device]:
    device = Device(str(uuid.uuid4()))
    reply = requests.post(f"{url}/v1/auth/sign-in", json={"name": "wang", "password": PASSWORD,
                                                           "device_id": device.id}, timeout=30)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {reply.json()['token']}"
    return session, device


def push(session: requests.Session, url: str, device: Device, entries: list[dict]) -> None:
    reply = session.post(f"{url}/v1/push", json={"device_id": device.id, "entries": entries}, timeout=120)
    assert reply.status_code == 200 and all(r["status"] == "applied" for r in reply.json()["results"]), reply.text


def jpeg_about_200kb(seed: int) -> bytes:
    image = Image.effect_noise((1600, 1200), 40 + seed % 5).filter(ImageFilter.GaussianBlur(1.4)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=72)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--photos", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, url = serve(Path(tmp) / "server")
        session, device = sign_in(url)
        site = device.site()
        push(session, url, device, [site])
        entries = [device.hazard(site["entity_id"]) for _ in range(args.entries)]
        started = time.perf_counter()
        for start in range(0, len(entries), 500):
            push(session, url, device, entries[start:start + 500])
        batched = time.perf_counter() - started
        print(f"push_batched_s: {batched:.2f} s")
        print(f"push_batched_entries_per_s: {len(entries) / batched:.0f} entries/s")

        singles = [device.hazard(site["entity_id"]) for _ in range(300)]
        started = time.perf_counter()
        for entry in singles:
            push(session, url, device, [entry])
        single_ms = (time.perf_counter() - started) / len(singles) * 1000
        print(f"push_single_request_ms: {single_ms:.1f} ms")
        print(f"push_batch_speedup_x: {single_ms / (batched / len(entries) * 1000):.1f} x")

        cursor = "0"
        while True:  # catch up first, so the timed pulls have nothing to do
            body = session.get(f"{url}/v1/pull", params={"cursor": cursor, "own": "true", "limit": 2000},
                               timeout=60).json()
            cursor = body["cursor"]
            if not body["more"]:
                break
        noop = []
        for _ in range(50):
            started = time.perf_counter()
            session.get(f"{url}/v1/pull", params={"cursor": cursor}, timeout=30).raise_for_status()
            noop.append((time.perf_counter() - started) * 1000)
        print(f"pull_noop_ms: {statistics.median(noop):.1f} ms p50, "
              f"{statistics.quantiles(noop, n=20)[18]:.1f} ms p95")

        other, _ = sign_in(url)
        started, cursor, count = time.perf_counter(), "0", 0
        while True:
            body = other.get(f"{url}/v1/pull", params={"cursor": cursor, "limit": 1000}, timeout=60).json()
            count += len(body["records"])
            cursor = body["cursor"]
            if not body["more"]:
                break
        print(f"pull_records_per_s: {count / (time.perf_counter() - started):.0f} records/s ({count} records)")

        photos = [jpeg_about_200kb(i) for i in range(args.photos)]
        push(session, url, device, [device.photo(p) for p in photos])
        started = time.perf_counter()
        for data in photos:
            reply = session.put(f"{url}/v1/photos/{hashlib.sha256(data).hexdigest()}", data=data,
                                headers={"Content-Type": "image/jpeg"}, timeout=60)
            assert reply.status_code == 201, reply.text
        per_photo = (time.perf_counter() - started) / len(photos) * 1000
        size_kb = statistics.mean(len(p) for p in photos) / 1024
        print(f"photo_put_ms: {per_photo:.1f} ms ({size_kb:.0f} KB each)")
        server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
