"""Helpers for the central endpoint's tests: a real uvicorn server on loopback, a signed-in
HTTP client, and a fake device that writes change-log entries the way the device store does."""

from __future__ import annotations

import hashlib
import io
import itertools
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from PIL import Image

from sync.hlc import HlcClock, wall_ms
from sync.protocol import format_time
from sync.server import ServerSettings, create_app
from sync.server.accounts import add_user

PASSWORD = "correct-horse-9"


ROOT = Path(__file__).resolve().parents[2]


def server_command(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """``python -m sync.server ARGS`` run for real, from the repository."""
    return subprocess.run([sys.executable, "-m", "sync.server", *args], input=stdin, check=False, capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, timeout=60)


def settings_for(data_dir: Path, **overrides: Any) -> ServerSettings:
    """Cheap password hashing and short waits, so tests stay fast; limits as in production."""
    values: dict[str, Any] = {"scrypt_n": 2**10, "login_free_attempts": 3, "login_base_delay_s": 0.5}
    values.update(overrides)
    return ServerSettings(data_dir=data_dir, database_url=None, **values)


class LiveServer:
    """``create_app(settings)`` served by uvicorn in a thread on a free loopback port."""

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self.app = create_app(settings)
        self.storage = self.app.state.storage
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                                timeout_keep_alive=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def add_user(self, name: str, role: str = "网格员", grids: tuple[str, ...] = ("荷花池-01",),
                 password: str = PASSWORD) -> None:
        add_user(self.storage, name, role, list(grids), password)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=20)

    def sign_in(self, name: str, device_id: str | None = None, password: str = PASSWORD) -> SignedIn:
        device_id = device_id or str(uuid.uuid4())
        with self.client() as anonymous:
            reply = anonymous.post("/v1/auth/sign-in",
                                   json={"name": name, "password": password, "device_id": device_id})
        assert reply.status_code == 200, reply.text
        return SignedIn(self, reply.json()["token"], device_id)


