"""Signature pad: strokes drawn with a GestureDetector on a Canvas, exported to PNG with Pillow."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import flet as ft
import flet.canvas as cv

from . import strings as S
from . import theme as T
from .drafts import Stroke
from .errors import guard


def strokes_to_png(strokes: list[Stroke], width: float, height: float, *, scale: float = 2.0,
                   line_width: float = 3.0) -> bytes:
    """Render strokes (pad coordinates) as a black-on-white PNG.

    :param scale: pixels per pad unit, e.g. ``2.0`` for a crisp record.
    """
    from PIL import Image, ImageDraw

    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    lw = max(1, int(line_width * scale))
    for stroke in strokes:
        pts = [(x * scale, y * scale) for x, y in stroke]
        if len(pts) == 1:
            x, y = pts[0]
            draw.ellipse((x - lw / 2, y - lw / 2, x + lw / 2, y + lw / 2), fill="black")
        elif pts:
            draw.line(pts, fill="black", width=lw, joint="curve")
            for x, y in (pts[0], pts[-1]):
                draw.ellipse((x - lw / 2, y - lw / 2, x + lw / 2, y + lw / 2), fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


class SignaturePad:
    """A white pad; ``strokes`` holds what was drawn, ``control`` is what to add to the page.

    :param on_change: called after each stroke, e.g. to keep the strokes in a draft.
    """

    def __init__(self, width: float = 340, height: float = 180, on_change: Callable[[], None] | None = None):
        self.width = width
        self.height = height
        self.strokes: list[Stroke] = []
        self.on_change = on_change
        self.canvas = cv.Canvas(shapes=[], width=width, height=height)
        # #5F6368 on white is 6.3:1 (WCAG AA needs 4.5:1).
        self.hint = ft.Text(S.SIGN_HERE, size=16, color="#5F6368")
        self.control = ft.Semantics(
            label=S.SIGNATURE_PAD,
            content=ft.GestureDetector(
                content=ft.Container(
                    ft.Stack([ft.Container(self.hint, alignment=ft.Alignment.CENTER, width=width, height=height),
                              self.canvas], width=width, height=height),
                    bgcolor="#FFFFFF", border=ft.Border.all(2, T.PRIMARY), border_radius=8,
                    width=width + 4, height=height + 4,
                ),
                # Axis drags (not pan) so the pad wins the gesture arena against the page scroll.
                on_vertical_drag_start=guard(self._start), on_vertical_drag_update=guard(self._move),
                on_vertical_drag_end=guard(self._end),
                on_horizontal_drag_start=guard(self._start), on_horizontal_drag_update=guard(self._move),
                on_horizontal_drag_end=guard(self._end),
                drag_interval=16,
            ),
        )

    @property
    def empty(self) -> bool:
        return not any(self.strokes)

    def _paint(self) -> ft.Paint:
        return ft.Paint(color="#000000", stroke_width=3, style=ft.PaintingStyle.STROKE,
                        stroke_cap=ft.StrokeCap.ROUND, stroke_join=ft.StrokeJoin.ROUND)

    def _point(self, pos: ft.Offset) -> tuple[float, float]:
        x = min(max(float(pos.x), 0.0), self.width)
        y = min(max(float(pos.y), 0.0), self.height)
        return x, y

    def load(self, strokes: list[Stroke]) -> None:
        """Show strokes drawn earlier (before the control is on the page: no update)."""
        self.strokes = [list(s) for s in strokes if s]
        self.canvas.shapes = [self._path(s) for s in self.strokes]
        self.hint.visible = not self.strokes

    async def _start(self, e: ft.DragStartEvent) -> None:
        self.strokes.append([self._point(e.local_position)])
        self.hint.visible = False
        self._redraw_last()

    async def _move(self, e: ft.DragUpdateEvent) -> None:
        if not self.strokes:
            self.strokes.append([])
        self.strokes[-1].append(self._point(e.local_position))
        self._redraw_last()

    async def _end(self, _e: ft.DragEndEvent) -> None:
        if self.on_change:
            self.on_change()

    def _path(self, stroke: Stroke) -> cv.Path:
        elements: list[Any] = [cv.Path.MoveTo(*stroke[0])] + [cv.Path.LineTo(x, y) for x, y in stroke[1:]]
        return cv.Path(elements=elements, paint=self._paint())

    def _redraw_last(self) -> None:
        path = self._path(self.strokes[-1])
        if len(self.canvas.shapes) < len(self.strokes):
            self.canvas.shapes.append(path)
        else:
            self.canvas.shapes[-1] = path
        self.canvas.update()
        if self.hint.visible is False:
            self.hint.update()

    def clear(self) -> None:
        self.strokes = []
        self.canvas.shapes = []
        self.hint.visible = True

    def to_png(self) -> bytes:
        return strokes_to_png(self.strokes, self.width, self.height)
