"""One sync of a device data folder: push the change log, upload images, pull, fetch thumbnails.

    engine = SyncEngine(store, photo_files, data_dir, transport)
    report = engine.run(timeout_s=120)

1. **Push** the change log in seq order, in batches (≤ 1000 entries, about 4 MB). Each reply of
   ours is applied in one transaction: acknowledged rows leave the log, rejected ones are kept
   with the reason, acknowledged images join the upload queue.
2. **Upload** the queued images, a few at a time, starting as soon as a pushed batch
   acknowledges their records (uploads overlap the rest of the push): a record counts as sent
   once its images are on the server. An image tried before is first asked for (HEAD), so a
   resumed upload is not sent twice.
3. **Pull** pages until the server has nothing more; each page applies with its cursor.
4. **Thumbnails** of pulled photos this device has no file for.

Every step can be cut anywhere (process killed, network gone, server restarted) and simply runs
again: the server answers a replayed entry ``duplicate``, an image it has ``exists``, and the
pull resumes from the last cursor applied. Transient failures are retried with exponential
backoff and jitter until the time limit; a refused sign-in stops at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from app.photos.files import PhotoStore
from app.store import inbox, outbox
from app.store.db import Store
from sync.hlc import Hlc
from sync.protocol import key_of as key_fields

from .api import Api
from .errors import OutOfTime, Refused, SignInNeeded, SyncBusy, SyncError, Transient
from .files import check_thumbnail, write_atomically
from .lock import FolderLock
from .state import credentials, reached_server, record_attempt
from .transport import Transport
from .uploads import Uploader

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The server takes at most 1000 entries and 8 MB a request; half the bytes leaves room for JSON overhead.
BATCH_ENTRIES = 1000
BATCH_BYTES = 4 * 1024 * 1024
PULL_LIMIT = 500
UPLOAD_WORKERS = 4
#: A photo the server still lacks (its device has not uploaded it) is asked for again on later syncs,
#: this many times at most.
DOWNLOAD_ATTEMPTS = 20
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0


@dataclass
class SyncReport:
    """What one sync did."""

    pushed: int = 0
    rejected: int = 0
    uploaded: int = 0
    pulled: int = 0
    thumbnails: int = 0
    retries: int = 0

    def line(self) -> str:
        """One line for the command line, e.g. ``同步完成：上传 12 条修改、3 张照片，下载 40 条记录``."""
        text = f"上传 {self.pushed} 条修改、{self.uploaded} 张照片，下载 {self.pulled} 条记录"
        if self.rejected:
            return f"同步完成，但有 {self.rejected} 条被拒收（原因见 status）：{text}"
        return f"同步完成：{text}"


class SyncEngine:
    """The device's sync.

    :param transport: ``RequestsTransport()``, or a test's wrapper around it.
    :param sleep: waits between retries (tests pass a recorder).
    """

    def __init__(self, store: Store, photo_files: PhotoStore, data_dir: Path, transport: Transport, *,
                 sleep: Callable[[float], None] = time.sleep):
        self.store = store
        self.photo_files = photo_files
        self.data_dir = Path(data_dir)
        self.transport = transport
        self._sleep = sleep
        self._deadline = 0.0

    # --- the run -------------------------------------------------------------------------------

    def run(self, timeout_s: float = 120.0, *, wait_for_lock_s: float = 0.0) -> SyncReport:
        """One full sync.

        :param timeout_s: give up (``OutOfTime``) after this long, e.g. ``120``.
        :param wait_for_lock_s: wait this long for another sync of the folder to end.
        :raises SignInNeeded: not signed in, or the token was refused.
        :raises Transient: the network, the server or the time limit (what was done is kept).
        :raises Refused: the server refused a request as a whole (e.g. ``device_mismatch``).
        """
        self._deadline = time.monotonic() + timeout_s
        with FolderLock(self.data_dir, wait_s=wait_for_lock_s):
            creds = credentials(self.store)
            if creds is None or not creds.token:
                error = SignInNeeded("not signed in", SignInNeeded.NOT_SIGNED_IN)
                record_attempt(self.store, error=error, reached=None)
                raise error
            api = Api(creds.server, self.transport, creds.token, remaining_s=self._remaining)
            report = SyncReport()
            try:
                self._retrying(lambda: self._send_up(api, report), report)
                self._retrying(lambda: self._refresh_rejected(api), report)
                self._retrying(lambda: self._pull(api, report), report)
                self._thumbnails(api, report)
            except SyncBusy:
                raise
            except SyncError as exc:
                log.warning("sync of %s stopped: %s", self.data_dir, exc)
                record_attempt(self.store, error=exc, reached=reached_server(exc))
                raise
            record_attempt(self.store, error=None, reached=True)
            log.info("sync of %s done: %s", self.data_dir, report)
            return report

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _retrying(self, step: Callable[[], T], report: SyncReport) -> T:
        """Run a step, again after a transient failure (backoff with full jitter) until the time limit."""
        attempt = 0
        while True:
            try:
                return step()
            except Transient as exc:
                attempt += 1
                wait = exc.retry_after_s or random.uniform(0, min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** attempt))
                if self._remaining() <= wait:
                    if isinstance(exc, OutOfTime):
                        raise
                    raise OutOfTime(f"time limit reached after {attempt} attempts; last: {exc}",
                                    exc.message) from exc
                log.warning("sync step failed (%s); retry %d in %.1f s", exc, attempt, wait)
                report.retries += 1
                self._sleep(wait)

    # --- 1. push, 2. images ---------------------------------------------------------------------

    def _send_up(self, api: Api, report: SyncReport) -> None:
        """Push the log; each batch's acknowledged images start uploading while the push goes on."""
        uploader = Uploader(self.store, self.photo_files, api, report, UPLOAD_WORKERS)
        try:
            uploader.add_queued()  # images left from an earlier sync
            self._push(api, report, after_batch=uploader.add_queued)
        except BaseException:
            uploader.close()
            raise
        uploader.finish()

    def _push(self, api: Api, report: SyncReport, after_batch: Callable[[], None] = lambda: None) -> None:
        limit = BATCH_ENTRIES
        device_id = self.store.device_id
        while True:
            batch = outbox.next_batch(self.store, max_entries=limit, max_bytes=BATCH_BYTES)
            if not batch:
                return
            try:
                reply = api.push(device_id, inbox.cursor(self.store), [e.wire() for e in batch])
            except Refused as exc:
                if exc.status != 413:
                    raise
                if len(batch) > 1:  # the server's limits are smaller than ours: halve and go on
                    limit = max(1, len(batch) // 2)
                    continue
                reply = None
                outcomes = [outbox.Outcome(batch[0].seq, "rejected", exc.code, exc.message)]
            if reply is not None:
                outcomes = [outbox.Outcome(r.seq or 0, r.status, r.code, r.message) for r in reply.results]
            outbox.acknowledge(self.store, batch, outcomes, reply.hlc if reply else None)
            rejected = sum(o.status == "rejected" for o in outcomes)
            report.pushed += len(batch) - rejected
            report.rejected += rejected
            after_batch()

    def _refresh_rejected(self, api: Api) -> None:
        """A rejected change changed nothing on the server: show the server's record again here."""
        for row_id, entity, entity_id in outbox.to_refresh(self.store):
            try:
                state = api.record(entity, entity_id)
            except Refused as exc:  # the server never had it, or it is outside the grids: keep the local copy
                log.info("rejected %s %s kept as it is on the device: %s", entity, entity_id, exc)
            else:
                op = "delete" if state.deleted else "upsert"
                fields = state.fields if not state.deleted else key_fields(entity, entity_id)
                inbox.apply_records(self.store, [{"entity": entity, "id": entity_id, "op": op, "fields": fields}])
            outbox.refreshed(self.store, row_id)

    # --- 3. pull -------------------------------------------------------------------------------

    def _pull(self, api: Api, report: SyncReport) -> None:
        cursor, own = inbox.cursor(self.store), False
        while True:
            try:
                page = api.pull(cursor, PULL_LIMIT, own=own)
            except Refused as exc:
                if exc.code != "cursor_ahead" or cursor == "0":
                    raise
                log.warning("pull cursor %s is ahead of the server (its data was replaced): pulling everything",
                            cursor)
                inbox.reset_cursor(self.store)
                cursor, own = "0", True
                continue
            if page.records or page.cursor != cursor:
                inbox.apply_page(self.store, [r.model_dump() for r in page.records], page.cursor)
                outbox.observe(self.store, page.hlc)
            else:
                self.store.clock.observe(Hlc.parse(page.hlc))  # nothing to keep: no write at all
            report.pulled += len(page.records)
            cursor = page.cursor
            if not page.more:
                return

    # --- 4. thumbnails -------------------------------------------------------------------------

    def _thumbnails(self, api: Api, report: SyncReport) -> None:
        """Thumbnails of pulled photos this device has no file for; a failure waits for the next sync."""
        wanted = inbox.downloads(self.store)
        if not wanted:
            return
        have = [sha for sha in wanted if self.photo_files.exists(sha) or self.photo_files.thumb_path(sha).is_file()]
        inbox.download_done(self.store, have)
        missing = [sha for sha in wanted if sha not in set(have)]

        def fetch(sha: str) -> bool:
            try:
                data = api.get_photo(sha, thumbnail=True)
                check_thumbnail(data)
                write_atomically(self.photo_files.thumb_path(sha), data)
                return True
            except (Transient, Refused) as exc:
                log.info("thumbnail of %s not fetched now: %s", sha, exc)
                return False

        with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS, thread_name_prefix="anxun-thumb") as pool:
            results = list(pool.map(fetch, missing))
        fetched = [sha for sha, ok in zip(missing, results, strict=True) if ok]
        inbox.download_done(self.store, fetched)
        inbox.download_tried(self.store, [sha for sha, ok in zip(missing, results, strict=True) if not ok],
                             give_up_after=DOWNLOAD_ATTEMPTS)
        report.thumbnails += len(fetched)


__all__ = ["SyncEngine", "SyncReport"]
