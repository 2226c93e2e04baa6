"""Finish: summary, what still blocks completion, the representative's signature, 完成检查 in the
bottom bar (after which the record is read-only). The signer's name starts as the site's contact.
预警 and 记录并报告 findings are listed apart from the hazards: they are recorded and reported,
never ordered fixed."""

from __future__ import annotations

import flet as ft

from app.services import (
    HAZARD_SOURCE_LABELS,
    LEVEL_LABELS,
    MAJOR,
    RECORD,
    SIGNATURE_FIELDS,
    WARNING,
    AnXunError,
    CompletionRefused,
    FindingRecord,
    InspectionState,
    Summary,
)

from . import strings as S
from . import theme as T
from . import widgets as W
from .drafts import SignatureDraft
from .errors import message_for
from .shell import AppUI
from .signature import SignaturePad


async def build(ui: AppUI, inspection_id: str) -> ft.View:
    device = ui.device
    state = await ui.call(device.inspections.state, inspection_id)
    summary = await ui.call(device.signoff.summary, inspection_id)
    summary_card = _summary_card(state, summary)
    hazard_list = _hazard_list(ui, state)
    hazards_section: list[ft.Control] = []
    if hazard_list.controls:
        hazards_section = [W.section_title(S.HAZARDS_OF_INSPECTION.format(n=len(hazard_list.controls))), hazard_list]
    hazards_section += _findings_section(S.WARNINGS_OF_INSPECTION, WARNING, summary.warnings)
    hazards_section += _findings_section(S.RECORDS_OF_INSPECTION, RECORD, summary.records)

    if state.locked:
        insp = state.inspection
        png = await ui.call(device.signoff.signature_png, inspection_id)
        body: list[ft.Control] = [
            W.banner(S.COMPLETED_READ_ONLY, fg=T.OK, bg=T.OK_BG, icon=ft.Icons.TASK_ALT),
            summary_card,
            ft.Text(S.SIGNED_BY.format(signer_label=SIGNATURE_FIELDS["signer_name"], name=insp.signer_name or "",
                                       signed_label=SIGNATURE_FIELDS["signed_at"], at=W.fmt_dt(insp.signed_at)),
                    size=15, color=T.TEXT),
        ]
        if png:
            body.append(ft.Container(ft.Image(src=png, width=340, fit=ft.BoxFit.CONTAIN),
                                     border=ft.Border.all(1, T.BORDER), border_radius=8))
        body += hazards_section
        body += [
            W.button(S.VIEW_LEDGER, ui.go_handler("/ledger"), icon=ft.Icons.LIST_ALT),
            W.button(S.VIEW_RECORD, ui.go_handler(f"/run/{inspection_id}"), variant="outlined"),
        ]
        return ui.view(S.FINISHED_TITLE, body, parent="/", bottom=[
            W.button(S.BACK_HOME, ui.go_handler("/"), variant="outlined", icon=ft.Icons.HOME_OUTLINED, expand=1)])

    problems, signing, complete = _signing(ui, state, summary)
    body = [summary_card, problems, *hazards_section, *signing]
    return ui.view(S.FINISH_TITLE, body, parent=f"/run/{inspection_id}", bottom=[complete])


def _summary_card(state: InspectionState, summary: Summary) -> ft.Control:
    rows: list[ft.Control] = [
        ft.Text(f"{state.site.name} · {state.checklist.title}", size=18, weight=ft.FontWeight.W_700,
                color=T.TEXT),
        ft.Text(S.ANSWERED_ITEMS.format(answered=summary.answered, total=summary.total), size=17, color=T.TEXT,
                key="answered"),
    ]
    if summary.hazards_by_severity:
        for label, n in summary.hazards_by_severity.items():
            rows.append(ft.Text(S.HAZARDS_OF_SEVERITY.format(label=label, n=n), size=16, color=T.DANGER,
                                weight=ft.FontWeight.W_600))
    else:
        rows.append(ft.Text(S.NO_HAZARDS, size=16, color=T.OK, weight=ft.FontWeight.W_600))
    rating = summary.rating
    if rating is not None:
        colour = rating.colour
        rows.append(ft.Row([
            ft.Container(ft.Text(S.RATING_COLOUR.format(colour=colour), size=18,
                                 color=T.RATING_TEXT_COLOURS.get(colour, T.ON_PRIMARY), weight=ft.FontWeight.W_700),
                         bgcolor=T.RATING_COLOURS.get(colour, T.MUTED), border_radius=8,
                         padding=ft.Padding.symmetric(horizontal=14, vertical=6)),
            ft.Text(rating.label, size=16, color=T.TEXT, expand=True),
        ]))
    return W.card(ft.Column(rows, spacing=6), bgcolor=T.SURFACE)


