"""One hazard in the 隐患台账: its fields and photos, the lifecycle moves it allows (开始整改,
提交复查 …), the 复查 form while it awaits review, and its 复查 history."""

from __future__ import annotations

import flet as ft

from app.services import (
    AWAITING_REVIEW,
    HAZARD_FIELDS,
    RECTIFYING,
    REVIEW_FIELDS,
    REVIEW_RESULT,
    AnXunError,
    Decision,
    HazardRow,
    Review,
    awaits_review,
    severity_label,
)

from . import strings as S
from . import theme as T
from . import widgets as W
from .draft_photos import DraftPhotos
from .drafts import ReviewDraft
from .errors import message_for
from .shell import AppUI

#: Icons of the lifecycle buttons, by the status they move to.
ACTION_ICONS = {RECTIFYING: ft.Icons.BUILD_OUTLINED, AWAITING_REVIEW: ft.Icons.FACT_CHECK_OUTLINED}


async def build_detail(ui: AppUI, hazard_id: str, *, photo_size: int = 160) -> ft.Column:
    """The detail of one hazard.

    :param photo_size: the side of its photos' squares, e.g. ``200`` in a tablet's pane.
    """
    device = ui.device
    h = await ui.call(device.hazards.get, hazard_id)
    reviews = await ui.call(device.reviews.of, hazard_id)
    err = W.error_text()

    col: list[ft.Control] = [*await _facts(ui, h, photo_size)]

    async def move(to: str) -> None:
        try:
            await ui.call(device.hazards.transition, hazard_id, to)
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            ui.page.update()
            return
        ui.toast(S.STATUS_CHANGED.format(status=to))
        await ui.render()

    def move_handler(to: str):
        async def handler(_e: ft.Event) -> None:
            await move(to)

        return handler

    actions = [W.button(label, move_handler(to), icon=ACTION_ICONS.get(to), variant="filled" if n == 0 else "outlined")
               for n, (to, label) in enumerate(await ui.call(device.hazards.actions, hazard_id))]
    if actions:
        col += [W.section_title(S.RECTIFICATION), ft.Row(actions, wrap=True, spacing=10, run_spacing=10)]
    if h.editable:
        col.append(W.button(S.EDIT_HAZARD, ui.go_handler(f"/hazard/{h.id}"), variant="text",
                            icon=ft.Icons.EDIT_OUTLINED))
    if awaits_review(h.status):
        col += await _review_form(ui, h, err)
    col.append(err)
    col += await _review_history(ui, reviews)
    return ft.Column(col, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)


async def _facts(ui: AppUI, h: HazardRow, photo_size: int) -> list[ft.Control]:
    """Status, description, the record's fields and its photos."""

    def info(label: str, value: str) -> ft.Control:
        return ft.Row([ft.Text(label, size=15, color=T.MUTED, width=110),
                       ft.Text(value or "—", size=16, color=T.TEXT, expand=True)],
                      vertical_alignment=ft.CrossAxisAlignment.START)

    chips = [W.status_pill(h.status), W.severity_pill(h.severity)]
    if h.overdue:
        chips.insert(0, W.overdue_pill())
    if h.listed:
        chips.append(W.pill(S.LISTED, fg=T.ON_PRIMARY, bg=T.DANGER))
    photos = await ui.photos.thumbnails(h.photo_shas, size=photo_size)
    question = ui.device.hazards.item_question(h)
    f = HAZARD_FIELDS
    rows: list[ft.Control] = [
        ft.Row(chips, wrap=True),
        ft.Text(h.description, size=18, weight=ft.FontWeight.W_700, color=T.TEXT),
        info(f["site"], S.SITE_IN_GRID.format(site=h.site_name, grid=h.grid) if h.grid else h.site_name),
        info(f["severity"], ui.device.hazards.severity_text(h)),
        info(f["location"], h.location),
        info(f["rect_unit"], h.rect_unit),
        info(f["requirement"], h.requirement),
        info(f["deadline"], h.deadline.isoformat() + (S.IS_OVERDUE if h.overdue else "")),
        info(f["item_id"], S.COMBINED_FROM.format(n=len(h.element_items)) if h.source == "combination"
             else question or S.FOUND_ON_SITE),
        info(f["created_at"], W.fmt_dt(h.created_at)),
    ]
    if h.closed_at:
        rows.append(info(f["closed_at"], W.fmt_dt(h.closed_at)))
    rows += [ft.Text(S.PHOTOS_OF_HAZARD.format(n=len(h.photo_shas)), size=16, weight=ft.FontWeight.W_600,
                     color=T.TEXT), photos]
    rows += _decisions(await ui.call(ui.device.sync.decisions, h.id))
    return rows


