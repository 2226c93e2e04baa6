"""The wire format between the field app and the central endpoint: the one contract of both.

Everything here is plain pydantic: no I/O. One module on purpose (over 400 lines): the whole
contract is read and reviewed in one place. ``docs/sync.md`` explains the exchange; the shapes are:

- **Sign-in** ``SignInRequest`` → ``SignInReply`` (a bearer token bound to one device).
- **Push** ``PushRequest`` (the device's change-log rows, each a ``ChangeIn``) → ``PushReply``
  (one ``EntryResult`` per entry, in the same order).
- **Pull** → ``PullReply`` (``RecordOut`` pages after a cursor).
- **Records**: a row of each entity as the device store names its columns (``SiteFields`` …).

Times are UTC text with milliseconds and a ``Z`` (``2026-11-29T09:46:42.123Z``), dates
``YYYY-MM-DD``; an answer's ``value`` travels as the JSON text the device stores.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

from app.domain.vocab import SEVERITIES, SITE_KINDS, STATUSES
from checklists import OfficeConfig

from .hlc import Hlc

__all__ = [
    "ADMIN",
    "ENTITIES",
    "ENTITY_FIELDS",
    "ENTITY_OPS",
    "KEYS",
    "PHOTO_SERVER_HEADER",
    "PROTOCOL_VERSION",
    "RECORD_FIELDS",
    "ROLES",
    "SERVER_NAME",
    "THUMBNAIL_EDGE_PX",
    "UPSERT_ENTITIES",
    "AnswerFields",
    "ChangeIn",
    "ChecklistFields",
    "ConflictOut",
    "ConflictsPage",
    "DecisionFields",
    "DecisionIn",
    "EntryResult",
    "ErrorOut",
    "HazardFields",
    "Health",
    "Id",
    "InspectionFields",
    "OfficeSettingsFields",
    "PhotoFields",
    "PhotoLinkFields",
    "PhotoStored",
    "PullReply",
    "PushReply",
    "PushRequest",
    "RecordOut",
    "RecordState",
    "ReviewFields",
    "Sha256",
    "SignInReply",
    "SignInRequest",
    "SignatureFields",
    "SiteFields",
    "UserOut",
    "entity_id_of",
    "format_time",
    "key_of",
]

#: Every reply of ours names the server: a login portal's or a proxy's 200 page never does.
SERVER_NAME = "anxun"
PROTOCOL_VERSION = 1
#: A HEAD reply has no body to name the server: ours carries this header (value ``SERVER_NAME``).
PHOTO_SERVER_HEADER = "X-AnXun-Server"
#: Long edge of the thumbnail ``GET /v1/photos/{sha256}?size=thumb`` returns (a JPEG).
THUMBNAIL_EDGE_PX = 320
ROLES = ("网格员", "消防员", "管理员")
ADMIN = "管理员"


# --- value types -------------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """``2026-11-29T09:46:42.123Z``: the device store's form of a UTC time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("time needs a UTC offset, e.g. 2026-11-29T09:46:42.123Z")
    return moment.astimezone(UTC)


def _json_text(text: str) -> str:
    try:
        json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON text ({exc.msg}); an answer value travels as the JSON the device stores") from None
    return text


def _hlc_text(text: str) -> str:
    Hlc.parse(text)
    return text


