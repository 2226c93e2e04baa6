"""After the app's web server restarts, an open page reconnects to the new process by itself, and
添加照片 works at once: no 10 s wait for a file picker that is not there, no reload."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.services import open_device
from app.ui import strings as S

from .harness import OUT, assert_no_app_traceback, poll, start_app, step, stop_app

pytestmark = pytest.mark.browser


def test_adding_a_photo_works_right_after_the_server_restarts(tmp_path: Path, make_page, jpeg: Path) -> None:
    data = tmp_path / "data"
    device = open_device(data)
    site = device.sites.create(name="荷花池街道 12 号群租房", kind="群租房")
    hazard = device.hazards.create(site_id=site.id, description="疏散楼梯间堆放杂物")
    device.close()
    fp, _ = make_page("390x844", OUT / "screenshots" / "390x844" / "reconnect")
    page = fp.page
    first = start_app(data, tmp_path / "app1.log")
    servers = [first]
    try:
        with step("the hazard sheet is open; the server goes down and comes back on its port"):
            fp.open(first.url + f"hazard/{hazard.id}")
            fp.button(S.ADD_PHOTO).wait_for(timeout=30_000)
            stop_app(first)
            time.sleep(1)
            servers.append(start_app(data, tmp_path / "app2.log", port=first.port))

        with step("the page reconnects by itself and the photo is taken at once (5)"):
            poll(lambda: fp.button(S.ADD_PHOTO).count() and not fp.shows("Working"), timeout=30)
            page.wait_for_timeout(1000)  # the new session's screen is drawn
            started = time.monotonic()
            with page.expect_file_chooser(timeout=8_000) as chooser:
                fp.click(S.ADD_PHOTO)
            assert time.monotonic() - started < 8
            chooser.value.set_files(str(jpeg))
            fp.wait_text(S.PHOTO_COUNT.format(n=1), timeout=20_000)
            fp.shot("photo-after-restart")
    finally:
        stop_app(servers[-1])
        for server in servers:
            assert_no_app_traceback(server)
