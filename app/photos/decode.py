"""Captured bytes -> pixels reduced towards the stored size, within a memory budget.

The pixel cap (``max_pixels``) alone does not bound memory: what a decode takes depends on the
format as much as on the pixel count. So before any pixel is decoded, each format's cost is
estimated from its header and refused above ``max_decode_bytes``:

    JPEG  libjpeg decodes at 1/2, 1/4 or 1/8 scale (``draft``); a progressive or other
          multi-scan JPEG also holds every DCT coefficient: 2 bytes per sample, full size.
    PNG   streamed a strip at a time (``png_rows``): a few MB whatever the size. Interlaced
          and 16-bit RGB/RGBA PNGs are decoded whole: Pillow's bytes per pixel of the mode.
    WebP  Pillow's only WebP decoder (libwebp's animation API) holds the full frame four times
          over: 16 bytes per pixel.
    HEIC  libheif's RGB output (3–4 bytes per pixel) plus the decoded YCbCr planes.

The decoded image is then reduced by an integer factor a strip at a time (``Image.reduce``:
an area average, so nothing aliases), to between one and two times the stored size.
"""

from __future__ import annotations

import logging
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Self

from PIL import Image

from .colour import flatten
from .errors import TooBigToDecode, TruncatedImage
from .png_rows import png_layout, png_strips

log = logging.getLogger(__name__)

__all__ = ["DECODE_ERRORS", "Source"]

#: What a decoder raises on broken input (Pillow and its plugins are not consistent).
DECODE_ERRORS = (OSError, SyntaxError, EOFError, ValueError, struct.error, zlib.error,
                 IndexError, TypeError, MemoryError, RuntimeError)

_FLAT = ("RGB", "L", "CMYK")     # what ``colour.flatten`` returns
_STRIP_PIXELS = 1 << 18          # pixels per strip while reducing: 1 MB of RGBA
_WEBP_BYTES_PER_PIXEL = 16       # measured with Pillow 13 / libwebp 1.6 (bench/photos.py)
_HEIF_CHROMA = {"420": 1.5, "422": 2.0, "444": 3.0}  # YCbCr bytes per pixel, 8-bit


