"""红黄蓝 rating rules: the default a checklist file documents, which an office may replace.

Rules are tried in order; the first that matches gives the colour. A rule's ``when`` matches when
every inspection-level field holds (``any_hazard``) and, if it names any hazard-level field, some
open hazard meets all of them. The last rule has an empty ``when``: the colour when nothing else
matched.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .conditions import _Strict
from .kinds import Authority, Colour, Severity


class RatingCondition(_Strict):
    """What a rating rule asks of the inspection's open hazards."""

    severity: Severity | None = None
    items: tuple[str, ...] = ()
    overdue: bool | None = None
    #: The same item was recorded as a hazard at the same site before (see OfficeConfig).
    repeated: bool | None = None
    #: Only hazards determined by these authorities, e.g. ``[消防救援机构]`` for fire hazards.
    authority: tuple[Authority, ...] = ()
    #: Inspection-level: true when some hazard is open, false when none is.
    any_hazard: bool | None = None

    @property
    def names_a_hazard(self) -> bool:
        """Whether the condition asks something of individual hazards."""
        return bool(self.severity is not None or self.items or self.overdue is not None
                    or self.repeated is not None or self.authority)

    @property
    def is_empty(self) -> bool:
        return not self.names_a_hazard and self.any_hazard is None


class RatingRule(_Strict):
    colour: Colour
    label: str = Field(min_length=1, description="what the colour means here, shown with the plate")
    when: RatingCondition = RatingCondition()


class Rating(_Strict):
    """红黄蓝 rating: rules tried in order, the first that matches gives the colour."""

    title: str = "红黄蓝分级"
    note: str = ""
    rules: tuple[RatingRule, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _last_is_default(self) -> Rating:
        if not self.rules[-1].when.is_empty:
            raise ValueError("the last rating rule must have an empty 'when' (the default colour)")
        return self

    def items_named(self) -> set[str]:
        return {item for rule in self.rules for item in rule.when.items}
