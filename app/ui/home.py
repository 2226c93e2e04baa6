"""Home: who is inspecting, the sync card (what waits, account, 立即同步), start or resume,
overdue hazards first."""

from __future__ import annotations

import flet as ft

from app.services import LedgerFilter

from . import strings as S
from . import theme as T
from . import widgets as W
from .shell import AppUI

#: Overdue hazards listed on home; more reads "20+" (the ledger has them all).
OVERDUE_LIMIT = 20


async def build(ui: AppUI) -> ft.View:
    device = ui.device
    settings = await ui.call(device.settings.current)
    drafts = await ui.call(device.inspections.drafts)
    overdue = await ui.call(device.hazards.ledger, LedgerFilter(overdue=True), limit=OVERDUE_LIMIT + 1)
    more_overdue = len(overdue) > OVERDUE_LIMIT
    overdue = overdue[:OVERDUE_LIMIT]

    name = settings.inspector_name
    who = ft.Row(
        [
            ft.Icon(ft.Icons.BADGE_OUTLINED, color=T.PRIMARY),
            ft.Text(S.INSPECTOR.format(name=name) if name else S.INSPECTOR_NOT_SET,
                    size=17, weight=ft.FontWeight.W_600, color=T.TEXT if name else T.DANGER, expand=True),
        ]
    )
    actions = ft.ResponsiveRow(
        [
            ft.Container(W.button(S.NEW_INSPECTION, ui.go_handler("/sites"), icon=ft.Icons.ADD_TASK, height=60),
                         col={"xs": 12, "md": 4}),
            ft.Container(W.button(S.LEDGER, ui.go_handler("/ledger"), variant="outlined",
                                  icon=ft.Icons.LIST_ALT, height=60), col={"xs": 6, "md": 4}),
            ft.Container(W.button(S.SETTINGS, ui.go_handler("/settings"), variant="outlined",
                                  icon=ft.Icons.SETTINGS_OUTLINED, height=60), col={"xs": 6, "md": 4}),
        ],
        spacing=10, run_spacing=10,
    )

    overdue_col = ft.Column(spacing=8)
    if overdue:
        n = f"{OVERDUE_LIMIT}+" if more_overdue else str(len(overdue))
        overdue_col.controls.append(W.section_title(S.OVERDUE_HAZARDS.format(n=n)))
        for h in overdue:
            overdue_col.controls.append(W.card(
                ft.Column([
                    ft.Row([W.overdue_pill(), W.status_pill(h.status), W.severity_pill(h.severity)], wrap=True),
                    ft.Text(h.description, size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
                    ft.Text(S.SITE_AND_DEADLINE.format(site=h.site_name, deadline=W.fmt_dt(h.deadline)), size=14,
                            color=T.MUTED),
                ], spacing=4),
                on_click=ui.go_handler(f"/ledger/{h.id}"), border=T.DANGER,
            ))

    drafts_col = ft.Column(spacing=8)
    drafts_col.controls.append(W.section_title(S.DRAFTS.format(n=len(drafts))))
    if not drafts:
        drafts_col.controls.append(ft.Text(S.NO_DRAFTS, color=T.MUTED, size=15))
    for d in drafts:
        pct = (d.answered / d.total) if d.total else 0
        drafts_col.controls.append(W.card(
            ft.Column([
                ft.Text(d.site_name, size=17, weight=ft.FontWeight.W_700, color=T.TEXT),
                ft.Text(S.DRAFT_PROGRESS.format(checklist=d.checklist_title, answered=d.answered, total=d.total),
                        size=15, color=T.MUTED),
                # Out of the semantics tree, so the card reads (and is found) as one 继续检查 button.
                ft.Semantics(exclude_semantics=True,
                             content=ft.ProgressBar(value=pct, color=T.PRIMARY, bgcolor=T.SURFACE, height=6)),
                ft.Text(S.RESUME, size=15, color=T.PRIMARY, weight=ft.FontWeight.W_700),
            ], spacing=4),
            on_click=ui.go_handler(f"/run/{d.inspection_id}"),
        ))

    body: list[ft.Control] = [
        who,
        ui.sync_card(),
        actions,
    ]
    if ui.wide:
        body.append(ft.Row([ft.Container(overdue_col if overdue else drafts_col, expand=1),
                            ft.Container(drafts_col if overdue else ft.Container(), expand=1)],
                           vertical_alignment=ft.CrossAxisAlignment.START, spacing=16))
    else:
        if overdue:
            body.append(overdue_col)
        body.append(drafts_col)
    return ui.view(S.HOME_TITLE, body, parent=None, strip=False)
