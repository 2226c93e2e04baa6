"""The answer control of one checklist item, by kind: 是/否/不适用 buttons, choice buttons,
multi-choice ticks (an exclusive option such as 无上述情形 clears the others, and being a whole
answer moves on), number / date / text fields, photos; a computed item shows its value and takes
no input. A control shows the saved answer and hands what the inspector does to the run screen
(``AnswerHost``), which saves it at once.

The answers that make a finding are marked before anything is tapped (red outline); a row of
buttons that would not fit on one line at the text size in force is stacked instead; a number
field opens the numeric keypad, checks as it is typed and moves on with Enter.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

import flet as ft

from app.services import HAZARD, YES_NO_NA, Item, finding_options, toggle_option

from . import strings as S
from . import theme as T
from . import widgets as W
from .calendar import CalendarDialog
from .shell import AppUI


class AnswerHost(Protocol):
    """What an answer control needs from the screen it sits on (``RunScreen``)."""

    ui: AppUI

    @property
    def locked(self) -> bool: ...

    @property
    def level(self) -> str:
        """What the current item's rule finds: 隐患, 预警 or 记录并报告 (the office may choose)."""
        ...

    @property
    def content_width(self) -> float:
        """The width the answer controls have, in px, e.g. ``336`` on a 360 px phone."""
        ...

    async def save(self, value: Any, *, advance: bool, item: Item) -> bool: ...

    async def save_field(self, *, advance: bool, item: Item, field: ft.TextField) -> bool: ...

    async def add_photos(self, item: Item) -> None: ...

    async def confirm_photos(self, item: Item) -> None: ...


@dataclasses.dataclass
class AnswerInput:
    """An item's control, and where its not-yet-saved value is (a field being typed, ticks)."""

    control: ft.Control
    #: the number / date / text field (saved on blur, Enter and 下一题)
    field: ft.TextField | None = None
    #: the multi-choice ticks, in checklist order
    boxes: list[ft.Checkbox] = dataclasses.field(default_factory=list)

    def ticked(self) -> list[str]:
        """The options ticked on screen, in checklist order, e.g. ``["实体墙分隔"]``."""
        return [cb.data for cb in self.boxes if cb.value]


def fmt_value(value: Any) -> str:
    """A saved answer as the screen shows it: ``4.5``, ``实体墙分隔、灭火器``, ``（未选）``."""
    if isinstance(value, list):
        return S.VALUE_SEPARATOR.join(map(str, value)) or S.NOTHING_CHOSEN
    if isinstance(value, float):
        # Plain decimals (4.5, 1234567), never exponent notation; bounded items keep 6 places.
        return f"{value:f}".rstrip("0").rstrip(".")
    return str(value)


def same_answer(saved: Any, value: Any) -> bool:
    """Whether a raw UI value equals the saved answer (so saving again would change nothing).

    :param saved: the stored value, e.g. ``4.0``, ``date(2026, 11, 1)``, ``["a"]``, ``"否"``.
    :param value: what the screen holds, e.g. ``" 4 "``, ``"2026-11-01"``, ``["a"]``.
    """
    if isinstance(saved, (date, datetime)):
        return str(value).strip() == saved.isoformat()
    if isinstance(saved, float):
        try:
            return float(str(value).strip()) == saved
        except ValueError:
            return False
    if isinstance(saved, list):
        return isinstance(value, list) and list(value) == saved
    return isinstance(value, str) and value.strip() == saved


