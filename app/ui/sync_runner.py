"""Syncing from the app, never blocking the screen: at start, on 立即同步, and every few minutes
while the device is online. The sync itself runs in a worker thread (``device.sync.run``); the
folder lock keeps it to one at a time even with several tabs or the command line. The strip is
read again every few seconds, so what is waiting stays true on every screen as work is saved.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from app.services import AnXunError, SyncError

from . import strings as S

if TYPE_CHECKING:
    from .shell import AppUI

log = logging.getLogger(__name__)

#: A sync from the app gives up after this long (it is tried again at the next interval).
SYNC_TIMEOUT_S = 120.0
#: Between automatic syncs while online.
INTERVAL_S = 180.0
#: After a failed automatic sync, try again sooner.
RETRY_S = 60.0
#: How often the strip is read again (a cheap query).
REFRESH_S = 3.0


class SyncRunner:
    """One page's syncing: ``loop`` in a background task, ``sync_now`` for the button."""

    def __init__(self, ui: AppUI):
        self.ui = ui
        self.syncing = False
        self._busy = asyncio.Lock()
        self._next_at = 0.0  # monotonic time of the next automatic sync; 0 = at start
        self._stopped = False

    def stop(self) -> None:
        self._stopped = True

    def soon(self) -> None:
        """Sync at the next look (a network link came back)."""
        self._next_at = 0.0

    async def sync_now(self) -> str | None:
        """Run one sync now; the Chinese outcome for a toast, or None when one is running already.

        :returns: e.g. ``同步完成``, or the error's message (kept for the strip as well).
        """
        if self._busy.locked():
            return None
        async with self._busy:
            self.syncing = True
            await self.ui.refresh_sync()
            try:
                report = await self.ui.call(self.ui.device.sync.run, SYNC_TIMEOUT_S)
            except SyncError as exc:
                log.info("sync from the app: %s", exc)
                self._next_at = time.monotonic() + RETRY_S
                return exc.message
            finally:
                self.syncing = False
            self._next_at = time.monotonic() + INTERVAL_S
            if report.pulled and (self.ui.page.route or "/") == "/":
                await self.ui.render()  # home lists what arrived; other screens keep what is being typed
            else:
                await self.ui.refresh_sync()
            if report.rejected:
                return S.SYNC_DONE_WITH_REJECTED.format(n=report.rejected)
            return S.SYNC_DONE

    async def loop(self) -> None:
        """Sync at start and then every ``INTERVAL_S`` while signed in and online; keep the strip current."""
        while not self._stopped:
            try:
                status = await self.ui.call(self.ui.device.sync.status)
            except AnXunError:
                status = None
            due = time.monotonic() >= self._next_at
            if status is not None and status.signed_in and due and self.ui.online is not False:
                await self.sync_now()
            else:
                await self.ui.refresh_sync()
            await asyncio.sleep(REFRESH_S)
