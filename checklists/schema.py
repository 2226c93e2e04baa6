"""Pydantic models of a checklist file (one YAML file per checklist).

A file holds: id, title, version, scope (which 场所 kinds it applies to), named parameters
(thresholds an office may change without touching items), sections of items, and an
optional 红黄蓝 rating rule. Everything is declarative data; `app.domain.rules` evaluates it.

Cross-field consistency (unique ids, ``applies_if`` targets, rules that fit the answer kind,
parameters that exist) is checked here so that a bad file fails at load time with a message
naming the item, never later in the field.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

YES, NO, NA = "是", "否", "不适用"
YES_NO_NA = (YES, NO, NA)

#: 场所 kinds a site can have; a checklist's scope names some of them.
SITE_KINDS = (
    "群租房",
    "高层住宅",
    "高层公共建筑",
    "小区/单位消防车通道",
    "人员密集场所",
    "危废产生单位",
    "危废经营单位",
    "其他",
)

AnswerKind = Literal["yes_no_na", "number", "choice", "multi_choice", "text", "photo", "date"]
Severity = Literal["一般", "重大"]
#: How sure the domain brief is of a rule: confirmed (verbatim source), secondary (second-hand
#: source), unconfirmed (memory / practice, must not be hard-coded), seed (the district plan).
Status = Literal["confirmed", "secondary", "unconfirmed", "seed"]
Colour = Literal["红", "黄", "蓝"]

_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LegalBasis(_Strict):
    """One regulation or standard clause an item rests on."""

    doc: str = Field(min_length=2, description="法规/标准名称, e.g. 中华人民共和国消防法（2021修正）")
    article: str | None = Field(None, description="条款, e.g. 第二十八条")
    status: Status
    source: str | None = Field(None, description="where the wording was verified (URL, repo path, seed line)")


class Parameter(_Strict):
    """A named threshold; items refer to it as ``gt_param: name``.

    Unconfirmed thresholds must be parameters so an office can set its local value
    (see ``overrides`` in ``checklists.loader``) without editing items.
    """

    title: str
    default: float
    unit: str = ""
    status: Status
    note: str = Field("", description="why this default, and who must confirm it")


class HazardRule(_Strict):
    """When an answer is a hazard. Exactly one condition is given.

    - ``equals``: the answer equals this option (是/否/不适用 or a choice option)
    - ``in``: a choice answer is one of these; a multi-choice answer selects any of these
    - ``lt``/``le``/``gt``/``ge``: numeric comparison with a literal …
    - ``lt_param``/…: … or with a named checklist parameter
    - ``older_than_days`` / ``older_than_days_param``: a date answer lies more than N days
      before the day of the inspection
    """

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

    @model_validator(mode="after")
    def _exactly_one(self) -> HazardRule:
        given = [name for name in self.model_fields_set]
        if len(given) != 1:
            names = ", ".join(sorted(self.keys())) or "nothing"
            raise ValueError(f"needs exactly one condition, got {names}")
        return self

    def keys(self) -> list[str]:
        """The condition names set, as written in YAML (``in`` not ``in_``)."""
        return ["in" if name == "in_" else name for name in self.model_fields_set]

    @property
    def condition(self) -> str:
        return self.keys()[0]

    @property
    def param(self) -> str | None:
        """The parameter name this rule compares with, if any."""
        for name in ("lt_param", "le_param", "gt_param", "ge_param", "older_than_days_param"):
            value = getattr(self, name)
            if value is not None:
                return value
        return None

    @property
    def options(self) -> tuple[str, ...]:
        """The answer options the rule names (for equals / in)."""
        if self.equals is not None:
            return (self.equals,)
        return self.in_ or ()


_RULES_BY_KIND: dict[str, set[str]] = {
    "yes_no_na": {"equals", "in"},
    "choice": {"equals", "in"},
    "multi_choice": {"in"},
    "number": {"lt", "le", "gt", "ge", "lt_param", "le_param", "gt_param", "ge_param"},
    "date": {"older_than_days", "older_than_days_param"},
    "text": set(),
    "photo": set(),
}


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


class Item(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    question: str = Field(min_length=4)
    hint: str = Field("", description="what the inspector should look at or measure")
    kind: AnswerKind
    options: tuple[str, ...] = Field((), description="for choice / multi_choice")
    unit: str = Field("", description="for number, e.g. m, 人, MPa")
    min: float | None = Field(None, description="smallest number an inspector can enter")
    max: float | None = Field(None, description="largest number an inspector can enter")
    required: bool = True
    hazard_when: HazardRule | None = None
    severity: Severity = "一般"
    photo_required: bool = Field(False, description="a hazard on this item needs a photo before completion")
    requirement: str = Field("", description="default 整改要求 text for a hazard raised here")
    status: Status = Field(description="how sure the brief is of this rule")
    basis: tuple[LegalBasis, ...] = Field(min_length=1)
    applies_if: AppliesIf | None = None
    informational: bool = Field(False, description="context only (e.g. 建筑类别); never a hazard")

    @model_validator(mode="after")
    def _fits_kind(self) -> Item:
        kind = self.kind
        if kind in ("choice", "multi_choice"):
            if len(self.options) < 2:
                raise ValueError(f"answer kind '{kind}' needs at least two options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("options repeat")
        elif self.options:
            raise ValueError(f"answer kind '{kind}' takes no options")
        if kind == "number":
            if not self.unit:
                raise ValueError("a number item needs a unit")
            if self.min is not None and self.max is not None and self.min >= self.max:
                raise ValueError(f"min {self.min:g} is not below max {self.max:g}")
        elif self.unit or self.min is not None or self.max is not None:
            raise ValueError(f"unit/min/max only apply to number items, not '{kind}'")

        if self.informational:
            if self.hazard_when is not None:
                raise ValueError("an informational item cannot have a hazard rule")
            return self
        if self.hazard_when is None:
            raise ValueError("item has no hazard_when (mark context-only items informational: true)")
        rule = self.hazard_when
        allowed = _RULES_BY_KIND[kind]
        if rule.condition not in allowed:
            fits = ", ".join(sorted(allowed)) or "none"
            raise ValueError(
                f"hazard rule '{rule.condition}' does not fit answer kind '{kind}' (fits: {fits})"
            )
        valid_options = YES_NO_NA if kind == "yes_no_na" else self.options
        unknown = [o for o in rule.options if o not in valid_options]
        if unknown:
            raise ValueError(f"hazard rule names {unknown} which is not an option of this item")
        literal_threshold = rule.condition in ("lt", "le", "gt", "ge", "older_than_days")
        if literal_threshold and self.status == "unconfirmed":
            raise ValueError(
                "an unconfirmed threshold must be a named parameter (use "
                f"{rule.condition}_param), not a literal"
            )
        return self


class Section(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    title: str
    items: tuple[Item, ...] = Field(min_length=1)


class RatingCondition(_Strict):
    """Matches when some open hazard of the inspection meets every field given.

    An empty condition always matches (the default colour).
    """

    severity: Severity | None = None
    items: tuple[str, ...] = ()
    overdue: bool | None = None
    any_hazard: bool | None = None


class RatingRule(_Strict):
    colour: Colour
    label: str
    when: RatingCondition = RatingCondition()


class Rating(_Strict):
    """红黄蓝 rating: rules tried in order, the first that matches gives the colour."""

    title: str = "红黄蓝分级"
    note: str = ""
    rules: tuple[RatingRule, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _last_is_default(self) -> Rating:
        if self.rules[-1].when != RatingCondition():
            raise ValueError("the last rating rule must have an empty 'when' (the default colour)")
        return self


class Checklist(_Strict):
    schema_version: int = SCHEMA_VERSION
    id: str = Field(pattern=_ID_PATTERN)
    title: str
    version: int = Field(ge=1)
    effective_from: date | None = None
    scope: tuple[str, ...] = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    sections: tuple[Section, ...] = Field(min_length=1)
    rating: Rating | None = None

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"schema_version {value} is not supported (this app reads {SCHEMA_VERSION})")
        return value

    @field_validator("scope")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in SITE_KINDS]
        if unknown:
            raise ValueError(f"unknown site kinds {unknown}; known: {list(SITE_KINDS)}")
        return value

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

    def applies_to(self, site_kind: str) -> bool:
        return site_kind in self.scope


class ItemProblem(ValueError):
    """Raised by `check_consistency`; names the item at fault."""

    def __init__(self, item_id: str | None, message: str):
        super().__init__(message)
        self.item_id = item_id
        self.message = message


def check_consistency(checklist: Checklist) -> None:
    """Checks that need the whole file: unique ids, references, parameters.

    :raises ItemProblem: with the id of the first item at fault.
    """
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

    by_id = {item.id: item for item in checklist.items}
    order = {item.id: n for n, item in enumerate(checklist.items)}
    for item in checklist.items:
        cond = item.applies_if
        if cond is not None:
            target = by_id.get(cond.item)
            if target is None:
                raise ItemProblem(item.id, f"applies_if points at missing item '{cond.item}'")
            if order[cond.item] >= order[item.id]:
                raise ItemProblem(item.id, f"applies_if item '{cond.item}' must come before this item")
            if target.kind not in ("yes_no_na", "choice", "multi_choice"):
                raise ItemProblem(item.id, f"applies_if item '{cond.item}' is a {target.kind} item, not a choice")
            valid = YES_NO_NA if target.kind == "yes_no_na" else target.options
            unknown = [o for o in cond.options if o not in valid]
            if unknown:
                raise ItemProblem(item.id, f"applies_if names {unknown}, not options of '{cond.item}'")
        rule = item.hazard_when
        if rule is not None and rule.param is not None and rule.param not in checklist.parameters:
            raise ItemProblem(item.id, f"hazard rule uses unknown parameter '{rule.param}'")

    if checklist.rating is not None:
        for rule in checklist.rating.rules:
            missing = [i for i in rule.when.items if i not in by_id]
            if missing:
                raise ItemProblem(None, f"rating rule '{rule.colour}' names missing items {missing}")
