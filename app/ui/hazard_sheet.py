"""Hazard sheet: description, severity, location, photos, 整改责任单位/要求/期限 — each saved on change."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import flet as ft

from app.services import HazardEdit, severity_label

from . import theme as T
from . import widgets as W

log = logging.getLogger(__name__)


async def build(ui: Any, hazard_id: str) -> ft.View:
    device = ui.device
    h = await ui.call(device.hazards.get, hazard_id)
    editable = h.editable
    back = f"/run/{h.inspection_id}" if h.inspection_id and h.inspection_status == "draft" else f"/ledger/{h.id}"
    err = W.error_text()
    saved = ft.Text("", size=14, color=T.OK)
    photos = await ui.thumbnails(h.photo_shas)
    photo_count = ft.Text(f"照片 {len(h.photo_shas)} 张", size=15, color=T.TEXT, key="photo-count")
    photo_note = ft.Text("此项隐患需要至少一张照片", size=14, color=T.DANGER,
                         visible=bool(h.photo_required and not h.photo_shas))
    values = {"description": h.description, "location": h.location, "rect_unit": h.rect_unit,
              "requirement": h.requirement, "deadline": h.deadline.isoformat()}

    async def persist(**changes: Any) -> Any:
        try:
            row = await ui.call(lambda: device.hazards.edit(hazard_id, HazardEdit(**changes)))
        except Exception as exc:  # noqa: BLE001 - shown in Chinese (unexpected ones are logged)
            err.value, err.visible = W.error_message(exc), True
            saved.value = ""
            return None
        err.value, err.visible = "", False
        saved.value = "已保存"
        for k in values:
            v = getattr(row, k)
            values[k] = v.isoformat() if isinstance(v, date) else v
        return row

    async def save_field(name: str, value: str) -> bool:
        if value == values[name]:
            return True
        return await persist(**{name: value}) is not None

    saver = W.AutoSaver(ui.page, save_field)
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

    ui.on_leave = flush  # the AppBar back arrow / Android back save first, like the button below

    async def leave(_e: Any) -> None:
        await ui.go(back)  # go() runs flush(); it stays here when a save fails

    def tf(name: str, label: str, value: str, **kw: Any) -> ft.TextField:
        fields[name] = W.field(label, value, on_blur=saver.on_blur(name), on_change=saver.on_change(name),
                               read_only=not editable, **kw)
        return fields[name]

    description = tf("description", "隐患描述", h.description, multiline=True)
    location = tf("location", "隐患部位", h.location, hint="如：3号楼北侧消防车道")
    rect_unit = tf("rect_unit", "整改责任单位", h.rect_unit, hint="如：XX物业服务中心")
    requirement = tf("requirement", "整改要求", h.requirement, multiline=True)
    deadline = tf("deadline", "整改期限（年-月-日）", h.deadline.isoformat(), on_submit=saver.on_blur("deadline"),
                  keyboard=ft.KeyboardType.DATETIME)

    async def on_severity(key: str) -> None:
        # The service moves an untouched (default) 整改期限 to the new severity's default.
        row = await persist(severity=key)
        if row is not None:
            deadline.value = row.deadline.isoformat()
        ui.page.update()

    severity = W.choice_chips([("一般", severity_label("一般")), ("重大", severity_label("重大"))],
                              h.severity, on_severity)
    severity.disabled = not editable

    async def pick_deadline(_e: Any) -> None:
        async def picked(e: Any) -> None:
            d = W.picked_date(e.control.value)
            if d is None:
                return
            deadline.value = d.isoformat()
            saver.pending.pop("deadline", None)
            await persist(deadline=d.isoformat())
            ui.page.update()

        try:
            current = date.fromisoformat(values["deadline"])
        except ValueError:
            current = h.deadline
        ui.page.show_dialog(ft.DatePicker(
            value=W.picker_value(current), first_date=W.picker_value(date(2000, 1, 1)),
            last_date=W.picker_value(date(2100, 12, 31)), on_change=picked, help_text="整改期限",
            cancel_text="取消", confirm_text="确定"))

    async def add_photo(_e: Any) -> None:
        try:
            blobs = await ui.pick_photos()
        except Exception as exc:  # noqa: BLE001 - PhotoUploadFailed.message, else logged
            err.value, err.visible = W.error_message(exc), True
            ui.page.update()
            return
        if not blobs:
            return
        problems = []
        for data in blobs:
            try:
                await ui.call(device.evidence.add_to_hazard, hazard_id, data)
            except Exception as exc:  # noqa: BLE001 - PhotoError.message
                problems.append(W.error_message(exc))
        row = await ui.call(device.hazards.get, hazard_id)
        new_row = await ui.thumbnails(row.photo_shas)
        photos.controls = new_row.controls
        photo_count.value = f"照片 {len(row.photo_shas)} 张"
        photo_note.visible = bool(row.photo_required and not row.photo_shas)
        err.value, err.visible = "；".join(problems), bool(problems)
        saved.value = "照片已保存" if not problems else ""
        ui.page.update()

    body: list[ft.Control] = [
        ft.Row([W.status_pill(h.status), W.severity_pill(h.severity), ft.Text(h.site_name, size=15, color=T.MUTED)],
               wrap=True),
    ]
    if not editable:
        body.append(W.banner("检查已完成或隐患已销号，隐患信息只读；整改进度请在隐患台账中处理",
                             fg=T.WARN, bg=T.WARN_BG, icon=ft.Icons.LOCK_OUTLINE))
    body += [
        description,
        ft.Text("严重程度", size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        severity,
        location,
        ft.Text("照片", size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        ft.Row([W.button("添加照片", add_photo, variant="outlined", icon=ft.Icons.ADD_A_PHOTO_OUTLINED,
                         disabled=not editable), photo_count], wrap=True),
        photo_note,
        photos,
        rect_unit,
        requirement,
        ft.Row([ft.Container(deadline, expand=True),
                W.button("选择日期", pick_deadline, variant="outlined", icon=ft.Icons.CALENDAR_MONTH,
                         disabled=not editable)]),
        err,
        saved,
        W.button("返回检查" if back.startswith("/run/") else "返回台账", leave,
                 icon=ft.Icons.ARROW_BACK),
    ]
    return ui.view("隐患信息", body, parent=back)
