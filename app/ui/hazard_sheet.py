"""Hazard sheet: description, severity, location, photos, 整改责任单位/要求/期限 — each saved on change."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

import flet as ft

from . import theme as T
from . import widgets as W

log = logging.getLogger(__name__)


async def build(ui: Any, hazard_id: str) -> ft.View:
    svc = ui.svc
    h = await ui.call(svc.hazard, hazard_id)
    editable = h.status != "已销号"
    if h.inspection_id:
        insp = await ui.call(svc.get_inspection, h.inspection_id)
        editable = editable and insp.status == "draft"
        back = f"/run/{h.inspection_id}" if insp.status == "draft" else f"/ledger/{h.id}"
    else:
        back = f"/ledger/{h.id}"
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
            row = await ui.call(lambda: svc.update_hazard(hazard_id, **changes))
        except Exception as exc:  # noqa: BLE001 - InvalidAnswer / InspectionLocked carry .message
            err.value, err.visible = getattr(exc, "message", None) or f"保存失败：{exc}", True
            saved.value = ""
            return None
        err.value, err.visible = "", False
        saved.value = "已保存"
        for k in values:
            v = getattr(row, k)
            values[k] = v.isoformat() if isinstance(v, date) else v
        return row

    pending: dict[str, str] = {}
    timer: dict[str, Any] = {"task": None}

    async def flush() -> None:
        while pending:
            name, value = next(iter(pending.items()))
            del pending[name]
            if value != values[name]:
                await persist(**{name: value})
        ui.page.update()

    async def flush_later() -> None:
        import asyncio

        await asyncio.sleep(0.8)
        timer["task"] = None
        await flush()

    def on_change_of(name: str):
        def handler(e: Any) -> None:
            pending[name] = (e.control.value or "").strip()
            if timer["task"] is None:
                timer["task"] = ui.page.run_task(flush_later)

        return handler

    def on_blur_of(name: str):
        async def handler(e: Any) -> None:
            pending[name] = (e.control.value or "").strip()
            await flush()

        return handler

    async def leave(_e: Any) -> None:
        if editable:
            for name, tf in (("description", description), ("location", location), ("rect_unit", rect_unit),
                             ("requirement", requirement), ("deadline", deadline)):
                if (tf.value or "").strip() != values[name]:
                    pending[name] = (tf.value or "").strip()
            await flush()
            if err.visible:
                return
        await ui.go(back)

    description = W.field("隐患描述", h.description, multiline=True, on_blur=on_blur_of("description"), on_change=on_change_of("description"),
                          read_only=not editable)
    location = W.field("隐患部位", h.location, hint="如：3号楼北侧消防车道", on_blur=on_blur_of("location"), on_change=on_change_of("location"),
                       read_only=not editable)
    rect_unit = W.field("整改责任单位", h.rect_unit, hint="如：XX物业服务中心", on_blur=on_blur_of("rect_unit"), on_change=on_change_of("rect_unit"),
                        read_only=not editable)
    requirement = W.field("整改要求", h.requirement, multiline=True, on_blur=on_blur_of("requirement"), on_change=on_change_of("requirement"),
                          read_only=not editable)
    deadline = W.field("整改期限（年-月-日）", h.deadline.isoformat(), on_blur=on_blur_of("deadline"),
                       on_submit=on_blur_of("deadline"), read_only=not editable,
                       keyboard=ft.KeyboardType.DATETIME)

    async def on_severity(key: str) -> None:
        from app.domain.lifecycle import default_deadline

        changes: dict[str, Any] = {"severity": key}
        today = await ui.call(svc.today)
        current = await ui.call(svc.hazard, hazard_id)
        # An untouched 整改期限 follows the severity's default; one the inspector set stays.
        if current.deadline == default_deadline(current.severity, today):
            changes["deadline"] = default_deadline(key, today)
        row = await persist(**changes)
        if row is not None:
            deadline.value = row.deadline.isoformat()
        ui.page.update()

    severity = W.choice_chips([("一般", W.severity_label("一般")), ("重大", W.severity_label("重大"))],
                              h.severity, on_severity)
    severity.disabled = not editable

    async def pick_deadline(_e: Any) -> None:
        async def picked(e: Any) -> None:
            v = e.control.value
            if v is None:
                return
            d = v.date() if isinstance(v, datetime) else v
            deadline.value = d.isoformat()
            await persist(deadline=d.isoformat())
            ui.page.update()

        ui.page.show_dialog(ft.DatePicker(
            value=datetime.combine(h.deadline, datetime.min.time()), first_date=datetime(2000, 1, 1),
            last_date=datetime(2100, 12, 31), on_change=picked, help_text="整改期限",
            cancel_text="取消", confirm_text="确定"))

    async def add_photo(_e: Any) -> None:
        try:
            blobs = await ui.pick_photos()
        except Exception as exc:  # noqa: BLE001
            err.value, err.visible = getattr(exc, "message_zh", None) or str(exc), True
            ui.page.update()
            return
        if not blobs:
            return
        problems = []
        for data in blobs:
            try:
                await ui.call(svc.add_hazard_photo, hazard_id, data)
            except Exception as exc:  # noqa: BLE001 - PhotoError.message_zh
                problems.append(getattr(exc, "message_zh", None) or getattr(exc, "message", None) or str(exc))
        row = await ui.call(svc.hazard, hazard_id)
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
