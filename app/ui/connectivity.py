"""Whether the device has a network link, for the sync strip: ``True``/``False``, ``None`` while
unknown (e.g. a platform without the connectivity service). It reports the link type only, not
whether the central endpoint answers; the sync engine confirms that with a real request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import flet as ft

from .errors import guard

log = logging.getLogger(__name__)

#: How long the first query may take before the link counts as unknown.
FIRST_QUERY_TIMEOUT_S = 5


class ConnectivityWatch:
    """Keeps ``online`` current; calls ``on_change()`` (in a task of its own) when it flips.

    :param on_change: e.g. the shell's refresh of the sync strip.
    """

    def __init__(self, page: ft.Page, on_change: Callable[[], Awaitable[None]]):
        self.page = page
        self.on_change = on_change
        self.online: bool | None = None
        self.service: ft.Connectivity | None = None  # must stay referenced for the page's lifetime

    async def start(self) -> None:
        """Ask once, then follow the platform's change events."""
        self.service = ft.Connectivity(on_change=guard(self._changed))
        try:
            kinds = await asyncio.wait_for(self.service.get_connectivity(), timeout=FIRST_QUERY_TIMEOUT_S)
        except (TimeoutError, RuntimeError, ft.FletUnsupportedPlatformException):
            # No answer from the client (or an error it reported): unknown stays unknown.
            log.info("connectivity unavailable", exc_info=True)
            return
        self._set(kinds)

    async def _changed(self, e: ft.ConnectivityChangeEvent) -> None:
        self._set(e.connectivity)

    def _set(self, kinds: Iterable[Any] | None) -> None:
        kinds = list(kinds or [])
        online = bool(kinds) and any(getattr(k, "name", str(k)).upper() != "NONE" for k in kinds)
        if online != self.online:
            self.online = online
            self.page.run_task(guard(self.on_change))
