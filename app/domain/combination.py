"""综合判定: a 疑似重大 finding when enough 综合判定要素 are open together at one 场所.

Each element alone is a 一般 hazard. ``combined_major`` counts the distinct elements among the
open hazards of one inspection (one 场所 at one time) and, when a combination rule of the
checklist is met, returns the finding to record: a hazard of its own, linked to the hazards it
was counted from, so it syncs, shows in the ledger and prints like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checklists.schema import Checklist, CombinationRule

from .rules import applies
from .vocab import MAJOR

__all__ = ["CombinedMajor", "combination_key", "combined_major", "texts_for_items"]


@dataclass(frozen=True)
class CombinedMajor:
    """A 疑似重大 finding by combination."""

    key: str  #: stable per checklist and rule, e.g. ``combination:crowded_evacuation``
    rule_id: str
    rule_title: str
    elements: tuple[str, ...]  #: element ids counted, in the checklist's order
    element_titles: tuple[str, ...]
    item_ids: tuple[str, ...]  #: the open hazards it was counted from (its links)
    text: str  #: 隐患描述
    requirement: str
    authority: str
    severity: str = MAJOR


def combination_key(rule_id: str) -> str:
    """The id a combination finding is stored under in place of an item id."""
    return f"combination:{rule_id}"


def combined_major(
    checklist: Checklist, answers: Mapping[str, Any], open_item_ids: Iterable[str]
) -> CombinedMajor | None:
    """The first combination rule met by the open hazards, or None.

    :param answers: the inspection's answers (a rule may apply to one 场所 type only, e.g.
        ``LC-00`` = 人员密集场所).
    :param open_item_ids: item ids of the inspection's open 隐患 (not 已销号, not 预警), e.g.
        ``["LC-16c", "LC-21a", "LC-23b"]``.
    """
    combination = checklist.combination
    if combination is None:
        return None
    found: dict[str, list[str]] = {}
    open_ids = set(open_item_ids)
    for item in checklist.items:
        if item.id in open_ids and item.element is not None:
            found.setdefault(item.element, []).append(item.id)
    if not found:
        return None
    for rule in combination.rules:
        if rule.applies_if is not None and not applies(rule.applies_if, answers):
            continue
        wanted = rule.elements or tuple(combination.elements)
        counted = [e for e in combination.elements if e in found and e in wanted]
        if len(counted) < _min_count(rule, checklist):
            continue
        titles = tuple(combination.elements[e].title for e in counted)
        text = _fill(combination.finding, counted, titles)
        requirement = _fill(combination.requirement, counted, titles)
        return CombinedMajor(
            key=combination_key(rule.id), rule_id=rule.id, rule_title=rule.title,
            elements=tuple(counted), element_titles=titles,
            item_ids=tuple(i for e in counted for i in found[e]),
            text=text, requirement=requirement, authority=combination.authority,
        )
    return None


def texts_for_items(checklist: Checklist, item_ids: Iterable[str]) -> tuple[str, str]:
    """The finding and 整改要求 texts a combination hazard linked to ``item_ids`` was given, e.g.
    to tell whether the inspector has since rewritten its description.

    :param item_ids: the hazard's ``element_items``, e.g. ``("LC-16c", "LC-21a", "LC-23b")``.
    """
    combination = checklist.combination
    if combination is None:
        return "", ""
    found = set()
    for item_id in item_ids:
        try:
            element = checklist.item(item_id).element
        except KeyError:
            continue
        if element is not None:
            found.add(element)
    counted = [e for e in combination.elements if e in found]
    titles = tuple(combination.elements[e].title for e in counted)
    return _fill(combination.finding, counted, titles), _fill(combination.requirement, counted, titles)


def _min_count(rule: CombinationRule, checklist: Checklist) -> int:
    if rule.min_count is not None:
        return rule.min_count
    assert rule.min_count_param is not None
    return max(2, int(checklist.param_value(rule.min_count_param)))


def _fill(text: str, counted: list[str], titles: tuple[str, ...]) -> str:
    return text.replace("{count}", str(len(counted))).replace("{elements}", "；".join(titles))
