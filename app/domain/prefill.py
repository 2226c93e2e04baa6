"""Answers taken from the site record (场所类型, 地址) when an inspection starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checklists.schema import Checklist

from .errors import InvalidAnswer
from .rules import AnswerValue, is_visible, validate_answer

__all__ = ["prefill_answers"]


def prefill_answers(checklist: Checklist, site: Any) -> dict[str, AnswerValue]:
    """The answers the site record gives, to save as the inspection's first answers.

    Each stays an ordinary answer the inspector sees as answered and can change. An item shows
    up here only if it is visible given the answers prefilled before it, and only if the site
    value maps to one of its options (a 群租房 says nothing about whether a building is high-rise).

    :param site: the site record, as a model or a mapping, e.g. ``{"kind": "群租房", "address": "新村路12号"}``.
    """
    answers: dict[str, AnswerValue] = {}
    for item in checklist.items:
        spec = item.prefill
        if spec is None or not is_visible(item, answers):
            continue
        raw = _site_value(site, spec.source.removeprefix("site."))
        if not raw:
            continue
        value = raw if item.kind == "text" else spec.map.get(raw)
        if value is None:
            continue
        try:
            answers[item.id] = validate_answer(item, value)
        except InvalidAnswer:
            continue  # a site value that does not fit (e.g. blank text) leaves the item to the inspector
    return answers


def _site_value(site: Any, field: str) -> str:
    value = site.get(field) if isinstance(site, Mapping) else getattr(site, field, None)
    return str(value).strip() if value is not None else ""
