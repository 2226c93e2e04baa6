"""Closing a hazard: what a 复查 must carry, who may close a 疑似重大 hazard, and which 整改期限
can be set. The device and the central endpoint apply these same rules.

- 复查合格 (销号) needs at least one review photo: the fix is shown, not asserted.
- 复查不合格 needs a reason (复查意见): the owner must know what is still wrong.
- A 疑似重大 hazard is never closed by the person who found it. People are compared by identity
  (the signed-in user, the inspector number in 设置), never by a typed name; when either side is
  unknown nobody can tell them apart, so the hazard is not closed on that basis.
- A 整改期限 the inspector sets is never before the inspection day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .errors import AnXunError, InvalidAnswer
from .vocab import MAJOR

__all__ = ["ReviewRefused", "check_deadline", "check_review", "identities", "review_problems", "same_person"]


class ReviewRefused(AnXunError):
    """A 复查 that the closing rules do not accept; ``problems`` lists why, in Chinese."""

    def __init__(self, hazard_id: str, problems: list[str]):
        super().__init__(f"hazard {hazard_id}: review refused: {problems}", "；".join(problems))
        self.problems = problems


def identities(*values: str | None) -> frozenset[str]:
    """The non-empty identities of one person, e.g. ``identities("wangfang", "WG-0007")``."""
    return frozenset(v.strip() for v in values if v and v.strip())


def same_person(finder: Iterable[str], reviewer: Iterable[str]) -> bool:
    """Whether any identity of the finder is one of the reviewer's."""
    return bool(set(finder) & set(reviewer))


def review_problems(*, severity: str, passed: bool, photos: int, note: str, finder: Iterable[str],
                    reviewer: Iterable[str]) -> list[str]:
    """Why a 复查 may not be recorded as it is, in Chinese; empty when it may.

    :param severity: the hazard's, e.g. ``重大``.
    :param photos: review photos taken, e.g. ``1``.
    :param note: the 复查意见 as typed.
    :param finder: identities of whoever found the hazard, e.g. ``{"WG-0007"}`` (the inspection's
        inspector; on the server also the account that sent it).
    :param reviewer: identities of whoever records the 复查 now, e.g. ``{"wangfang", "WG-0007"}``.
    """
    problems: list[str] = []
    if passed:
        if photos < 1:
            problems.append("复查合格需要至少一张复查照片")
        if severity == MAJOR:
            finder, reviewer = frozenset(finder), frozenset(reviewer)
            if not reviewer:
                problems.append("疑似重大隐患销号前需确认复查人身份：请先在“设置”中填写检查员编号或登录")
            elif not finder:
                problems.append("该疑似重大隐患没有记录发现人，无法确认复查人与发现人不同，请由主管部门复查销号")
            elif same_person(finder, reviewer):
                problems.append("疑似重大隐患不能由发现人本人复查销号，请由其他检查员复查")
    elif not note.strip():
        problems.append("复查不合格请填写复查意见（还有哪些问题）")
    return problems


def check_review(hazard_id: str, *, severity: str, passed: bool, photos: int, note: str, finder: Iterable[str],
                 reviewer: Iterable[str]) -> None:
    """``review_problems`` as a refusal (same parameters).

    :raises ReviewRefused: listing every problem.
    """
    problems = review_problems(severity=severity, passed=passed, photos=photos, note=note, finder=finder,
                               reviewer=reviewer)
    if problems:
        raise ReviewRefused(hazard_id, problems)


def check_deadline(deadline: date, today: date) -> date:
    """A 整改期限 the inspector chose, e.g. ``date(2026, 12, 20)``; returned when accepted.

    :raises InvalidAnswer: it is before ``today`` (the inspection day, UTC+8).
    """
    if deadline < today:
        raise InvalidAnswer("deadline", f"整改期限不能早于今天（{today.isoformat()}）")
    return deadline
