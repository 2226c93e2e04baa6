"""Images up, a few at a time, while the change log is still being pushed.

A photo can go up once the server has acknowledged its record; uploading is disk- and
network-bound on the server while a push is CPU-bound, so the two overlap: each pushed batch
hands its newly queued images to the uploader at once, and the push goes on.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from app.photos.files import PhotoStore
from app.store import outbox
from app.store.db import Store

from .api import Api
from .errors import Refused, SignInNeeded, SyncError, Transient

if TYPE_CHECKING:
    from .engine import SyncReport

log = logging.getLogger(__name__)

#: Uploaded images are marked done in the device store this many at a time (a commit is an
#: fsync); after a crash the rest go again and the server answers "exists".
RECORD_EVERY = 25
SENT, SUPERSEDED, REFUSED = "sent", "superseded", "refused"


class Uploader:
    """The images of one sync. ``add_queued()`` after each pushed batch, ``finish()`` at the end.

    :param workers: uploads in flight at once, e.g. ``4``.
    """

    def __init__(self, store: Store, photo_files: PhotoStore, api: Api, report: SyncReport, workers: int):
        self.store = store
        self.photo_files = photo_files
        self.api = api
        self.report = report
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="anxun-upload")
        self._started: set[str] = set()
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()
        self._done: list[str] = []
        self._failures: list[SyncError] = []

    def add_queued(self) -> None:
        """Start the queued images not started yet."""
        for upload in outbox.uploads(self.store):
            if upload.sha256 not in self._started:
                self._started.add(upload.sha256)
                self._futures.append(self._pool.submit(self._one, upload))

    def finish(self) -> None:
        """Wait for every upload; record what arrived.

        :raises SignInNeeded: the token was refused meanwhile.
        :raises Transient: the first transient failure (the failed images stay queued).
        """
        try:
            for future in self._futures:
                future.result()
        finally:
            self.close()
        for failure in self._failures:
            if isinstance(failure, SignInNeeded):
                raise failure
        if self._failures:
            raise self._failures[0]

    def close(self) -> None:
        """Stop (after the uploads in flight) and record what arrived; idempotent."""
        for future in self._futures:
            future.cancel()
        self._pool.shutdown(wait=True)
        with self._lock:
            done, self._done = self._done, []
        outbox.upload_done(self.store, done)

    def _one(self, upload: outbox.Upload) -> None:
        outcome = self._send(upload)
        with self._lock:
            if outcome in (SENT, SUPERSEDED):
                self._done.append(upload.sha256)
                self.report.uploaded += outcome == SENT
                done = self._done if len(self._done) >= RECORD_EVERY else []
                if done:
                    self._done = []
            else:
                done = []
                # A refused image is listed like a refused change: the sync ends "a person must look".
                self.report.rejected += outcome == REFUSED
                if isinstance(outcome, SyncError):
                    self._failures.append(outcome)
        if done:
            outbox.upload_done(self.store, done)
        if isinstance(outcome, Transient):
            outbox.upload_failed(self.store, upload.sha256, str(outcome)[:500])

    def _send(self, upload: outbox.Upload) -> str | SyncError:
        """``SENT`` (the server has it), ``SUPERSEDED`` (a signature redone since: the server wants
        the new one), ``REFUSED`` (for good; listed for the worker), or the error."""
        try:
            data, media_type = self._image(upload)
            if data is None and upload.kind == "signature":
                return SUPERSEDED
            if data is None:
                outbox.upload_refused(self.store, upload.sha256, "missing_file", "本机找不到这张照片的文件，无法上传")
                return REFUSED
            if not (upload.attempts and self.api.has_photo(upload.sha256)):
                self.api.put_photo(upload.sha256, data, media_type)
            return SENT
        except Refused as exc:
            outbox.upload_refused(self.store, upload.sha256, exc.code, exc.message)
            return REFUSED
        except SyncError as exc:
            return exc

    def _image(self, upload: outbox.Upload) -> tuple[bytes | None, str]:
        if upload.kind == "signature":
            return self.store.scalar("SELECT png FROM signatures WHERE png_sha256 = ?", (upload.sha256,)), "image/png"
        try:
            return self.photo_files.open(upload.sha256), "image/jpeg"
        except FileNotFoundError:
            return None, "image/jpeg"
