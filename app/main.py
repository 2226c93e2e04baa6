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
    import asyncio

    from app.ui import theme
    from app.ui.shell import AppUI

    page.title = "安巡 AnXun"
    page.padding = 0
    page.spacing = 0
    try:
        device = await asyncio.to_thread(get_device)
    except Exception as exc:  # noqa: BLE001 - show why instead of a blank page
        from app.domain.errors import AnXunError

        log.exception("cannot open the data folder")
        theme.apply(page)
        shown = exc.message if isinstance(exc, AnXunError) else f"无法打开数据：{type(exc).__name__}: {exc}"
        page.add(ft.Container(ft.Text(shown, color=theme.DANGER, size=16), padding=20))
        return
    scale = 1.0
    try:
        settings = await asyncio.to_thread(device.settings.current)
        scale = float(getattr(settings, "text_scale", 1.0) or 1.0)
    except Exception:  # noqa: BLE001 - theme falls back to 1.0
        log.warning("settings unavailable", exc_info=True)
    theme.apply(page, scale)
    upload_dir = data_dir() / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    ui = AppUI(page, device, upload_dir)
    ui.scale = scale
    page.on_route_change = ui.on_route_change
    page.on_view_pop = ui.on_view_pop
    page.on_resize = ui.on_resize
    await ui.render()
    page.run_task(ui.watch_connectivity)


if __name__ == "__main__":
    ft.run(main, assets_dir=str(Path(__file__).resolve().parent.parent / "assets"))
