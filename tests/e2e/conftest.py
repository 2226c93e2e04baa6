"""End-to-end harness: the real app (``python -m app``) in a subprocess, driven by headless Chromium.

Flutter draws on a canvas, so tests enable Flutter's semantics tree first and then find controls by
role and accessible name (see `FlutterPage`).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: The checklist item id shown on the run screen (e.g. ``HR-12a``), read from the semantics tree.
JS_ITEM = """() => {
  const r = /^(LC|GR|HR|HW)-[0-9A-Za-z]+$/;
  for (const e of document.querySelectorAll('flt-semantics')) {
    const t = e.textContent.trim();
    if (r.test(t)) return t;
  }
  return null;
}"""
OUT = REPO / "test-output"
VIEWPORTS = {"390x844": (390, 844), "820x1180": (820, 1180)}
#: Requests allowed to fail: Flutter's CJK fallback-font probes (served from our origin with
#: no_cdn, never shipped; 404) and the Rive runtime the bundled web client tries to fetch from
#: jsDelivr (no network: net::ERR_NAME_NOT_RESOLVED), i.e. exactly
#: https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@44.0.0/wasm/rive_native.js (and its .wasm).
#: Anything else failing (even an asset with "rive" or "jsdelivr" in its name) fails the test.
ALLOWED_FAILURES = re.compile(
    r"assets/fonts/notosans|fonts\.gstatic|/notosanssc/"
    r"|^https://cdn\.jsdelivr\.net/npm/@rive-app/flutter-native-wasm@[0-9.]+/wasm/rive_native\.(?:js|wasm)$"
)
NO_CHROMIUM = f"no Chromium at {CHROMIUM} (apt-get install chromium)"


def pytest_configure(config):  # noqa: ANN001
    config.addinivalue_line("markers", "browser: drives the app in headless Chromium (needs /usr/bin/chromium)")


def pytest_collection_modifyitems(config, items):  # noqa: ANN001
    """Only tests that drive the browser (marked ``browser`` or using the ``browser`` fixture) need
    Chromium: without it they are skipped, or fail when ``CI`` is set (CI must run them).
    Browser-free tests (test_ui_units.py) always run."""
    if Path(CHROMIUM).exists():
        return
    for item in items:
        if item.get_closest_marker("browser") is None and "browser" not in getattr(item, "fixturenames", ()):
            continue
        if os.environ.get("CI"):
            item.add_marker(pytest.mark.usefixtures("_require_chromium"))
        else:
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture()
def _require_chromium() -> None:
    pytest.fail(f"{NO_CHROMIUM}; CI is set, so browser tests must run", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"app did not listen on {port} within {timeout}s")


@dataclass
class AppServer:
    url: str
    port: int
    data: Path
    proc: subprocess.Popen
    log: Path

    @property
    def db(self) -> Path:
        return self.data / "anxun.db"


def start_app(data: Path, log: Path) -> AppServer:
    port = free_port()
    env = dict(os.environ)
    env.pop("FLET_APP_STORAGE_DATA", None)
    env["PYTHONUNBUFFERED"] = "1"
    logf = open(log, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--port", str(port), "--data", str(data), "--no-browser",
         "--host", "127.0.0.1"],
        cwd=REPO, env=env, stdout=logf, stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, proc)
    except Exception:
        proc.kill()
        raise
    return AppServer(f"http://127.0.0.1:{port}/", port, data, proc, log)


def stop_app(server: AppServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


def assert_no_app_traceback(server: AppServer) -> None:
    """A screen or handler that failed logs a traceback through our code: fail loudly instead of
    passing blind. (Tracebacks only through flet/starlette, e.g. a websocket closed by the browser
    at the end of a test, are not the app's.)"""
    text = server.log.read_text(errors="replace")
    ours = [block for block in text.split("Traceback (most recent call last):")[1:]
            if f'File "{REPO / "app"}' in block]
    assert not ours, ours[0][-4000:]


@contextmanager
def running_app(data: Path, log: Path) -> Iterator[AppServer]:
    """The app for one test: started, stopped, and its log checked for tracebacks through app/."""
    server = start_app(data, log)
    try:
        yield server
    finally:
        stop_app(server)
    assert_no_app_traceback(server)


@pytest.fixture()
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    with running_app(tmp_path / "data", tmp_path / "app.log") as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{NO_CHROMIUM}; CI is set, so browser tests must run", pytrace=False)
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@dataclass
class NetLog:
    responses: list[tuple[int, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def unexpected_failures(self) -> list[str]:
        bad = [u for u in self.failures if not ALLOWED_FAILURES.search(u)]
        bad += [f"{s} {u}" for s, u in self.responses if s >= 400 and not ALLOWED_FAILURES.search(u)]
        return bad

    def font_status(self) -> list[int]:
        return [s for s, u in self.responses if re.search(r"/fonts/NotoSansSC-AnXun\.otf$", u)]


class FlutterPage:
    """Helpers over a Playwright page showing the Flet app (semantics enabled)."""

    def __init__(self, page, shots: Path):  # noqa: ANN001
        self.page = page
        self.shots = shots
        self.n = 0

    def open(self, url: str) -> None:
        self.page.goto(url)
        ph = self.page.locator("flt-semantics-placeholder")
        ph.wait_for(state="attached", timeout=30_000)
        ph.dispatch_event("click")

    def button(self, name: str, exact: bool = True):  # noqa: ANN201
        return self.page.get_by_role("button", name=name, exact=exact)

    def click(self, name: str, *, timeout: float = 10_000) -> None:
        b = self.button(name).last
        b.wait_for(timeout=timeout)
        b.click()

    def text(self, value: str | re.Pattern, exact: bool = True):  # noqa: ANN201
        return self.page.get_by_text(value, exact=exact) if isinstance(value, str) else self.page.get_by_text(value)

    def wait_text(self, value: str | re.Pattern, *, timeout: float = 10_000) -> None:
        self.text(value).first.wait_for(timeout=timeout)

    def fill(self, label: str, value: str) -> None:
        """Type into a Flutter text field like a user: tap it, select all, type.

        Not ``locator.fill``: Flutter may swap the DOM <input> when the field gains focus (the
        accessible name then includes the hint), so text set on the old element never reaches Flutter.
        """
        f = self.page.get_by_label(label, exact=True).last
        f.wait_for(timeout=10_000)
        for _ in range(3):
            f.click()
            try:
                self.page.wait_for_function("() => document.activeElement && document.activeElement.tagName"
                                            " && ['INPUT','TEXTAREA'].includes(document.activeElement.tagName)",
                                            timeout=3_000)
            except Exception:  # noqa: BLE001
                continue
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Backspace")
            self.page.keyboard.insert_text(value)
            try:
                self.page.wait_for_function("(v) => document.activeElement && document.activeElement.value === v",
                                            arg=value, timeout=3_000)
                return
            except Exception:  # noqa: BLE001
                continue
        raise AssertionError(f"could not type into {label!r}")

    def texts(self) -> list[str]:
        return self.page.evaluate(
            "() => Array.from(document.querySelectorAll('flt-semantics'))"
            ".filter(e => e.children.length === 0 || e.querySelector('span'))"
            ".map(e => e.textContent.trim()).filter(t => t)"
        )

    def shot(self, name: str) -> Path:
        self.n += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self.n:02d}-{name}.png"
        self.page.wait_for_timeout(150)  # let the last frame paint
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture()
def make_page(browser):  # noqa: ANN001
    contexts = []
    pages: list[FlutterPage] = []

    def make(size: str, shots: Path) -> tuple[FlutterPage, NetLog]:
        w, h = VIEWPORTS[size]
        ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        net = NetLog()
        page.on("response", lambda r: net.responses.append((r.status, r.url)))
        page.on("requestfailed", lambda r: net.failures.append(r.url))
        fp = FlutterPage(page, shots)
        pages.append(fp)
        return fp, net

    yield make
    for fp in pages:  # the last screen, to see where a failed test stopped
        try:
            fp.shots.mkdir(parents=True, exist_ok=True)
            fp.page.screenshot(path=str(fp.shots / "zz-last.png"))
        except Exception:  # noqa: BLE001
            pass
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def jpeg(tmp_path_factory) -> Path:  # noqa: ANN001
    """A small real JPEG (a red/blue test card) made with Pillow."""
    from PIL import Image, ImageDraw

    path = tmp_path_factory.mktemp("img") / "hazard.jpg"
    img = Image.new("RGB", (640, 480), (200, 40, 40))
    d = ImageDraw.Draw(img)
    d.rectangle((100, 100, 540, 380), fill=(30, 60, 200))
    d.ellipse((250, 170, 390, 310), fill=(250, 250, 250))
    img.save(path, "JPEG", quality=85)
    return path