def answer_input(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    """The control for ``item`` showing ``value`` (the saved answer, ``None`` when unanswered)."""
    build = _BUILDERS.get(item.kind, _photos)
    return build(item, value, host)


def computed_input(item: Item, value: float | None) -> AnswerInput:
    """A computed item: its value (worked out from earlier answers), never a field to type into.

    :param value: e.g. ``37.5`` for a ratio in %, ``None`` until its inputs are answered.
    """
    shown = S.COMPUTED_VALUE.format(value=f"{fmt_value(float(value))}{item.unit}") if value is not None \
        else S.COMPUTED_PENDING
    return AnswerInput(ft.Column([
        ft.Text(shown, size=20, weight=ft.FontWeight.W_700, color=T.TEXT, key=f"computed-{item.id}"),
        ft.Text(S.COMPUTED_NOTE, size=14, color=T.MUTED),
    ], spacing=4))


def _option_buttons(options: tuple[str, ...] | list[str], value: Any, item: Item, host: AnswerHost, *,
                    height: int | None, expand: int | None = None, size: float = 17) -> list[ft.Control]:
    marked = finding_options(item) if host.level == HAZARD else ()

    def choose(option: str):
        async def handler(_e: ft.Event) -> None:
            await host.save(option, advance=True, item=item)

        return handler

    def variant(option: str) -> str:
        if value == option:
            return "selected"
        return "warn" if option in marked else "outlined"

    return [W.button(opt, choose(opt), variant=variant(opt), height=height, expand=expand, disabled=host.locked,
                     size=size, icon=ft.Icons.WARNING_AMBER_ROUNDED if opt in marked else None) for opt in options]


def _yes_no(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    size = 20 * host.ui.scale
    icon = bool(finding_options(item))
    if W.fits_in_row(list(YES_NO_NA), host.content_width, size, icon=icon):
        return AnswerInput(ft.Row(_option_buttons(YES_NO_NA, value, item, host, height=64, expand=1, size=20),
                                  spacing=10))
    # Too narrow for three at this text size (特大 on a phone): one under the other, never clipped.
    return AnswerInput(ft.Column(_option_buttons(YES_NO_NA, value, item, host, height=60, size=20), spacing=8,
                                 horizontal_alignment=ft.CrossAxisAlignment.STRETCH))


def _choice(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    size = 17 * host.ui.scale
    one_line = all(W.label_width(o, size, icon=True) <= host.content_width for o in item.options)
    return AnswerInput(ft.Column(_option_buttons(item.options, value, item, host, height=56 if one_line else None),
                                 spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH))


def _multi(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    chosen = set(value or [])
    made = AnswerInput(ft.Column())

    async def toggle(e: ft.Event) -> None:
        # The tapped box has already flipped; the selection before the tap decides what else
        # changes: ticking 无上述情形 clears the others, ticking another clears 无上述情形.
        tapped = e.control
        before = [cb.data for cb in made.boxes if (not cb.value if cb is tapped else cb.value)]
        after = toggle_option(item, before, tapped.data)
        for cb in made.boxes:
            cb.value = cb.data in after
        made.control.update()
        # An exclusive option ticked is the whole answer: it moves on like a single choice.
        whole = tapped.data in item.exclusive_options and tapped.data in after
        await host.save(made.ticked(), advance=whole, item=item)

    marked = finding_options(item) if host.level == HAZARD else ()
    made.boxes = [W.checkbox(opt, opt in chosen, toggle, data=opt, disabled=host.locked,
                             colour=T.DANGER if opt in marked else None) for opt in item.options]
    hint = S.MULTI_HINT_EXCLUSIVE.format(options=S.OR_SEPARATOR.join(f"“{o}”" for o in item.exclusive_options)) \
        if item.exclusive_options else S.MULTI_HINT
    made.control = ft.Column([ft.Text(hint, size=14, color=T.MUTED), ft.Column(made.boxes, spacing=2)])
    return made


def _field_handlers(item: Item, host: AnswerHost) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """on_blur / on_submit bound to ``item``: a blur can arrive after the screen moved on."""

    async def on_blur(e: ft.Event) -> None:
        await host.save_field(advance=False, item=item, field=e.control)

    async def on_submit(e: ft.Event) -> None:
        await host.save_field(advance=True, item=item, field=e.control)

    return on_blur, on_submit


def number_problem(text: str) -> str | None:
    """What is wrong with a number as it is being typed, e.g. ``请输入数字`` for ``12a``; None when
    it reads as a number or is still empty (full-width digits count: ``１２``)."""
    text = text.strip()
    if not text or text in ("-", ".", "-."):
        return None
    try:
        number = float(text)
    except ValueError:
        return S.NEED_NUMBER
    return None if math.isfinite(number) else S.NEED_NUMBER


def _number(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    on_blur, on_submit = _field_handlers(item, host)

    async def on_change(e: ft.Event) -> None:
        # Said while typing; the saved answer is checked again, with the item's limits, on Enter.
        problem = number_problem(e.control.value or "")
        if problem != e.control.error:
            e.control.error = problem
            e.control.update()

    bounds = []
    if item.min is not None:
        bounds.append(S.NUMBER_MIN.format(value=item.min))
    if item.max is not None:
        bounds.append(S.NUMBER_MAX.format(value=item.max))
    helper = S.NUMBER_BOUNDS_SEPARATOR.join(bounds) + (S.NUMBER_UNIT.format(unit=item.unit) if bounds else "")
    tf = W.field(S.NUMBER_FIELD.format(unit=item.unit), fmt_value(value) if value is not None else "",
                 keyboard=ft.KeyboardType.NUMBER, suffix=item.unit, helper=helper or None,
                 on_blur=on_blur, on_submit=on_submit, on_change=on_change, read_only=host.locked)
    tf.key = f"answer-{item.id}"
    # The keypad opens at once on an unanswered number: one tap fewer per number.
    tf.autofocus = value is None and not host.locked
    return AnswerInput(tf, field=tf)


def _date(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    on_blur, on_submit = _field_handlers(item, host)
    shown = value.isoformat() if isinstance(value, (date, datetime)) else (value or "")
    tf = W.field(S.DATE_FIELD, str(shown), hint=S.DATE_HINT, keyboard=ft.KeyboardType.DATETIME,
                 on_blur=on_blur, on_submit=on_submit, read_only=host.locked)
    tf.key = f"answer-{item.id}"

    async def put(day: date) -> None:
        tf.value = day.isoformat()
        await host.save(tf.value, advance=False, item=item)

    async def today(_e: ft.Event) -> None:
        await put(host.ui.device.today())  # the inspector's day (UTC+8), not the server's

    async def open_picker(_e: ft.Event) -> None:
        day = host.ui.device.today()
        shown = value if isinstance(value, date) else day
        # Every date a checklist asks for has already happened: none after today.
        CalendarDialog(host.ui.page, put, value=shown, today=day, last=day).open()

    buttons = ft.Row([
        W.button(S.PICK_DATE, open_picker, variant="outlined", icon=ft.Icons.CALENDAR_MONTH, disabled=host.locked),
        W.button(S.TODAY, today, variant="outlined", disabled=host.locked),
    ], wrap=True)
    return AnswerInput(ft.Column([tf, buttons]), field=tf)


def _text(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    on_blur, _ = _field_handlers(item, host)
    tf = W.field(S.TEXT_FIELD, str(value or ""), multiline=True, on_blur=on_blur, read_only=host.locked)
    tf.key = f"answer-{item.id}"
    return AnswerInput(tf, field=tf)


def _photos(item: Item, value: Any, host: AnswerHost) -> AnswerInput:
    """A photo item: its answer is the list of the photos' SHA-256 names."""
    shas = list(value or [])

    async def add(_e: ft.Event) -> None:
        await host.add_photos(item)

    async def done(_e: ft.Event) -> None:
        await host.confirm_photos(item)

    controls: list[ft.Control] = [
        ft.Text(S.PHOTOS_TAKEN.format(n=len(shas)), size=15, color=T.TEXT, key="photos-taken"),
        W.button(S.ADD_PHOTO, add, variant="outlined", icon=ft.Icons.ADD_A_PHOTO_OUTLINED, disabled=host.locked),
    ]
    if not item.required or shas:
        controls.append(W.button(S.PHOTOS_DONE if shas else S.SKIP_PHOTO, done, variant="outlined",
                                 disabled=host.locked))
    return AnswerInput(ft.Column(controls, spacing=8))


_BUILDERS: dict[str, Callable[[Item, Any, AnswerHost], AnswerInput]] = {
    "yes_no_na": _yes_no,
    "choice": _choice,
    "multi_choice": _multi,
    "number": _number,
    "date": _date,
    "text": _text,
    "photo": _photos,
}
