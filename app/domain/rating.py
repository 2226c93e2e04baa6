"""红黄蓝 rating of an inspection from its open hazards, by the checklist's rating rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from checklists.schema import Rating, RatingCondition

from .lifecycle import CLOSED, is_overdue


@dataclass(frozen=True)
class HazardFacts:
    """What the rating needs to know of one hazard."""

    item_id: str | None
    severity: str
    status: str
    deadline: date


@dataclass(frozen=True)
class RatingResult:
    colour: str
    label: str


def _matches(cond: RatingCondition, hazard: HazardFacts, today: date) -> bool:
    if cond.severity is not None and hazard.severity != cond.severity:
        return False
    if cond.items and hazard.item_id not in cond.items:
        return False
    if cond.overdue is not None and is_overdue(hazard.status, hazard.deadline, today) != cond.overdue:
        return False
    return True


def rate(rating: Rating, hazards: Iterable[HazardFacts], today: date) -> RatingResult:
    """The colour of the first rule some open hazard matches; closed (已销号) hazards do not count."""
    open_hazards = [h for h in hazards if h.status != CLOSED]
    for rule in rating.rules:
        if rule.when == RatingCondition():
            return RatingResult(rule.colour, rule.label)
        if any(_matches(rule.when, h, today) for h in open_hazards):
            return RatingResult(rule.colour, rule.label)
    raise AssertionError("a validated rating always ends with a default rule")
