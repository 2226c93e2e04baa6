"""Sync as a worker sees it, in Chromium against the real central endpoint on loopback: home says
what waits in words, 设置 signs in (the password is not kept), the sync runs without blocking,
the strip then reads 全部已上传 on every screen, a change the server refused is listed with
its reason, and a checklist or settings the office publishes are named when they arrive."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import open_device
from app.ui import strings as S
from tests.factories import next_edition

from .harness import OUT, REPO, running_app, step

pytestmark = pytest.mark.browser
PASSWORD = "field-worker-password-7"


@pytest.fixture()
def central(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The central endpoint (``python -m sync.server``) on loopback with a 网格员 of 荷花池-01."""
    data = tmp_path / "server"
    added = subprocess.run([sys.executable, "-m", "sync.server", "--data", str(data), "user", "add", "王芳",
                            "--role", "网格员", "--grid", "荷花池-01"], input=PASSWORD + "\n", text=True,
                           capture_output=True, cwd=REPO, timeout=60, check=False)
    assert added.returncode == 0, added.stderr
    office = subprocess.run([sys.executable, "-m", "sync.server", "--data", str(data), "user", "add", "李主任",
                             "--role", "管理员"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=REPO,
                            timeout=60, check=False)
    assert office.returncode == 0, office.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sync.server", "--data", str(data), "--port", str(port)],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        yield url, data
    finally:
        server.terminate()
        server.wait(timeout=20)


def dumped(data: Path) -> list[dict]:
    return [json.loads(line) for line in office(data, "dump").splitlines()]


def test_sign_in_from_settings_syncs_and_then_nothing_waits_and_a_refused_change_shows_its_reason(
        central, tmp_path, make_page) -> None:
    url, server_data = central
    data = tmp_path / "data"
    device = open_device(data)
    ours = device.sites.create(name="荷花池街道 12 号群租房", kind="群租房", grid="荷花池-01")
    device.hazards.create(site_id=ours.id, description="疏散通道堆放电动车")
    device.sites.create(name="西林苑 3 幢出租屋", kind="群租房", grid="西林-02")  # not 王芳's grid
    device.settings.update(inspector_name="王芳")
    device.close()
    waiting = S.PENDING_WORDS.format(parts="1 条隐患、2 个场所")

    with running_app(data, tmp_path / "app.log") as app:
        fp, net = make_page("390x844", OUT / "screenshots" / "390x844" / "sync")
        page = fp.page
        with step("home says in words what waits, and that the device is not signed in"):
            fp.open(app.url)
            fp.wait_text(waiting, timeout=30_000)
            fp.wait_text(S.NOT_SIGNED_IN)
            fp.shot("home-not-signed-in")

        with step("设置: server, name and password; 登录"):
            fp.click(S.GO_SIGN_IN)
            fp.fill(S.ENDPOINT_URL, url)
            fp.fill(S.USERNAME, "王芳")
            fp.fill(S.PASSWORD, PASSWORD)
            fp.shot("settings-sign-in")
            fp.click(S.SIGN_IN)

        with step("the sync runs by itself after signing in; the refused change is listed with its reason"):
            fp.wait_text(S.SIGNED_IN_AS.format(name="王芳", role="网格员"), timeout=20_000)
            fp.wait_text(S.REJECTED_SECTION.format(n=1), timeout=30_000)
            fp.text(re.compile("场所“西林苑 3 幢出租屋”")).first.wait_for()
            fp.text(re.compile("网格")).first.wait_for()
            fp.shot("settings-signed-in-rejected")

        with step("the strip under the AppBar now reads 全部已上传 · 上次同步 … · 在线"):
            fp.text(re.compile(f"^{S.NOTHING_PENDING} · {S.LAST_SYNC_SHORT.format(when='')}.* · {S.ONLINE}$")).first \
                .wait_for(timeout=20_000)

        with step("home: nothing waits, the last sync and the refused change are shown, 立即同步 works"):
            fp.click(S.BACK)
            fp.wait_text(S.NOTHING_PENDING)
            fp.wait_text(S.REJECTED_NOTICE.format(n=1))
            fp.text(re.compile(r"^上次同步：\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")).first.wait_for()
            fp.click(S.SYNC_NOW)
            fp.wait_text(S.SYNC_DONE)
            fp.shot("home-synced")

        with step("the office lists the hazard (挂牌督办) with a new deadline; after a sync the detail shows it"):
            hazard_id = sqlite_scalar(data, "SELECT id FROM hazards")
            decide(url, hazard_id, {"deadline": "2027-01-31", "listed": True, "note": "区安委办挂牌督办"})
            fp.text(S.SYNC_DONE).first.wait_for(state="hidden", timeout=15_000)
            fp.click(S.SYNC_NOW)
            fp.wait_text(S.SYNC_DONE)
            fp.click(S.LEDGER)
            page.get_by_role("button", name=re.compile("疏散通道堆放电动车")).first.click()
            fp.wait_text(S.DECISIONS.format(n=1))
            fp.wait_text("区安委办挂牌督办")
            fp.wait_text(S.DECISION_DEADLINE.format(deadline="2027-01-31") + S.LIST_SEPARATOR + S.DECISION_LISTED)
            fp.text(S.LISTED).first.wait_for()
            fp.shot("hazard-decision")

        with step("the office publishes 生命通道 version 3 and sets its settings; the next sync says so"):
            office(server_data, "checklist", "publish", str(next_edition("lifeline", tmp_path)))
            settings_file = tmp_path / "office.yaml"
            settings_file.write_text("hidden_methods:\n  网格员: [仪器测量]\n", encoding="utf-8")
            office(server_data, "office", "set", str(settings_file), "--by", "李主任")
            fp.click(S.BACK)  # to the ledger
            fp.text(S.DECISIONS.format(n=1)).first.wait_for(state="hidden")
            fp.click(S.BACK)  # to home
            fp.click(S.SYNC_NOW)
            fp.wait_text(S.SYNC_DONE_WITH_NEWS.format(what=S.VALUE_SEPARATOR.join(
                [S.CHECKLIST_VERSION.format(title="生命通道", version=3), S.OFFICE_SETTINGS])))
            fp.shot("home-office-updates")

    records = {(r["entity"], r["fields"].get("name") or r["fields"].get("description") or r["fields"].get("note"))
               for r in dumped(server_data) if r["entity"] != "office"}
    assert records == {("site", "荷花池街道 12 号群租房"), ("hazard", "疏散通道堆放电动车"), ("decision", "区安委办挂牌督办")}
    settings = sqlite_settings(data)
    assert PASSWORD not in json.dumps(settings, ensure_ascii=False)
    assert settings["sync.user"]["name"] == "王芳" and settings["sync.credentials"]["token"]
    assert net.unexpected_failures() == []


def office(server_data: Path, *args: str) -> str:
    """The office's command line on the server's data folder (it may run beside the server); its output."""
    done = subprocess.run([sys.executable, "-m", "sync.server", "--data", str(server_data), *args],
                          capture_output=True, text=True, encoding="utf-8", cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def decide(url: str, hazard_id: str, decision: dict) -> None:
    """An office decision, as the office's own tools make it (a 管理员's token)."""
    import requests

    token = requests.post(f"{url}/v1/auth/sign-in", json={"name": "李主任", "password": PASSWORD,
                                                          "device_id": "office-desk-1"}, timeout=30).json()["token"]
    reply = requests.post(f"{url}/v1/hazards/{hazard_id}/decisions", json=decision, timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 201, reply.text


def sqlite_scalar(data: Path, sql: str) -> object:
    import sqlite3

    with sqlite3.connect(data / "anxun.db") as conn:
        return conn.execute(sql).fetchone()[0]


def sqlite_settings(data: Path) -> dict:
    import sqlite3

    with sqlite3.connect(data / "anxun.db") as conn:
        return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM settings")}