UtcTime = Annotated[datetime, AfterValidator(_utc), PlainSerializer(format_time, return_type=str, when_used="json")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z._:-]+$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
HlcText = Annotated[str, AfterValidator(_hlc_text)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Short = Annotated[str, StringConstraints(max_length=200)]
Long = Annotated[str, StringConstraints(max_length=4000)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]
HazardStatus = Literal[STATUSES]  # type: ignore[valid-type]
SiteKind = Literal[SITE_KINDS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Entity = Literal["site", "inspection", "answer", "signature", "hazard", "review", "photo", "photo_link"]
Op = Literal["insert", "update", "delete"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- records: the device store's rows ------------------------------------------------------------
# Defaults are the device schema's column defaults: an insert payload leaves those columns out.


class SiteFields(_Strict):
    id: Id
    name: Name
    address: Short = ""
    kind: SiteKind
    grid: Short = ""
    contact_name: Short = ""
    contact_phone: Short = ""
    lat: Lat | None = None
    lon: Lon | None = None
    created_at: UtcTime
    updated_at: UtcTime


class InspectionFields(_Strict):
    id: Id
    site_id: Id
    checklist_id: Id
    checklist_version: int = Field(ge=1)
    inspector_id: Short = ""
    inspector_name: Short = ""
    device_id: Id
    status: Literal["draft", "completed"] = "draft"
    current_item_id: Short | None = None
    started_at: UtcTime
    finished_at: UtcTime | None = None
    updated_at: UtcTime


class AnswerFields(_Strict):
    inspection_id: Id
    item_id: Id
    #: JSON text exactly as the device stores it (the signed record's hash is taken over this text).
    value: Annotated[str, StringConstraints(max_length=20_000), AfterValidator(_json_text)]
    note: Long = ""
    answered_at: UtcTime


class SignatureFields(_Strict):
    """The representative's signature; its PNG travels like a photo, by ``png_sha256``."""

    inspection_id: Id
    signer_name: Name
    record_hash: Sha256
    signed_at: UtcTime
    png_sha256: Sha256 | None = None
    png_bytes: int | None = Field(None, ge=1)


class HazardFields(_Strict):
    id: Id
    inspection_id: Id | None = None
    site_id: Id
    checklist_id: Id | None = None
    item_id: Id | None = None
    #: ``combination``: raised by a checklist's 综合判定 rule (``item_id`` is ``combination:<rule>``).
    source: Literal["checklist", "manual", "combination"]
    description: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    location: Short = ""
    severity: Severity
    status: HazardStatus
    rect_unit: Short = ""
    requirement: Long = ""
    deadline: date
    deadline_chosen: bool = False
    photo_required: bool = False
    created_at: UtcTime
    updated_at: UtcTime
    closed_at: UtcTime | None = None
    #: A combination hazard's links: the item ids of the same inspection's hazards it was counted from.
    element_items: list[Id] = Field(default_factory=list, max_length=200)
    #: 挂牌督办: set only by a 管理员 (an office decision).
    listed: bool = False


class ReviewFields(_Strict):
    id: Id
    hazard_id: Id
    reviewer: Name
    reviewed_at: UtcTime
    passed: bool
    note: Long = ""


class PhotoFields(_Strict):
    sha256: Sha256
    original_sha256: Sha256
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    bytes: int = Field(ge=1)
    captured_at: UtcTime
    lat: Lat | None = None
    lon: Lon | None = None
    accuracy_m: float | None = Field(None, ge=0)
    created_at: UtcTime | None = None


class PhotoLinkFields(_Strict):
    photo_sha256: Sha256
    owner_kind: Literal["hazard", "review", "answer"]
    #: A hazard or review id, or ``<inspection_id>/<item_id>`` for an answer.
    owner_id: Annotated[str, StringConstraints(min_length=1, max_length=140)]
    created_at: UtcTime


class DecisionFields(_Strict):
    """An office decision on a hazard: a record of its own, pulled by devices in scope."""

    id: Id
    hazard_id: Id
    decided_by: Name
    decided_at: UtcTime
    deadline: date | None = None
    severity: Severity | None = None
    listed: bool | None = None
    note: Long = ""


class ChecklistFields(_Strict):
    """A published checklist: its YAML as the loader reads it."""

    id: Id
    version: int
    title: str
    yaml: str
    sha256: Sha256
    published_at: UtcTime


class OfficeSettingsFields(_Strict):
    """What the office decided for its district (``checklists.OfficeConfig``): the 红黄蓝 rules,
    item levels, check methods hidden per role. One record for every device; each change is a new
    ``version``."""

    version: int = Field(ge=1)
    config: OfficeConfig
    set_by: Name
    set_at: UtcTime


ENTITY_FIELDS: dict[str, type[BaseModel]] = {
    "site": SiteFields, "inspection": InspectionFields, "answer": AnswerFields,
    "signature": SignatureFields, "hazard": HazardFields, "review": ReviewFields,
    "photo": PhotoFields, "photo_link": PhotoLinkFields,
}
ENTITIES = tuple(ENTITY_FIELDS)
#: Every kind of record the pull feed carries: the pushed entities and the office's.
RECORD_FIELDS: dict[str, type[BaseModel]] = {
    **ENTITY_FIELDS, "decision": DecisionFields, "checklist": ChecklistFields, "office": OfficeSettingsFields,
}
#: The operations the device change log uses for each entity.
ENTITY_OPS: dict[str, frozenset[str]] = {
    "site": frozenset({"insert", "update"}),
    "inspection": frozenset({"insert", "update"}),
    "answer": frozenset({"insert", "update"}),
    "signature": frozenset({"insert", "update"}),
    "hazard": frozenset({"insert", "update", "delete"}),
    "review": frozenset({"insert"}),
    "photo": frozenset({"insert"}),
    "photo_link": frozenset({"insert"}),
}
#: An ``update`` of these carries the full row and creates it when missing.
UPSERT_ENTITIES = frozenset({"answer", "signature"})
#: The key fields of each record: its entity id is made of them, and they key its table on both
#: ends (a checklist table keeps every version: its key adds ``version``).
KEYS: dict[str, tuple[str, ...]] = {
    "site": ("id",), "inspection": ("id",), "answer": ("inspection_id", "item_id"),
    "signature": ("inspection_id",), "hazard": ("id",), "review": ("id",), "photo": ("sha256",),
    "photo_link": ("owner_kind", "owner_id", "photo_sha256"),
    "decision": ("id",), "checklist": ("id",),
}


def entity_id_of(entity: str, fields: dict[str, Any]) -> str:
    """The change log's ``entity_id`` of a row, e.g. ``<inspection_id>/A1`` for an answer."""
    return "/".join(str(fields[k]) for k in KEYS[entity])


def key_of(entity: str, entity_id: str) -> dict[str, str]:
    """The key columns named by an ``entity_id``.

    :param entity_id: e.g. ``answer/01a2…/A1/9f86…`` for a photo link to an answer.
    :raises ValueError: when the id does not have the entity's parts.
    """
    names = KEYS[entity]
    if entity == "photo_link":
        # The owner id of an answer holds a slash itself: kind first, hash last, owner between.
        kind, _, rest = entity_id.partition("/")
        owner, _, sha = rest.rpartition("/")
        parts = [kind, owner, sha]
    else:
        parts = entity_id.split("/") if len(names) > 1 else [entity_id]
    if len(parts) != len(names) or not all(parts):
        raise ValueError(f"{entity} id {entity_id!r} must be {'/'.join('<' + n + '>' for n in names)}")
    return dict(zip(names, parts, strict=True))


# --- push ----------------------------------------------------------------------------------------


class ChangeIn(_Strict):
    """One row of the device's change log, as pushed.

    ``(device_id, seq)`` is its idempotency key, for ever: a replay is answered ``duplicate``,
    the same key with other content ``rejected``/``key_conflict``.
    """

    seq: int = Field(ge=1, le=2**62, description="the device's change-log sequence number")
    entity: Entity
    entity_id: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    op: Op
    payload: dict[str, Any] = Field(description="insert: the full row; update: changed columns and the key")
    at: UtcTime = Field(description="device time of the change (evidence only, never used to order)")
    hlc: HlcText = Field(description="hybrid logical clock value of the change; orders edits across devices")


class PushRequest(_Strict):
    device_id: Id
    cursor: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")] | None = Field(
        None, description="the cursor of the last pull this device applied: the values it had seen when it "
                          "edited, so an edit made after seeing a value is not logged as a conflict",
    )
    entries: list[dict[str, Any]] = Field(
        description="each a ChangeIn, in seq order; checked one by one, so one bad entry never blocks the rest",
    )


class EntryResult(_Strict):
    seq: int | None
    status: Literal["applied", "duplicate", "rejected"]
    code: str | None = None
    message: str | None = Field(None, description="why it was rejected, in Chinese")
    discarded: list[str] = Field(
        default_factory=list, description="fields of an applied entry whose value lost a conflict (see the log)",
    )


class PushReply(_Strict):
    server: Literal["anxun"] = SERVER_NAME
    protocol: int = PROTOCOL_VERSION
    device_id: str
    results: list[EntryResult]
    hlc: str = Field(description="the server's clock: a device observes it so its next edits sort after")


# --- pull ----------------------------------------------------------------------------------------


class RecordOut(_Strict):
    entity: str = Field(description="an Entity, or decision / checklist / office")
    id: str = Field(description="the entity id as in the change log")
    op: Literal["upsert", "delete"]
    fields: dict[str, Any] = Field(description="the row (for a delete: its key)")


class PullReply(_Strict):
    server: Literal["anxun"] = SERVER_NAME
    protocol: int = PROTOCOL_VERSION
    cursor: str = Field(description="pass back as ?cursor= for the next page; store it once the page is applied")
    more: bool
    records: list[RecordOut]
    hlc: str


# --- accounts ------------------------------------------------------------------------------------


class SignInRequest(BaseModel):
    name: str = ""
    password: str = Field("", repr=False)
    device_id: str = ""


class UserOut(_Strict):
    name: str
    role: Role
    grids: list[str]


class SignInReply(_Strict):
    server: Literal["anxun"] = SERVER_NAME
    protocol: int = PROTOCOL_VERSION
    token: str = Field(repr=False)
    user: UserOut
    device_id: str
    hlc: str


# --- office --------------------------------------------------------------------------------------


class DecisionIn(_Strict):
    """A 管理员's decision on a hazard: any of a new deadline, severity, 挂牌督办."""

    deadline: date | None = None
    severity: Severity | None = None
    listed: bool | None = None
    note: Long = ""

    @model_validator(mode="after")
    def _something(self) -> DecisionIn:
        if self.deadline is None and self.severity is None and self.listed is None:
            raise ValueError("a decision sets at least one of deadline, severity, listed")
        return self


class RecordState(_Strict):
    server: Literal["anxun"] = SERVER_NAME
    entity: str
    id: str
    fields: dict[str, Any]
    deleted: bool
    files_missing: int = Field(description="photos (and signature image) the record needs that have not arrived")
    note: str | None = Field(None, description="e.g. 缺少2张照片; None when nothing is missing")
    complete: bool | None = Field(None, description="inspections: completed and nothing missing")
    verified: bool | None = Field(None, description="signatures: the record matched its hash when completed")


class ConflictOut(_Strict):
    id: int
    at: UtcTime
    entity: str
    entity_id: str
    field: str | None
    kind: str
    kept: Any
    discarded: Any
    kept_hlc: str | None
    discarded_hlc: str | None
    kept_by: str | None
    discarded_by: str | None
    device_id: str | None
    seq: int | None
    reason: str


class ConflictsPage(_Strict):
    server: Literal["anxun"] = SERVER_NAME
    conflicts: list[ConflictOut]
    after: int = Field(description="pass back as ?after= for the next page")


class PhotoStored(_Strict):
    server: Literal["anxun"] = SERVER_NAME
    sha256: str
    bytes: int
    status: Literal["stored", "exists"]


class Health(_Strict):
    server: Literal["anxun"] = SERVER_NAME
    protocol: int = PROTOCOL_VERSION
    status: Literal["ok"] = "ok"


class ErrorOut(BaseModel):
    code: str
    message: str = Field(description="in Chinese, for the person")
    detail: str | None = Field(None, description="precise English detail for logs and support")
    field: str | None = None