@dataclass
class Source:
    """An opened photo whose header is read and checked, its pixels not yet decoded
    (made by ``header.open_photo``)."""

    format: str                    # "JPEG", "PNG", "WEBP" or "HEIF"
    mime: str                      # of the original, e.g. "image/png"
    size: tuple[int, int]          # as stored, before EXIF orientation
    exif: Image.Exif
    orientation: int               # EXIF orientation still to apply (HEIF: applied by libheif)
    icc: bytes | None              # embedded colour profile, applied later (``colour.to_srgb``)
    data: bytes = field(repr=False)
    _image: Image.Image | None = field(default=None, repr=False)   # Pillow formats
    _heif: object | None = field(default=None, repr=False)         # pillow_heif.HeifFile

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # Dropped, not Image.close()d: the image handed out by ``reduced`` may be this one.
        self._image = None
        self._heif = None

    def reduced(self, target: tuple[int, int], budget: int) -> Image.Image:
        """The pixels flattened (``RGB``/``L``/``CMYK``) and reduced by an integer factor to
        between one and two times ``target`` (never below it; small images as they are).

        :param target: the size the caller will resize to, e.g. ``(1920, 1440)``.
        :param budget: bytes the decode may hold at once, e.g. ``150 * 2**20``.
        :raises TooBigToDecode: the estimated cost is over ``budget``.
        :raises TruncatedImage: the pixel data is cut short or corrupt.
        """
        plan = _plan(self, target, budget)
        if plan.cost > budget:
            w, h = self.size
            fixed = len(self.data)
            fit = int(w * h * max(0, budget - fixed) / max(1, plan.cost - fixed))
            log.info("refused %s %dx%d: needs ~%d MiB to decode, budget %d MiB",
                     plan.label, w, h, plan.cost >> 20, budget >> 20)
            raise TooBigToDecode(plan.label, w, h, plan.cost, budget, fit)
        try:
            return _assemble(plan.strips(), plan.size, plan.factor)
        except DECODE_ERRORS as exc:
            w, h = self.size
            raise TruncatedImage(
                f"{self.format} {w}x{h} image data incomplete or corrupt "
                f"({len(self.data):,} bytes): {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True)
class _Plan:
    label: str                                   # format as the inspector knows it
    cost: int                                    # bytes held at the peak of the decode
    size: tuple[int, int]                        # of the decoded (maybe draft-scaled) image
    factor: tuple[int, int]                      # integer reduction, x and y
    strips: Callable[[], Iterable[Image.Image]]  # the decoded image, top to bottom


# --------------------------------------------------------------------------- planning

def _pixel_bytes(mode: str) -> int:
    """Bytes per pixel of a Pillow image in ``mode`` (RGB is stored as 4)."""
    return {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}.get(mode, 4)


def _factor(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    return max(1, size[0] // target[0]), max(1, size[1] // target[1])


def _reduced_bytes(size: tuple[int, int], factor: tuple[int, int]) -> int:
    return _ceil_div(size[0], factor[0]) * _ceil_div(size[1], factor[1]) * 4


def _rows(width: int, fy: int) -> int:
    """Rows per strip: about ``_STRIP_PIXELS`` pixels, a multiple of the reduction factor."""
    return max(1, _STRIP_PIXELS // max(1, width) // fy) * fy


def _plan(src: Source, target: tuple[int, int], budget: int) -> _Plan:
    if src.format == "HEIF":
        return _plan_heif(src, target)
    img = src._image
    assert img is not None
    if src.format == "JPEG":
        return _plan_jpeg(src, img, target, budget)
    if src.format == "PNG":
        layout = png_layout(img, src.data)
        if layout is not None:
            factor = _factor(img.size, target)
            rows = _rows(img.width, factor[1])
            cost = len(src.data) + layout.strip_bytes(rows) + _reduced_bytes(img.size, factor)
            return _Plan("PNG", cost, img.size, factor,
                         lambda: png_strips(img, src.data, layout, rows))
        per_pixel = _pixel_bytes(img.mode)
        label = "PNG"
    else:
        per_pixel = _WEBP_BYTES_PER_PIXEL
        label = "WebP"
    factor = _factor(img.size, target)
    cost = len(src.data) + img.width * img.height * per_pixel + _reduced_bytes(img.size, factor)
    return _Plan(label, cost, img.size, factor, lambda: _loaded_strips(img, factor[1]))


def _plan_jpeg(src: Source, img: Image.Image, target: tuple[int, int], budget: int) -> _Plan:
    full = img.size
    if target != full:
        img.draft("RGB", target)  # libjpeg scales by 1/2, 1/4 or 1/8, never below target
    factor = _factor(img.size, target)
    cost = (len(src.data) + img.width * img.height * _pixel_bytes(img.mode)
            + _reduced_bytes(img.size, factor))
    label = "JPEG"
    # libjpeg keeps the whole image's coefficients for a multi-scan (progressive) JPEG, at
    # full resolution whatever the draft scale. Only counted (and the scans only looked for:
    # ~10 ms for 5 MB) when that could matter.
    coefficients = _jpeg_coefficient_bytes(full, getattr(img, "layer", None))
    if cost + coefficients > budget and _jpeg_scans(src.data) > 1:
        cost += coefficients
        label = "渐进式 JPEG"
    return _Plan(label, cost, img.size, factor, lambda: _loaded_strips(img, factor[1]))


def _plan_heif(src: Source, target: tuple[int, int]) -> _Plan:
    heif = src._heif
    w, h = src.size
    info = heif.info
    channels = len(heif.mode.replace(";16", "")) if heif.mode else 4
    ycbcr = _HEIF_CHROMA.get(str(info.get("chroma", "")), 3.0)
    if (info.get("bit_depth") or 8) > 8:
        ycbcr *= 2
    factor = _factor(src.size, target)
    cost = len(src.data) + int(w * h * (channels + ycbcr)) + _reduced_bytes(src.size, factor)
    return _Plan("HEIC", cost, src.size, factor, lambda: _heif_strips(heif, factor[1]))


_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg_scans(data: bytes) -> int:
    """Number of scans (SOS markers) of the first image, up to its EOI; 0 if unreadable.

    Entropy-coded data cannot contain a marker (0xFF is stuffed as FF 00, restart markers are
    FF D0–D7), so the next marker is found with one regex search."""
    scans, at = 0, 2
    while True:
        m = _MARKER.search(data, at)
        if m is None:
            return scans
        kind, at = data[m.start() + 1], m.start() + 2
        if kind == 0xD9:  # EOI: a trailing MPO or maker image is another file
            return scans
        if kind == 0x01:
            continue
        if at + 2 > len(data):
            return scans
        if kind == 0xDA:
            scans += 1
        at += int.from_bytes(data[at:at + 2], "big")


def _jpeg_coefficient_bytes(size: tuple[int, int], layers: list | None) -> int:
    """libjpeg's whole-image coefficient buffer: 64 × 2 bytes per 8×8 block per component."""
    w, h = size
    if not layers:
        return w * h * 3 * 2
    hmax = max(layer[1] for layer in layers) or 1
    vmax = max(layer[2] for layer in layers) or 1
    total = 0
    for _, hs, vs, *_ in layers:
        blocks_x = _ceil_div(_ceil_div(w * hs, hmax), 8)
        blocks_y = _ceil_div(_ceil_div(h * vs, vmax), 8)
        total += blocks_x * blocks_y * 128
    return total


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# --------------------------------------------------------------------------- strips

def _loaded_strips(img: Image.Image, fy: int) -> Iterator[Image.Image]:
    """A fully decoded image as copies of a few rows each, so that flattening (an RGBA copy,
    a white background) never doubles the whole image."""
    img.load()
    if fy == 1 and img.mode in _FLAT:
        yield img  # nothing to flatten or reduce: no copy
        return
    rows = _rows(img.width, fy)
    for top in range(0, img.height, rows):
        yield img.crop((0, top, img.width, min(img.height, top + rows)))


def _heif_strips(heif, fy: int) -> Iterator[Image.Image]:
    """libheif's decoded buffer, viewed (not copied) a strip at a time."""
    data = memoryview(heif.data)
    w, h = heif.size
    stride = heif.stride
    mode = heif.mode
    rows = _rows(w, fy)
    for top in range(0, h, rows):
        n = min(rows, h - top)
        yield Image.frombuffer(mode, (w, n), data[top * stride:(top + n) * stride],
                               "raw", mode, stride, 1)


def _assemble(strips: Iterable[Image.Image], size: tuple[int, int],
              factor: tuple[int, int]) -> Image.Image:
    """Flatten and reduce each strip, pasted into one new image."""
    fx, fy = factor
    out: Image.Image | None = None
    y = 0
    for strip in strips:
        if factor == (1, 1) and strip.size == size and strip.mode in _FLAT:
            return strip
        if factor == (1, 1):
            small = flatten(strip)
        elif strip.mode in ("RGBA", "LA"):
            # Reducing premultiplied colour then compositing on white equals compositing
            # then reducing, on a strip factor² times smaller.
            small = flatten(strip.reduce(factor))
        else:
            small = flatten(strip).reduce(factor)
        if out is None:
            out = Image.new(small.mode, (_ceil_div(size[0], fx), _ceil_div(size[1], fy)))
        out.paste(small, (0, y // fy))
        y += strip.height
    if out is None or y != size[1]:
        raise EOFError(f"decoded {y} of {size[1]} rows")
    return out
