"""Debounced autosave for the text fields of a form (hazard sheet, settings): every edit persists
without a save button, and nothing typed is lost when the inspector leaves the screen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from .errors import guard

Save = Callable[[str, Any], Awaitable[bool]]


class AutoSaver:
    """``save(name, value)`` runs 0.8 s after the last keystroke of a burst, and at once on blur,
    submit or ``flush()`` (the screen's leave hook calls it).

    :param save: ``async (name, value) -> bool``, e.g. ``save("location", "东门入口处")``; False
        when the value was refused (the screen shows why).
    :param delay: seconds of quiet before a burst of keystrokes is saved, e.g. ``0.8``.
    """

    def __init__(self, page: ft.Page, save: Save, *, delay: float = 0.8):
        self.page = page
        self.save = save
        self.delay = delay
        self.pending: dict[str, Any] = {}
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def changed(self, name: str, value: Any) -> None:
        self.pending[name] = value
        self._cancel()
        # A background task: guarded like a handler, so a failed save is reported, not lost.
        self._task = asyncio.get_running_loop().create_task(guard(self._later)())

    async def _later(self) -> None:
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            return
        self._task = None
        await self.flush()
        self.page.update()  # background task: no auto-update

    async def flush(self) -> bool:
        """Save everything pending now; False if any value was refused."""
        self._cancel()
        ok = True
        async with self._lock:
            while self.pending:
                name, value = next(iter(self.pending.items()))
                del self.pending[name]
                ok = bool(await self.save(name, value)) and ok
        return ok

    def on_change(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def handler(e: ft.Event) -> None:
            self.changed(name, (e.control.value or "").strip())

        return handler

    def on_blur(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def handler(e: ft.Event) -> None:
            self.pending[name] = (e.control.value or "").strip()
            await self.flush()

        return handler
