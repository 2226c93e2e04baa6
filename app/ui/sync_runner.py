"""Syncing from the app, never blocking the screen: at start, on 立即同步, and every few minutes
while the device is online. The sync itself runs in a worker thread (``device.sync.run``); the
folder lock keeps it to one at a time even with several tabs or the command line. The strip is
read again every few seconds, so what is waiting stays true on every screen as work is saved.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.services import AnXunError, Checklist, SyncError

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

#: The checklists by id and the office's settings in force (compared by value).
InForce = tuple[dict[str, Checklist], object]


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync from the app comes to, for a toast."""

    text: str
    error: bool = False
    #: a checklist or the office's settings took effect: worth telling even after an automatic sync
    news: bool = False


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

    async def sync_now(self) -> SyncOutcome | None:
        """Run one sync now; its outcome for a toast, or None when one is running already.

        :returns: e.g. ``同步完成``, ``同步完成，已更新：生命通道（第3版）``, or the error's message
            (kept for the strip as well).
        """
        if self._busy.locked():
            return None
        async with self._busy:
            self.syncing = True
            await self.ui.refresh_sync()
            before = await self.ui.call(self._in_force)
            try:
                report = await self.ui.call(self.ui.device.sync.run, SYNC_TIMEOUT_S)
            except SyncError as exc:
                log.info("sync from the app: %s", exc)
                self._next_at = time.monotonic() + RETRY_S
                return SyncOutcome(exc.message, error=True)
            finally:
                self.syncing = False
            self._next_at = time.monotonic() + INTERVAL_S
            news = self._news(before, await self.ui.call(self._in_force))
            if (report.pulled or news) and (self.ui.page.route or "/") == "/":
                await self.ui.render()  # home lists what arrived; other screens keep what is being typed
            else:
                await self.ui.refresh_sync()
            if report.rejected:
                return SyncOutcome(S.SYNC_DONE_WITH_REJECTED.format(n=report.rejected), error=True)
            if news:
                return SyncOutcome(S.SYNC_DONE_WITH_NEWS.format(what=S.VALUE_SEPARATOR.join(news)), news=True)
            return SyncOutcome(S.SYNC_DONE)

    def _in_force(self) -> InForce:
        """The checklists (id → checklist) and office settings in force, to tell what a sync changed."""
        device = self.ui.device
        return {c.id: c for c in device.catalog.all()}, device.office.config()

    @staticmethod
    def _news(before: InForce, after: InForce) -> list[str]:
        """What took effect, e.g. ``["生命通道（第3版）", "办公室设定"]``."""
        news = [S.CHECKLIST_VERSION.format(title=c.title, version=c.version) for cid, c in after[0].items()
                if cid not in before[0] or c.version > before[0][cid].version]
        if after[1] != before[1]:
            news.append(S.OFFICE_SETTINGS)
        return news

    async def loop(self) -> None:
        """Sync at start and then every ``INTERVAL_S`` while signed in and online; keep the strip current."""
        while not self._stopped:
            try:
                status = await self.ui.call(self.ui.device.sync.status)
            except AnXunError:
                status = None
            due = time.monotonic() >= self._next_at
            if status is not None and status.signed_in and due and self.ui.online is not False:
                outcome = await self.sync_now()
                if outcome is not None and outcome.news:
                    self.ui.toast(outcome.text)
            else:
                await self.ui.refresh_sync()
            await asyncio.sleep(REFRESH_S)
