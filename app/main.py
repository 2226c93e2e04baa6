"""Flet entry point, shared by ``python -m app`` (web) and ``flet build apk`` (module ``app.main``)."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import flet as ft

if TYPE_CHECKING:  # importing the services is deferred: it is the slow part of start-up
    from app.services import Device

log = logging.getLogger(__name__)

_device: Device | None = None
_device_lock = threading.Lock()


def data_dir() -> Path:
    """``--data`` (via ANXUN_DATA_DIR), else FLET_APP_STORAGE_DATA (APK), else ~/.anxun."""
    raw = os.environ.get("ANXUN_DATA_DIR") or os.environ.get("FLET_APP_STORAGE_DATA")
    path = Path(raw) if raw else Path.home() / ".anxun"
    path.mkdir(parents=True, exist_ok=True)
    return path


def get_device() -> Device:
    """One open device per process (main() may run again in the same process on Android)."""
    global _device
    with _device_lock:
        if _device is None:
            from app.services import open_device

            _device = open_device(data_dir())
        return _device


async def main(page: ft.Page) -> None:
    """One page (a browser tab, or the app on the phone): open the device, then the home screen."""
    import asyncio

    from app.services import AnXunError
    from app.ui import strings as S
    from app.ui import theme
    from app.ui.errors import guard
    from app.ui.routes import ROUTES
    from app.ui.shell import AppUI

    page.title = S.APP_TITLE
    page.padding = 0
    page.spacing = 0
    try:
        device = await asyncio.to_thread(get_device)
    except Exception as exc:  # noqa: BLE001 - nothing works without the data: say so instead of a blank page
        log.exception("cannot open the data folder %s", data_dir())
        theme.apply(page)
        shown = exc.message if isinstance(exc, AnXunError) else S.CANNOT_OPEN_DATA.format(folder=data_dir())
        page.add(ft.Container(ft.Text(shown, color=theme.DANGER, size=16), padding=20))
        return
    scale = 1.0
    try:
        scale = (await asyncio.to_thread(device.settings.current)).text_scale
    except AnXunError:
        log.warning("settings unavailable; text at its normal size", exc_info=True)
    theme.apply(page, scale)
    upload_dir = data_dir() / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    ui = AppUI(page, device, ROUTES, upload_dir=upload_dir, scale=scale)
    ui.install()
    await ui.render()
    page.run_task(guard(ui.connectivity.start))
    page.run_task(guard(ui.sync.loop))  # sync at start, then while online; the strip stays current


if __name__ == "__main__":
    ft.run(main, assets_dir=str(Path(__file__).resolve().parent.parent / "assets"))
