"""记录其他隐患: a hazard seen on site that no checklist item covers. Nothing is recorded until
the inspector saves it — backing out leaves no hazard behind; what was typed and photographed is
kept for this session in case they come back. Once saved it opens on the hazard sheet, where the
rest (整改责任单位, 要求, 期限) is filled in like any hazard's."""

from __future__ import annotations

import flet as ft

from app.services import GENERAL, HAZARD_FIELDS, MAJOR, SEVERITY_LABELS, AnXunError

from . import strings as S
from . import theme as T
from . import widgets as W
from .drafts import OtherHazardDraft
from .errors import guard, message_for
from .photo_viewer import show_photo
from .shell import AppUI


async def build(ui: AppUI, inspection_id: str) -> ft.View:
    device = ui.device
    state = await ui.call(device.inspections.state, inspection_id)
    back = f"/run/{inspection_id}"
    if state.locked:
        return ui.message_view(S.OTHER_HAZARD_TITLE, S.READ_ONLY)
    draft = ui.other_hazard_drafts.setdefault(inspection_id, OtherHazardDraft())
    err = W.error_text()

    def keep(name: str):  # noqa: ANN202 - a change handler
        async def handler(e: ft.Event) -> None:
            setattr(draft, name, e.control.value or "")

        return handler

    description = W.field(HAZARD_FIELDS["description"], draft.description, multiline=True, hint=S.OTHER_HAZARD_HINT,
                          on_change=keep("description"))
    location = W.field(HAZARD_FIELDS["location"], draft.location, hint=S.LOCATION_HINT, on_change=keep("location"))

    async def on_severity(key: str) -> None:
        draft.severity = key

    severity = W.choice_chips([(GENERAL, SEVERITY_LABELS[GENERAL]), (MAJOR, SEVERITY_LABELS[MAJOR])],
                              draft.severity or GENERAL, on_severity)
    count = ft.Text(S.OTHER_HAZARD_PHOTOS.format(n=len(draft.photos)), size=15, color=T.TEXT, key="other-photos")
    thumbs = ft.Row(wrap=True, spacing=8)

    def opener(data: bytes, n: int):  # noqa: ANN202 - a click handler
        async def open_full(_e: ft.Event) -> None:
            show_photo(ui.page, data, index=n, count=len(draft.photos))

        return open_full

    def show_photos() -> None:
        count.value = S.OTHER_HAZARD_PHOTOS.format(n=len(draft.photos))
        thumbs.controls = [ft.Semantics(label=S.PHOTO, image=True, content=ft.Container(
            ft.Image(src=data, width=96, height=96, fit=ft.BoxFit.COVER), on_click=guard(opener(data, n)),
            border=ft.Border.all(1, T.BORDER), border_radius=8, clip_behavior=ft.ClipBehavior.HARD_EDGE))
            for n, data in enumerate(draft.photos, 1)]

    show_photos()

    async def add_photo(_e: ft.Event) -> None:
        try:
            draft.photos.extend(await ui.photos.pick())
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
        show_photos()
        ui.page.update()

    async def save(_e: ft.Event) -> None:
        text = (description.value or "").strip()
        if not text:
            err.value, err.visible = S.NEED_DESCRIPTION, True
            ui.page.update()
            return
        try:
            hazard = await ui.call(device.hazards.create, site_id=state.site.id, inspection_id=inspection_id,
                                   description=text, location=(location.value or "").strip(),
                                   severity=draft.severity or GENERAL, photos=list(draft.photos))
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            ui.page.update()
            return
        ui.other_hazard_drafts.pop(inspection_id, None)
        ui.seen_hazards.add(hazard.id)
        ui.toast(S.SAVED)
        await ui.go(f"/hazard/{hazard.id}")

    body: list[ft.Control] = [
        ft.Text(f"{state.site.name} · {state.checklist.title}", size=15, color=T.MUTED),
        description,
        ft.Text(HAZARD_FIELDS["severity"], size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        severity,
        location,
        ft.Text(S.PHOTO, size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        ft.Row([W.button(S.ADD_PHOTO, add_photo, variant="outlined", icon=ft.Icons.ADD_A_PHOTO_OUTLINED), count],
               wrap=True),
        thumbs,
        err,
    ]
    return ui.view(S.OTHER_HAZARD_TITLE, body, parent=back,
                   bottom=[W.button(S.SAVE_HAZARD, save, icon=ft.Icons.SAVE_OUTLINED, expand=1)])
