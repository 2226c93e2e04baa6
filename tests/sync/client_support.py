"""Helpers for the device sync engine's tests: real device stores, faults injected through the
transport seam (or a real TCP proxy on loopback), and both sides' records in one comparable form.

The server is never mocked: ``sync_support.LiveServer`` runs it for real on loopback.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync_support import PASSWORD, LiveServer

from app.services import Device, open_device
from checklists import Checklist
from sync.client.errors import Unreachable
from sync.client.transport import Request, RequestsTransport, Response
from sync.server.dump import dump_lines
from tests.factories import SAMPLE, TODAY

ROOT = Path(__file__).resolve().parents[2]

BOOLEAN_COLUMNS = {"photo_required", "deadline_chosen", "passed", "listed"}
#: Device columns its change log does not carry: saving an answer moves the inspection's
#: updated_at and current_item_id without a change row (docs/sync.md §3, last paragraph).
NOT_LOGGED = {("inspection", "updated_at"), ("inspection", "current_item_id")}


def make_device(folder: Path, *, shipped: bool = False, wall_ms: Callable[[], int] | None = None) -> Device:
    """A real device store on a fixed inspector's day, with the sample checklist (``shipped``: with
    the checklists the app ships, and so taking what sync pulls of them)."""
    kwargs: dict[str, Any] = {"wall_ms": wall_ms} if wall_ms else {}
    checklists = None if shipped else {"sample": Checklist.model_validate(SAMPLE)}
    return open_device(folder, checklists=checklists, today=lambda: TODAY, **kwargs)


def site_in(device: Device, grid: str = "荷花池-01", name: str = "荷花池街道 12 号群租房") -> Any:
    return device.sites.create(name=name, address="钟楼区荷花池街道 12 号", kind="群租房", grid=grid)


def client_command(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """``python -m sync.client --data DATA ARGS`` run for real, from the repository."""
    return subprocess.run([sys.executable, "-m", "sync.client", "--data", str(data), *args], input=stdin,
                          check=False, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120)


def sign_in(device: Device, server: LiveServer, name: str = "wang", transport: Any = None) -> None:
    if transport is not None:
        device.sync.transport = transport
    device.sync.sign_in(server.url, name, PASSWORD)


# --- faults, through the transport seam ------------------------------------------------------------


@dataclass
class Fault:
    """Hit requests whose method and path match: ``drop`` (never sent), ``lose`` (sent, reply lost),
    ``answer`` (a canned reply instead of the server's), ``before`` (run something, then send)."""

    kind: str
    method: str = ""
    path: str = ""
    times: int = 1
    reply: Response | None = None
    action: Callable[[], None] | None = None

    def matches(self, request: Request) -> bool:
        path = request.url.split("://", 1)[1].split("/", 1)[1]
        return self.times > 0 and request.method.startswith(self.method) and ("/" + path).startswith(self.path)


@dataclass
class FaultyTransport:
    """The real transport, with faults injected before or after the server sees a request."""

    faults: list[Fault] = field(default_factory=list)
    inner: RequestsTransport = field(default_factory=RequestsTransport)
    sent: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, request: Request) -> Response:
        with self.lock:
            fault = next((f for f in self.faults if f.matches(request)), None)
            if fault is not None:
                fault.times -= 1
        if fault is not None and fault.kind == "drop":
            raise Unreachable(f"test dropped {request.method} {request.url}")
        if fault is not None and fault.kind == "answer":
            return fault.reply
        if fault is not None and fault.kind == "before":
            fault.action()
        reply = self.inner.send(request)
        self.sent.append((request.method, request.url, reply.status))
        if fault is not None and fault.kind == "lose":
            raise Unreachable(f"test lost the reply to {request.method} {request.url} (HTTP {reply.status})")
        return reply

    def close(self) -> None:
        self.inner.close()

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, url, _ in self.sent if m == method and path in url)


PORTAL_PAGE = Response(200, {"Content-Type": "text/html; charset=utf-8"},
                       "<html><body>欢迎使用免费 Wi-Fi，请先登录</body></html>".encode())


# --- a real proxy on loopback that cuts an upload halfway ------------------------------------------


class CuttingProxy:
    """Forwards TCP to the server; the first connection carrying ``PUT /v1/photos`` is cut after
    ``cut_after`` bytes of its body have gone through (both sockets closed, as a network drop)."""

    def __init__(self, target_port: int, cut_after: int):
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, upward: bool) -> None:
        cutting, header, body_sent = False, b"", 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if upward and not self.cuts and not cutting and b"PUT /v1/photos/" in data:
                    cutting = True
                if not cutting:
                    sink.sendall(data)
                    continue
                if header is not None:  # still in the request head
                    header += data
                    end = header.find(b"\r\n\r\n")
                    if end < 0:
                        sink.sendall(data)
                        continue
                    body = header[end + 4:]
                    sink.sendall(data[:len(data) - len(body)])
                    header, data = None, body
                room = self.cut_after - body_sent
                sink.sendall(data[:room])
                body_sent += min(len(data), room)
                if body_sent >= self.cut_after:
                    self.cuts += 1
                    break
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


