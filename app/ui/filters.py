"""Filters folded behind one 筛选 button, so that a list gets the screen: the filters in force
show as chips beside it (a chip's × removes that filter), and the controls open below on a tap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from . import strings as S
from . import theme as T
from .errors import guard
from .widgets import mounted

#: A filter in force: what its chip says, and what removing it does, e.g. ``("群租房", clear_kind)``.
Active = tuple[str, Callable[[], Any]]


class FilterBar:
    """The 筛选 button, the chips of the filters in force, and the folded panel.

    :param panel: the filter controls (chips, dropdowns, checkboxes), shown when unfolded.
    :param expanded: whether the panel starts open.
    """

    def __init__(self, panel: list[ft.Control], *, expanded: bool = False):
        self.label = ft.Text(S.FILTERS, size=16, weight=ft.FontWeight.W_600)
        self.toggle_button = ft.OutlinedButton(
            content=self.label, icon=ft.Icons.FILTER_LIST, on_click=guard(self.toggle), height=T.TOUCH,
            style=ft.ButtonStyle(shape=ft.RoundedRectangleBorder(radius=10), color=T.TEXT,
                                 side=ft.BorderSide(2, T.PRIMARY)))
        self.chips = ft.Row(wrap=True, spacing=6, run_spacing=6, expand=True)
        self.panel = ft.Container(ft.Column(panel, spacing=8), visible=expanded, padding=ft.Padding.only(top=4),
                                  key="filter-panel")
        self.control = ft.Column([
            ft.Row([self.toggle_button, self.chips], vertical_alignment=ft.CrossAxisAlignment.CENTER, spacing=8),
            self.panel,
        ], spacing=4)

    def toggle(self) -> None:
        self.panel.visible = not self.panel.visible
        if mounted(self.control):
            self.control.update()

    def show_active(self, active: list[Active]) -> None:
        """Show the filters in force as chips, and their number on the button."""
        self.label.value = S.FILTERS_ACTIVE.format(n=len(active)) if active else S.FILTERS
        self.chips.controls = [self._chip(label, clear) for label, clear in active]

    def _chip(self, label: str, clear: Callable[[], Any]) -> ft.Control:
        async def remove(_e: ft.Event) -> None:
            result = clear()
            if hasattr(result, "__await__"):
                await result

        return ft.Chip(label=ft.Text(label, size=15), on_delete=guard(remove), height=T.TOUCH,
                       delete_icon_tooltip=S.REMOVE_FILTER.format(label=label),
                       bgcolor="#D6E4F7", border_side=ft.BorderSide(1, T.PRIMARY))
