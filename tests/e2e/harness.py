"""The browser harness: the real app (``python -m app``) in a subprocess, driven by headless
Chromium through Playwright. Used by the e2e tests, their conftest and ``bench/ui.py``.

Flutter draws on a canvas, so the harness enables Flutter's semantics tree first and then finds
controls by role and accessible name (see ``FlutterPage``).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NO_CHROMIUM = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
#: Screenshots and other artefacts of browser runs.
OUT = REPO / "test-output"
VIEWPORTS = {"390x844": (390, 844), "820x1180": (820, 1180)}
#: Every screen is photographed at these sizes (the smallest phone we support, a common phone, a tablet).
SCREEN_SIZES = {"360x800": (360, 800), **VIEWPORTS}
#: The id of the checklist item on the run screen (e.g. ``HR-12a``): never shown to the inspector,
#: it is the question's semantics identifier (Flutter writes it as ``flt-semantics-identifier``).
JS_ITEM = """() => {
  const e = document.querySelector('flt-semantics[flt-semantics-identifier]');
  return e ? e.getAttribute('flt-semantics-identifier') : null;
}"""
#: Requests allowed to fail: Flutter's CJK fallback-font probes (served from our origin with
#: no_cdn, never shipped; 404) and the Rive runtime the bundled web client tries to fetch from
#: jsDelivr (no network: net::ERR_NAME_NOT_RESOLVED), i.e. exactly
#: https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@44.0.0/wasm/rive_native.js (and its .wasm).
#: Anything else failing (even an asset with "rive" or "jsdelivr" in its name) fails the test.
ALLOWED_FAILURES = re.compile(
    r"assets/fonts/notosans|fonts\.gstatic|/notosanssc/"
    r"|^https://cdn\.jsdelivr\.net/npm/@rive-app/flutter-native-wasm@[0-9.]+/wasm/rive_native\.(?:js|wasm)$"
)

#: Share of dark pixels below which a screenshot is Flet's startup screen ("Working..." and a
#: spinner on the page colour, ~0.1 %), not a screen of the app (its title bar alone is ~5 %).
STARTUP_INK = 0.01
#: How long a screenshot waits for a loaded page to be drawn.
PAINT_TIMEOUT_S = 20.0

T = TypeVar("T")


def ink(png: bytes) -> float:
    """Share of a screenshot's pixels darker than light grey."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(image.histogram()[:200]) / (image.width * image.height)


def painted(page: Any, timeout: float) -> tuple[bytes, bool]:
    """A screenshot of ``page`` once it shows more than Flet's startup screen, and whether it does
    (False: ``timeout`` seconds passed first; the last screenshot)."""
    deadline = time.monotonic() + timeout
    while True:
        png = page.screenshot()
        drawn = ink(png) >= STARTUP_INK
        if drawn or time.monotonic() >= deadline:
            return png, drawn
        page.wait_for_timeout(200)


