"""The evidence watermark burnt into a photo: time, place, inspector, item, GPS, in the
bundled CJK font (Pillow's default font has no Chinese)."""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.domain.clock import format_local

log = logging.getLogger(__name__)

FONT_FILENAME = "NotoSansSC-AnXun.otf"

_REPO_ASSETS = Path(__file__).resolve().parents[2] / "assets"

def bundled_font_path() -> Path:
    """Path of the bundled CJK font.

    Built apps set ``FLET_ASSETS_DIR``; from a source checkout it is the repo's
    ``assets/``.  Returns the first candidate that exists, else the preferred one.
    """
    candidates = []
    env = os.environ.get("FLET_ASSETS_DIR")
    if env:
        candidates.append(Path(env) / "fonts" / FONT_FILENAME)
    candidates.append(_REPO_ASSETS / "fonts" / FONT_FILENAME)
    for c in candidates:
        if c.is_file():
            return c
    return candidates[0]

FONT_PATH: Path = bundled_font_path()


@dataclass(frozen=True)
class Watermark:
    """Evidence text burnt into the bottom of the photo.

    ``taken_at`` must be timezone-aware (UTC by convention); it is rendered in
    China local time as ``2026-11-29 17:46:03``.
    """

    taken_at: datetime
    site: str
    inspector: str
    item: str = ""
    gps: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.taken_at.tzinfo is None or self.taken_at.utcoffset() is None:
            raise ValueError("Watermark.taken_at must be timezone-aware (UTC)")

    def lines(self, gps: tuple[float, float] | None = None) -> list[str]:
        """Text lines, in order.  ``gps`` is used when the watermark has none."""
        out = [f"时间 {format_local(self.taken_at, seconds=True)}"]
        if _clean(self.site):
            out.append(f"地点 {_clean(self.site)}")
        if _clean(self.inspector):
            out.append(f"检查人 {_clean(self.inspector)}")
        if _clean(self.item):
            out.append(f"检查项 {_clean(self.item)}")
        where = self.gps or gps
        if where is not None:
            out.append(f"GPS {format_gps(where)}")
        return out

_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

def _clean(s: str | None) -> str:
    return _CTRL.sub(" ", s or "").strip()

def format_gps(gps: tuple[float, float]) -> str:
    lat, lon = gps
    return (f"{abs(lat):.6f}°{'N' if lat >= 0 else 'S'}, "
            f"{abs(lon):.6f}°{'E' if lon >= 0 else 'W'}")

_FONT_LOCK = threading.Lock()

@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError as exc:
        log.warning("bundled font %s unusable (%s); watermark falls back to Pillow's default "
                    "font and will not render Chinese", path, exc)
        return ImageFont.load_default(size)

def _wrap(text: str, font, max_w: float, max_lines: int = 2) -> list[str]:
    """Character-level wrap (CJK has no spaces); last line ends in '…' if cut."""
    if font.getlength(text) <= max_w:
        return [text]
    lines: list[str] = []
    cur = ""
    for ch in text:
        if font.getlength(cur + ch) <= max_w:
            cur += ch
            continue
        if len(lines) == max_lines - 1:
            while cur and font.getlength(cur + "…") > max_w:
                cur = cur[:-1]
            lines.append(cur + "…")
            return lines
        lines.append(cur)
        cur = ch
    lines.append(cur)
    return lines

def draw_watermark(img: Image.Image, lines: list[str], font_path: Path) -> None:
    """Semi-opaque dark band at the bottom with white text, in place."""
    w, h = img.size
    size = max(10, round(min(w, h) / 34))
    pad = max(4, round(size * 0.6))
    with _FONT_LOCK:
        font = _font(str(font_path), size)
        wrapped = [seg for line in lines for seg in _wrap(line, font, w - 2 * pad)]
        line_h = round(size * 1.35)
        band_h = len(wrapped) * line_h + 2 * pad - (line_h - size)
        if band_h > h * 0.45:  # tiny image: shrink once to fit
            size = max(6, int(size * h * 0.45 / band_h))
            pad = max(2, round(size * 0.6))
            font = _font(str(font_path), size)
            wrapped = [seg for line in lines for seg in _wrap(line, font, w - 2 * pad)]
            line_h = round(size * 1.35)
            band_h = min(h, len(wrapped) * line_h + 2 * pad - (line_h - size))
    box = (0, h - band_h, w, h)
    band = img.crop(box)
    band = Image.blend(band, Image.new("RGB", band.size, (0, 0, 0)), 0.55)
    draw = ImageDraw.Draw(band)
    y = pad
    with _FONT_LOCK:  # cached FreeType faces are shared between threads
        for seg in wrapped:
            draw.text((pad, y), seg, font=font, fill=(255, 255, 255))
            y += line_h
    img.paste(band, box)
