"""Hazard sheet: description, severity, location, photos, 整改责任单位/要求/期限 — each saved on change;
leaving (button, back arrow, Android back) saves what was typed first and stays when it is refused.
Leaving a hazard that still needs its photo is allowed, and says so. A hazard recorded by hand can
be deleted while its inspection is a draft (after a yes)."""

from __future__ import annotations

from datetime import date, timedelta

import flet as ft

from app.services import (
    DRAFT,
    GENERAL,
    HAZARD_FIELDS,
    MAJOR,
    AnXunError,
    HazardEdit,
    HazardRow,
)

from . import strings as S
from . import theme as T
from . import widgets as W
from .autosave import AutoSaver
from .calendar import CalendarDialog
from .errors import message_for
from .shell import AppUI

#: The fields typed into, by ``HazardEdit`` name.
TEXT_FIELDS = ("description", "location", "rect_unit", "requirement", "deadline")


async def build(ui: AppUI, hazard_id: str) -> ft.View:
    device = ui.device
    h = await ui.call(device.hazards.get, hazard_id)
    editable = h.editable
    back = f"/run/{h.inspection_id}" if h.inspection_id and h.inspection_status == DRAFT else f"/ledger/{h.id}"
    err = W.error_text()
    saved = ft.Text("", size=14, color=T.OK)
    photos = await ui.photos.thumbnails(h.photo_shas)
    photo_count = ft.Text(S.PHOTO_COUNT.format(n=len(h.photo_shas)), size=15, color=T.TEXT, key="photo-count")
    photo_note = ft.Text(S.PHOTO_REQUIRED, size=14, color=T.DANGER,
                         visible=bool(h.photo_required and not h.photo_shas))
    #: what is saved, as the fields show it
    values = _field_values(h)

    async def persist(edit: HazardEdit) -> HazardRow | None:
        try:
            row = await ui.call(device.hazards.edit, hazard_id, edit)
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            saved.value = ""
            return None
        err.value, err.visible = "", False
        saved.value = S.SAVED
        values.update(_field_values(row))
        return row

    async def save_field(name: str, value: str) -> bool:
        if value == values[name]:
            return True
        return await persist(HazardEdit(**{name: value})) is not None

    saver = AutoSaver(ui.page, save_field)
    fields: dict[str, ft.TextField] = {}

    async def flush() -> bool:
        """Save whatever was typed; True when everything is saved."""
        if not editable:
            return True
        for name, tf in fields.items():
            if (tf.value or "").strip() != values[name]:
                saver.pending[name] = (tf.value or "").strip()
        ok = await saver.flush()
        if ok:
            err.value, err.visible = "", False
        return ok

    async def leave_hook() -> bool:
        ok = await flush()
        if ok and editable and photo_note.visible:
            ui.toast(S.PHOTO_STILL_NEEDED, error=True)  # allowed to leave; the gap is said plainly
        return ok

    ui.on_leave = leave_hook  # the AppBar back arrow / Android back save first, like the button below

    async def leave(_e: ft.Event) -> None:
        await ui.go(back)  # go() runs flush(); it stays here when a save fails

    def tf(name: str, label: str, **kw: object) -> ft.TextField:
        fields[name] = W.field(label, values[name], on_blur=saver.on_blur(name), on_change=saver.on_change(name),
                               read_only=not editable, **kw)
        return fields[name]

    description = tf("description", HAZARD_FIELDS["description"], multiline=True)
    location = tf("location", HAZARD_FIELDS["location"], hint=S.LOCATION_HINT)
    rect_unit = tf("rect_unit", HAZARD_FIELDS["rect_unit"], hint=S.RECT_UNIT_HINT)
    requirement = tf("requirement", HAZARD_FIELDS["requirement"], multiline=True)
    deadline = tf("deadline", S.DEADLINE_FIELD, on_submit=saver.on_blur("deadline"),
                  keyboard=ft.KeyboardType.DATETIME)

    async def on_severity(key: str) -> None:
        # The service moves an untouched (default) 整改期限 to the new severity's default.
        row = await persist(HazardEdit(severity=key))
        if row is not None:
            deadline.value = row.deadline.isoformat()
        ui.page.update()

    # 疑似重大 names who determines it (住建部门 for a 危房 …), as the item's checklist says.
    labels = {s: device.hazards.severity_text(h.model_copy(update={"severity": s})) for s in (GENERAL, MAJOR)}
    severity = W.choice_chips([(s, labels[s]) for s in (GENERAL, MAJOR)], h.severity, on_severity)
    severity.disabled = not editable

    async def picked_deadline(day: date) -> None:
        deadline.value = day.isoformat()
        saver.pending.pop("deadline", None)
        await persist(HazardEdit(deadline=day.isoformat()))
        ui.page.update()

    async def pick_deadline(_e: ft.Event) -> None:
        try:
            current = date.fromisoformat(values["deadline"])
        except ValueError:
            current = h.deadline
        today = device.today()
        shortcuts = [(S.IN_DAYS.format(n=n), today + timedelta(days=n)) for n in (7, 15, 30)]
        CalendarDialog(ui.page, picked_deadline, value=current, today=today, first=today, shortcuts=shortcuts,
                       title=HAZARD_FIELDS["deadline"]).open()

    async def delete(_e: ft.Event) -> None:
        if not await W.confirm(ui.page, title=S.DELETE_HAZARD_TITLE, yes=S.DELETE, no=S.CANCEL,
                               body=S.DELETE_HAZARD_BODY.format(description=values["description"])):
            return
        try:
            await ui.call(device.hazards.delete, hazard_id)
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            ui.page.update()
            return
        ui.on_leave = None  # nothing left to save
        ui.toast(S.HAZARD_DELETED)
        await ui.go(back)

    async def add_photo(_e: ft.Event) -> None:
        try:
            blobs = await ui.photos.pick()
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            ui.page.update()
            return
        if not blobs:
            return
        problems = []
        for data in blobs:
            try:
                await ui.call(device.evidence.add_to_hazard, hazard_id, data)
            except AnXunError as exc:  # e.g. not an image: the others are still stored
                problems.append(message_for(exc))
        row = await ui.call(device.hazards.get, hazard_id)
        photos.controls = (await ui.photos.thumbnails(row.photo_shas)).controls
        photo_count.value = S.PHOTO_COUNT.format(n=len(row.photo_shas))
        photo_note.visible = bool(row.photo_required and not row.photo_shas)
        err.value, err.visible = S.LIST_SEPARATOR.join(problems), bool(problems)
        saved.value = S.PHOTOS_SAVED if not problems else ""
        ui.page.update()

    body: list[ft.Control] = [
        ft.Row([W.status_pill(h.status), W.severity_pill(h.severity), ft.Text(h.site_name, size=15, color=T.MUTED)],
               wrap=True),
    ]
    if not editable:
        body.append(W.banner(S.HAZARD_READ_ONLY, fg=T.WARN, bg=T.WARN_BG, icon=ft.Icons.LOCK_OUTLINE))
    body += [
        description,
        ft.Text(HAZARD_FIELDS["severity"], size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        severity,
        location,
        ft.Text(S.PHOTO, size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        ft.Row([W.button(S.ADD_PHOTO, add_photo, variant="outlined", icon=ft.Icons.ADD_A_PHOTO_OUTLINED,
                         disabled=not editable), photo_count], wrap=True),
        photo_note,
        photos,
        rect_unit,
        requirement,
        ft.Row([ft.Container(deadline, expand=True),
                W.button(S.PICK_DATE, pick_deadline, variant="outlined", icon=ft.Icons.CALENDAR_MONTH,
                         disabled=not editable)]),
        err,
        saved,
    ]
    if editable and h.source == "manual" and h.inspection_status == DRAFT:
        body.append(W.button(S.DELETE_HAZARD, delete, variant="text", icon=ft.Icons.DELETE_OUTLINE))
    leave_button = W.button(S.BACK_TO_INSPECTION if back.startswith("/run/") else S.BACK_TO_LEDGER, leave,
                            icon=ft.Icons.ARROW_BACK, expand=1)
    return ui.view(S.HAZARD_TITLE, body, parent=back, bottom=[leave_button])


def _field_values(h: HazardRow) -> dict[str, str]:
    """The saved text of each field, e.g. ``{"deadline": "2026-12-20", …}``."""
    values = {name: getattr(h, name) for name in TEXT_FIELDS}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
