"""What the screens read of an inspection: its state on the checklist screen, a draft's row,
the summary before signing, and how a hazard's severity reads.

The signature is bound to a hash of the record (``record_hash``); any later change voids it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.findings import level_of, major_label
from app.domain.models import Answer, FindingRecord, Hazard, Inspection, Site
from app.domain.rating import RatingResult
from app.domain.signing import signed_hash, signed_record
from app.domain.vocab import DRAFT, MAJOR, severity_label
from checklists import Checklist, Item, OfficeConfig

from .raised import COMBINATION


@dataclass
class InspectionState:
    """An inspection as the checklist screen shows it."""

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
    #: 疑似重大 hazards a 综合判定 rule raised (linked to their elements by ``element_items``)
    combined: list[Hazard] = field(default_factory=list)
    #: 预警 / 记录并报告 findings by item id (never hazards)
    findings: dict[str, FindingRecord] = field(default_factory=dict)
    #: computed items' values, e.g. ``{"GR-07c": 3.6}`` (absent until their inputs are answered)
    computed: dict[str, float] = field(default_factory=dict)
    #: the office's decisions in force (an item's level where the file allows a choice)
    office: OfficeConfig = field(default_factory=OfficeConfig)

    @property
    def locked(self) -> bool:
        """A completed inspection is read-only."""
        return self.inspection.status != DRAFT

    @property
    def all_hazards(self) -> list[Hazard]:
        return [*self.combined, *self.hazards.values(), *self.other_hazards]

    def severity_text(self, hazard: Hazard) -> str:
        """How the hazard's severity reads, e.g. ``疑似重大隐患（需住建部门认定）``."""
        return hazard_severity_text(self.checklist, hazard)

    def level_of(self, item: Item) -> str:
        """What the item finds when its rule fires: 隐患, 预警 or 记录并报告 (the office's choice
        where the file allows one)."""
        return level_of(item, self.checklist, self.office)

    def item_severity_text(self, item: Item) -> str:
        """How a hazard on ``item`` reads, e.g. ``一般隐患``, ``疑似重大隐患（需住建部门认定）``."""
        if item.severity == MAJOR:
            return major_label(self.checklist.authority_of(item))
        return severity_label(item.severity)


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
    #: 预警 and 记录并报告 findings: shown apart, never counted as hazards nor rated
    warnings: list[FindingRecord] = field(default_factory=list)
    records: list[FindingRecord] = field(default_factory=list)


def hazard_severity_text(checklist: Checklist | None, hazard: Hazard) -> str:
    """How a hazard's severity reads; a 疑似重大 one names who determines it.

    :param checklist: the checklist the hazard was raised on (None for a hand-recorded one).
    """
    if hazard.severity != MAJOR or checklist is None or hazard.item_id is None:
        return severity_label(hazard.severity)
    if hazard.source == COMBINATION and checklist.combination is not None:
        return major_label(checklist.combination.authority)
    try:
        return major_label(checklist.authority_of(checklist.item(hazard.item_id)))
    except KeyError:
        return severity_label(hazard.severity)


def answerable_items(visible: list[Item]) -> list[Item]:
    """The visible items an inspector answers (a computed item is worked out, not answered)."""
    return [item for item in visible if item.computed is None]


def record_hash(inspection: Inspection, answers: dict[str, Answer], hazards: list[Hazard]) -> str:
    """The hash the representative's signature is bound to (the server rebuilds the same)."""
    return signed_hash(signed_record(
        inspection.model_dump(), [a.model_dump() for a in answers.values()], [h.model_dump() for h in hazards]))


def signature_valid(inspection: Inspection, answers: dict[str, Answer], hazards: list[Hazard]) -> bool:
    """The signature still covers the record: nothing changed since the representative signed."""
    if inspection.signed_hash is None:
        return False
    return inspection.signed_hash == record_hash(inspection, answers, hazards)
