"""The services the UI (and later the sync engine) call: one object per device data folder.

Methods are synchronous and thread-safe; the Flet UI calls them through ``asyncio.to_thread``.
Every user action persists before the method returns, with its change-log row in the same
transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from checklists import Checklist, ChecklistError, Item, load_dir
from checklists.loader import SHIPPED_DIR
from checklists.schema import SITE_KINDS

from app.domain import lifecycle
from app.domain.completion import completion_problems, record_hash
from app.domain.models import Answer, Hazard, HazardRow, Inspection, Review, Site
from app.domain.rating import HazardFacts, RatingResult, rate
from app.domain.rules import InvalidAnswer, is_hazard, validate_answer, visible_items
from app.photos import PhotoSettings, PhotoStore, ProcessedPhoto, Watermark, process_photo
from app.store import hazards as hazard_store
from app.store import inspections as inspection_store
from app.store import sites as site_store
from app.store.db import DB_FILE, Store
from app.store.ids import new_id, to_text, utc_now
from app.store.photos import insert_photo, link_photo, linked_capture
from app.store.settings import get_setting, pending_changes, put_setting

from app.domain.errors import CompletionRefused, InspectionLocked
from app.domain.vocab import SEVERITY_LABELS, severity_label
from .settings import AppSettings

log = logging.getLogger(__name__)

#: Deadlines and "today" are the inspector's calendar day, not UTC's. A fixed UTC+8 (China has
#: had no daylight saving since 1991) because packaged Android Python ships no tz database.
LOCAL_TZ = timezone(timedelta(hours=8), "CST")


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


@dataclass
class InspectionState:
    inspection: Inspection
    site: Site
    checklist: Checklist
    answers: dict[str, Answer]
    visible: list[Item]
    hazards: dict[str, Hazard]
    answered: int
    total: int
    signature_valid: bool
    #: hazards recorded by hand during this inspection (no checklist item)
    other_hazards: list[Hazard] = field(default_factory=list)

    @property
    def locked(self) -> bool:
        """A completed inspection is read-only."""
        return self.inspection.status != "draft"

    @property
    def all_hazards(self) -> list[Hazard]:
        return [*self.hazards.values(), *self.other_hazards]


@dataclass
class DraftRow:
    inspection_id: str
    site_name: str
    checklist_title: str
    answered: int
    total: int
    updated_at: datetime


@dataclass
class Summary:
    answered: int
    total: int
    hazards_by_severity: dict[str, int]
    rating: RatingResult | None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _PreparedPhoto:
    processed: ProcessedPhoto
    taken_at: datetime
    gps: tuple[float, float] | None


@dataclass
class SyncStatus:
    pending: int
    last_sync_at: datetime | None
    online: bool | None
    last_error: str | None


class Services:
    """Everything the field app does to its data.

    :param data_dir: the device data folder, e.g. ``$FLET_APP_STORAGE_DATA``; holds
        ``anxun.db`` and ``photos/``.
    :param today: the inspector's calendar day (tests pass a fixed day).
    """

    def __init__(self, data_dir: Path, *, checklists: dict[str, Checklist] | None = None,
                 today: Callable[[], date] = local_today, synchronous: str = "FULL"):
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir / DB_FILE, synchronous=synchronous)
        self.photos = PhotoStore(self.data_dir / "photos")
        self.today = today
        self.checklist_errors: list[ChecklistError] = []
        if checklists is None:
            checklists = self._load_checklists()
        self.checklists = checklists
        self.site_kinds = SITE_KINDS
        self.device_id = get_setting(self.store, "device_id")
        if self.device_id is None:
            self.device_id = new_id()
            put_setting(self.store, "device_id", self.device_id)

    def close(self) -> None:
        self.store.close()

    def _load_checklists(self) -> dict[str, Checklist]:
        """The shipped checklists, refusing any older than a version this device already used."""
        installed = get_setting(self.store, "checklist_versions", {})
        loaded = load_dir(SHIPPED_DIR, previous_versions=installed)
        for error in loaded.errors:
            log.error("checklist not loaded: %s", error)
        self.checklist_errors = loaded.errors
        newest = {**installed, **{cid: c.version for cid, c in loaded.checklists.items()}}
        if newest != installed:
            put_setting(self.store, "checklist_versions", newest)
        return loaded.checklists

    # --- sites -------------------------------------------------------------------------------

    def search_sites(self, text: str = "", kind: str | None = None, grid: str | None = None,
                     limit: int = 50) -> list[Site]:
        return site_store.find_sites(self.store, text, kind, grid, limit)

    def create_site(self, *, name: str, address: str = "", kind: str, grid: str = "",
                    contact_name: str = "", contact_phone: str = "",
                    lat: float | None = None, lon: float | None = None) -> Site:
        name = name.strip()
        if not name:
            raise InvalidAnswer("site.name", "请填写场所名称")
        if kind not in SITE_KINDS:
            raise InvalidAnswer("site.kind", f"请选择场所类型（收到 {kind!r}）")
        return site_store.insert_site(
            self.store, name=name, address=address.strip(), kind=kind, grid=grid.strip(),
            contact_name=contact_name.strip(), contact_phone=contact_phone.strip(), lat=lat, lon=lon,
        )

    def get_site(self, site_id: str) -> Site:
        return site_store.get_site(self.store, site_id)

    def grids(self) -> list[str]:
        return site_store.grids(self.store)

    # --- inspections -------------------------------------------------------------------------

    def checklists_for(self, site_kind: str) -> list[Checklist]:
        return [c for c in self.checklists.values() if c.applies_to(site_kind)]

    def start_inspection(self, site_id: str, checklist_id: str) -> Inspection:
        """A new draft, or the open draft for the same site and checklist (resume)."""
        site = self.get_site(site_id)
        checklist = self.checklists[checklist_id]
        if not checklist.applies_to(site.kind):
            raise InvalidAnswer(checklist_id, f"“{checklist.title}”不适用于{site.kind}")
        draft = inspection_store.find_draft(self.store, site_id, checklist_id)
        if draft is not None:
            return draft
        settings = self.settings()
        return inspection_store.insert_inspection(
            self.store, site_id=site_id, checklist_id=checklist_id, checklist_version=checklist.version,
            inspector_id=settings.inspector_id, inspector_name=settings.inspector_name,
            device_id=self.device_id, current_item_id=checklist.items[0].id,
        )

    def get_inspection(self, inspection_id: str) -> Inspection:
        return inspection_store.get_inspection(self.store, inspection_id)

    def drafts(self) -> list[DraftRow]:
        rows = []
        for r in inspection_store.drafts(self.store):
            checklist = self.checklists.get(r["checklist_id"])
            if checklist is None:  # its checklist was refused at load; the draft stays on disk
                continue
            answers = {k: a.value for k, a in inspection_store.answers(self.store, r["id"]).items()}
            visible = visible_items(checklist, answers)
            rows.append(DraftRow(
                inspection_id=r["id"], site_name=r["site_name"], checklist_title=checklist.title,
                answered=sum(1 for item in visible if item.id in answers), total=len(visible),
                updated_at=r["updated_at"],
            ))
        return rows

    def inspection_state(self, inspection_id: str) -> InspectionState:
        inspection = self.get_inspection(inspection_id)
        checklist = self.checklists[inspection.checklist_id]
        answers = inspection_store.answers(self.store, inspection_id)
        values = {k: a.value for k, a in answers.items()}
        visible = visible_items(checklist, values)
        raised = hazard_store.hazards_of_inspection(self.store, inspection_id)
        return InspectionState(
            inspection=inspection, site=self.get_site(inspection.site_id), checklist=checklist,
            answers=answers, visible=visible,
            hazards={h.item_id: h for h in raised if h.item_id is not None},
            other_hazards=[h for h in raised if h.item_id is None],
            answered=sum(1 for item in visible if item.id in answers), total=len(visible),
            signature_valid=self._signature_valid(inspection, answers, raised),
        )

    def answer(self, inspection_id: str, item_id: str, value: Any, note: str | None = None) -> InspectionState:
        """Record an answer at once; a hazard answer raises a 隐患 (待整改) with the checklist's
        severity and default requirement; a corrected answer withdraws the hazard it had raised.

        :raises InvalidAnswer: the value does not fit the item (Chinese ``message``).
        :raises InspectionLocked: the inspection is completed.
        """
        self._write_answer(inspection_id, item_id, value, note)
        return self.inspection_state(inspection_id)

    def _write_answer(self, inspection_id: str, item_id: str, value: Any, note: str | None) -> None:
        inspection = self.get_inspection(inspection_id)
        if inspection.status != "draft":
            raise InspectionLocked(inspection_id)
        checklist = self.checklists[inspection.checklist_id]
        try:
            item = checklist.item(item_id)
        except KeyError:
            raise InvalidAnswer(item_id, f"检查表中没有 {item_id} 这一项") from None
        normalised = validate_answer(item, value)
        today = self.today()
        with self.store.atomic():
            inspection_store.save_answer(self.store, inspection_id, item_id, normalised, note)
            self._reconcile_hazards(inspection, checklist, today)

    def _reconcile_hazards(self, inspection: Inspection, checklist: Checklist, today: date) -> None:
        """Make the auto-raised hazards match the answers: one per visible hazard answer."""
        answers = {k: a.value for k, a in inspection_store.answers(self.store, inspection.id).items()}
        visible = {item.id for item in visible_items(checklist, answers)}
        existing = hazard_store.raised_by_answers(self.store, inspection.id)
        for item in checklist.items:
            value = answers.get(item.id)
            if isinstance(value, str) and item.kind == "date":
                value = date.fromisoformat(value)
            wanted = item.id in visible and is_hazard(item, value, checklist, on=today)
            if wanted and item.id not in existing:
                hazard_store.insert_hazard(
                    self.store, inspection_id=inspection.id, site_id=inspection.site_id,
                    checklist_id=checklist.id, item_id=item.id, source="checklist",
                    description=_describe_hazard(item, value), severity=item.severity,
                    status=lifecycle.PENDING, requirement=item.requirement,
                    deadline=lifecycle.default_deadline(item.severity, today),
                    photo_required=int(item.photo_required),
                )
            elif not wanted and item.id in existing:
                hazard_store.delete_hazard(self.store, existing[item.id])

    def set_position(self, inspection_id: str, item_id: str) -> None:
        inspection_store.set_position(self.store, inspection_id, item_id)

    def completion_problems(self, inspection_id: str) -> list[str]:
        state = self.inspection_state(inspection_id)
        return self._problems(state)

    def _problems(self, state: InspectionState) -> list[str]:
        if state.inspection.status == "completed":
            return []
        values = {k: a.value for k, a in state.answers.items()}
        photos = {item_id: len(h.photo_shas) for item_id, h in state.hazards.items()}
        return completion_problems(state.checklist, values, photos, signature_valid=state.signature_valid)

    def summary(self, inspection_id: str) -> Summary:
        state = self.inspection_state(inspection_id)
        by_severity = Counter(severity_label(h.severity) for h in state.all_hazards)
        rating = None
        if state.checklist.rating is not None:
            facts = [HazardFacts(h.item_id, h.severity, h.status, h.deadline) for h in state.all_hazards]
            rating = rate(state.checklist.rating, facts, self.today())
        return Summary(answered=state.answered, total=state.total, hazards_by_severity=dict(by_severity),
                       rating=rating, problems=self._problems(state))

    def sign(self, inspection_id: str, *, signer_name: str, png: bytes) -> None:
        """The representative signs the record as it is now; a later change voids the signature."""
        signer_name = signer_name.strip()
        if not signer_name:
            raise InvalidAnswer("signer_name", "请填写签名人姓名")
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise InvalidAnswer("signature", "签名图像无效，请重新签名")
        state = self.inspection_state(inspection_id)
        if state.inspection.status != "draft":
            raise InspectionLocked(inspection_id)
        digest = self._record_hash(state.inspection, state.answers, state.all_hazards)
        inspection_store.save_signature(self.store, inspection_id, signer_name, png, digest)

    def signature_png(self, inspection_id: str) -> bytes | None:
        return inspection_store.signature_png(self.store, inspection_id)

    def complete(self, inspection_id: str) -> Inspection:
        """:raises CompletionRefused: listing what is missing, in Chinese."""
        state = self.inspection_state(inspection_id)
        if state.inspection.status != "draft":
            raise InspectionLocked(inspection_id)
        problems = self._problems(state)
        if problems:
            raise CompletionRefused(inspection_id, problems)
        inspection_store.mark_completed(self.store, inspection_id)
        return self.get_inspection(inspection_id)

    def _record_hash(self, inspection: Inspection, answers: dict[str, Answer], hazards: list[Hazard]) -> str:
        head = {"id": inspection.id, "site_id": inspection.site_id, "checklist_id": inspection.checklist_id,
                "checklist_version": inspection.checklist_version}
        answer_rows = [{"item_id": a.item_id, "value": a.value, "note": a.note}
                       for a in sorted(answers.values(), key=lambda a: a.item_id)]
        hazard_rows = [h.model_dump(include={"item_id", "description", "location", "severity", "rect_unit",
                                             "requirement", "deadline", "photo_shas"})
                       for h in sorted(hazards, key=lambda h: h.id)]
        return record_hash(head, answer_rows, hazard_rows)

    def _signature_valid(self, inspection: Inspection, answers: dict[str, Answer], hazards: list[Hazard]) -> bool:
        if inspection.signed_hash is None:
            return False
        return inspection.signed_hash == self._record_hash(inspection, answers, hazards)

    # --- hazards -----------------------------------------------------------------------------

    def hazards(self, **filters: Any) -> list[HazardRow]:
        """The 隐患台账; filters: status, severity, checklist_id, site_id, grid, overdue, text, limit."""
        return hazard_store.query_hazards(self.store, today=self.today(), **filters)

    def hazard(self, hazard_id: str) -> HazardRow:
        return hazard_store.get_hazard(self.store, hazard_id, self.today())

    def reviews(self, hazard_id: str) -> list[Review]:
        return hazard_store.reviews(self.store, hazard_id)

    def create_hazard(self, *, site_id: str, description: str, severity: str = "一般",
                      inspection_id: str | None = None, location: str = "", rect_unit: str = "",
                      requirement: str = "", deadline: date | None = None) -> HazardRow:
        """A hazard raised by hand (not from a checklist answer)."""
        if not description.strip():
            raise InvalidAnswer("description", "请填写隐患描述")
        self.get_site(site_id)
        if inspection_id is not None and self.get_inspection(inspection_id).status != "draft":
            raise InspectionLocked(inspection_id)
        today = self.today()
        with self.store.atomic():
            hazard_id = hazard_store.insert_hazard(
                self.store, inspection_id=inspection_id, site_id=site_id, source="manual",
                description=description.strip(), location=location, severity=severity,
                status=lifecycle.PENDING, rect_unit=rect_unit, requirement=requirement,
                deadline=deadline or lifecycle.default_deadline(severity, today),
            )
        return self.hazard(hazard_id)

    def update_hazard(self, hazard_id: str, **changes: Any) -> HazardRow:
        """Edit 描述/部位/严重度/整改责任单位/整改要求/整改期限; each call persists at once."""
        current = self.hazard(hazard_id)
        self._check_editable(current)
        if "severity" in changes and changes["severity"] not in SEVERITY_LABELS:
            raise InvalidAnswer("severity", "严重度只能是 一般 或 重大")
        if "deadline" in changes:
            changes["deadline"] = _as_date(changes["deadline"])
            changes["deadline_chosen"] = 1
        elif changes.get("severity", current.severity) != current.severity:
            changes["deadline"] = lifecycle.deadline_after_severity_change(
                current.deadline, current.deadline_chosen, current.severity, changes["severity"])
        if "description" in changes and not str(changes["description"]).strip():
            raise InvalidAnswer("description", "隐患描述不能为空")
        hazard_store.update_hazard(self.store, hazard_id, changes)
        return self.hazard(hazard_id)

    def _check_editable(self, hazard: HazardRow) -> None:
        if hazard.status == lifecycle.CLOSED:
            raise lifecycle.IllegalTransition(hazard.id, hazard.status, hazard.status)
        if not hazard.editable:
            # The signed record is fixed; after completion only the lifecycle moves on.
            raise InspectionLocked(hazard.inspection_id or hazard.id)

    def hazard_actions(self, hazard_id: str) -> list[tuple[str, str]]:
        """Status changes to offer for a hazard: (target status, label such as 开始整改)."""
        return lifecycle.status_actions(self.hazard(hazard_id).status)

    def add_hazard_photo(self, hazard_id: str, data: bytes, *, gps: tuple[float, float] | None = None,
                         accuracy_m: float | None = None) -> str:
        """Process, store and attach a photo; returns its SHA-256.

        :raises PhotoError: not an image, truncated, too many pixels or too large (``message``).
        """
        hazard = self.hazard(hazard_id)
        if hazard.status == lifecycle.CLOSED:
            raise lifecycle.IllegalTransition(hazard.id, hazard.status, hazard.status)
        return self._store_photo(data, "hazard", hazard_id, hazard.site_name, hazard.item_id or "", gps, accuracy_m)

    def add_answer_photo(self, inspection_id: str, item_id: str, data: bytes, *,
                         gps: tuple[float, float] | None = None, accuracy_m: float | None = None) -> str:
        """A photo for a photo-kind item: stored, linked, and added to the item's answer at once.

        :raises PhotoError: the file is refused (``message``).
        """
        inspection = self.get_inspection(inspection_id)
        if inspection.status != "draft":
            raise InspectionLocked(inspection_id)
        item = self.checklists[inspection.checklist_id].item(item_id)
        if item.kind != "photo":
            raise InvalidAnswer(item_id, "这一项不是照片题")
        site = self.get_site(inspection.site_id)
        sha = self._store_photo(data, "answer", f"{inspection_id}/{item_id}", site.name, item_id, gps, accuracy_m)
        current = inspection_store.answers(self.store, inspection_id).get(item_id)
        shas = list(current.value) if current else []
        if sha not in shas:
            self._write_answer(inspection_id, item_id, [*shas, sha], None)
        return sha

    def _store_photo(self, data: bytes, owner_kind: str, owner_id: str, site_name: str, item_id: str,
                     gps: tuple[float, float] | None, accuracy_m: float | None) -> str:
        # The same capture sent twice (a double tap, a retried upload) is one photo, even
        # though its watermark time would differ.
        already = linked_capture(self.store, hashlib.sha256(data).hexdigest(), owner_kind, owner_id)
        if already:
            return already
        photo = self._prepare_photo(data, site_name, item_id, gps)
        with self.store.atomic():
            self._attach_photo(photo, owner_kind, owner_id, accuracy_m)
        return photo.processed.sha256

    def _prepare_photo(self, data: bytes, site_name: str, item_id: str,
                       gps: tuple[float, float] | None) -> _PreparedPhoto:
        """Process and write the files (outside any transaction: it is the slow part)."""
        settings = self.settings()
        taken_at = utc_now()
        mark = None
        if settings.watermark:
            mark = Watermark(taken_at=taken_at, site=site_name, inspector=settings.inspector_name,
                             item=item_id, gps=gps)
        processed = process_photo(
            data, PhotoSettings(max_edge_px=settings.photo_max_edge_px, jpeg_quality=settings.photo_quality,
                                watermark=settings.watermark), mark,
        )
        self.photos.put(processed)
        return _PreparedPhoto(processed, taken_at, gps or processed.gps)

    def _attach_photo(self, photo: _PreparedPhoto, owner_kind: str, owner_id: str,
                      accuracy_m: float | None) -> None:
        lat, lon = photo.gps if photo.gps else (None, None)
        insert_photo(self.store, {
            "sha256": photo.processed.sha256, "original_sha256": photo.processed.original_sha256,
            "width": photo.processed.width, "height": photo.processed.height,
            "bytes": len(photo.processed.jpeg), "captured_at": to_text(photo.taken_at),
            "lat": lat, "lon": lon, "accuracy_m": accuracy_m,
        })
        link_photo(self.store, photo.processed.sha256, owner_kind, owner_id)

    def transition(self, hazard_id: str, to_status: str) -> HazardRow:
        """Move a hazard along its lifecycle; 已销号 only through a passing 复查 (`record_review`).

        :raises IllegalTransition: with a Chinese ``message`` listing what is allowed.
        """
        hazard = self.hazard(hazard_id)
        lifecycle.check_transition(hazard_id, hazard.status, to_status)
        if (hazard.status, to_status) in lifecycle.REVIEW_STEPS:
            # Closing or reopening is what a 复查 decides; it must leave a review record.
            raise lifecycle.IllegalTransition(hazard_id, hazard.status, to_status)
        hazard_store.update_hazard(self.store, hazard_id, {"status": to_status})
        return self.hazard(hazard_id)

    def record_review(self, hazard_id: str, *, reviewer: str, passed: bool, note: str = "",
                      photos: list[bytes] | None = None) -> HazardRow:
        """复查: 合格 closes the hazard (已销号), 不合格 sends it back to 整改中."""
        hazard = self.hazard(hazard_id)
        target = lifecycle.CLOSED if passed else lifecycle.RECTIFYING
        lifecycle.check_transition(hazard_id, hazard.status, target)
        if not reviewer.strip():
            raise InvalidAnswer("reviewer", "请填写复查人")
        # Process photos first: a refused photo must not leave a half-recorded review.
        prepared = [self._prepare_photo(data, hazard.site_name, hazard.item_id or "", None)
                    for data in (photos or [])]
        with self.store.atomic():
            review_id = hazard_store.insert_review(self.store, hazard_id, reviewer.strip(), passed, note)
            changes: dict[str, Any] = {"status": target}
            if passed:
                changes["closed_at"] = to_text(utc_now())
            hazard_store.update_hazard(self.store, hazard_id, changes)
            for photo in prepared:
                self._attach_photo(photo, "review", review_id, None)
        return self.hazard(hazard_id)

    def photo_path(self, sha256: str) -> Path:
        return self.photos.path(sha256)

    def thumb_path(self, sha256: str) -> Path:
        return self.photos.thumb_path(sha256)

    # --- settings and sync status ------------------------------------------------------------

    def settings(self) -> AppSettings:
        return AppSettings.model_validate(get_setting(self.store, "app_settings", {}))

    def save_settings(self, **changes: Any) -> AppSettings:
        """Persist some settings at once; invalid values are refused with a Chinese message."""
        current = self.settings().model_dump()
        current.update(changes)
        try:
            settings = AppSettings.model_validate(current)
        except ValueError as exc:
            field_name = ", ".join(str(e["loc"][0]) for e in exc.errors()) if hasattr(exc, "errors") else ""
            raise InvalidAnswer(f"settings.{field_name}", f"设置值无效：{field_name}") from exc
        put_setting(self.store, "app_settings", settings.model_dump())
        return settings

    def sync_status(self) -> SyncStatus:
        last = get_setting(self.store, "sync.last_success_at")
        return SyncStatus(
            pending=pending_changes(self.store),
            last_sync_at=datetime.fromisoformat(last.replace("Z", "+00:00")) if last else None,
            online=None,
            last_error=get_setting(self.store, "sync.last_error"),
        )


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidAnswer("deadline", f"整改期限格式应为 年-月-日（收到 {value!r}）") from None


def _describe_hazard(item: Item, value: Any) -> str:
    """Prefilled 隐患描述: the question and what was found."""
    if isinstance(value, list):
        shown = "、".join(value)
    elif isinstance(value, float):
        shown = f"{value:g}{item.unit}"
    else:
        shown = str(value)
    return f"{item.question}（检查结果：{shown}）"


def open_services(data_dir: Path, **kwargs: Any) -> Services:
    """Open (creating if needed) the device data folder."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    return Services(Path(data_dir), **kwargs)
