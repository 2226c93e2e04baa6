"""What the run screen shows about an item: the answer that makes a finding (before anything is
tapped), the hazard it raised, a 预警 / 记录并报告 finding (no hazard: no 整改, no 告知单), the
综合判定 hazard above every item, and the item's 说明与依据 (how to check it, the rule, the
legal basis as citations — no item ids, no notes on how sure a clause is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.services import (
    HAZARD,
    LEVEL_LABELS,
    FindingRecord,
    Hazard,
    InspectionState,
    Item,
    citations,
    describe_rule,
    field_hint,
)

from . import strings as S
from . import theme as T
from . import widgets as W

#: ``ui.go_handler``: a handler that opens a route, e.g. ``/hazard/<id>``.
GoHandler = Callable[[str], Any]


def hazard_box(state: InspectionState, hazard: Hazard, go: GoHandler) -> ft.Control:
    """The hazard the item raised: its severity (naming who determines a 疑似重大 one), its
    description, its photos, and the way to the hazard sheet."""
    need_photo = hazard.photo_required and not hazard.photo_shas
    photos = S.PHOTO_COUNT.format(n=len(hazard.photo_shas)) + (S.PHOTO_NEEDED if need_photo else "")
    return ft.Container(
        ft.Column([
            ft.Row([ft.Icon(ft.Icons.REPORT_PROBLEM, color=T.DANGER),
                    ft.Text(S.HAZARD_RECORDED.format(severity=state.severity_text(hazard)),
                            color=T.DANGER, size=16, weight=ft.FontWeight.W_700, expand=True)]),
            ft.Text(hazard.description, size=15, color=T.TEXT),
            ft.Text(photos, size=14, color=T.DANGER if need_photo else T.MUTED),
            W.button(S.FILL_HAZARD, go(f"/hazard/{hazard.id}"), variant="danger", icon=ft.Icons.EDIT_NOTE),
        ], spacing=6),
        bgcolor=T.DANGER_BG, border=ft.Border.all(1, T.DANGER), border_radius=10, padding=10,
    )


def finding_box(finding: FindingRecord) -> ft.Control:
    """A 预警 or 记录并报告 finding: recorded and reported, not a hazard."""
    return ft.Container(
        ft.Column([
            ft.Row([ft.Icon(ft.Icons.INFO_OUTLINE, color=T.WARN),
                    ft.Text(S.FINDING_RECORDED.format(level=finding.level, text=finding.text),
                            color=T.WARN, size=16, weight=ft.FontWeight.W_700, expand=True)]),
            ft.Text(S.FINDING_NOT_A_HAZARD, size=14, color=T.MUTED),
        ], spacing=6),
        bgcolor=T.WARN_BG, border=ft.Border.all(1, T.WARN), border_radius=10, padding=10,
    )


def combined_banner(state: InspectionState, hazard: Hazard, go: GoHandler) -> ft.Control:
    """The 综合判定 hazard, shown above every item while its elements meet the rule."""
    return ft.Container(
        ft.Column([
            ft.Row([ft.Icon(ft.Icons.GPP_MAYBE, color=T.ON_PRIMARY),
                    ft.Text(S.COMBINED_RECORDED.format(severity=state.severity_text(hazard)),
                            color=T.ON_PRIMARY, size=16, weight=ft.FontWeight.W_700, expand=True)]),
            ft.Text(hazard.description, size=15, color=T.ON_PRIMARY),
            W.button(S.VIEW_COMBINED, go(f"/hazard/{hazard.id}"), variant="outlined"),
        ], spacing=6),
        bgcolor=T.DANGER, border_radius=10, padding=10,
    )


def rule_line(state: InspectionState, item: Item) -> ft.Control | None:
    """Which answer makes a finding, e.g. ``选择“否”即为隐患``, under the question; None for an
    item that finds nothing."""
    if item.hazard_when is None:
        return None
    level = state.level_of(item)
    colour = T.DANGER if level == HAZARD else T.WARN
    return ft.Row([ft.Icon(ft.Icons.WARNING_AMBER_ROUNDED, color=colour, size=20),
                   ft.Text(S.HAZARD_WHEN.format(rule=describe_rule(item, state.checklist, level=level)), size=15,
                           color=colour, weight=ft.FontWeight.W_600, expand=True, key="rule-line")],
                  vertical_alignment=ft.CrossAxisAlignment.START, spacing=6)


def basis_rows(state: InspectionState, item: Item) -> list[ft.Control]:
    """说明与依据: how to check the item, what it finds, and its legal basis as citations."""
    rows: list[ft.Control] = [ft.Text(S.BASIS_TITLE, size=17, weight=ft.FontWeight.W_700, color=T.TEXT)]
    hint = field_hint(item.hint or "")
    if hint:
        rows.append(ft.Text(hint, size=15, color=T.TEXT))
    rows.append(ft.Text(S.METHOD_LINE.format(method=item.method), size=14, color=T.TEXT))
    if item.hazard_when is not None:
        level = state.level_of(item)
        rows.append(ft.Text(S.LEVEL_LINE.format(level=LEVEL_LABELS[level]), size=14, color=T.MUTED))
        if level == HAZARD:
            rows.append(ft.Text(S.HAZARD_LEVEL.format(severity=state.item_severity_text(item)), size=14,
                                color=T.MUTED))
    rows.append(ft.Text(S.BASIS_HEADING, size=15, weight=ft.FontWeight.W_600, color=T.TEXT))
    rows += [ft.Text(S.BASIS_LINE.format(citation=c), size=14, color=T.MUTED)
             for c in citations(item.basis)]
    return rows
