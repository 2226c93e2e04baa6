"""A photo full screen: tapped on a thumbnail, shown as large as the screen allows, closed with
one tap (the button, or anywhere outside)."""

from __future__ import annotations

import flet as ft

from . import strings as S
from . import theme as T
from . import widgets as W


def show_photo(page: ft.Page, data: bytes, *, index: int = 1, count: int = 1) -> ft.AlertDialog:
    """Open the photo ``data`` (JPEG bytes) over the screen.

    :param index: its place among the photos of its record, e.g. ``2`` of ``count`` ``3``.
    """
    width = max(200.0, (page.width or 390) - 16)
    height = max(200.0, (page.height or 844) - 170)
    dialog = ft.AlertDialog(
        title=ft.Text(S.PHOTO_OF.format(i=index, n=count), size=17, color=T.TEXT),
        content=ft.Semantics(label=S.PHOTO_FULL, image=True, content=ft.Image(
            src=data, width=width, height=height, fit=ft.BoxFit.CONTAIN)),
        inset_padding=ft.Padding.all(8), content_padding=ft.Padding.all(0),
        title_padding=ft.Padding.only(left=16, top=12, right=16, bottom=8),
    )
    dialog.actions = [W.button(S.CLOSE, lambda: W.close_dialog(dialog), variant="outlined", icon=ft.Icons.CLOSE)]
    page.show_dialog(dialog)
    return dialog
