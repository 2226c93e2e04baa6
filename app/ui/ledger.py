"""隐患台账: search, filters folded behind one button (the ones in force as chips), the list —
overdue and 疑似重大 first, 已销号 last — and the detail beside it on a tablet (on a phone the
detail replaces the list). The detail itself is ``hazard_detail.py``. The level chips switch the
list to the 预警 or 记录并报告 findings, which are kept apart from hazards."""

from __future__ import annotations

from dataclasses import replace

import flet as ft

from app.services import (
    GENERAL,
    HAZARD,
    HAZARD_FIELDS,
    LEVEL_LABELS,
    LEVELS,
    MAJOR,
    SEVERITY_LABELS,
    SEVERITY_SHORT,
    STATUSES,
    FindingRow,
    HazardRow,
)

from . import strings as S
from . import theme as T
from . import widgets as W
from .errors import guard
from .filters import Active, FilterBar
from .hazard_detail import build_detail
from .shell import AppUI

#: Rows the ledger shows at once; a full page reads "200+".
LIMIT = 200
#: Sites offered in the site filter.
SITE_FILTER_LIMIT = 200
#: The selected card's background.
SELECTED_BG = "#EAF1FB"
#: Photo squares of the detail: two across a phone, two across the tablet's detail pane.
PHONE_PHOTO = 160
PANE_PHOTO = 200


async def build(ui: AppUI, hazard_id: str | None = None) -> ft.View:
    if hazard_id and not ui.wide:
        detail = await build_detail(ui, hazard_id, photo_size=PHONE_PHOTO)
        return ui.view(S.HAZARD_DETAIL_TITLE, [detail], parent="/ledger")
    list_col = await build_list(ui, selected=hazard_id)
    if not ui.wide:
        return ui.view(S.LEDGER, [list_col], parent="/")
    detail_pane: ft.Control
    if hazard_id:
        detail_pane = await build_detail(ui, hazard_id, photo_size=PANE_PHOTO)
    else:
        detail_pane = ft.Container(ft.Text(S.PICK_HAZARD, size=16, color=T.MUTED), padding=20)
    row = ft.Row([
        ft.Container(ft.Column([list_col], scroll=ft.ScrollMode.AUTO, expand=True), expand=5),
        ft.VerticalDivider(width=1, color=T.BORDER),
        ft.Container(ft.Column([detail_pane], scroll=ft.ScrollMode.AUTO, expand=True,
                               horizontal_alignment=ft.CrossAxisAlignment.STRETCH), expand=6),
    ], expand=True, vertical_alignment=ft.CrossAxisAlignment.START, spacing=12)
    return ui.view(S.LEDGER, [row], parent="/", scroll=False, max_width=None)


