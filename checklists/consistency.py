"""Checks of a whole checklist file: unique ids, references, parameters, elements, texts.

Single fields are validated by the models in ``checklists.schema``; what needs the whole file is
checked here, so that a bad file fails at load time with a message naming the item at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .conditions import RULES_BY_KIND
from .kinds import YES_NO_NA
from .templates import placeholders, template_problem

if TYPE_CHECKING:
    from .combination import Combination
    from .schema import Checklist, Item


class ItemProblem(ValueError):
    """Raised by `check_consistency`; names the item at fault."""

    def __init__(self, item_id: str | None, message: str):
        super().__init__(message)
        self.item_id = item_id
        self.message = message


def check_consistency(checklist: Checklist) -> None:
    """Checks that need the whole file: unique ids, references, parameters, elements, texts.

    :raises ItemProblem: with the id of the first item at fault.
    """
    _check_unique_ids(checklist)
    by_id = {item.id: item for item in checklist.items}
    order = {item.id: n for n, item in enumerate(checklist.items)}
    for item in checklist.items:
        if item.applies_if is not None:
            _check_target(item, item.applies_if.item, by_id, order, "applies_if")
            _check_options_of(item, by_id[item.applies_if.item], item.applies_if.options, "applies_if")
        if item.hazard_when is not None:
            _check_rule(checklist, item, by_id, order)
        if item.computed is not None:
            for target in (item.computed.numerator, item.computed.denominator):
                _check_target(item, target, by_id, order, "computed")
                if by_id[target].kind != "number":
                    raise ItemProblem(item.id, f"computed from '{target}', which is not a number item")
        if item.element is not None:
            if checklist.combination is None:
                raise ItemProblem(item.id, f"element '{item.element}', but the file has no combination block")
            if item.element not in checklist.combination.elements:
                raise ItemProblem(item.id, f"unknown combination element '{item.element}'")
        for name, text in (("finding", item.finding), ("requirement", item.requirement)):
            problem = template_problem(text, checklist.parameters)
            if problem:
                raise ItemProblem(item.id, f"{name}: {problem}")
        if checklist.schema_version >= 2 and item.is_hazard_item and not item.finding.strip():
            raise ItemProblem(item.id, "a hazard item needs a finding text (what the 隐患告知单 prints)")

    if checklist.rating is not None:
        for rule in checklist.rating.rules:
            missing = [i for i in rule.when.items if i not in by_id]
            if missing:
                raise ItemProblem(None, f"rating rule '{rule.colour}' names missing items {missing}")
    if checklist.combination is not None:
        _check_combination(checklist, checklist.combination, by_id)


def _check_unique_ids(checklist: Checklist) -> None:
    seen: set[str] = set()
    for section in checklist.sections:
        for item in section.items:
            if item.id in seen:
                raise ItemProblem(item.id, f"duplicate item id '{item.id}'")
            seen.add(item.id)
    section_ids = [s.id for s in checklist.sections]
    for sid in section_ids:
        if section_ids.count(sid) > 1:
            raise ItemProblem(None, f"duplicate section id '{sid}'")


def _check_target(
    item: Item, target: str, by_id: Mapping[str, Item], order: Mapping[str, int], what: str
) -> None:
    if target not in by_id:
        raise ItemProblem(item.id, f"{what} points at missing item '{target}'")
    if order[target] >= order[item.id]:
        raise ItemProblem(item.id, f"{what} item '{target}' must come before this item")


def _check_options_of(item: Item, target: Item, options: tuple[str, ...], what: str) -> None:
    if target.kind not in ("yes_no_na", "choice", "multi_choice"):
        raise ItemProblem(item.id, f"{what} item '{target.id}' is a {target.kind} item, not a choice")
    valid = YES_NO_NA if target.kind == "yes_no_na" else target.options
    unknown = [o for o in options if o not in valid]
    if unknown:
        raise ItemProblem(item.id, f"{what} names {unknown}, not options of '{target.id}'")


def _check_rule(
    checklist: Checklist, item: Item, by_id: Mapping[str, Item], order: Mapping[str, int]
) -> None:
    rule = item.hazard_when
    assert rule is not None
    for name in sorted(rule.params()):
        if name not in checklist.parameters:
            raise ItemProblem(item.id, f"hazard rule uses unknown parameter '{name}'")
    for leaf in rule.leaves():
        if leaf.item is None:
            continue
        _check_target(item, leaf.item, by_id, order, "hazard rule")
        target = by_id[leaf.item]
        allowed = RULES_BY_KIND[target.kind]
        if leaf.condition not in allowed:
            fits = ", ".join(sorted(allowed)) or "none"
            raise ItemProblem(
                item.id,
                f"hazard rule '{leaf.condition}' on '{target.id}' does not fit its kind '{target.kind}' "
                f"(fits: {fits})",
            )
        if leaf.options:
            _check_options_of(item, target, leaf.options, "hazard rule")


def _check_combination(checklist: Checklist, combination: Combination, by_id: Mapping[str, Item]) -> None:
    for rule in combination.rules:
        if rule.applies_if is not None:
            target = by_id.get(rule.applies_if.item)
            if target is None:
                raise ItemProblem(None, f"combination rule '{rule.id}' applies_if points at missing item "
                                        f"'{rule.applies_if.item}'")
            valid = YES_NO_NA if target.kind == "yes_no_na" else target.options
            unknown = [o for o in rule.applies_if.options if o not in valid]
            if unknown:
                raise ItemProblem(None, f"combination rule '{rule.id}' applies_if names {unknown}, "
                                        f"not options of '{target.id}'")
        if rule.min_count_param is not None and rule.min_count_param not in checklist.parameters:
            raise ItemProblem(
                None, f"combination rule '{rule.id}' uses unknown parameter '{rule.min_count_param}'")
    used = {item.element for item in checklist.items if item.element is not None}
    unused = sorted(set(combination.elements) - used)
    if unused:
        raise ItemProblem(None, f"combination elements {unused} are evidenced by no item")
    for text in (combination.finding, combination.requirement):
        stray = [p for p in placeholders(text) if p not in ("count", "elements")]
        if stray:
            raise ItemProblem(None, f"combination text uses unknown placeholder {{{stray[0]}}} "
                                    "(use {count} or {elements})")

