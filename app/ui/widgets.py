"""Small reusable controls: big touch-friendly buttons, status chips, the sync badge."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import flet as ft

from app.services import AnXunError

from . import theme as T

log = logging.getLogger(__name__)

Handler = Callable[..., Any] | None

#: China Standard Time (no DST): the field's calendar day.
CST = timezone(timedelta(hours=8))


def error_message(exc: BaseException) -> str:
    """The Chinese text to show for ``exc``; unexpected errors are logged and get a generic text."""
    if isinstance(exc, AnXunError):
        return exc.message
    msg = getattr(exc, "message", None)
    if isinstance(msg, str) and msg:
        return msg  # e.g. the shell's PhotoUploadFailed
    log.error("unexpected error", exc_info=exc)
    return "保存失败，请重试"


def mounted(control: ft.BaseControl) -> bool:
    """Whether ``control`` is on a page (``control.page`` raises when it is not)."""
    try:
        return control.page is not None
    except RuntimeError:
        return False


def picked_date(value: Any) -> date | None:
    """A DatePicker value as a calendar date. Flet 1.0.5 sends datetimes as UTC (tz-aware): a day
    picked in a UTC+8 browser arrives as 16:00 the previous day, so convert to UTC+8 first."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(CST).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def picker_value(d: date) -> datetime:
    """``d`` as the DatePicker's initial value: midnight in UTC+8 (the inverse of picked_date)."""
    return datetime(d.year, d.month, d.day, tzinfo=CST)


class AutoSaver:
    """Debounced autosave for text fields: ``save(name, value)`` runs 0.8 s after the last keystroke
    of a burst, and at once on blur / submit / ``flush()`` (call it before leaving the screen).

    ``save`` is ``async (name, value) -> bool``; ``flush()`` returns False if any save failed."""

    def __init__(self, page: ft.Page, save: Callable[[str, Any], Awaitable[bool]], *, delay: float = 0.8):
        self.page = page
        self.save = save
        self.delay = delay
        self.pending: dict[str, Any] = {}
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def changed(self, name: str, value: Any) -> None:
        self.pending[name] = value
        self._cancel()
        self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            return
        self._task = None
        await self.flush()
        if self.page is not None:
            self.page.update()  # background task: no auto-update

    async def flush(self) -> bool:
        self._cancel()
        ok = True
        async with self._lock:
            while self.pending:
                name, value = next(iter(self.pending.items()))
                del self.pending[name]
                ok = bool(await self.save(name, value)) and ok
        return ok

    def on_change(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def handler(e: Any) -> None:
            self.changed(name, (e.control.value or "").strip())

        return handler

    def on_blur(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def handler(e: Any) -> None:
            self.pending[name] = (e.control.value or "").strip()
            await self.flush()

        return handler


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
    filled = {"filled": T.PRIMARY, "danger": T.DANGER, "ok": T.OK, "selected": T.TEXT}
    if variant in filled:
        return ft.FilledButton(style=ft.ButtonStyle(shape=shape, padding=pad, bgcolor=filled[variant],
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


def sync_strip_text(status: Any, online: bool | None) -> str:
    """One line for the strip under every AppBar: 待同步 N 条 · 尚未同步/上次同步 … · 在线/离线."""
    pending = getattr(status, "pending", 0) if status is not None else 0
    last = getattr(status, "last_sync_at", None) if status is not None else None
    if online is None and status is not None:
        online = getattr(status, "online", None)
    net = {True: "在线", False: "离线", None: "网络未知"}[online]
    when = f"上次同步 {fmt_dt(last)}" if last else "尚未同步"
    return f"待同步 {pending} 条 · {when} · {net}"


def sync_strip() -> tuple[ft.Container, ft.Text]:
    label = ft.Text("待同步 … 条", size=14, color=T.TEXT, weight=ft.FontWeight.W_600, key="sync-strip-text")
    strip = ft.Container(
        ft.Row([ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, color=T.PRIMARY, size=18), label], spacing=6,
               vertical_alignment=ft.CrossAxisAlignment.CENTER),
        bgcolor=T.SURFACE, border_radius=8, padding=ft.Padding.symmetric(horizontal=10, vertical=4),
        key="sync-strip",
    )
    return strip, label


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
