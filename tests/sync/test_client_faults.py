"""Nothing lost, nothing doubled when the network, the server or the device's clock misbehave.

Faults go in through the transport seam (a request dropped, a reply lost after the server
committed, a Wi-Fi login page's 200) or a real TCP proxy on loopback (an upload cut halfway); the
server itself always runs for real, in one test as a separate process killed mid-push.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from client_support import (
    PORTAL_PAGE,
    CuttingProxy,
    Fault,
    FaultyTransport,
    device_records,
    push_log,
    server_records,
    sign_in,
)
from sync_support import PASSWORD, jpeg

from app.services import HazardEdit
from app.store import hazards as hazard_store
from sync.client.errors import NotOurServer, OutOfTime, SyncBusy
from sync.client.transport import Response
from sync.server import ServerSettings
from sync.server.accounts import add_user
from sync.server.storage import Storage

ROOT = Path(__file__).resolve().parents[2]
TWO_HOURS_MS = 2 * 3600 * 1000


def site_in(device, name: str = "荷花池街道 12 号群租房"):
    return device.sites.create(name=name, kind="群租房", grid="荷花池-01")


def many_hazards(device, site_id: str, n: int) -> None:
    """``n`` hazards written straight through the store (each with its change row), quickly."""
    with device.store.atomic():
        for i in range(n):
            hazard_store.insert_hazard(device.store, site_id=site_id, inspection_id=None, source="manual",
                                       description=f"楼道堆物 {i}", severity="一般", status="待整改",
                                       deadline=date(2026, 12, 9))


def assert_each_change_once(server, device, expected: int) -> None:
    rows = [r for r in push_log(server) if r["device_id"] == device.device_id]
    seqs = [r["seq"] for r in rows]
    assert len(seqs) == len(set(seqs)) == expected
    assert {r["status"] for r in rows} == {"applied"}


def test_a_reply_lost_after_the_server_committed_is_retried_without_a_duplicate(server, new_device):
    device = new_device("a")
    transport = FaultyTransport([Fault("lose", "POST", "/v1/push"), Fault("lose", "PUT", "/v1/photos/")])
    sign_in(device, server, transport=transport)
    site = site_in(device)
    hazard = device.hazards.create(site_id=site.id, description="消防通道堆放杂物")
    device.evidence.add_to_hazard(hazard.id, jpeg((800, 600)))
    logged = device.store.scalar("SELECT count(*) FROM changes")

    report = device.sync.run(60)

    assert report.retries == 2 and transport.count("POST", "/v1/push") == 2
    # the photo's retry asks first (HEAD) and finds it stored: its bytes are not sent twice
    assert transport.count("PUT", "/v1/photos/") == 1 and transport.count("HEAD", "/v1/photos/") == 1
    assert device.sync.status().pending == 0
    assert_each_change_once(server, device, logged)
    assert server_records(server) == device_records(device)
    assert len([k for k in server_records(server) if k[0] == "hazard"]) == 1


def test_dropped_requests_are_retried_after_jittered_backoff_until_they_get_through(server, new_device):
    device = new_device("a")
    transport = FaultyTransport([Fault("drop", "POST", "/v1/push", times=3), Fault("drop", "GET", "/v1/pull")])
    sign_in(device, server, transport=transport)
    site_in(device)
    waits: list[float] = []
    from sync.client.engine import SyncEngine

    engine = SyncEngine(device.store, device.photo_files, device.data_dir, transport, sleep=waits.append)

    report = engine.run(60)

    assert report.retries == 4 == len(waits) and report.pushed == 1
    assert all(0 <= w <= 0.5 * 2 ** (n + 1) for n, w in enumerate(waits[:3]))  # full jitter under 1, 2, 4 s
    assert device.sync.status().pending == 0


@pytest.mark.parametrize("reply", [
    pytest.param(PORTAL_PAGE, id="a login portal's 200 page"),
    pytest.param(Response(200, {"Content-Type": "application/json"}, b'{"status": "ok", "results": []}'),
                 id="JSON that does not name our server"),
    pytest.param(Response(200, {"Content-Type": "application/json"},
                          b'{"server": "anxun", "protocol": 1, "device_id": "x", "hlc": "1764641433000-00000-server",'
                          b' "results": []}'), id="our shape without an answer for each entry"),
    pytest.param(Response(302, {"Location": "http://portal.example/login"}, b""), id="a redirect to a portal"),
    pytest.param(Response(401, {"Content-Type": "text/html"}, b"<html>login</html>"), id="a portal's 401 page"),
])
def test_a_reply_that_is_not_our_servers_never_counts_as_sent(server, new_device, reply):
    device = new_device("a")
    sign_in(device, server)
    site_in(device)
    device.sync.transport = FaultyTransport([Fault("answer", "", "/v1/", times=1000, reply=reply)])

    with pytest.raises(OutOfTime) as stopped:
        device.sync.run(1.0)

    assert isinstance(stopped.value.__cause__, NotOurServer)
    status = device.sync.status()
    assert status.pending == 1 and status.signed_in  # nothing marked sent, and still signed in
    assert status.last_error == "连接到的不是安巡数据中心（可能需要先登录 Wi-Fi 或检查地址），未上传任何数据"
    assert status.online is False
    assert push_log(server) == []


def test_a_reply_answering_every_entry_but_not_naming_our_server_never_counts_as_sent(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    site_in(device)
    # e.g. a caching proxy's canned reply: the right shape for this very push, but not from us
    shaped = {"protocol": 1, "device_id": device.device_id, "hlc": "1764641433000-00000-server",
              "results": [{"seq": 1, "status": "applied"}]}
    reply = Response(200, {"Content-Type": "application/json"}, json.dumps(shaped).encode())
    device.sync.transport = FaultyTransport([Fault("answer", "POST", "/v1/push", times=1000, reply=reply)])

    with pytest.raises(OutOfTime) as stopped:
        device.sync.run(1.0)

    assert isinstance(stopped.value.__cause__, NotOurServer)
    assert device.sync.status().pending == 1 and push_log(server) == []


def test_a_real_captive_portal_on_loopback_is_not_mistaken_for_the_server(server, new_device, tmp_path):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Portal(BaseHTTPRequestHandler):
        def _page(self) -> None:
            body = "<html>欢迎使用免费 Wi-Fi，请先登录</html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_HEAD = _page

        def log_message(self, *args) -> None:
            pass

    portal = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=portal.serve_forever, daemon=True).start()
    device = new_device("a")
    sign_in(device, server)
    site_in(device)
    device.store.conn.execute("UPDATE settings SET value = json_set(value, '$.server', ?) "
                              "WHERE key = 'sync.credentials'", (f"http://127.0.0.1:{portal.server_port}",))
    try:
        with pytest.raises(OutOfTime):
            device.sync.run(1.0)
        with pytest.raises(NotOurServer):
            device.sync.sign_in(f"http://127.0.0.1:{portal.server_port}", "wang", PASSWORD)
    finally:
        portal.shutdown()
    assert device.sync.status().pending == 1


def test_a_photo_upload_cut_halfway_completes_on_retry(server, new_device):
    from PIL import Image

    photo_data = Image.effect_noise((900, 700), 60).convert("RGB")
    import io

    buffer = io.BytesIO()
    photo_data.save(buffer, "JPEG", quality=90)
    proxy = CuttingProxy(server.port, cut_after=60_000)
    device = new_device("a")
    device.settings.update(photo_quality=95)
    sign_in(device, server)
    device.store.conn.execute("UPDATE settings SET value = json_set(value, '$.server', ?) "
                              "WHERE key = 'sync.credentials'", (proxy.url,))
    site = site_in(device)
    hazard = device.hazards.create(site_id=site.id, description="消防通道堆放杂物")
    sha = device.evidence.add_to_hazard(hazard.id, buffer.getvalue())
    assert device.evidence.photo_path(sha).stat().st_size > 120_000

    try:
        report = device.sync.run(60)
    finally:
        proxy.close()

    assert proxy.cuts == 1 and report.retries >= 1 and report.uploaded == 1
    assert server.storage.files.file_ok(sha)
    assert list(server.storage.files.incoming.iterdir()) == []  # the cut half was never kept
    assert device.sync.status().pending == 0


def test_the_server_killed_and_restarted_mid_push_loses_and_doubles_nothing(new_device, tmp_path):
    data = tmp_path / "server"
    storage = Storage(ServerSettings(data_dir=data, database_url=None, scrypt_n=2**10))
    add_user(storage, "wang", "网格员", ["荷花池-01"], PASSWORD)
    storage.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "sync.server", "--data", str(data), "--port", str(port)],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1)
                return process
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)

    servers = [start()]

    def kill_then_restart() -> None:
        # Fires while the second batch is on its way: the server dies processing it, comes back later.
        def later() -> None:
            time.sleep(0.15)
            os.kill(servers[-1].pid, signal.SIGKILL)
            servers[-1].wait()
            servers.append(start())

        threading.Thread(target=later, daemon=True).start()

    device = new_device("a")
    transport = FaultyTransport([Fault("pass", "POST", "/v1/push", times=1),
                                 Fault("before", "POST", "/v1/push", action=kill_then_restart)])
    device.sync.transport = transport
    device.sync.sign_in(url, "wang", PASSWORD)
    site = site_in(device)
    many_hazards(device, site.id, 2400)
    logged = device.store.scalar("SELECT count(*) FROM changes")
    try:
        report = device.sync.run(120)
        assert report.retries >= 1 and len(servers) == 2
        assert device.sync.status().pending == 0
    finally:
        for process in servers:
            process.kill()
            process.wait()
    check = Storage(ServerSettings(data_dir=data, database_url=None))

    class Live:  # what the record helpers read
        storage = check

    assert_each_change_once(Live, device, logged)
    assert server_records(Live) == device_records(device)
    check.close()


def test_a_device_whose_clock_runs_two_hours_fast_cannot_win_against_later_edits(server, new_device):
    fast = new_device("fast", wall_ms=lambda: time.time_ns() // 1_000_000 + TWO_HOURS_MS)
    other = new_device("other")
    sign_in(fast, server)
    sign_in(other, server)
    site = site_in(other)
    hazard = other.hazards.create(site_id=site.id, description="楼道堆物")
    other.sync.run(30)
    fast.sync.run(30)

    fast.hazards.edit(hazard.id, HazardEdit(location="二楼（快钟设备）"))
    fast.sync.run(30)
    time.sleep(0.01)
    other.hazards.edit(hazard.id, HazardEdit(location="三楼（之后的修改）"))
    other.sync.run(30)
    fast.sync.run(30)

    assert server_records(server)[("hazard", hazard.id)]["location"] == "三楼（之后的修改）"
    assert device_records(fast) == device_records(other) == server_records(server)


def test_a_device_whose_clock_runs_two_hours_slow_still_wins_with_an_edit_made_after_it_synced(server, new_device):
    slow = new_device("slow", wall_ms=lambda: time.time_ns() // 1_000_000 - TWO_HOURS_MS)
    other = new_device("other")
    sign_in(slow, server)
    sign_in(other, server)
    site = site_in(other)
    hazard = other.hazards.create(site_id=site.id, description="楼道堆物")
    other.hazards.edit(hazard.id, HazardEdit(location="二楼（先前的修改）"))
    other.sync.run(30)
    slow.sync.run(30)  # sees that edit, and the server's clock

    slow.hazards.edit(hazard.id, HazardEdit(location="三楼（慢钟设备，之后的修改）"))
    slow.sync.run(30)
    other.sync.run(30)

    assert server_records(server)[("hazard", hazard.id)]["location"] == "三楼（慢钟设备，之后的修改）"
    assert device_records(slow) == device_records(other) == server_records(server)


def test_only_one_sync_runs_per_data_folder_a_second_one_waits_or_gives_up(server, new_device):
    device = new_device("a")
    sign_in(device, server)
    site_in(device)
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        inside.set()
        release.wait(10)

    device.sync.transport = FaultyTransport([Fault("before", "POST", "/v1/push", action=hold)])
    first = threading.Thread(target=device.sync.run, args=(30,))
    first.start()
    assert inside.wait(10)
    with pytest.raises(SyncBusy):
        device.sync.run(5)  # gives up at once
    done = subprocess.run([sys.executable, "-m", "sync.client", "--data", str(device.data_dir), "sync",
                           "--timeout", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and done.stdout.strip() == SyncBusy.message  # another process: the same lock
    waiting = threading.Thread(target=device.sync.run, args=(30,), kwargs={"wait_for_lock_s": 30})
    waiting.start()
    time.sleep(0.2)
    release.set()
    first.join(30)
    waiting.join(30)
    assert device.sync.transport.count("POST", "/v1/push") == 1  # the waiting sync found nothing left to push
    assert device.sync.status().pending == 0
