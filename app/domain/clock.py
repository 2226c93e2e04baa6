"""The inspector's clock: China Standard Time (UTC+8), the one definition of "today" and of
local time on screens, watermarks and notices.

A fixed offset, not a tz database: China has had no daylight saving since 1991, and the
packaged Android Python ships no tz database. Stored times stay UTC; only what a person reads
or a deadline is counted in is local.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

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
