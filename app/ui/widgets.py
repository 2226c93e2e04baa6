"""Small reusable controls: big touch-friendly buttons, status chips, the sync badge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import flet as ft

from . import theme as T

Handler = Callable[..., Any] | None

SEVERITY_LABELS = {"一般": "一般隐患", "重大": "疑似重大隐患（需主管部门认定）"}
BASIS_STATUS = {
    "confirmed": "已核实原文",
    "secondary": "二手来源",
    "unconfirmed": "待确认（以本地规定为准）",
    "seed": "区工作方案",
}


def severity_label(sev: str) -> str:
    try:
        from app.domain.lifecycle import severity_label as _label

        return _label(sev)
    except Exception:  # noqa: BLE001 - label only
        return SEVERITY_LABELS.get(sev, sev)


def text(value: str, *, size: float | None = None, weight: ft.FontWeight | None = None,
         color: str | None = T.TEXT, selectable: bool = False, **kw: Any) -> ft.Text:
    return ft.Text(value, size=size, weight=weight, color=color, selectable=selectable, **kw)


def button(label: str, on_click: Handler = None, *, variant: str = "filled", icon: Any = None,
           height: int = 52, expand: bool | int | None = None, disabled: bool = False,
           width: float | None = None, key: str | None = None, data: Any = None,
           size: float = 17) -> ft.Control:
    """A large button whose accessible name is ``label`` (tests find it by role + name)."""
    content = ft.Text(label, size=size, weight=ft.FontWeight.W_600, text_align=ft.TextAlign.CENTER)
    shape = ft.RoundedRectangleBorder(radius=10)
    pad = ft.Padding.symmetric(horizontal=18, vertical=8)
    common = dict(content=content, icon=icon, on_click=on_click, height=height, expand=expand,
                  disabled=disabled, width=width, key=key, data=data)
    if variant == "filled":
        return ft.FilledButton(style=ft.ButtonStyle(shape=shape, padding=pad, bgcolor=T.PRIMARY,
                                                    color=T.ON_PRIMARY), **common)
    if variant == "danger":
        return ft.FilledButton(style=ft.ButtonStyle(shape=shape, padding=pad, bgcolor=T.DANGER,
                                                    color=T.ON_PRIMARY), **common)
    if variant == "ok":
        return ft.FilledButton(style=ft.ButtonStyle(shape=shape, padding=pad, bgcolor=T.OK,
                                                    color=T.ON_PRIMARY), **common)
    if variant == "selected":
        return ft.FilledButton(style=ft.ButtonStyle(shape=shape, padding=pad, bgcolor=T.TEXT,
                                                    color=T.ON_PRIMARY), **common)
    if variant == "text":
        return ft.TextButton(style=ft.ButtonStyle(shape=shape, padding=pad, color=T.PRIMARY), **common)
    return ft.OutlinedButton(
        style=ft.ButtonStyle(shape=shape, padding=pad, color=T.TEXT,
                             side=ft.BorderSide(2, T.PRIMARY)),
        **common,
    )


def icon_button(icon: Any, label: str, on_click: Handler, *, color: str | None = None) -> ft.Control:
    """An icon button with an accessible name (a tooltip would be read twice: "返回\n返回")."""
    return ft.Semantics(
        label=label, button=True,
        content=ft.IconButton(icon=icon, on_click=on_click, icon_color=color,
                              width=T.TOUCH, height=T.TOUCH),
    )


def pill(label: str, *, fg: str, bg: str, size: float = 14) -> ft.Control:
    return ft.Container(
        content=ft.Text(label, size=size, color=fg, weight=ft.FontWeight.W_600),
        bgcolor=bg, border=ft.Border.all(1, fg), border_radius=14,
        padding=ft.Padding.symmetric(horizontal=10, vertical=3),
    )


def status_pill(status: str) -> ft.Control:
    fg = T.STATUS_COLOURS.get(status, T.MUTED)
    return pill(status, fg=fg, bg=T.BG)


def severity_pill(sev: str) -> ft.Control:
    if sev == "重大":
        return pill("疑似重大", fg=T.ON_PRIMARY, bg=T.DANGER)
    return pill("一般", fg=T.TEXT, bg=T.SURFACE)


def overdue_pill() -> ft.Control:
    return pill("逾期", fg=T.ON_PRIMARY, bg=T.DANGER)


def card(content: ft.Control, *, padding: int = 14, bgcolor: str = T.BG, border: str = T.BORDER,
         on_click: Handler = None, key: str | None = None) -> ft.Container:
    return ft.Container(
        content=content, padding=padding, bgcolor=bgcolor, border=ft.Border.all(1, border),
        border_radius=12, on_click=on_click, ink=on_click is not None, key=key,
    )


def section_title(value: str) -> ft.Text:
    return ft.Text(value, size=18, weight=ft.FontWeight.W_700, color=T.TEXT)


def error_text(value: str = "") -> ft.Text:
    return ft.Text(value, color=T.DANGER, size=15, weight=ft.FontWeight.W_600, visible=bool(value))


def banner(value: str, *, fg: str = T.DANGER, bg: str = T.DANGER_BG, icon: Any = ft.Icons.WARNING_AMBER) -> ft.Container:
    return ft.Container(
        content=ft.Row([ft.Icon(icon, color=fg), ft.Text(value, color=fg, size=15, expand=True,
                                                          weight=ft.FontWeight.W_600)]),
        bgcolor=bg, border=ft.Border.all(1, fg), border_radius=10, padding=10,
    )


def fmt_dt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sync_badge(status: Any, online: bool | None) -> ft.Control:
    """待同步 N 条 · 上次同步 · 在线/离线 · last error. Always visible on the home screen."""
    pending = getattr(status, "pending", 0) if status is not None else 0
    last = getattr(status, "last_sync_at", None) if status is not None else None
    error = getattr(status, "last_error", None) if status is not None else None
    if online is None and status is not None:
        online = getattr(status, "online", None)
    net = {True: "在线", False: "离线", None: "网络状态未知"}[online]
    net_colour = {True: T.OK, False: T.DANGER, None: T.MUTED}[online]
    rows: list[ft.Control] = [
        ft.Row(
            [
                ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, color=T.PRIMARY),
                ft.Text(f"待同步 {pending} 条", size=16, weight=ft.FontWeight.W_700, color=T.TEXT,
                        key="sync-pending"),
                ft.Text(f"上次同步：{fmt_dt(last) if last else '尚未同步'}", size=15, color=T.MUTED),
                pill(net, fg=net_colour, bg=T.BG, size=13),
            ],
            wrap=True, spacing=10, run_spacing=4,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
    ]
    if error:
        rows.append(ft.Text(f"同步错误：{error}", color=T.DANGER, size=14))
    return ft.Container(
        content=ft.Column(rows, spacing=4), bgcolor=T.SURFACE, border_radius=10,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8), key="sync-badge",
    )


def field(label: str, value: str = "", *, on_blur: Handler = None, on_submit: Handler = None,
          on_change: Handler = None, multiline: bool = False, keyboard: ft.KeyboardType | None = None,
          hint: str | None = None, suffix: str | None = None, password: bool = False,
          read_only: bool = False, expand: bool | int | None = None, width: float | None = None,
          helper: str | None = None) -> ft.TextField:
    return ft.TextField(
        label=label, value=value or "", on_blur=on_blur, on_submit=on_submit, on_change=on_change,
        multiline=multiline, min_lines=3 if multiline else None, max_lines=6 if multiline else None,
        keyboard_type=keyboard or (ft.KeyboardType.MULTILINE if multiline else ft.KeyboardType.TEXT),
        hint_text=hint, suffix=suffix, password=password, can_reveal_password=password,
        read_only=read_only, expand=expand, width=width, helper=helper,
        text_size=17, border_color=T.BORDER, focused_border_color=T.PRIMARY, border_width=1.5,
        label_style=ft.TextStyle(color=T.MUTED, size=15),
    )


def choice_chips(options: list[tuple[str, str]], selected: str | None, on_pick: Callable[[str], Any],
                 *, wrap: bool = True) -> ft.Row:
    """A row of single-choice chips (role checkbox, accessible name = label)."""
    row = ft.Row(wrap=wrap, spacing=8, run_spacing=8, scroll=None if wrap else ft.ScrollMode.AUTO)

    def make(key: str, label: str) -> ft.Chip:
        async def click(e: ft.Event) -> None:
            for chip in row.controls:
                chip.selected = chip.data == key
            await _maybe_await(on_pick(key))

        return ft.Chip(
            label=ft.Text(label, size=15), selected=key == selected, data=key, on_select=click,
            show_checkmark=True, check_color=T.PRIMARY, selected_color="#C5D9F5",
            border_side=ft.BorderSide(1, T.BORDER),
            height=T.TOUCH,
        )

    row.controls = [make(k, lbl) for k, lbl in options]
    return row


async def _maybe_await(value: Any) -> Any:
    import inspect

    if inspect.isawaitable(value):
        return await value
    return value


def snack(page: ft.Page, message: str, *, error: bool = False) -> None:
    page.show_dialog(ft.SnackBar(
        content=ft.Text(message, color=T.ON_PRIMARY, size=16),
        bgcolor=T.DANGER if error else T.TEXT, duration=3000,
    ))
