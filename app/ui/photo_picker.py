"""Photos on the page: picking them (camera or gallery; in web mode uploaded through Flet's
``/upload``) and showing stored ones as thumbnails. Storing a photo is the services' job
(``device.evidence``); this module only moves bytes between the page and the views.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import flet as ft

from app.services import AnXunError, Device

from . import strings as S
from . import theme as T
from .errors import guard
from .photo_viewer import show_photo

log = logging.getLogger(__name__)

#: How long one photo may take to upload from the browser (a phone on a weak link).
UPLOAD_TIMEOUT_S = 120
#: Lifetime of a signed upload URL.
UPLOAD_URL_TTL_S = 600


class PhotoUploadFailed(AnXunError):
    """A web photo upload that the client reported as failed, or that timed out."""

    def __init__(self, detail: str):
        super().__init__(detail, S.UPLOAD_FAILED)


class PhotoPicker:
    """Pick photos on ``page``; show photos stored on ``device``.

    :param upload_dir: where web uploads land before they are read, e.g. ``<data>/uploads``;
        each file is deleted once read.
    """

    def __init__(self, page: ft.Page, device: Device, upload_dir: Path):
        self.page = page
        self.device = device
        self.upload_dir = upload_dir
        # A service: it must stay referenced for the page's lifetime.
        self.picker = ft.FilePicker(on_upload=guard(self._on_upload))
        #: upload path (photos/<uuid>.jpg) -> waiter; the client may report the picked file's own
        #: name (camera files are all image.jpg), so uploads run one at a time and ``_alias``
        #: maps that name to the one upload in flight.
        self._waiters: dict[str, asyncio.Future[bool]] = {}
        self._alias: dict[str, str] = {}

    async def pick(self, *, multiple: bool = True) -> list[bytes]:
        """Let the user pick image files; returns their bytes (none when the user cancels).

        :raises PhotoUploadFailed: a web upload failed or timed out.
        """
        files = await self.picker.pick_files(
            dialog_title=S.PICK_PHOTOS_TITLE, file_type=ft.FilePickerFileType.IMAGE, allow_multiple=multiple,
            with_data=not self.page.web,
        )
        if not files:
            return []
        if not self.page.web:
            out: list[bytes] = []
            for f in files:
                if f.bytes:
                    out.append(bytes(f.bytes))
                elif f.path:
                    out.append(await asyncio.to_thread(Path(f.path).read_bytes))
            return out
        return [await self._upload(f) for f in files]  # one at a time: see ``_alias``

    async def _upload(self, f: ft.FilePickerFile) -> bytes:
        suffix = Path(f.name).suffix.lower()[:8] or ".jpg"
        rel = f"photos/{uuid.uuid4().hex}{suffix}"
        path = self.upload_dir / rel
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters[rel] = waiter
        self._alias[f.name] = rel
        try:
            await self.picker.upload([ft.FilePickerUploadFile(
                upload_url=self.page.get_upload_url(rel, UPLOAD_URL_TTL_S), id=f.id)])
            try:
                await asyncio.wait_for(asyncio.shield(waiter), timeout=UPLOAD_TIMEOUT_S)
            except TimeoutError as exc:
                log.warning("photo upload timed out: %s", path.name)
                raise PhotoUploadFailed(f"upload of {path.name} timed out") from exc
            finally:
                if self._alias.get(f.name) == rel:
                    del self._alias[f.name]
            # The progress event may arrive a moment before the file is fully on disk.
            for _ in range(100):
                if path.exists() and path.stat().st_size > 0:
                    break
                await asyncio.sleep(0.05)
            if not path.exists() or path.stat().st_size == 0:
                raise PhotoUploadFailed(f"upload missing: {path.name}")
            return await asyncio.to_thread(path.read_bytes)
        finally:
            self._waiters.pop(rel, None)
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a leftover upload is harmless; the photo itself is in the store
                log.warning("cannot remove upload %s", path, exc_info=True)

    async def _on_upload(self, e: ft.FilePickerUploadEvent) -> None:
        # Keyed by upload path: camera files are all called image.jpg.
        key = e.file_name if e.file_name in self._waiters else self._alias.get(e.file_name or "")
        waiter = self._waiters.get(key) if key else None
        if waiter is None or waiter.done():
            return
        if e.error:
            log.warning("photo upload failed: %s", e.error)
            waiter.set_exception(PhotoUploadFailed(f"client reported: {e.error}"))
        elif e.progress is not None and e.progress >= 1.0:
            waiter.set_result(True)

    async def thumbnails(self, shas: list[str], *, size: int = 96) -> ft.Row:
        """Stored photos as a wrapping row of squares, each read as 照片 by a screen reader; a tap
        opens the photo full screen.

        :param shas: SHA-256 names of stored photos; one whose file is missing is left out.
        """
        row = ft.Row(wrap=True, spacing=8, run_spacing=8)
        found = [(sha, await asyncio.to_thread(self._read, sha)) for sha in shas]
        shown = [(sha, data) for sha, data in found if data is not None]
        for n, (sha, data) in enumerate(shown, 1):
            row.controls.append(ft.Semantics(
                label=S.PHOTO, image=True,
                content=ft.Container(ft.Image(src=data, width=size, height=size, fit=ft.BoxFit.COVER),
                                     border_radius=8, border=ft.Border.all(1, T.BORDER),
                                     clip_behavior=ft.ClipBehavior.HARD_EDGE, width=size, height=size,
                                     on_click=guard(self._opener(sha, n, len(shown))), ink=True),
            ))
        return row

    def _opener(self, sha: str, index: int, count: int):  # noqa: ANN202 - a click handler
        async def open_full(_e: ft.Event) -> None:
            data = await asyncio.to_thread(self._read, sha, full=True)
            if data is not None:
                show_photo(self.page, data, index=index, count=count)

        return open_full

    def _read(self, sha: str, *, full: bool = False) -> bytes | None:
        """The thumbnail's bytes (the photo's when no thumbnail was made, or ``full``); None when missing."""
        evidence = self.device.evidence
        thumb = evidence.thumb_path(sha)
        path = thumb if thumb.exists() and not full else evidence.photo_path(sha)
        try:
            return path.read_bytes()
        except OSError:
            log.warning("photo %s missing or unreadable at %s", sha, path, exc_info=True)
            return None
