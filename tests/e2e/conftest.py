"""Fixtures of the browser tests: the app on loopback, headless Chromium, pages at phone and
tablet sizes, a real JPEG. The machinery itself is in ``harness.py``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    NO_CHROMIUM,
    SCREEN_SIZES,
    AppServer,
    FlutterPage,
    NetLog,
    running_app,
)


def pytest_configure(config):  # noqa: ANN001
    config.addinivalue_line("markers", "browser: drives the app in headless Chromium (needs /usr/bin/chromium)")


def pytest_collection_modifyitems(config, items):  # noqa: ANN001
    """Tests that drive the browser (marked ``browser`` or using the ``browser`` fixture) need
    Chromium: without it they are skipped, or fail when ``CI`` is set (CI must run them)."""
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


@pytest.fixture()
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    with running_app(tmp_path / "data", tmp_path / "app.log") as server:
        yield server


@pytest.fixture()
def seeded_app(tmp_path: Path):  # noqa: ANN201
    """``seeded_app(seed) -> (AppServer, what seed returned)``: the app on a data folder that
    ``seed(device)`` filled first through the services (the demo sites are there already)."""
    from app.demo import seed_demo
    from app.services import open_device

    started = []

    def start(seed: Callable[[Any], Any] = lambda device: None) -> tuple[AppServer, Any]:
        data = tmp_path / f"data{len(started)}"
        device = open_device(data)
        try:
            seed_demo(device)
            made = seed(device)
        finally:
            device.close()
        context = running_app(data, tmp_path / f"app{len(started)}.log")
        server = context.__enter__()
        started.append(context)
        return server, made

    yield start
    for context in started:
        context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{NO_CHROMIUM}; CI is set, so browser tests must run", pytrace=False)
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def make_page(browser):  # noqa: ANN001, ANN201
    """``make_page("390x844", shots_dir) -> (FlutterPage, NetLog)``; the last screen of each page is
    saved as ``zz-last.png`` to see where a failed test stopped. Other keywords go to the browser
    context, e.g. ``timezone_id="UTC"``."""
    contexts = []
    pages: list[FlutterPage] = []

    def make(size: str, shots: Path, **context: Any) -> tuple[FlutterPage, NetLog]:
        w, h = SCREEN_SIZES[size]
        ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN", **context)
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
    for fp in pages:
        try:
            fp.shots.mkdir(parents=True, exist_ok=True)
            fp.page.screenshot(path=str(fp.shots / "zz-last.png"))
        except Exception:  # noqa: BLE001 - a closed page has no last screen; the test's own error counts
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
