"""Evidence photos: processed and stored as files (slow, outside any transaction), then recorded
and linked to a hazard, a 复查 or a photo item in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.domain.errors import InvalidAnswer
from app.domain.lifecycle import IllegalTransition
from app.domain.vocab import CLOSED
from app.photos import PhotoSettings, ProcessedPhoto, Watermark, process_photo
from app.store import inspections as inspection_store
from app.store.ids import utc_now
from app.store.photos import insert_photo, link_photo, linked_capture

from .base import Service


@dataclass(frozen=True)
class PreparedPhoto:
    """A processed photo whose files are on disk, not yet recorded in the database."""

    processed: ProcessedPhoto
    taken_at: datetime
    gps: tuple[float, float] | None
    accuracy_m: float | None = None


class Evidence(Service):
    """``device.evidence``."""

    def add_to_hazard(
        self,
        hazard_id: str,
        data: bytes,
        *,
        gps: tuple[float, float] | None = None,
        accuracy_m: float | None = None,
    ) -> str:
        """Process, store and attach a photo to a hazard; returns its SHA-256.

        :raises PhotoError: not an image, truncated, too many pixels or too large.
        :raises IllegalTransition: the hazard is closed (已销号).
        """
        hazard = self._device.hazards.get(hazard_id)
        if hazard.status == CLOSED:
            raise IllegalTransition(hazard.id, hazard.status, hazard.status)
        return self._store_once(
            data, "hazard", hazard_id, hazard.site_name, hazard.item_id or "", gps, accuracy_m
        )

    def add_to_answer(self, inspection_id: str, item_id: str, data: bytes, *,
                      gps: tuple[float, float] | None = None, accuracy_m: float | None = None) -> str:
        """A photo for a photo-kind item: stored, linked, and added to the item's answer at once.

        :raises PhotoError: the file is refused.
        :raises InvalidAnswer: the item is not a photo item.
        :raises InspectionLocked: the inspection is completed.
        """
        inspections = self._device.inspections
        inspection = inspections.editable(inspection_id)
        try:
            item = inspections.checklist_of(inspection).item(item_id)
        except KeyError:
            raise InvalidAnswer(item_id, "检查表中没有这一项") from None
        if item.kind != "photo":
            raise InvalidAnswer(item_id, "这一项不是照片题")
        site = self._device.sites.get(inspection.site_id)
        sha = self._store_once(
            data, "answer", f"{inspection_id}/{item_id}", site.name, item_id, gps, accuracy_m
        )
        current = inspection_store.answers(self._device.store, inspection_id).get(item_id)
        shas = list(current.value) if current else []
        if sha not in shas:
            inspections.write_answer(inspection_id, item_id, [*shas, sha], None)
        return sha

    def photo_path(self, sha256: str) -> Path:
        return self._device.photo_files.path(sha256)

    def thumb_path(self, sha256: str) -> Path:
        return self._device.photo_files.thumb_path(sha256)

    def prepare(self, data: bytes, *, site_name: str, item_id: str, gps: tuple[float, float] | None = None,
                accuracy_m: float | None = None) -> PreparedPhoto:
        """Process and write the files (outside any transaction: it is the slow part).

        :raises PhotoError: the file is refused.
        """
        settings = self._device.settings.current()
        taken_at = utc_now()
        mark = None
        if settings.watermark:
            mark = Watermark(
                taken_at=taken_at, site=site_name, inspector=settings.inspector_name, item=item_id, gps=gps
            )
        processed = process_photo(
            data,
            PhotoSettings(
                max_edge_px=settings.photo_max_edge_px,
                jpeg_quality=settings.photo_quality,
                watermark=settings.watermark,
            ),
            mark,
        )
        self._device.photo_files.put(processed)
        return PreparedPhoto(processed, taken_at, gps or processed.gps, accuracy_m)

    def attach(self, photo: PreparedPhoto, owner_kind: str, owner_id: str) -> None:
        """Record the photo and link it to its owner; inside the caller's transaction."""
        store = self._device.store
        lat, lon = photo.gps if photo.gps else (None, None)
        processed = photo.processed
        insert_photo(
            store,
            sha256=processed.sha256,
            original_sha256=processed.original_sha256,
            width=processed.width,
            height=processed.height,
            size_bytes=len(processed.jpeg),
            captured_at=photo.taken_at,
            lat=lat,
            lon=lon,
            accuracy_m=photo.accuracy_m,
        )
        link_photo(store, processed.sha256, owner_kind, owner_id)

    def _store_once(
        self,
        data: bytes,
        owner_kind: str,
        owner_id: str,
        site_name: str,
        item_id: str,
        gps: tuple[float, float] | None,
        accuracy_m: float | None,
    ) -> str:
        # The same capture sent twice (a double tap, a retried upload) is one photo, even
        # though its watermark time would differ.
        store = self._device.store
        already = linked_capture(store, hashlib.sha256(data).hexdigest(), owner_kind, owner_id)
        if already:
            return already
        photo = self.prepare(data, site_name=site_name, item_id=item_id, gps=gps, accuracy_m=accuracy_m)
        with store.atomic():
            self.attach(photo, owner_kind, owner_id)
        return photo.processed.sha256