# --- both sides' records, comparable ----------------------------------------------------------------

_QUERIES = {
    "site": ("SELECT * FROM sites", lambda r: r["id"]),
    "inspection": ("SELECT * FROM inspections", lambda r: r["id"]),
    "answer": ("SELECT * FROM answers", lambda r: f"{r['inspection_id']}/{r['item_id']}"),
    "signature": ("SELECT inspection_id, signer_name, record_hash, signed_at, png_sha256 FROM signatures",
                  lambda r: r["inspection_id"]),
    "hazard": ("SELECT * FROM hazards", lambda r: r["id"]),
    "review": ("SELECT * FROM reviews", lambda r: r["id"]),
    "photo": ("SELECT * FROM photos", lambda r: r["sha256"]),
    "photo_link": ("SELECT * FROM photo_links", lambda r: f"{r['owner_kind']}/{r['owner_id']}/{r['photo_sha256']}"),
}


def device_records(device: Device) -> dict[tuple[str, str], dict[str, Any]]:
    """Every record on the device, keyed like the dump, values as the dump writes them."""
    rows = {}
    for entity, (sql, key) in _QUERIES.items():
        for row in device.store.rows(sql):
            row = {k: (bool(v) if k in BOOLEAN_COLUMNS else v) for k, v in row.items()}
            if entity == "answer":
                row["value"] = json.loads(row["value"])
            if entity == "hazard":
                row["element_items"] = json.loads(row["element_items"])
            rows[(entity, key(row))] = {k: v for k, v in row.items() if (entity, k) not in NOT_LOGGED}
    return rows


def server_records(server: LiveServer) -> dict[tuple[str, str], dict[str, Any]]:
    """Every live record on the server (its audit dump), fields as the device names them."""
    found = {}
    for line in dump_lines(server.storage):
        obj = json.loads(line)
        if obj["entity"] in ("decision", "office"):  # office records, not device ones
            continue
        fields = {k: v for k, v in obj["fields"].items() if (obj["entity"], k) not in NOT_LOGGED}
        if obj["entity"] == "signature":
            fields.pop("png_bytes", None)
        found[(obj["entity"], obj["id"])] = fields
    return found


def in_grid(records: dict[tuple[str, str], dict[str, Any]], device: Device, grid: str) -> dict:
    """The records of sites in ``grid`` (what a user of that grid sees), by the device's own site table."""
    sites = {r["id"] for r in device.store.rows("SELECT id FROM sites WHERE grid = ?", (grid,))}
    return {k: v for k, v in records.items() if k[0] != "site" or k[1] in sites}


def push_log(server: LiveServer) -> list[dict[str, Any]]:
    """The server's push log: one row per (device, seq) it ever received."""
    from sqlalchemy import select

    from sync.server.tables import push_log as table

    with server.storage.read() as conn:
        return [dict(r) for r in conn.execute(select(table.c.device_id, table.c.seq, table.c.status, table.c.code,
                                                     table.c.op, table.c.entity, table.c.entity_id)).mappings()]



def signature_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (255, 255, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def inspect_site(device: Device, site_id: str, *, photo: bytes, sign: bool = True) -> str:
    """What a 网格员 does on site: answers raising hazards, a photo, a manual hazard, the signature."""
    inspection = device.inspections.start(site_id, "sample")
    device.inspections.answer(inspection.id, "A1", "是", note="楼梯间堆满纸箱")
    device.inspections.answer(inspection.id, "A2", "否")
    device.inspections.answer(inspection.id, "A3", 5)
    device.inspections.answer(inspection.id, "B1", "否")
    device.inspections.answer(inspection.id, "B3", "2026-11-01")
    blocked = device.inspections.state(inspection.id).hazards["A1"]
    device.evidence.add_to_hazard(blocked.id, photo)
    device.hazards.create(site_id=site_id, inspection_id=inspection.id, description="配电箱门缺失", location="二楼")
    if sign:
        device.signoff.sign(inspection.id, signer_name="张三", png=signature_png())
        device.signoff.complete(inspection.id)
    return inspection.id


__all__ = ["PASSWORD", "TODAY", "CuttingProxy", "Fault", "FaultyTransport", "device_records", "inspect_site",
           "make_device", "push_log", "server_records", "sign_in"]
