"""设置: inspector, sync (sign in/out, refused entries: ``sync_settings``), photo quality, watermark,
text size — saved on change."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.services import AnXunError, AppSettings

from . import strings as S
from . import sync_settings
from . import theme as T
from . import widgets as W
from .autosave import AutoSaver
from .errors import message_for
from .shell import AppUI


async def build(ui: AppUI) -> ft.View:
    device = ui.device
    current = await ui.call(device.settings.current)
    err = W.error_text()
    saved = ft.Text("", size=14, color=T.OK, key="settings-saved")
    #: what is saved
    values: dict[str, Any] = current.model_dump()

    async def persist(**changes: Any) -> AppSettings | None:
        try:
            new = await ui.call(device.settings.update, **changes)
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            saved.value = ""
            ui.page.update()
            return None
        values.update(new.model_dump())
        err.value, err.visible = "", False
        saved.value = S.SAVED
        ui.page.update()
        return new

    async def save_field(name: str, value: Any) -> bool:
        if values.get(name) == value:
            return True
        return await persist(**{name: value}) is not None

    saver = AutoSaver(ui.page, save_field)
    fields: dict[str, ft.TextField] = {}

    async def flush() -> bool:
        for name, tf in fields.items():
            value = (tf.value or "").strip()
            if value != (values.get(name) or ""):
                saver.pending[name] = value
        await saver.flush()
        return True  # a refused value stays shown in the error line; never trap the worker here

    ui.on_leave = flush

    def text_field(label: str, name: str, **kw: Any) -> ft.TextField:
        fields[name] = W.field(label, str(values.get(name) or ""), on_change=saver.on_change(name),
                               on_blur=saver.on_blur(name), **kw)
        return fields[name]

    async def on_quality(key: str) -> None:
        await persist(photo_quality=int(key))

    async def on_scale(key: str) -> None:
        await flush()  # the re-render below rebuilds the fields
        scale = float(key)
        if await persist(text_scale=scale) is not None:
            ui.scale = scale
            T.apply(ui.page, scale)
            await ui.render()

    async def on_watermark(e: ft.Event) -> None:
        await persist(watermark=bool(e.control.value))

    quality = current.photo_quality
    qualities = [(str(v), label) for v, label in S.QUALITIES.items()]
    if quality not in S.QUALITIES:
        qualities.append((str(quality), S.CURRENT_VALUE.format(value=quality)))
    scale = current.text_scale
    scales = [(str(v), label) for v, label in S.SCALES.items()]
    if scale not in S.SCALES:
        scales.append((str(scale), S.CURRENT_VALUE.format(value=f"{scale:g}")))

    body: list[ft.Control] = [
        W.section_title(S.INSPECTOR_SECTION),
        text_field(S.INSPECTOR_NAME, "inspector_name"),
        text_field(S.INSPECTOR_ID, "inspector_id"),
        *await sync_settings.section(ui),
        W.section_title(S.PHOTO),
        ft.Text(S.PHOTO_QUALITY, size=16, color=T.TEXT),
        W.choice_chips(qualities, str(quality), on_quality),
        W.switch(S.WATERMARK, current.watermark, on_watermark),
        W.section_title(S.DISPLAY_SECTION),
        ft.Text(S.TEXT_SIZE, size=16, color=T.TEXT),
        W.choice_chips(scales, str(scale), on_scale),
        err,
        saved,
    ]
    return ui.view(S.SETTINGS, body, parent="/")
