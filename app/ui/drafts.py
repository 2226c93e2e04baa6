"""What an inspector has typed or drawn but not yet saved, kept per session so that leaving a
screen and coming back loses nothing: the new-site form, a signature, a 复查 in progress."""

from __future__ import annotations

from dataclasses import dataclass, field

#: One pen stroke on the signature pad, in pad coordinates: ``[(12.0, 40.5), (13.0, 41.0), …]``.
Stroke = list[tuple[float, float]]


@dataclass
class SiteDraft:
    """The 新建场所 form."""

    name: str = ""
    address: str = ""
    kind: str | None = None
    grid: str = ""
    contact: str = ""
    phone: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass
class SignatureDraft:
    """The finish screen: the signer's name as typed (``None``: not touched) and the strokes."""

    name: str | None = None
    strokes: list[Stroke] = field(default_factory=list)
    #: The pad width the strokes were drawn at; strokes from another width are not shown.
    width: float | None = None


@dataclass
class ReviewDraft:
    """A 复查 in progress on one hazard."""

    reviewer: str
    note: str = ""
    photos: list[bytes] = field(default_factory=list)


@dataclass
class OtherHazardDraft:
    """记录其他隐患 before it is saved: nothing is in the database until the inspector saves it."""

    description: str = ""
    location: str = ""
    severity: str | None = None
    photos: list[bytes] = field(default_factory=list)
