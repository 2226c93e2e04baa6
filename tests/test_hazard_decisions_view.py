"""The office's decisions on a hazard, as 隐患详情 lists them (without a browser): what was decided in
words — the new 整改期限, the severity as the app names it, 挂牌督办 — the note, and who decided."""

from __future__ import annotations

from datetime import UTC, date, datetime

import flet as ft

from app.services import MAJOR, Decision, severity_label
from app.ui import strings as S
from app.ui.hazard_detail import _decisions


def texts(control: ft.Control) -> list[str]:
    found = [control.value] if isinstance(control, ft.Text) and control.value else []
    for child in getattr(control, "controls", None) or []:
        found += texts(child)
    content = getattr(control, "content", None)
    return found + (texts(content) if isinstance(content, ft.Control) else [])


def test_a_decision_reads_as_its_deadline_severity_and_listing_with_the_note_and_who_decided():
    decision = Decision(decided_by="李主任", decided_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
                        deadline=date(2027, 1, 31), severity=MAJOR, listed=True, note="区安委办挂牌督办")

    shown = [t for control in _decisions([decision]) for t in texts(control)]

    assert shown[0] == S.DECISIONS.format(n=1)
    assert S.LIST_SEPARATOR.join([S.DECISION_DEADLINE.format(deadline="2027-01-31"),
                                  S.DECISION_SEVERITY.format(severity=severity_label(MAJOR)),
                                  S.DECISION_LISTED]) in shown
    assert "区安委办挂牌督办" in shown and any(t.startswith(S.DECISION_BY.split("{")[0]) for t in shown)


def test_no_decision_shows_nothing():
    assert _decisions([]) == []
