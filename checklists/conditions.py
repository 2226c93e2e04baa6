"""When an answer is a hazard (``hazard_when``) and when an item shows (``applies_if``).

A hazard rule is either one condition on an answer (this item's, or an earlier item's named by
``item``), or ``all_of`` / ``any_of`` a list of rules. Combined rules replace the v1 workaround of
folding two facts into one choice option ("仅一部楼梯，二层以上未设逃生软梯").
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, model_validator

from .base import _Strict

#: Conditions on one answer, as written in YAML.
LEAF_CONDITIONS = (
    "equals", "in", "lt", "le", "gt", "ge", "lt_param", "le_param", "gt_param", "ge_param",
    "older_than_days", "older_than_days_param",
)
NUMERIC = ("lt", "le", "gt", "ge")
PARAM_FIELDS = ("lt_param", "le_param", "gt_param", "ge_param", "older_than_days_param")

#: Which leaf conditions fit which answer kind.
RULES_BY_KIND: dict[str, set[str]] = {
    "yes_no_na": {"equals", "in"},
    "choice": {"equals", "in"},
    "multi_choice": {"in"},
    "number": {*NUMERIC, *(f"{c}_param" for c in NUMERIC)},
    "date": {"older_than_days", "older_than_days_param"},
    "text": set(),
    "photo": set(),
}


class HazardRule(_Strict):
    """When an answer is a hazard. Exactly one condition is given.

    - ``equals``: the answer equals this option (是/否/不适用 or a choice option)
    - ``in``: a choice answer is one of these; a multi-choice answer selects any of these
    - ``lt``/``le``/``gt``/``ge``: numeric comparison with a literal …
    - ``lt_param``/…: … or with a named checklist parameter
    - ``older_than_days`` / ``older_than_days_param``: a date answer lies more than N days
      before the day of the inspection
    - ``all_of`` / ``any_of``: every / some rule of a list holds

    ``item`` points a single condition at an earlier item's answer instead of this item's.
    An unanswered item, or one answered 不适用, never satisfies a condition.
    """

    item: str | None = None
    equals: str | None = None
    in_: tuple[str, ...] | None = Field(None, alias="in", min_length=1)
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    lt_param: str | None = None
    le_param: str | None = None
    gt_param: str | None = None
    ge_param: str | None = None
    older_than_days: int | None = Field(None, ge=0)
    older_than_days_param: str | None = None
    all_of: tuple[HazardRule, ...] | None = Field(None, min_length=2)
    any_of: tuple[HazardRule, ...] | None = Field(None, min_length=2)

    @model_validator(mode="after")
    def _exactly_one(self) -> HazardRule:
        given = self.keys()
        if len(given) != 1:
            names = ", ".join(sorted(given)) or "nothing"
            raise ValueError(f"needs exactly one condition, got {names}")
        if self.item is not None and self.is_combined:
            raise ValueError("'item' belongs on each condition inside all_of / any_of, not around them")
        return self

    def keys(self) -> list[str]:
        """The condition names set, as written in YAML (``in`` not ``in_``; ``item`` left out)."""
        return ["in" if name == "in_" else name for name in self.model_fields_set if name != "item"]

    @property
    def condition(self) -> str:
        """``equals``, ``lt_param``, … or ``all_of`` / ``any_of`` for a combined rule."""
        return self.keys()[0]

    @property
    def is_combined(self) -> bool:
        return self.all_of is not None or self.any_of is not None

    @property
    def parts(self) -> tuple[HazardRule, ...]:
        """The rules an ``all_of`` / ``any_of`` combines (empty for a single condition)."""
        return self.all_of or self.any_of or ()

    @property
    def param(self) -> str | None:
        """The parameter name a single condition compares with, if any."""
        for name in PARAM_FIELDS:
            value = getattr(self, name)
            if value is not None:
                return value
        return None

    @property
    def options(self) -> tuple[str, ...]:
        """The answer options a single condition names (for equals / in)."""
        if self.equals is not None:
            return (self.equals,)
        return self.in_ or ()

    def leaves(self) -> Iterator[HazardRule]:
        """Every single condition, depth first."""
        if self.is_combined:
            for part in self.parts:
                yield from part.leaves()
        else:
            yield self

    def params(self) -> set[str]:
        """Every parameter the rule compares with."""
        return {leaf.param for leaf in self.leaves() if leaf.param is not None}

    def items_referred(self) -> set[str]:
        """Other items the rule reads (``item:`` on its conditions)."""
        return {leaf.item for leaf in self.leaves() if leaf.item is not None}


class AppliesIf(_Strict):
    """Show an item only when another item was answered ``equals`` / one of ``in``."""

    item: str
    equals: str | None = None
    in_: tuple[str, ...] | None = Field(None, alias="in", min_length=1)

    @model_validator(mode="after")
    def _one_condition(self) -> AppliesIf:
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("needs exactly one of 'equals' or 'in'")
        return self

    @property
    def options(self) -> tuple[str, ...]:
        return (self.equals,) if self.equals is not None else (self.in_ or ())
