"""The controls screens are built from: big touch-friendly buttons, fields, chips, pills, cards,
a yes/no question in a dialog, and the arithmetic that keeps a row of buttons readable at every
text size.

Every factory that takes a handler wraps it in ``errors.guard``, so an error a screen did not
expect is reported in a snack bar instead of crashing the session; a screen that builds a Flet
control with a handler itself wraps it the same way.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import flet as ft

from app.services import MAJOR, SEVERITY_SHORT, format_local

from . import strings as S
from . import theme as T
from .errors import Handler, guard, guard_optional


def mounted(control: ft.BaseControl) -> bool:
    """Whether ``control`` is on a page (``control.page`` raises when it is not)."""
    try:
        return control.page is not None
    except RuntimeError:
        return False


async def confirm(page: ft.Page, *, title: str, body: str, yes: str, no: str, danger: bool = True) -> bool:
    """Ask a yes/no question in a dialog; True when ``yes`` was tapped (dismissing it is a no).

    :param yes: e.g. ``撤销隐患``; ``no`` e.g. ``保留原答案`` (the safe choice, first).
    """
    answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    dialog = ft.AlertDialog(modal=True, title=ft.Text(title, size=19, weight=ft.FontWeight.W_700, color=T.TEXT),
                            content=ft.Text(body, size=16, color=T.TEXT))

    def answer(value: bool) -> Callable[[Any], Any]:
        async def handler(_e: Any = None) -> None:
            close_dialog(dialog)
            if not answered.done():
                answered.set_result(value)

        return handler

    dialog.actions = [button(no, answer(False), variant="outlined"),
                      button(yes, answer(True), variant="danger" if danger else "filled")]
    dialog.on_dismiss = guard(answer(False))
    page.show_dialog(dialog)
    return await answered


def close_dialog(dialog: ft.DialogControl) -> None:
    """Close ``dialog`` itself (``page.pop_dialog`` closes the topmost one, which may be a toast)."""
    if dialog.open:
        dialog.open = False
        if mounted(dialog):
            dialog.update()


#: Horizontal room a button needs beyond its label: padding 2 × 18, an icon and its gap.
BUTTON_CHROME = 36
ICON_ROOM = 30


def label_width(label: str, size: float, *, icon: bool = False) -> float:
    """About how wide a button with ``label`` drawn at ``size`` px is: a CJK glyph is 1 em, other
    characters about 0.6 em, plus the padding and the icon."""
    em = sum(1.0 if ord(ch) > 0x2E7F else 0.6 for ch in label)
    return em * size + BUTTON_CHROME + (ICON_ROOM if icon else 0)


def fits_in_row(labels: list[str], width: float, size: float, *, gap: float = 10, icon: bool = False) -> bool:
    """Whether ``labels`` fit side by side as equal buttons across ``width`` px, each on one line."""
    if not labels:
        return True
    each = (width - gap * (len(labels) - 1)) / len(labels)
    return all(label_width(label, size, icon=icon) <= each for label in labels)


def button(label: str, on_click: Handler | None = None, *, variant: str = "filled", icon: Any = None,
           height: int | None = 52, expand: bool | int | None = None, disabled: bool = False,
           width: float | None = None, key: str | None = None, data: Any = None,
           size: float = 17) -> ft.Control:
    """A large button whose accessible name is ``label`` (tests find it by role + name).

    :param variant: ``filled``, ``outlined``, ``text``, ``danger``, ``ok``, ``selected``, or
        ``warn`` (an outlined answer that records a hazard: red outline and text).
    """
    content = ft.Text(label, size=size, weight=ft.FontWeight.W_600, text_align=ft.TextAlign.CENTER)
    shape = ft.RoundedRectangleBorder(radius=10)
    pad = ft.Padding.symmetric(horizontal=18, vertical=8)
    common = dict(content=content, icon=icon, on_click=guard_optional(on_click), height=height, expand=expand,
                  disabled=disabled, width=width, key=key, data=data)
    filled = {"filled": T.PRIMARY, "danger": T.DANGER, "ok": T.OK, "selected": T.TEXT}
    if variant in filled:
        return ft.FilledButton(style=ft.ButtonStyle(shape=shape, padding=pad, bgcolor=filled[variant],
                                                    color=T.ON_PRIMARY), **common)
    if variant == "text":
        return ft.TextButton(style=ft.ButtonStyle(shape=shape, padding=pad, color=T.PRIMARY), **common)
    warn = variant == "warn"
    return ft.OutlinedButton(
        style=ft.ButtonStyle(shape=shape, padding=pad, color=T.DANGER if warn else T.TEXT,
                             side=ft.BorderSide(2, T.DANGER if warn else T.PRIMARY)),
        **common,
    )


def icon_button(icon: Any, label: str, on_click: Handler, *, color: str | None = None) -> ft.Control:
    """An icon button with an accessible name (a tooltip would be read twice: "返回\n返回")."""
    return ft.Semantics(
        label=label, button=True,
        content=ft.IconButton(icon=icon, on_click=guard(on_click), icon_color=color,
                              width=T.TOUCH, height=T.TOUCH),
    )


def pill(label: str, *, fg: str, bg: str, size: float = 14) -> ft.Control:
    return ft.Container(
        content=ft.Text(label, size=size, color=fg, weight=ft.FontWeight.W_600),
        bgcolor=bg, border=ft.Border.all(1, fg), border_radius=14,
        padding=ft.Padding.symmetric(horizontal=10, vertical=3),
    )


def status_pill(status: str) -> ft.Control:
    return pill(status, fg=T.STATUS_COLOURS.get(status, T.MUTED), bg=T.BG)


def severity_pill(severity: str) -> ft.Control:
    """一般, or 疑似重大 in white on red: the app never calls a hazard 重大 on its own authority."""
    if severity == MAJOR:
        return pill(SEVERITY_SHORT[MAJOR], fg=T.ON_PRIMARY, bg=T.DANGER)
    return pill(SEVERITY_SHORT.get(severity, severity), fg=T.TEXT, bg=T.SURFACE)


def overdue_pill() -> ft.Control:
    return pill(S.OVERDUE, fg=T.ON_PRIMARY, bg=T.DANGER)


def card(content: ft.Control, *, padding: int = 14, bgcolor: str = T.BG, border: str = T.BORDER,
         on_click: Handler | None = None, key: str | None = None) -> ft.Container:
    return ft.Container(
        content=content, padding=padding, bgcolor=bgcolor, border=ft.Border.all(1, border),
        border_radius=12, on_click=guard_optional(on_click), ink=on_click is not None, key=key,
    )


def section_title(value: str) -> ft.Text:
    return ft.Text(value, size=18, weight=ft.FontWeight.W_700, color=T.TEXT)


def error_text(value: str = "") -> ft.Text:
    """The line where a screen shows a refusal (hidden while empty)."""
    return ft.Text(value, color=T.DANGER, size=15, weight=ft.FontWeight.W_600, visible=bool(value))


def banner(value: str, *, fg: str = T.DANGER, bg: str = T.DANGER_BG, icon: Any = ft.Icons.WARNING_AMBER) -> ft.Container:
    return ft.Container(
        content=ft.Row([ft.Icon(icon, color=fg), ft.Text(value, color=fg, size=15, expand=True,
                                                          weight=ft.FontWeight.W_600)]),
        bgcolor=bg, border=ft.Border.all(1, fg), border_radius=10, padding=10,
    )


def fmt_dt(value: datetime | date | None) -> str:
    """``2026-11-29 17:46`` in the inspector's time (UTC+8), ``2026-11-29`` for a day, ``""`` for none."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_local(value)
    return value.isoformat()


