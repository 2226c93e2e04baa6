"""设置: inspector, central endpoint, credentials, photo quality, watermark, text size — saved on change."""

from __future__ import annotations

from typing import Any

import flet as ft

from . import theme as T
from . import widgets as W

QUALITIES = [(60, "省流量 60"), (80, "标准 80"), (95, "高清 95")]
SCALES = [(1.0, "标准"), (1.2, "大"), (1.4, "特大")]


async def build(ui: Any) -> ft.View:
    device = ui.device
    s = await ui.call(device.settings.current)
    err = W.error_text()
    saved = ft.Text("", size=14, color=T.OK, key="settings-saved")
    values = s.model_dump() if hasattr(s, "model_dump") else dict(vars(s))

    async def persist(**changes: Any) -> bool:
        try:
            new = await ui.call(lambda: device.settings.update(**changes))
        except Exception as exc:  # noqa: BLE001 - InvalidAnswer.message; unexpected ones are logged
            err.value, err.visible = W.error_message(exc), True
            saved.value = ""
            ui.page.update()
            return False
        values.update(new.model_dump() if hasattr(new, "model_dump") else changes)
        err.value, err.visible = "", False
        saved.value = "已保存"
        ui.page.update()
        return True

    async def save_field(name: str, value: Any) -> bool:
        if values.get(name) == value:
            return True
        return await persist(**{name: value})

    saver = W.AutoSaver(ui.page, save_field)
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
        if await persist(text_scale=scale):
            from . import theme

            ui.scale = scale
            theme.apply(ui.page, scale)
            await ui.render()

    async def on_watermark(e: Any) -> None:
        await persist(watermark=bool(e.control.value))

    q = int(values.get("photo_quality") or 80)
    q_options = [(str(v), lbl) for v, lbl in QUALITIES]
    if str(q) not in dict(q_options):
        q_options.append((str(q), f"当前 {q}"))
    sc = float(values.get("text_scale") or 1.0)
    sc_options = [(str(v), lbl) for v, lbl in SCALES]
    if str(sc) not in dict(sc_options):
        sc_options.append((str(sc), f"当前 {sc:g}"))

    body: list[ft.Control] = [
        W.section_title("检查员"),
        text_field("检查员姓名", "inspector_name"),
        text_field("检查员编号", "inspector_id"),
        W.section_title("数据同步"),
        text_field("数据中心地址", "endpoint_url", hint="https://…", keyboard=ft.KeyboardType.URL),
        text_field("用户名", "username"),
        text_field("密码", "password", password=True),
        W.section_title("照片"),
        ft.Text("照片质量", size=16, color=T.TEXT),
        W.choice_chips(q_options, str(q), on_quality),
        ft.Switch(label="照片加水印（时间、场所、检查员）", value=bool(values.get("watermark")),
                  on_change=on_watermark, label_text_style=ft.TextStyle(size=16, color=T.TEXT),
                  active_color=T.PRIMARY, height=T.TOUCH),
        W.section_title("显示"),
        ft.Text("字号", size=16, color=T.TEXT),
        W.choice_chips(sc_options, str(sc), on_scale),
        err,
        saved,
    ]
    return ui.view("设置", body, parent="/")