def _decisions(decisions: list[Decision]) -> list[ft.Control]:
    """Office decisions on the hazard (pulled from the central endpoint), oldest first."""
    if not decisions:
        return []
    rows: list[ft.Control] = [ft.Text(S.DECISIONS.format(n=len(decisions)), size=16, weight=ft.FontWeight.W_600,
                                      color=T.TEXT)]
    for d in decisions:
        what = [S.DECISION_DEADLINE.format(deadline=d.deadline.isoformat()) if d.deadline else "",
                S.DECISION_SEVERITY.format(severity=severity_label(d.severity)) if d.severity else "",
                {True: S.DECISION_LISTED, False: S.DECISION_UNLISTED}.get(d.listed, "")]
        rows.append(W.card(ft.Column([
            ft.Text(S.LIST_SEPARATOR.join(w for w in what if w), size=15, color=T.TEXT, weight=ft.FontWeight.W_600),
            ft.Text(d.note or S.NO_NOTE, size=15, color=T.TEXT),
            ft.Text(S.DECISION_BY.format(by=d.decided_by, at=W.fmt_dt(d.decided_at)), size=14, color=T.MUTED),
        ], spacing=2), padding=10))
    return rows



async def _review_form(ui: AppUI, h: HazardRow, err: ft.Text) -> list[ft.Control]:
    """复查: reviewer, note, photos, 复查合格 / 复查不合格. What was typed and photographed
    survives leaving and coming back (same session)."""
    device = ui.device
    hazard_id = h.id
    if hazard_id not in ui.review_drafts:
        settings = await ui.call(device.settings.current)
        ui.review_drafts[hazard_id] = ReviewDraft(reviewer=settings.inspector_name)
    draft = ui.review_drafts[hazard_id]

    async def keep_reviewer(e: ft.Event) -> None:
        draft.reviewer = e.control.value or ""

    async def keep_note(e: ft.Event) -> None:
        draft.note = e.control.value or ""

    reviewer = W.field(REVIEW_FIELDS["reviewer"], draft.reviewer, on_change=keep_reviewer)
    note = W.field(REVIEW_FIELDS["note"], draft.note, multiline=True, on_change=keep_note)
    photos = DraftPhotos(ui, draft.photos, err, add_label=S.ADD_REVIEW_PHOTO, count_text=S.REVIEW_PHOTO_COUNT,
                         key="review-photo-count", size=90)

    async def review(passed: bool) -> None:
        try:
            await ui.call(device.reviews.record, hazard_id, reviewer=reviewer.value or "", passed=passed,
                          note=note.value or "", photos=list(draft.photos))
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            ui.page.update()
            return
        ui.review_drafts.pop(hazard_id, None)
        ui.toast(S.REVIEW_PASSED_DONE if passed else S.REVIEW_FAILED_DONE)
        await ui.render()

    async def passed(_e: ft.Event) -> None:
        await review(True)

    async def failed(_e: ft.Event) -> None:
        await review(False)

    return [
        W.section_title(S.REVIEW_SECTION),
        reviewer,
        note,
        *photos.controls(),
        ft.Row([W.button(REVIEW_RESULT[True], passed, variant="ok", expand=1, icon=ft.Icons.VERIFIED_OUTLINED),
                W.button(REVIEW_RESULT[False], failed, variant="danger", expand=1)], spacing=10),
    ]


async def _review_history(ui: AppUI, reviews: list[Review]) -> list[ft.Control]:
    rows: list[ft.Control] = [W.section_title(S.REVIEW_HISTORY.format(n=len(reviews)))]
    if not reviews:
        rows.append(ft.Text(S.NO_REVIEWS, size=15, color=T.MUTED))
    for r in reviews:
        thumbs = await ui.photos.thumbnails(r.photo_shas, size=80)
        rows.append(W.card(ft.Column([
            ft.Row([W.pill(S.REVIEW_PASSED if r.passed else S.REVIEW_FAILED, fg=T.OK if r.passed else T.DANGER,
                           bg=T.BG),
                    ft.Text(S.REVIEWER_AT.format(reviewer=r.reviewer, at=W.fmt_dt(r.reviewed_at)), size=14,
                            color=T.MUTED)], wrap=True),
            ft.Text(r.note or S.NO_NOTE, size=15, color=T.TEXT),
            thumbs,
        ], spacing=4), padding=10))
    return rows
