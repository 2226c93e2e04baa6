"""Photos taken for a form that is not saved yet (复查, 记录其他隐患): 添加照片, a count, and
thumbnails that open full screen. The list is the form's draft, so the photos survive leaving the
screen and coming back."""

from __future__ import annotations

import flet as ft

from app.services import AnXunError

from . import strings as S
from . import theme as T
from . import widgets as W
from .errors import guard, message_for
from .photo_viewer import show_photo
from .shell import AppUI


class DraftPhotos:
    def __init__(self, ui: AppUI, photos: list[bytes], err: ft.Text, *, add_label: str, count_text: str,
                 key: str, size: int = 96):
        """:param count_text: e.g. ``S.REVIEW_PHOTO_COUNT`` (``{n}`` is the number of photos)."""
        self.ui = ui
        self.photos = photos
        self.err = err
        self.count_text = count_text
        self.size = size
        self.count = ft.Text("", size=15, color=T.TEXT, key=key)
        self.thumbs = ft.Row(wrap=True, spacing=8)
        self.add_button = W.button(add_label, self.add, variant="outlined", icon=ft.Icons.ADD_A_PHOTO_OUTLINED)
        self.refresh()

    def controls(self) -> list[ft.Control]:
        """The button and count on one line, the thumbnails under them."""
        return [ft.Row([self.add_button, self.count], wrap=True), self.thumbs]

    def refresh(self) -> None:
        self.count.value = self.count_text.format(n=len(self.photos))
        self.thumbs.controls = [ft.Semantics(label=S.PHOTO, image=True, content=ft.Container(
            ft.Image(src=data, width=self.size, height=self.size, fit=ft.BoxFit.COVER),
            on_click=guard(self._opener(data, n)), border=ft.Border.all(1, T.BORDER), border_radius=8,
            clip_behavior=ft.ClipBehavior.HARD_EDGE)) for n, data in enumerate(self.photos, 1)]

    def _opener(self, data: bytes, n: int):  # noqa: ANN202 - a click handler
        async def open_full(_e: ft.Event) -> None:
            show_photo(self.ui.page, data, index=n, count=len(self.photos))

        return open_full

    async def add(self, _e: ft.Event) -> None:
        try:
            self.photos.extend(await self.ui.photos.pick())
        except AnXunError as exc:
            self.err.value, self.err.visible = message_for(exc), True
        self.refresh()
        self.ui.page.update()