class SignedIn:
    """A device signed in as one user: an HTTP client plus a change log to push."""

    def __init__(self, server: LiveServer, token: str, device_id: str):
        self.server = server
        self.token = token
        self.device = FakeDevice(device_id)
        self.http = server.client(token)
        #: the cursor of the last complete pull (sent with pushes, as the device engine does)
        self.cursor = "0"

    def push(self, entries: list[dict[str, Any]], device_id: str | None = None) -> httpx.Response:
        body = {"device_id": device_id or self.device.id, "entries": entries}
        if self.cursor != "0":
            body["cursor"] = self.cursor
        return self.http.post("/v1/push", json=body)

    def push_ok(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        reply = self.push(entries)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["server"] == "anxun"
        return body["results"]

    def pull_all(self, cursor: str | None = None, limit: int = 500, **params: Any) -> list[dict[str, Any]]:
        """Pull every page from ``cursor`` (default: this device's last one) and remember where it ended."""
        cursor = self.cursor if cursor is None else cursor
        records = []
        while True:
            reply = self.http.get("/v1/pull", params={"cursor": cursor, "limit": limit, **params})
            assert reply.status_code == 200, reply.text
            body = reply.json()
            assert body["server"] == "anxun"
            records += body["records"]
            cursor = body["cursor"]
            if not body["more"]:
                self.cursor = cursor
                return records

    def record(self, entity: str, entity_id: str) -> dict[str, Any]:
        reply = self.http.get(f"/v1/records/{entity}/{entity_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()


class FakeDevice:
    """Writes change-log entries the way ``app.store`` does: the same entities, ids and payloads.

    :param clock_offset_s: how far this device's clock is off (e.g. 7200 for two hours fast).
    """

    def __init__(self, device_id: str | None = None, clock_offset_s: float = 0):
        self.id = device_id or str(uuid.uuid4())
        self.offset = timedelta(seconds=clock_offset_s)
        self.clock = HlcClock(self.id, now_ms=lambda: wall_ms() + int(clock_offset_s * 1000))
        self._seq = itertools.count(1)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def entry(self, entity: str, entity_id: str, op: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"seq": next(self._seq), "entity": entity, "entity_id": entity_id, "op": op, "payload": payload,
                "at": format_time(self.now()), "hlc": str(self.clock.now())}

    # --- records, as the device store writes them ----------------------------------------------

    def site(self, grid: str = "荷花池-01", name: str = "荷花池街道 12 号群租房", **extra: Any) -> dict[str, Any]:
        now = format_time(self.now())
        row = {"id": str(uuid.uuid4()), "created_at": now, "updated_at": now, "name": name, "address": "",
               "kind": "群租房", "grid": grid, "contact_name": "", "contact_phone": "", "lat": None, "lon": None,
               **extra}
        return self.entry("site", row["id"], "insert", row)

    def inspection(self, site_id: str, checklist_id: str = "sample") -> dict[str, Any]:
        now = format_time(self.now())
        row = {"id": str(uuid.uuid4()), "status": "draft", "started_at": now, "updated_at": now,
               "site_id": site_id, "checklist_id": checklist_id, "checklist_version": 1, "inspector_id": "",
               "inspector_name": "王芳", "device_id": self.id, "current_item_id": "A1"}
        return self.entry("inspection", row["id"], "insert", row)

    def answer(self, inspection_id: str, item_id: str, value: Any, note: str = "") -> dict[str, Any]:
        import json

        row = {"inspection_id": inspection_id, "item_id": item_id, "value": json.dumps(value, ensure_ascii=False),
               "note": note, "answered_at": format_time(self.now())}
        return self.entry("answer", f"{inspection_id}/{item_id}", "update", row)

    def hazard(self, site_id: str, inspection_id: str | None = None, **extra: Any) -> dict[str, Any]:
        now = format_time(self.now())
        row = {"id": str(uuid.uuid4()), "created_at": now, "updated_at": now, "inspection_id": inspection_id,
               "site_id": site_id, "source": "manual", "description": "疏散通道堆放杂物", "location": "一楼楼梯间",
               "severity": "一般", "status": "待整改", "rect_unit": "", "requirement": "清除堆放物品",
               "deadline": (date.today() + timedelta(days=7)).isoformat(), **extra}
        return self.entry("hazard", row["id"], "insert", row)

    def hazard_update(self, hazard_id: str, **changes: Any) -> dict[str, Any]:
        return self.entry("hazard", hazard_id, "update",
                          {"id": hazard_id, **changes, "updated_at": format_time(self.now())})

    def review(self, hazard_id: str, passed: bool) -> dict[str, Any]:
        row = {"id": str(uuid.uuid4()), "hazard_id": hazard_id, "reviewer": "李四",
               "reviewed_at": format_time(self.now()), "passed": int(passed), "note": ""}
        return self.entry("review", row["id"], "insert", row)

    def photo(self, data: bytes) -> dict[str, Any]:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        sha = hashlib.sha256(data).hexdigest()
        row = {"sha256": sha, "original_sha256": hashlib.sha256(b"original" + data).hexdigest(), "width": width,
               "height": height, "bytes": len(data), "captured_at": format_time(self.now()), "lat": None,
               "lon": None, "accuracy_m": None}
        return self.entry("photo", sha, "insert", row)

    def link(self, sha256: str, owner_kind: str, owner_id: str) -> dict[str, Any]:
        row = {"photo_sha256": sha256, "owner_kind": owner_kind, "owner_id": owner_id,
               "created_at": format_time(self.now())}
        return self.entry("photo_link", f"{owner_kind}/{owner_id}/{sha256}", "insert", row)

    def signature(self, inspection_id: str, record_hash: str = "0" * 64,
                  png_sha256: str | None = None) -> dict[str, Any]:
        row = {"inspection_id": inspection_id, "signer_name": "张三", "record_hash": record_hash,
               "signed_at": format_time(self.now()), "png_sha256": png_sha256}
        return self.entry("signature", inspection_id, "update", row)

    def complete(self, inspection_id: str) -> dict[str, Any]:
        return self.entry("inspection", inspection_id, "update",
                          {"id": inspection_id, "status": "completed", "finished_at": format_time(self.now())})


def jpeg(size: tuple[int, int] = (320, 240), colour: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def png(size: tuple[int, int] = (200, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, "PNG")
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_request(port: int, head: bytes, body: bytes = b"", *, close_after: bool = True) -> socket.socket:
    """Send bytes on a plain socket (for cut connections); returns the socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(head + body)
    if close_after:
        sock.close()
    return sock
