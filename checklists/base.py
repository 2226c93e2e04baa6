"""The shared base of checklist file models, and what every item and parameter cites."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .kinds import Status


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_unknown_when_reading_newer(cls, data: object, info: object) -> object:
        # A file written for a newer schema that says an older app may read it: fields this app
        # does not know are additions it may ignore (see checklists.schema.check_readable).
        context = getattr(info, "context", None) or {}
        if not context.get("ignore_unknown") or not isinstance(data, dict):
            return data
        known = set(cls.model_fields)
        known |= {f.alias for f in cls.model_fields.values() if f.alias}
        return {k: v for k, v in data.items() if k in known}


class LegalBasis(_Strict):
    """One regulation or standard clause an item rests on."""

    doc: str = Field(min_length=2, description="法规/标准名称, e.g. 中华人民共和国消防法（2021修正）")
    article: str | None = Field(None, description="条款, e.g. 第二十八条")
    status: Status
    source: str | None = Field(None, description="where the wording was verified (URL, repo path, seed line)")
    note: str = Field("", description="what could not be read, the superseded clause, who must confirm")


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
