"""红黄蓝 rating of an inspection from its open hazards, by the rules in force.

The rules are the checklist file's documented default unless the office set its own
(``OfficeConfig.rating_for``). Only open 隐患 count: closed (已销号) hazards, 预警 and
记录并报告 findings never colour a plate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from checklists.kinds import FIRE, HAZARD
from checklists.schema import Checklist, Rating, RatingCondition

from .lifecycle import CLOSED, is_overdue

__all__ = ["HazardFacts", "RatingResult", "rate", "repeated_item_ids"]


@dataclass(frozen=True)
class HazardFacts:
    """What the rating needs to know of one hazard."""

    item_id: str | None
    severity: str
    status: str
    deadline: date
    #: Who determines it; None reads the checklist's (pass ``checklist`` to ``rate``), else 消防救援机构.
    authority: str | None = None
    #: The same item was a hazard at this site before (``repeated_item_ids``).
    repeated: bool = False
    level: str = HAZARD


@dataclass(frozen=True)
class RatingResult:
    colour: str
    label: str


def rate(rating: Rating, hazards: Iterable[HazardFacts], today: date, *,
         checklist: Checklist | None = None) -> RatingResult:
    """The colour of the first rule the inspection's open hazards match.

    :param checklist: the checklist the hazards come from, to read each item's authority.
    """
    open_hazards = [h for h in hazards if h.status != CLOSED and h.level == HAZARD]
    for rule in rating.rules:
        if _rule_matches(rule.when, open_hazards, today, checklist):
            return RatingResult(rule.colour, rule.label)
    raise AssertionError("a validated rating always ends with a default rule")


def _rule_matches(cond: RatingCondition, hazards: list[HazardFacts], today: date,
                  checklist: Checklist | None) -> bool:
    if cond.any_hazard is not None and bool(hazards) != cond.any_hazard:
        return False
    if not cond.names_a_hazard:
        return True
    return any(_hazard_matches(cond, h, today, checklist) for h in hazards)


def _hazard_matches(cond: RatingCondition, hazard: HazardFacts, today: date,
                    checklist: Checklist | None) -> bool:
    if cond.severity is not None and hazard.severity != cond.severity:
        return False
    if cond.items and hazard.item_id not in cond.items:
        return False
    if cond.overdue is not None and is_overdue(hazard.status, hazard.deadline, today) != cond.overdue:
        return False
    if cond.repeated is not None and hazard.repeated != cond.repeated:
        return False
    return not cond.authority or _authority(hazard, checklist) in cond.authority


def _authority(hazard: HazardFacts, checklist: Checklist | None) -> str:
    if hazard.authority is not None:
        return hazard.authority
    if checklist is not None and hazard.item_id is not None:
        try:
            return checklist.authority_of(checklist.item(hazard.item_id))
        except KeyError:
            pass
    return checklist.authority if checklist is not None else FIRE


def repeated_item_ids(item_ids: Iterable[str], earlier: Iterable[tuple[str, date]], today: date,
                      within_days: int) -> set[str]:
    """Which of ``item_ids`` were already hazards at the same site in an earlier inspection.

    :param earlier: (item id, day found) of the site's hazards from earlier inspections, any
        status, e.g. ``[("GR-13", date(2026, 5, 2))]``.
    :param within_days: how far back counts (``OfficeConfig.repeat_within_days``), e.g. ``365``.
    """
    since = today - timedelta(days=within_days)
    before = {item_id for item_id, found_on in earlier if since <= found_on < today}
    return set(item_ids) & before