async def build_list(ui: AppUI, *, selected: str | None) -> ft.Column:
    device = ui.device
    sites = await ui.call(device.sites.search, limit=SITE_FILTER_LIMIT)
    grids = await ui.call(device.sites.grids)
    results = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    count = ft.Text("", size=14, color=T.MUTED, key="ledger-count")
    latest = 0

    def hazard_card(h: HazardRow) -> ft.Control:
        chips = [W.status_pill(h.status), W.severity_pill(h.severity)]
        if h.overdue:
            chips.insert(0, W.overdue_pill())
        return W.card(ft.Column([
            ft.Row(chips, wrap=True, spacing=6),
            ft.Text(h.description, size=16, weight=ft.FontWeight.W_600, color=T.TEXT, max_lines=3,
                    overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(S.LEDGER_CARD_LINE.format(site=h.site_name, deadline=h.deadline.isoformat(), n=len(h.photo_shas)),
                    size=14, color=T.MUTED),
        ], spacing=4), on_click=ui.go_handler(f"/ledger/{h.id}"),
            border=T.PRIMARY if h.id == selected else (T.DANGER if h.overdue else T.BORDER),
            bgcolor=SELECTED_BG if h.id == selected else T.BG, padding=12)

    titles = {c.id: c.title for c in device.catalog.all()}

    def finding_card(f: FindingRow) -> ft.Control:
        line = S.FINDING_CARD_LINE.format(site=f.site_name, checklist=titles.get(f.checklist_id, ""),
                                          day=W.fmt_dt(f.created_at)[:10])
        return W.card(ft.Column([
            ft.Text(f.text, size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
            ft.Text(line, size=14, color=T.MUTED),
        ], spacing=4), on_click=ui.go_handler(f"/finish/{f.inspection_id}"), bgcolor=T.WARN_BG,
            border=T.WARN, padding=12)

    async def refresh(update: bool = True) -> None:
        # Each keystroke queries; only the newest query may paint, whatever order they finish in.
        nonlocal latest
        latest += 1
        seq = latest
        if ui.ledger_filter.level != HAZARD:
            found = await ui.call(device.hazards.findings, ui.ledger_filter, limit=LIMIT)
            if seq != latest:
                return
            results.controls = [finding_card(f) for f in found] or [
                ft.Text(S.NO_MATCHING_FINDINGS, size=15, color=T.MUTED)]
            count.value = S.FINDINGS_COUNT.format(shown=f"{len(found)}+" if len(found) == LIMIT else len(found))
        else:
            rows = await ui.call(device.hazards.ledger, ui.ledger_filter, limit=LIMIT)
            if seq != latest:
                return
            results.controls = [hazard_card(h) for h in rows] or [
                ft.Text(S.NO_MATCHING_HAZARDS, size=15, color=T.MUTED)]
            overdue = sum(1 for h in rows if h.overdue)
            shown = f"{len(rows)}+" if len(rows) == LIMIT else str(len(rows))
            count.value = S.LEDGER_COUNT.format(shown=shown) + (
                S.LEDGER_OVERDUE_COUNT.format(n=overdue) if overdue else "")
        bar.show_active(active_filters())
        if update:
            ui.page.update()

    def active_filters() -> list[Active]:
        f = ui.ledger_filter
        names = {"checklist_id": titles, "site_id": {s.id: s.name for s in sites}}
        shown: list[Active] = []
        if f.level != HAZARD:
            shown.append((f.level, lambda: cleared(level=HAZARD)))
        for name in ("status", "severity", "checklist_id", "site_id", "grid"):
            value = getattr(f, name)
            if value:
                label = names.get(name, {}).get(value, value)
                if name == "severity":
                    label = SEVERITY_SHORT.get(value, value)
                shown.append((label, lambda n=name: cleared(**{n: None})))
        if f.overdue:
            shown.append((S.ONLY_OVERDUE, lambda: cleared(overdue=None)))
        return shown

    async def cleared(**change: object) -> None:
        ui.ledger_filter = replace(ui.ledger_filter, **change)
        await ui.render()  # the filter controls show the change too

    async def set_filter(**change: object) -> None:
        ui.ledger_filter = replace(ui.ledger_filter, **change)
        await refresh()

    def on_dropdown(name: str):
        async def handler(e: ft.Event) -> None:
            v = e.control.value
            await set_filter(**{name: None if v in (None, "", S.ALL) else v})

        return handler

    async def on_status(key: str) -> None:
        await set_filter(status=None if key == S.ALL else key)

    async def on_level(key: str) -> None:
        ui.ledger_filter = replace(ui.ledger_filter, level=key)
        await ui.render()  # the filters that apply differ between hazards and findings

    async def on_overdue(e: ft.Event) -> None:
        await set_filter(overdue=True if e.control.value else None)

    async def on_text(e: ft.Event) -> None:
        clear.visible = bool(e.control.value)
        await set_filter(text=e.control.value or "")

    async def clear_search(_e: ft.Event) -> None:
        search.value, clear.visible = "", False
        await set_filter(text="")

    f = ui.ledger_filter
    clear = ft.Semantics(label=S.CLEAR_SEARCH, button=True, visible=bool(f.text), content=ft.IconButton(
        icon=ft.Icons.CLOSE, on_click=guard(clear_search), width=T.TOUCH, height=T.TOUCH))
    search = W.field(S.SEARCH_HAZARDS, f.text, on_change=on_text)
    search.prefix_icon = ft.Icons.SEARCH
    search.suffix_icon = clear
    severities = [(GENERAL, SEVERITY_LABELS[GENERAL]), (MAJOR, SEVERITY_SHORT[MAJOR])]
    hazards = f.level == HAZARD
    shared = [
        W.filter_dropdown(S.CHECKLIST, f.checklist_id, [(c.id, c.title) for c in device.catalog.all()],
                          on_dropdown("checklist_id")),
        W.filter_dropdown(HAZARD_FIELDS["site"], f.site_id, [(s.id, s.name) for s in sites], on_dropdown("site_id")),
        W.filter_dropdown(S.GRID, f.grid, [(g, g) for g in grids], on_dropdown("grid")),
    ]
    panel: list[ft.Control] = [W.choice_chips([(lv, lv) for lv in LEVELS], f.level, on_level)]
    if hazards:
        panel += [
            W.choice_chips([(S.ALL, S.ALL_STATUSES)] + [(s, s) for s in STATUSES], f.status or S.ALL, on_status),
            ft.Row([W.filter_dropdown(HAZARD_FIELDS["severity"], f.severity, severities, on_dropdown("severity")),
                    *shared, W.checkbox(S.ONLY_OVERDUE, bool(f.overdue), on_overdue, size=16)],
                   wrap=True, spacing=8, run_spacing=8),
        ]
    else:
        panel += [ft.Text(LEVEL_LABELS[f.level], size=14, color=T.MUTED),
                  ft.Row(shared, wrap=True, spacing=8, run_spacing=8)]
    bar = FilterBar(panel)
    await refresh(update=False)
    return ft.Column([search, bar.control, count, results], spacing=10)
