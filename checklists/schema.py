"""Pydantic models of a checklist file (one YAML file per checklist).

A file holds: id, title, version, scope (which 场所 kinds it applies to), named parameters
(thresholds an office may change without touching items), sections of items, an optional
红黄蓝 rating rule and an optional 综合判定 (combination) block. Everything is declarative data;
``app.domain`` evaluates it.

Cross-field consistency (unique ids, ``applies_if`` and rule targets, rules that fit the answer
kind, parameters and elements that exist, finding texts) is checked here so that a bad file fails
at load time with a message naming the item, never later in the field.

Schema versions: a file says which schema it is written for (``schema_version``) and the oldest
schema that can read it (``min_schema_version``, default: the same). This app reads schema
versions ``OLDEST_SCHEMA_VERSION``..``SCHEMA_VERSION``; see ``check_readable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, field_validator, model_validator

from .base import LegalBasis, Parameter, _Strict
from .combination import Combination, CombinationElement, CombinationRule
from .conditions import RULES_BY_KIND, AppliesIf, HazardRule
from .consistency import ItemProblem, check_consistency
from .kinds import (
    FIRE,
    HAZARD,
    SITE_KINDS,
    YES_NO_NA,
    AnswerKind,
    Authority,
    Colour,
    Level,
    Method,
    PrefillSource,
    Severity,
    Status,
)
from .rating import Rating, RatingCondition, RatingRule

#: The schema this app writes and reads. 2 added levels, check methods, combination elements,
#: combined rules, computed answers, exclusive options, prefill and finding texts.
SCHEMA_VERSION = 2
#: The oldest schema this app still reads: a device keeps the v1 checklists its drafts started on.
OLDEST_SCHEMA_VERSION = 1

# Kept importable from here: other modules and the tests name them as schema parts.
_RULES_BY_KIND = RULES_BY_KIND
__all__ = [
    "OLDEST_SCHEMA_VERSION", "SCHEMA_VERSION", "SITE_KINDS", "YES_NO_NA", "AnswerKind", "AppliesIf",
    "Authority", "Checklist", "Colour", "Combination", "CombinationElement", "CombinationRule", "Computed",
    "HazardRule", "Item", "ItemProblem", "LegalBasis", "Level", "Method", "Parameter", "Prefill", "Rating",
    "RatingCondition", "RatingRule", "SchemaTooNew", "Section", "Severity", "Status", "check_consistency",
    "check_readable",
]

_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


class Computed(_Strict):
    """A number worked out from two earlier number answers: ``numerator ÷ denominator × scale``.

    Shown to the inspector, never typed, e.g. 人均面积 = 使用面积 ÷ 人数, 损坏率 = 损坏数 ÷ 总数 × 100.
    """

    numerator: str
    denominator: str
    scale: float = Field(1.0, gt=0, description="100 for a percentage")
    digits: int = Field(1, ge=0, le=4, description="decimals kept")


class Prefill(_Strict):
    """Answer an item from the site record; the inspector can still change it.

    ``map`` turns a site value into an answer option (``{群租房: 多层/低层建筑…}``); a value not in
    the map leaves the item unanswered. A text item takes the value as it is.
    """

    source: PrefillSource = Field(alias="from")
    map: dict[str, str] = Field(default_factory=dict)


class Item(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    question: str = Field(min_length=4)
    hint: str = Field("", description="what the inspector should look at or measure")
    kind: AnswerKind
    options: tuple[str, ...] = Field((), description="for choice / multi_choice")
    exclusive_options: tuple[str, ...] = Field(
        (), description="multi_choice options that exclude every other, e.g. 无上述情形"
    )
    unit: str = Field("", description="for number, e.g. m, 人, MPa")
    min: float | None = Field(None, description="smallest number an inspector can enter")
    max: float | None = Field(None, description="largest number an inspector can enter")
    required: bool = True
    hazard_when: HazardRule | None = None
    severity: Severity = "一般"
    level: Level = Field(HAZARD, description="隐患 / 预警 / 记录并报告 (see checklists.kinds)")
    office_levels: tuple[Level, ...] = Field((), description="other levels an office may set for this item")
    photo_required: bool = Field(False, description="a hazard on this item needs a photo before completion")
    finding: str = Field("", description="what a 隐患告知单 prints, in words an owner understands")
    requirement: str = Field("", description="default 整改要求 text for a hazard raised here")
    method: Method = Field("现场查看", description="how the item is checked")
    element: str | None = Field(None, description="the 综合判定要素 this item evidences")
    authority: Authority | None = Field(None, description="who determines it; default: the checklist's")
    computed: Computed | None = None
    prefill: Prefill | None = None
    status: Status = Field(description="how sure the brief is of this rule")
    basis: tuple[LegalBasis, ...] = Field(min_length=1)
    applies_if: AppliesIf | None = None
    informational: bool = Field(False, description="context only (e.g. 建筑类别); never a hazard")

    @model_validator(mode="after")
    def _fits_kind(self) -> Item:
        self._check_options()
        self._check_number()
        if self.computed is not None:
            if self.kind != "number":
                raise ValueError("only a number item can be computed")
            if self.prefill is not None:
                raise ValueError("a computed item cannot also be prefilled")
        if self.prefill is not None:
            self._check_prefill()
        if self.informational:
            if self.hazard_when is not None:
                raise ValueError("an informational item cannot have a hazard rule")
            if self.element is not None or self.finding:
                raise ValueError("an informational item has no element or finding")
            return self
        if self.hazard_when is None:
            raise ValueError("item has no hazard_when (mark context-only items informational: true)")
        for leaf in self.hazard_when.leaves():
            self._check_leaf(leaf)
        if self.severity == "重大" and self.element is not None:
            raise ValueError("a 综合判定要素 is not 重大 on its own: give it severity 一般")
        if self.severity == "重大" and (self.level != HAZARD or self.office_levels):
            raise ValueError("a 重大 item is always a 隐患 (level and office_levels do not apply)")
        if self.level in self.office_levels:
            raise ValueError(f"office_levels repeats the item's own level '{self.level}'")
        return self

    def _check_options(self) -> None:
        kind = self.kind
        if kind in ("choice", "multi_choice"):
            if len(self.options) < 2:
                raise ValueError(f"answer kind '{kind}' needs at least two options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("options repeat")
        elif self.options:
            raise ValueError(f"answer kind '{kind}' takes no options")
        if self.exclusive_options:
            if kind != "multi_choice":
                raise ValueError("exclusive_options only apply to multi_choice items")
            unknown = [o for o in self.exclusive_options if o not in self.options]
            if unknown:
                raise ValueError(f"exclusive_options {unknown} are not options of this item")
            rule = self.hazard_when
            leaves = rule.leaves() if rule else ()
            named = {o for leaf in leaves if leaf.item is None for o in leaf.options}
            clash = [o for o in self.exclusive_options if o in named]
            if clash:
                raise ValueError(f"exclusive option {clash} cannot also make a hazard")

    def _check_number(self) -> None:
        if self.kind == "number":
            if not self.unit:
                raise ValueError("a number item needs a unit")
            if self.min is not None and self.max is not None and self.min >= self.max:
                raise ValueError(f"min {self.min:g} is not below max {self.max:g}")
        elif self.unit or self.min is not None or self.max is not None:
            raise ValueError(f"unit/min/max only apply to number items, not '{self.kind}'")

    def _check_prefill(self) -> None:
        assert self.prefill is not None
        if self.kind == "text":
            if self.prefill.map:
                raise ValueError("a text item takes the site value as it is: prefill needs no map")
            return
        if self.kind not in ("choice", "yes_no_na"):
            raise ValueError(f"a {self.kind} item cannot be prefilled from the site record")
        if not self.prefill.map:
            raise ValueError("prefill of a choice needs a map from site values to options")
        valid = YES_NO_NA if self.kind == "yes_no_na" else self.options
        unknown = [v for v in self.prefill.map.values() if v not in valid]
        if unknown:
            raise ValueError(f"prefill maps to {unknown}, not options of this item")

    def _check_leaf(self, leaf: HazardRule) -> None:
        if leaf.item is None:  # conditions on other items are checked with the whole file
            allowed = RULES_BY_KIND[self.kind]
            if leaf.condition not in allowed:
                fits = ", ".join(sorted(allowed)) or "none"
                raise ValueError(
                    f"hazard rule '{leaf.condition}' does not fit answer kind '{self.kind}' (fits: {fits})"
                )
            valid = YES_NO_NA if self.kind == "yes_no_na" else self.options
            unknown = [o for o in leaf.options if o not in valid]
            if unknown:
                raise ValueError(f"hazard rule names {unknown} which is not an option of this item")
        literal_threshold = leaf.condition in ("lt", "le", "gt", "ge", "older_than_days")
        if literal_threshold and self.status == "unconfirmed":
            raise ValueError(
                "an unconfirmed threshold must be a named parameter (use "
                f"{leaf.condition}_param), not a literal"
            )

    @property
    def is_hazard_item(self) -> bool:
        """Whether an answer here can raise a finding."""
        return not self.informational


class Section(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    title: str
    items: tuple[Item, ...] = Field(min_length=1)


class Checklist(_Strict):
    schema_version: int = Field(SCHEMA_VERSION, ge=1, description="the schema this file is written for")
    min_schema_version: int | None = Field(
        None, ge=1, description="the oldest schema that can read this file (default: schema_version)"
    )
    id: str = Field(pattern=_ID_PATTERN)
    title: str
    version: int = Field(ge=1)
    effective_from: date | None = None
    scope: tuple[str, ...] = Field(min_length=1)
    description: str = ""
    authority: Authority = Field(FIRE, description="who determines this checklist's hazards")
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    sections: tuple[Section, ...] = Field(min_length=1)
    rating: Rating | None = None
    combination: Combination | None = None

    @model_validator(mode="after")
    def _readable_here(self) -> Checklist:
        if self.reader_version > self.schema_version:
            raise ValueError(
                f"min_schema_version {self.reader_version} is above schema_version {self.schema_version}"
            )
        if self.reader_version > SCHEMA_VERSION:
            raise ValueError(_too_new(self.schema_version, self.reader_version))
        return self

    @field_validator("scope")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in SITE_KINDS]
        if unknown:
            raise ValueError(f"unknown site kinds {unknown}; known: {list(SITE_KINDS)}")
        return value

    @property
    def reader_version(self) -> int:
        """The oldest schema that can read this file."""
        return self.min_schema_version or self.schema_version

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section_of(self, item_id: str) -> Section:
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    def param_value(self, name: str) -> float:
        return self.parameters[name].default

    def param_values(self) -> dict[str, float]:
        return {name: p.default for name, p in self.parameters.items()}

    def applies_to(self, site_kind: str) -> bool:
        return site_kind in self.scope

    def authority_of(self, item: Item) -> str:
        """Who determines a hazard on ``item``, e.g. ``住建部门``."""
        return item.authority or self.authority


class SchemaTooNew(ValueError):
    """The file needs a newer app (its ``min_schema_version`` is above ``SCHEMA_VERSION``)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def _too_new(written: int, needs: int) -> str:
    return (
        f"written for schema version {written} and readable only by apps reading schema {needs} or newer; "
        f"this app reads schema versions {OLDEST_SCHEMA_VERSION}–{SCHEMA_VERSION}: update the app first"
    )


def check_readable(raw: Mapping[str, Any]) -> bool:
    """Whether this app may read a raw checklist file, before validating it.

    :param raw: the parsed YAML mapping, e.g. ``{"schema_version": 3, "min_schema_version": 2, …}``.
    :returns: True when the file is newer than this app but says an app like it may read it: then
        fields this app does not know are to be ignored (validate with context ``ignore_unknown``).
    :raises SchemaTooNew: the file needs a newer app, or is older than any schema this app reads.
    """
    written = raw.get("schema_version", SCHEMA_VERSION)
    needs = raw.get("min_schema_version", written)
    if not isinstance(written, int) or not isinstance(needs, int) or isinstance(written, bool):
        return False  # the model reports the wrong type with its line
    if needs > SCHEMA_VERSION:
        field = "min_schema_version" if "min_schema_version" in raw else "schema_version"
        raise SchemaTooNew(_too_new(written, needs), field)
    if written < OLDEST_SCHEMA_VERSION:
        raise SchemaTooNew(
            f"schema version {written} is older than any this app reads "
            f"({OLDEST_SCHEMA_VERSION}–{SCHEMA_VERSION})",
            "schema_version",
        )
    return written > SCHEMA_VERSION

