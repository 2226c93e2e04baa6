"""Device sync benchmark: the engine against one request per record, on the same data.

    python bench/sync.py [--entries 5000] [--photos 500] [--noop-runs 30]

A device folder is filled with ``--entries`` change-log entries, ``--photos`` of them photos of
about 200 KB each (linked to hazards). Two copies of it are sent, each to a fresh central
endpoint (``python -m sync.server`` in its own process, its own data folder, on loopback):

- ``batched_s``: ``device.sync.run()`` — the engine: batches of up to 1000 entries, then the
  photos, four at a time, then the pull;
- ``per_record_s``: the OpenRosa way ODK sends: one request per record, in order, each photo sent
  right after its record (our endpoint takes a record's images in requests of their own, so a
  photo record costs two requests instead of one multipart POST), one at a time;
- ``speedup_x``: ``per_record_s / batched_s``;
- ``noop_sync_ms``: a sync with nothing to send or receive (median of ``--noop-runs``; p95 too).

stdout carries only ``name: value unit`` lines.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import requests
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.services import open_device
from app.store import hazards as hazard_store
from app.store.ids import utc_now
from app.store.photos import insert_photo, link_photo

PASSWORD = "bench-password-9"
USER = "王芳"
GRID = "荷花池-01"


def photos_about_200kb(n: int) -> list[bytes]:
    """Distinct camera-like JPEGs of about 200 KB (a noisy scene, a different patch on each)."""
    base = Image.effect_noise((1600, 1200), 40).filter(ImageFilter.GaussianBlur(1.4)).convert("RGB")
    out = []
    for i in range(n):
        image = base.copy()
        image.paste((i * 7 % 256, i * 13 % 256, i * 29 % 256), (i % 40 * 30, i // 40 * 30, i % 40 * 30 + 28,
                                                               i // 40 * 30 + 28))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=72)
        out.append(buffer.getvalue())
    return out


def fill_device(folder: Path, entries: int, photos: list[bytes]) -> int:
    """Sites, hazards with a photo each, and edits, through the store: ``entries`` change rows."""
    device = open_device(folder, checklists={})
    store = device.store
    sites = [device.sites.create(name=f"荷花池街道 {i} 号群租房", kind="群租房", grid=GRID) for i in range(20)]
    hazards = []
    with store.atomic():
        for i in range(len(photos)):
            hazards.append(hazard_store.insert_hazard(
                store, site_id=sites[i % len(sites)].id, inspection_id=None, source="manual",
                description=f"疏散通道堆放杂物 {i}", severity="一般", status="待整改", deadline=date(2026, 12, 31)))
        for i, data in enumerate(photos):
            sha = hashlib.sha256(data).hexdigest()
            path = device.photo_files.path(sha)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
            insert_photo(store, sha256=sha, original_sha256=sha, width=width, height=height, size_bytes=len(data),
                         captured_at=utc_now())
            link_photo(store, sha, "hazard", hazards[i])
    left = entries - store.scalar("SELECT count(*) FROM changes")
    for i in range(max(0, left)):
        hazard_store.update_hazard(store, hazards[i % len(hazards)], location=f"{i % 9 + 1} 楼楼梯间")
    count = store.scalar("SELECT count(*) FROM changes")
    device.close()
    return count


class Central:
    """``python -m sync.server`` on a free loopback port, with one 网格员."""

    def __init__(self, data: Path):
        subprocess.run([sys.executable, "-m", "sync.server", "--data", str(data), "user", "add", USER, "--role", "网格员",
                        "--grid", GRID], input=PASSWORD + "\n", text=True, check=True, capture_output=True, cwd=REPO)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "sync.server", "--data", str(data), "--port",
                                         str(self.port)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the central endpoint did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def per_record(folder: Path, url: str) -> float:
    """Each change row in its own push, each photo uploaded right after its record; seconds taken."""
    device = open_device(folder, checklists={})
    token = requests.post(f"{url}/v1/auth/sign-in", json={"name": USER, "password": PASSWORD,
                                                          "device_id": device.device_id}, timeout=60).json()["token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    rows = device.store.rows("SELECT * FROM changes ORDER BY seq")
    started = time.perf_counter()
    for row in rows:
        entry = {"seq": row["seq"], "entity": row["entity"], "entity_id": row["entity_id"], "op": row["op"],
                 "payload": json.loads(row["payload"]), "at": row["at"], "hlc": row["hlc"]}
        reply = session.post(f"{url}/v1/push", json={"device_id": device.device_id, "entries": [entry]}, timeout=60)
        assert reply.status_code == 200 and reply.json()["results"][0]["status"] == "applied", reply.text
        if row["entity"] == "photo":
            data = device.photo_files.open(row["entity_id"])
            put = session.put(f"{url}/v1/photos/{row['entity_id']}", data=data,
                              headers={"Content-Type": "image/jpeg"}, timeout=60)
            assert put.status_code == 201, put.text
    elapsed = time.perf_counter() - started
    device.close()
    return elapsed


def engine(folder: Path, url: str, noop_runs: int) -> tuple[float, list[float]]:
    device = open_device(folder, checklists={})
    device.sync.sign_in(url, USER, PASSWORD)
    started = time.perf_counter()
    report = device.sync.run(600)
    elapsed = time.perf_counter() - started
    assert report.rejected == 0 and device.sync.status().pending == 0, report
    noops = []
    for _ in range(noop_runs):
        started = time.perf_counter()
        device.sync.run(30)
        noops.append((time.perf_counter() - started) * 1000)
    device.close()
    return elapsed, noops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--noop-runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        photos = photos_about_200kb(args.photos)
        entries = fill_device(root / "device", args.entries, photos)
        shutil.copytree(root / "device", root / "device-per-record")
        print(f"entries: {entries} entries")
        print(f"photos: {len(photos)} photos")
        print(f"photo_kb: {statistics.mean(len(p) for p in photos) / 1024:.0f} KB")

        central = Central(root / "server-engine")
        try:
            batched, noops = engine(root / "device", central.url, args.noop_runs)
        finally:
            central.stop()
        central = Central(root / "server-per-record")
        try:
            single = per_record(root / "device-per-record", central.url)
        finally:
            central.stop()
        print(f"batched_s: {batched:.2f} s")
        print(f"per_record_s: {single:.2f} s")
        print(f"speedup_x: {single / batched:.1f} x")
        print(f"noop_sync_ms: {statistics.median(noops):.1f} ms")
        print(f"noop_sync_p95_ms: {sorted(noops)[int(len(noops) * 0.95) - 1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