def _field_border() -> dict[ft.ControlState, ft.InputBorder]:
    """Grey, blue while typing; an error keeps the theme's red. A new one per field: Flet records
    each value's parent control on it."""
    return {
        ft.ControlState.DEFAULT: ft.OutlineInputBorder(side=ft.BorderSide(1.5, T.BORDER)),
        ft.ControlState.FOCUSED: ft.OutlineInputBorder(side=ft.BorderSide(1.5, T.PRIMARY)),
    }


def field(label: str, value: str = "", *, on_blur: Handler | None = None, on_submit: Handler | None = None,
          on_change: Handler | None = None, multiline: bool = False, keyboard: ft.KeyboardType | None = None,
          hint: str | None = None, suffix: str | None = None, password: bool = False,
          read_only: bool = False, expand: bool | int | None = None, width: float | None = None,
          helper: str | None = None) -> ft.TextField:
    """A text field whose accessible name is ``label`` (tests type into it by that name)."""
    return ft.TextField(
        label=label, value=value or "", on_blur=guard_optional(on_blur), on_submit=guard_optional(on_submit),
        on_change=guard_optional(on_change),
        multiline=multiline, min_lines=3 if multiline else None, max_lines=6 if multiline else None,
        keyboard_type=keyboard or (ft.KeyboardType.MULTILINE if multiline else ft.KeyboardType.TEXT),
        hint_text=hint, suffix=suffix, password=password, can_reveal_password=password,
        read_only=read_only, expand=expand, width=width, helper=helper,
        text_size=17, border=_field_border(), label_style=ft.TextStyle(color=T.MUTED, size=15),
    )


