"""The inspector's clock: China Standard Time (UTC+8), the one definition of "today" and of
local time on screens, watermarks and notices.

A fixed offset, not a tz database: China has had no daylight saving since 1991, and the
packaged Android Python ships no tz database. Stored times stay UTC; only what a person reads
or a deadline is counted in is local.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from .errors import InvalidAnswer

LOCAL_TZ = timezone(timedelta(hours=8), "CST")


def local_today() -> date:
    """The inspector's calendar day now."""
    return datetime.now(LOCAL_TZ).date()


def local_day(moment: datetime) -> date:
    """The inspector's calendar day of ``moment``; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


def local_time(moment: datetime) -> datetime:
    """``moment`` in UTC+8; a naive datetime is taken as UTC (the store keeps UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def format_local(moment: datetime, *, seconds: bool = False) -> str:
    """``2026-11-29 17:46`` (or ``17:46:03``) in the inspector's time."""
    return local_time(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_midnight(day: date) -> datetime:
    """Midnight at the start of ``day`` in UTC+8, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)


#: ``2025-02-30``: the shape of a date, whatever its numbers.
_DATE_SHAPE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_day(text: object, field: str, label: str = "日期") -> date:
    """A typed day, e.g. ``"2026-11-01"`` (a ``date`` passes through).

    :param field: the field it was typed in, for the error, e.g. ``deadline`` or ``HW-18a``.
    :param label: what the field is called, e.g. ``整改期限``.
    :raises InvalidAnswer: ``日期不存在`` for a day no calendar has (``2025-02-30``), else a
        format message with an example; never the raw value.
    """
    if isinstance(text, datetime):
        return local_day(text)
    if isinstance(text, date):
        return text
    raw = str(text or "")
    shape = _DATE_SHAPE.match(raw)
    if shape is None:
        raise InvalidAnswer(field, f"{label}格式应为 年-月-日，如 2026-11-01")
    year, month, day = (int(g) for g in shape.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidAnswer(field, f"日期不存在：{year}年{month}月{day}日") from None