def _hazard_list(ui: AppUI, state: InspectionState) -> ft.Column:
    hazard_list = ft.Column(spacing=6)
    for h in state.all_hazards:
        line = S.HAZARD_LINE.format(source=HAZARD_SOURCE_LABELS[h.source], n=len(h.photo_shas))
        hazard_list.controls.append(W.card(ft.Column([
            ft.Row([W.severity_pill(h.severity), ft.Text(line, size=14, color=T.MUTED)], wrap=True),
            ft.Text(state.severity_text(h), size=14, color=T.DANGER) if h.severity == MAJOR else ft.Container(),
            ft.Text(h.description, size=15, color=T.TEXT),
        ], spacing=4), on_click=ui.go_handler(f"/hazard/{h.id}"), padding=10))
    return hazard_list


def _findings_section(title: str, level: str, findings: list[FindingRecord]) -> list[ft.Control]:
    """预警 / 记录并报告 findings: listed with what their level means, no 整改 and no link."""
    if not findings:
        return []
    rows: list[ft.Control] = [ft.Text(LEVEL_LABELS[level], size=14, color=T.MUTED)]
    rows += [W.card(ft.Text(f.text, size=15, color=T.TEXT), padding=10, bgcolor=T.WARN_BG, border=T.WARN)
             for f in findings]
    return [W.section_title(title.format(n=len(findings))), ft.Column(rows, spacing=6)]


def _signing(ui: AppUI, state: InspectionState,
             summary: Summary) -> tuple[ft.Column, list[ft.Control], ft.Control]:
    """What blocks completion; the signature pad; 完成检查 (a draft inspection)."""
    device = ui.device
    inspection_id = state.inspection.id
    problems_col = ft.Column(spacing=4)

    def show_problems(problems: list[str]) -> None:
        problems_col.controls = [W.banner(p) for p in problems]

    show_problems(summary.problems)
    err = W.error_text()
    pad_w = 520 if ui.wide else max(260, min(360, (ui.page.width or 390) - 40))
    # What was typed / drawn survives going back to the checklist and returning (same session).
    draft = ui.signature_drafts.setdefault(inspection_id, SignatureDraft())

    def remember_strokes() -> None:
        draft.strokes = [list(stroke) for stroke in pad.strokes]

    pad = SignaturePad(width=pad_w, height=180, on_change=remember_strokes)
    if draft.strokes and draft.width == pad_w:
        pad.load(draft.strokes)
    draft.width = pad_w
    stored_name = state.inspection.signer_name or ""
    # The representative is most often the site's contact: their name is there to keep or change.
    first_name = stored_name or state.site.contact_name

    async def on_name(e: ft.Event) -> None:
        draft.name = e.control.value or ""

    signer = W.field(S.SIGNER_FIELD, draft.name if draft.name is not None else first_name, hint=S.SIGNER_HINT,
                     on_change=on_name)
    signed_note = ft.Text(S.SIGNED_UNCHANGED if state.signature_valid else "", size=14, color=T.OK,
                          visible=state.signature_valid)
    from_contact = ft.Text(S.SIGNER_FROM_CONTACT, size=14, color=T.MUTED,
                           visible=not stored_name and draft.name is None and bool(state.site.contact_name))

    async def clear(_e: ft.Event) -> None:
        pad.clear()
        draft.strokes = []
        if state.signature_valid:
            signed_note.value, signed_note.color, signed_note.visible = S.PAD_CLEARED, T.WARN, True
            ui.toast(S.PAD_CLEARED)

    async def complete(_e: ft.Event) -> None:
        err.visible = False
        name = (signer.value or "").strip()
        try:
            if not pad.empty:
                await ui.call(device.signoff.sign, inspection_id, signer_name=name, png=pad.to_png())
            elif not state.signature_valid:
                err.value, err.visible = S.NEED_SIGNATURE, True
                ui.toast(S.NEED_SIGNATURE, error=True)
                return
            elif name != stored_name.strip():
                err.value, err.visible = S.SIGNER_CHANGED, True
                ui.toast(S.SIGNER_CHANGED, error=True)
                return
            await ui.call(device.signoff.complete, inspection_id)
        except CompletionRefused as exc:
            show_problems(exc.problems)
            err.value, err.visible = S.CANNOT_COMPLETE, True
            ui.toast(S.CANNOT_COMPLETE, error=True)  # the bar's button may be far from the list above
            return
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            ui.toast(err.value, error=True)
            return
        ui.signature_drafts.pop(inspection_id, None)
        ui.toast(S.COMPLETED)
        await ui.render()

    return problems_col, [
        W.button(S.BACK_TO_INSPECTION, ui.go_handler(f"/run/{inspection_id}"), variant="outlined",
                 icon=ft.Icons.ARROW_BACK),
        W.section_title(S.SIGNATURE_SECTION),
        ft.Text(S.SIGNATURE_MEANS, size=14, color=T.MUTED),
        signer,
        from_contact,
        ft.Row([pad.control], alignment=ft.MainAxisAlignment.CENTER),
        ft.Row([W.button(S.CLEAR_SIGNATURE, clear, variant="outlined", icon=ft.Icons.CLEAR), signed_note],
               wrap=True),
        err,
    ], W.button(S.COMPLETE, complete, variant="ok", icon=ft.Icons.TASK_ALT, height=60, expand=1)