# -- waiting -----------------------------------------------------------------------------------
def poll(fn: Callable[[], T], timeout: float = 10.0, interval: float = 0.03) -> T:
    """``fn()`` once it is truthy; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)


class StepFailed(AssertionError):
    """A named step of a browser test failed; the original error is its ``__cause__``."""


@contextmanager
def step(name: str) -> Iterator[None]:
    """Name a step of a long browser test, so its failure says which step broke, e.g.
    ``StepFailed: step «sign on the pad and complete» failed: TimeoutError: …``."""
    try:
        yield
    except Exception as exc:
        raise StepFailed(f"step «{name}» failed: {type(exc).__name__}: {exc}") from exc


# -- the app -----------------------------------------------------------------------------------
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


def start_app(data: Path, log: Path, *, port: int | None = None) -> AppServer:
    """The app in a subprocess on ``port`` (a free one by default), once it listens."""
    port = port or free_port()
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


# -- the browser -------------------------------------------------------------------------------
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


#: Whether the focused element is the text field labelled ``label`` (its name gains the hint on focus).
JS_FOCUSED = ("(label) => { const a = document.activeElement;"
              " return !!a && ['INPUT','TEXTAREA'].includes(a.tagName)"
              " && (a.getAttribute('aria-label') || '').startsWith(label); }")


class FlutterPage:
    """Helpers over a Playwright page showing the Flet app (semantics enabled)."""

    def __init__(self, page: Any, shots: Path):
        self.page = page
        self.shots = shots
        self.n = 0

    def open(self, url: str) -> None:
        self.page.goto(url)
        ph = self.page.locator("flt-semantics-placeholder")
        ph.wait_for(state="attached", timeout=30_000)
        ph.dispatch_event("click")

    def button(self, name: str, exact: bool = True) -> Any:
        return self.page.get_by_role("button", name=name, exact=exact)

    def site_card(self, name: str) -> Any:
        """A site's card in the site list: a button, or a group when its checklists are offered on it."""
        pattern = re.compile(re.escape(name))
        return self.page.get_by_role("button", name=pattern).or_(self.page.get_by_role("group", name=pattern)).first

    def click(self, name: str, *, timeout: float = 10_000) -> None:
        b = self.button(name).last
        b.wait_for(timeout=timeout)
        b.click()

    def text(self, value: str | re.Pattern, exact: bool = True) -> Any:
        return self.page.get_by_text(value, exact=exact) if isinstance(value, str) else self.page.get_by_text(value)

    def wait_text(self, value: str | re.Pattern, *, timeout: float = 10_000) -> None:
        self.text(value).first.wait_for(timeout=timeout)

    def fill(self, label: str, value: str) -> None:
        """Type into a Flutter text field like a user: tap it, select all, type.

        Not ``locator.fill``: Flutter may swap the DOM <input> when the field gains focus (the
        accessible name then includes the hint), so text set on the old element never reaches Flutter.
        The text counts as typed once it has stayed in the field a moment: Flutter writes its own
        text back into a field it took over late, and the tap is then repeated.
        """
        f = self.page.get_by_label(label, exact=True).last
        f.wait_for(timeout=10_000)
        for _ in range(3):
            if self.page.evaluate(JS_FOCUSED, label):
                # still focused in the DOM from before (e.g. after Enter): a fresh tap is a fresh focus
                self.page.evaluate("() => document.activeElement.blur()")
            f.click()
            try:  # the field tapped has the focus, not one the tap landed on by a stale position
                self.page.wait_for_function(JS_FOCUSED, arg=label, timeout=3_000)
            except Exception:  # noqa: BLE001 - Playwright's timeout: tap again
                continue
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Backspace")
            self.page.keyboard.insert_text(value)
            has_value = "(v) => document.activeElement && document.activeElement.value === v"
            try:
                self.page.wait_for_function(has_value, arg=value, timeout=3_000)
            except Exception:  # noqa: BLE001 - Playwright's timeout: tap again
                continue
            self.page.wait_for_timeout(250)
            if self.page.evaluate(has_value, value):
                return
        raise AssertionError(f"could not type into {label!r}")

    def wait_focus(self, label: str) -> None:
        """Wait until the field labelled ``label`` has the focus by itself (e.g. the next item's
        field after Enter), not the field before it."""
        self.page.wait_for_function(JS_FOCUSED, arg=label, timeout=10_000)

    def shows(self, text: str) -> bool:
        """Whether some node on screen shows ``text`` (its text or its accessible name)."""
        return self.page.evaluate(
            "(t) => Array.from(document.querySelectorAll('flt-semantics'))"
            ".some(e => e.textContent.includes(t) || (e.getAttribute('aria-label') || '').includes(t))", text)

    def in_viewport(self, locator: Any) -> bool:
        """Whether ``locator`` is wholly on screen, without scrolling."""
        box = locator.bounding_box()
        vh = self.page.viewport_size["height"]
        vw = self.page.viewport_size["width"]
        return bool(box and box["y"] >= 0 and box["y"] + box["height"] <= vh and box["x"] + box["width"] <= vw)

    def texts(self) -> list[str]:
        return self.page.evaluate(
            "() => Array.from(document.querySelectorAll('flt-semantics'))"
            ".filter(e => e.children.length === 0 || e.querySelector('span'))"
            ".map(e => e.textContent.trim()).filter(t => t)"
        )

    def item_id(self) -> str | None:
        """The id of the checklist item on screen, e.g. ``GR-00b``."""
        return self.page.evaluate(JS_ITEM)

    def reveal(self, locator: Any, *, above: float = 0, need: float | None = None) -> dict:
        """Scroll the Flutter page (mouse wheel) until ``locator`` is inside the viewport (and
        ``above`` px clear of its bottom edge, e.g. above the bottom bar of actions); with ``need``,
        only its top ``need`` px must be (e.g. the part of a signature pad a test draws on).

        After each wheel step, wait (bounded) until the target is in view or has moved, i.e. the
        scroll took effect; no fixed sleeps. At most 20 steps; stops early when scrolling no longer
        moves the target (end of the list)."""
        vh = self.page.viewport_size["height"]
        vw = self.page.viewport_size["width"]

        def in_view(box: dict | None) -> bool:
            if not box:
                return False
            if need:  # Flutter clips a node's box to what shows: ``need`` px of it must show
                return box["y"] >= 60 and box["height"] >= need and box["y"] + need <= vh - 10 - above
            return box["y"] >= 60 and box["y"] + box["height"] <= vh - 10 - above

        box = locator.bounding_box()
        for _ in range(20):
            if in_view(box):
                return box
            self.page.mouse.move(vw / 2, vh / 2)
            delta = (box["y"] - vh / 3) if box else 400
            self.page.mouse.wheel(0, delta)
            before = box
            try:
                box = poll(lambda: (lambda b: b if (in_view(b) or (b and b != before)) else None)(
                    locator.bounding_box()), timeout=5)
            except TimeoutError:
                break  # the wheel moved nothing: cannot scroll further
        box = locator.bounding_box()
        assert box, "element not found"
        assert in_view(box), f"could not scroll {locator} into view: {box}"
        return box

    def shot(self, name: str) -> Path:
        """Save a screenshot once the screen is drawn.

        Chromium without a GPU may draw a freshly loaded page a while after its semantics tree
        (what the tests wait on) is complete; until then the canvas still shows Flet's startup
        screen, which is no picture of the screen named. Under heavy load it has stayed so for
        20 s: the picture is then kept as it is and said on stderr, since what the test checks
        (the semantics tree) holds.
        """
        self.n += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self.n:02d}-{name}.png"
        self.page.wait_for_timeout(150)  # let the last frame paint
        png, drawn = painted(self.page, PAINT_TIMEOUT_S)
        path.write_bytes(png)
        if not drawn:
            print(f"screenshot {path}: still Flet's startup screen after {PAINT_TIMEOUT_S:.0f} s",
                  file=sys.stderr)
        return path
