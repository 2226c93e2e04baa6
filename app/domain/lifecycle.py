"""Hazard (隐患) lifecycle: 待整改 → 整改中 → 待复查 → 已销号, with 复查 sending a failed fix back.

Only the transitions below are legal; anything else is refused with a message a 网格员 understands.
"""

from __future__ import annotations

from datetime import date, timedelta

from .errors import AnXunError
from .vocab import AWAITING_REVIEW, CLOSED, GENERAL, MAJOR, PENDING, RECTIFYING, STATUSES

__all__ = [
    "AWAITING_REVIEW", "CLOSED", "DEFAULT_DEADLINE_DAYS", "IllegalTransition", "PENDING", "RECTIFYING",
    "REVIEW_STEPS", "STATUSES", "TRANSITIONS", "awaits_review", "check_transition", "deadline_after_severity_change",
    "default_deadline", "is_overdue", "next_statuses", "status_actions",
]

#: (from, to) → what the step means. 待整改 → 待复查 is 立查立改: fixed on the spot, still needs 复查.
TRANSITIONS: dict[tuple[str, str], str] = {
    (PENDING, RECTIFYING): "开始整改",
    (PENDING, AWAITING_REVIEW): "当场整改，申请复查",
    (RECTIFYING, AWAITING_REVIEW): "提交复查",
    (AWAITING_REVIEW, CLOSED): "复查合格，销号",
    (AWAITING_REVIEW, RECTIFYING): "复查不合格，继续整改",
}

#: Steps a 复查 decides: they need a review record (who, when, result), so they are never a
#: plain status change.
REVIEW_STEPS = {(AWAITING_REVIEW, CLOSED), (AWAITING_REVIEW, RECTIFYING)}

#: Default 整改期限 by severity, in days; the inspector can change it on the hazard sheet.
#: Not a legal figure: 重大 hazards need an authority's plan, so they get longer by default.
DEFAULT_DEADLINE_DAYS = {GENERAL: 7, MAJOR: 30}


class IllegalTransition(AnXunError):
    """A status change the lifecycle does not allow."""

    def __init__(self, hazard_id: str, current: str, wanted: str):
        self.hazard_id = hazard_id
        self.current = current
        self.wanted = wanted
        allowed = [TRANSITIONS[(current, to)] + f"（→{to}）" for to in next_statuses(current)]
        hint = "；可以：" + "、".join(allowed) if allowed else "；该隐患已销号，不能再变更"
        super().__init__(f"hazard {hazard_id}: illegal transition {current} -> {wanted}",
                         f"隐患当前为“{current}”，不能直接改为“{wanted}”{hint}")


def next_statuses(current: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == current]


def status_actions(current: str) -> list[tuple[str, str]]:
    """The plain status changes offered for a hazard: (target status, what the step means)."""
    return [(to, TRANSITIONS[(current, to)]) for to in next_statuses(current) if (current, to) not in REVIEW_STEPS]


def awaits_review(current: str) -> bool:
    """Whether a 复查 can be recorded now."""
    return current == AWAITING_REVIEW


def check_transition(hazard_id: str, current: str, wanted: str) -> str:
    """The meaning of a legal step, e.g. ``开始整改``.

    :raises IllegalTransition: when ``current`` → ``wanted`` is not allowed.
    """
    try:
        return TRANSITIONS[(current, wanted)]
    except KeyError:
        raise IllegalTransition(hazard_id, current, wanted) from None


def is_overdue(status: str, deadline: date, today: date) -> bool:
    """Overdue is derived, never stored: open and past its 整改期限."""
    return status != CLOSED and deadline < today


def default_deadline(severity: str, today: date) -> date:
    return today + timedelta(days=DEFAULT_DEADLINE_DAYS[severity])


def deadline_after_severity_change(deadline: date, chosen: bool, old: str, new: str) -> date:
    """A default deadline follows the new severity's default; one the inspector chose stays."""
    if chosen:
        return deadline
    return deadline + timedelta(days=DEFAULT_DEADLINE_DAYS[new] - DEFAULT_DEADLINE_DAYS[old])