def choice_chips(options: list[tuple[str, str]], selected: str | None, on_pick: Callable[[str], Any],
                 *, wrap: bool = True) -> ft.Row:
    """A row of single-choice chips (role checkbox, accessible name = label).

    :param options: ``(key, label)`` pairs, e.g. ``[("重大", "疑似重大隐患（需主管部门认定）")]``.
    :param on_pick: called with the key picked; may be async.
    """
    row = ft.Row(wrap=wrap, spacing=8, run_spacing=8, scroll=None if wrap else ft.ScrollMode.AUTO)

    def make(key: str, label: str) -> ft.Chip:
        async def click(_e: ft.Event) -> None:
            for chip in row.controls:
                chip.selected = chip.data == key
            result = on_pick(key)
            if inspect.isawaitable(result):
                await result

        return ft.Chip(
            label=ft.Text(label, size=15), selected=key == selected, data=key, on_select=guard(click),
            show_checkmark=True, check_color=T.PRIMARY, selected_color="#C5D9F5",
            border_side=ft.BorderSide(1, T.BORDER),
            height=T.TOUCH,
        )

    row.controls = [make(k, lbl) for k, lbl in options]
    return row


def checkbox(label: str, value: bool, on_change: Handler, *, data: Any = None, disabled: bool = False,
             size: float = 17, colour: str | None = None) -> ft.Checkbox:
    """A checkbox as tall as a finger, its label the accessible name.

    :param colour: the label's colour, e.g. ``T.DANGER`` for an option that records a hazard.
    """
    return ft.Checkbox(label=label, value=value, data=data, on_change=guard(on_change), disabled=disabled,
                       label_style=ft.TextStyle(size=size, color=colour or T.TEXT), height=T.TOUCH,
                       border_side=ft.BorderSide(2, colour) if colour else None)


def switch(label: str, value: bool, on_change: Handler) -> ft.Switch:
    return ft.Switch(label=label, value=value, on_change=guard(on_change),
                     label_text_style=ft.TextStyle(size=16, color=T.TEXT), active_color=T.PRIMARY,
                     height=T.TOUCH)


def filter_dropdown(label: str, value: str | None, options: list[tuple[str, str]], on_select: Handler, *,
                    all_text: str = S.ALL, width: float = 170, text_size: float = 15) -> ft.Control:
    """A dropdown filter whose first option, ``S.ALL``, means any; read as "<label>筛选".

    :param options: ``(key, text)`` pairs, e.g. ``[("一网格", "一网格")]``.
    """
    dd = ft.Dropdown(
        label=label, value=value or S.ALL, on_select=guard(on_select), text_size=text_size, width=width,
        options=[ft.DropdownOption(key=S.ALL, text=all_text)] + [ft.DropdownOption(key=k, text=t) for k, t in options],
    )
    return ft.Semantics(label=S.FILTER.format(label=label), content=dd)
