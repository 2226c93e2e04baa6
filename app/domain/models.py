"""Records of the device store, as pydantic models (the store maps rows to these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .vocab import CLOSED, COMPLETED, DRAFT, HAZARD, RECORD, SEVERITIES, STATUSES, WARNING

# Literal of the vocabulary's tuples: the words are defined once, in vocab.
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]
HazardStatus = Literal[STATUSES]  # type: ignore[valid-type]
InspectionStatus = Literal[DRAFT, COMPLETED]  # type: ignore[valid-type]
#: Where a hazard comes from: a checklist answer, the inspector's hand, or a 综合判定 rule.
HazardSource = Literal["checklist", "manual", "combination"]
#: The levels below a hazard.
LesserLevel = Literal[WARNING, RECORD]  # type: ignore[valid-type]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Site(_Record):
    id: str
    name: str = Field(min_length=1)
    address: str = ""
    kind: str
    grid: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    lat: float | None = None
    lon: float | None = None
    created_at: datetime
    updated_at: datetime


class Inspection(_Record):
    id: str
    site_id: str
    checklist_id: str
    checklist_version: int
    inspector_id: str = ""
    inspector_name: str = ""
    device_id: str
    status: InspectionStatus
    current_item_id: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    updated_at: datetime
    signer_name: str | None = None
    signed_at: datetime | None = None
    signed_hash: str | None = None


class Answer(_Record):
    item_id: str
    value: Any
    note: str = ""
    answered_at: datetime


class Hazard(_Record):
    id: str
    inspection_id: str | None
    site_id: str
    checklist_id: str | None = None
    item_id: str | None = None
    source: HazardSource
    description: str
    location: str = ""
    severity: Severity
    status: HazardStatus
    rect_unit: str = ""
    requirement: str = ""
    deadline: date
    deadline_chosen: bool = False
    photo_required: bool = False
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    #: 挂牌督办: set only by an office decision (pulled from the central endpoint).
    listed: bool = False
    #: A 综合判定 hazard's links: the item ids of the same inspection's hazards it was counted from.
    element_items: list[str] = Field(default_factory=list)
    photo_shas: list[str] = Field(default_factory=list)


class HazardRow(Hazard):
    """A hazard as the ledger lists it."""

    site_name: str
    grid: str
    overdue: bool
    inspection_status: InspectionStatus | None = None

    @property
    def editable(self) -> bool:
        """Its fields can change until its inspection is signed and completed, and never once closed."""
        return self.status != CLOSED and self.inspection_status in (None, DRAFT)


class FindingRecord(_Record):
    """A 预警 or 记录并报告 finding of an inspection: recorded and reported, never a hazard (no
    整改期限, not on a 隐患告知单, not in the 红黄蓝 rating)."""

    inspection_id: str
    item_id: str
    checklist_id: str
    level: LesserLevel
    text: str
    requirement: str = ""
    created_at: datetime
    updated_at: datetime


class FindingRow(FindingRecord):
    """A finding as the ledger's 预警 / 记录并报告 lists show it."""

    site_id: str
    site_name: str
    grid: str
    inspection_status: InspectionStatus


class Review(_Record):
    id: str
    hazard_id: str
    reviewer: str
    reviewed_at: datetime
    passed: bool
    note: str = ""
    photo_shas: list[str] = Field(default_factory=list)


class Photo(_Record):
    sha256: str
    original_sha256: str
    width: int
    height: int
    bytes: int
    captured_at: datetime
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    created_at: datetime


# --- inputs ---------------------------------------------------------------------------------
# Small typed inputs the services take (and views build), instead of loose keyword bags.


@dataclass(frozen=True)
class LedgerFilter:
    """Which hazards the 隐患台账 shows; every field optional (``None`` / ``""`` = any)."""

    status: str | None = None
    severity: str | None = None
    checklist_id: str | None = None
    site_id: str | None = None
    grid: str | None = None
    overdue: bool | None = None
    text: str = ""
    #: 隐患 lists hazards; 预警 / 记录并报告 list the findings of that level instead.
    level: str = HAZARD


@dataclass(frozen=True)
class HazardEdit:
    """Fields of a hazard the inspector changes on the hazard sheet; ``None`` = unchanged.

    ``deadline`` may be the text typed into the field (``"2026-12-20"``): the service checks it.
    """

    description: str | None = None
    location: str | None = None
    severity: str | None = None
    rect_unit: str | None = None
    requirement: str | None = None
    deadline: date | str | None = None
