"""How a line of Chinese looks on a screenshot of the Flutter canvas: not painted yet, drawn with
the bundled font, or drawn as boxes (tofu). Used by the browser tests that guard the font."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path
from typing import Any

BLANK = "blank"
GLYPHS = "glyphs"
TOFU = "tofu"


def label_state(png: Path, box: dict, n_chars: int) -> tuple[str, float]:
    """``(state, min difference between neighbouring glyph cells)`` of a one-line label.

    :param box: the label's bounding box from its semantics node, e.g. ``{"x": 150, "y": 153,
        "width": 137, "height": 30}``; it is split into ``n_chars`` equal cells.

    Glyphs drawn with the font are inked and differ from each other; tofu boxes are inked but alike
    (the missing-glyph box is the same rectangle for every character); an unpainted label has no ink.
    """
    from PIL import Image, ImageChops, ImageStat

    img = Image.open(png).convert("L")
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    cell = w / n_chars
    cells = [img.crop((int(x + i * cell), int(y), int(x + (i + 1) * cell), int(y + h))).resize((24, 24))
             for i in range(n_chars)]
    darkest = [ImageStat.Stat(c).extrema[0][0] for c in cells]
    diffs = [ImageStat.Stat(ImageChops.difference(a, b)).mean[0] for a, b in pairwise(cells)]
    if min(darkest) >= 200:
        return BLANK, min(diffs)
    if max(darkest) < 128 and min(diffs) > 4:
        return GLYPHS, min(diffs)
    return TOFU, min(diffs)


def first_painted_state(page: Any, text: str, probe: Path, *, timeout: float = 15.0) -> tuple[str, float]:
    """The state of label ``text`` in the first screenshot where it is painted at all.

    Flutter adds a node to its semantics tree a moment before the canvas shows it, so a label
    found by its text may still be unpainted: wait (bounded) for ink, then judge that frame.
    """
    locator = page.get_by_text(text, exact=True).first
    deadline = time.monotonic() + timeout
    while True:
        box = locator.bounding_box()
        page.screenshot(path=str(probe))
        state, diff = label_state(probe, box, len(text)) if box else (BLANK, 0.0)
        if state != BLANK or time.monotonic() > deadline:
            return state, diff
        page.wait_for_timeout(30)
