"""The date picker: one month of days in Chinese, weeks starting on Monday, on the inspector's
calendar. It deals in plain dates only, so no browser time zone can move a day (Flutter's own
picker reads dates in the browser's zone and speaks its locale's language)."""

from __future__ import annotations

import calendar as cal
import inspect
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import flet as ft

from . import strings as S
from . import theme as T
from .errors import guard

#: The side of a day's square: a touch target on a 360 px phone (7 × 48 + margins).
CELL = 48


def month_weeks(month: date) -> list[list[date | None]]:
    """The weeks of ``month``, Monday first; days of other months are None.

    :param month: any day of the month, e.g. ``date(2026, 11, 20)``.
    """
    weeks = cal.Calendar(firstweekday=cal.MONDAY).monthdatescalendar(month.year, month.month)
    return [[d if d.month == month.month else None for d in week] for week in weeks]


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class CalendarDialog:
    """A dialog to pick a day; ``on_pick(day)`` runs with the day tapped, then the dialog closes.

    :param value: the day it opens on and marks, e.g. the current 整改期限.
    :param today: the inspector's day (UTC+8), marked and offered as 今天.
    :param first: the earliest day that can be picked (e.g. today for a 整改期限), or None.
    :param last: the latest (e.g. today for a 最早入库日期), or None.
    :param shortcuts: quick picks, e.g. ``[("7天后", date(2026, 12, 6))]``.
    """

    def __init__(self, page: ft.Page, on_pick: Callable[[date], Any], *, value: date, today: date,
                 title: str = S.PICK_DATE, first: date | None = None, last: date | None = None,
                 shortcuts: Sequence[tuple[str, date]] = ()):
        self.page = page
        self.on_pick = on_pick
        self.value = value
        self.today = today
        self.earliest = first or date.min
        self.latest = last or date.max
        self.month = value.replace(day=1)
        self.heading = ft.Text("", size=18, weight=ft.FontWeight.W_700, color=T.TEXT, key="calendar-month")
        self.grid = ft.Column(spacing=0, tight=True)
        quick = [(S.TODAY, today), *shortcuts]
        self.quick = ft.Row([self._quick_button(label, day) for label, day in quick], wrap=True, spacing=6)
        self.dialog = ft.AlertDialog(
            title=ft.Text(title, size=18, weight=ft.FontWeight.W_700, color=T.TEXT),
            content=ft.Column([
                ft.Row([self._arrow(ft.Icons.CHEVRON_LEFT, S.PREV_MONTH, -1), ft.Container(self.heading, expand=True,
                        alignment=ft.Alignment.CENTER), self._arrow(ft.Icons.CHEVRON_RIGHT, S.NEXT_MONTH, 1)]),
                self.grid,
                self.quick,
            ], tight=True, spacing=8, width=CELL * 7),
            actions=[ft.TextButton(content=ft.Text(S.CANCEL, size=17), on_click=guard(self._cancel), height=T.TOUCH)],
            inset_padding=ft.Padding.all(8), content_padding=ft.Padding.symmetric(horizontal=4, vertical=8),
            title_padding=ft.Padding.only(left=16, top=16, right=16),
        )
        self.render()

    def open(self) -> None:
        self.page.show_dialog(self.dialog)

    def allowed(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    def render(self) -> None:
        self.heading.value = S.MONTH_TITLE.format(year=self.month.year, month=self.month.month)
        header = ft.Row([ft.Container(ft.Text(d, size=15, color=T.MUTED), width=CELL, height=32,
                                      alignment=ft.Alignment.CENTER) for d in S.WEEKDAYS], spacing=0)
        rows: list[ft.Control] = [header]
        for week in month_weeks(self.month):
            rows.append(ft.Row([self._day(d) for d in week], spacing=0))
        self.grid.controls = rows

    def _day(self, day: date | None) -> ft.Control:
        if day is None:
            return ft.Container(width=CELL, height=CELL)
        chosen, is_today, ok = day == self.value, day == self.today, self.allowed(day)
        label = ft.Text(str(day.day), size=17, text_align=ft.TextAlign.CENTER,
                        weight=ft.FontWeight.W_700 if chosen or is_today else None,
                        color=T.ON_PRIMARY if chosen else (T.TEXT if ok else T.BORDER))
        cell = ft.Container(
            label, width=CELL, height=CELL, alignment=ft.Alignment.CENTER, border_radius=CELL // 2,
            bgcolor=T.PRIMARY if chosen else None, border=ft.Border.all(2, T.PRIMARY) if is_today and not chosen
            else None, on_click=guard(self._picker(day)) if ok else None, ink=ok,
        )
        return ft.Semantics(label=S.DAY_LABEL.format(month=day.month, day=day.day), button=ok, selected=chosen,
                            content=cell)

    def _quick_button(self, label: str, day: date) -> ft.Control:
        return ft.OutlinedButton(content=ft.Text(label, size=16), on_click=guard(self._picker(day)),
                                 height=T.TOUCH, disabled=not self.allowed(day))

    def _arrow(self, icon: Any, label: str, months: int) -> ft.Control:
        async def go(_e: ft.Event) -> None:
            self.month = _shift(self.month, months)
            self.render()
            self.dialog.update()

        return ft.Semantics(label=label, button=True, content=ft.IconButton(
            icon=icon, on_click=guard(go), width=T.TOUCH, height=T.TOUCH, icon_color=T.PRIMARY))

    def _picker(self, day: date) -> Callable[[ft.Event], Any]:
        async def pick(_e: ft.Event) -> None:
            self.value = day
            self.page.pop_dialog()
            result = self.on_pick(day)
            if inspect.isawaitable(result):
                await result

        return pick

    async def _cancel(self, _e: ft.Event) -> None:
        self.page.pop_dialog()
