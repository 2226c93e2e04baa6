"""综合判定: elements that are not a major hazard alone, and rules for when enough occur together.

GB 35181 judges a 重大火灾隐患 either directly (one direct element) or by combination: a 场所 of a
given type showing at least N 综合判定要素. Items mark the element they evidence (``element:``);
several items may evidence the same element (e.g. the damage rate of exit signs in high-rise and
in other buildings), which then counts once. The domain counts the distinct elements among the
open hazards of one inspection and raises a 疑似重大 finding when a rule's count is reached.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import LegalBasis, _Strict
from .conditions import AppliesIf
from .kinds import FIRE, Authority

_ID = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


class CombinationElement(_Strict):
    """One 综合判定要素, e.g. ``安全出口被封堵``, with the clause it comes from."""

    title: str = Field(min_length=2)
    basis: tuple[LegalBasis, ...] = Field(min_length=1)


class CombinationRule(_Strict):
    """At least ``min_count`` (or the parameter ``min_count_param``) distinct elements of
    ``elements`` (all elements when empty) in a 场所 for which ``applies_if`` holds."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=2, description="the rule in words, e.g. 人员密集场所存在 3 项以上…")
    applies_if: AppliesIf | None = None
    elements: tuple[str, ...] = ()
    min_count: int | None = Field(None, ge=2)
    min_count_param: str | None = None

    @model_validator(mode="after")
    def _one_count(self) -> CombinationRule:
        if (self.min_count is None) == (self.min_count_param is None):
            raise ValueError("needs exactly one of 'min_count' or 'min_count_param'")
        return self


class Combination(_Strict):
    """The checklist's 综合判定: its elements, and the rules counting them."""

    title: str = "重大火灾隐患综合判定"
    note: str = ""
    authority: Authority = FIRE
    #: What the raised finding says; ``{elements}`` lists the elements found, ``{count}`` counts them.
    finding: str = Field(
        "存在 {count} 项重大火灾隐患综合判定要素（{elements}），疑似构成重大火灾隐患",
        min_length=4,
    )
    requirement: str = Field(
        "逐项整改各综合判定要素；报告消防救援机构组织集体讨论认定，认定前落实临时防范措施。",
        min_length=4,
    )
    basis: tuple[LegalBasis, ...] = Field(min_length=1)
    elements: dict[str, CombinationElement] = Field(min_length=1)
    rules: tuple[CombinationRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _rules_name_known_elements(self) -> Combination:
        for rule in self.rules:
            unknown = [e for e in rule.elements if e not in self.elements]
            if unknown:
                raise ValueError(f"combination rule '{rule.id}' names unknown elements {unknown}")
        ids = [rule.id for rule in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("combination rule ids repeat")
        return self
