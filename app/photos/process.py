"""Evidence photo processing: validate, orient, downscale, watermark, re-encode.

Plain Python + Pillow: no Flet, HTTP or SQL here. The store records the evidence metadata
(who/where/when); the output JPEG carries no EXIF and no colour profile: its pixels are sRGB.
Decoding is bounded in memory by ``max_decode_bytes`` (see ``decode.py``).

    photo = process_photo(data, PhotoSettings(), Watermark(taken_at=..., site=..., inspector=...))
    PhotoStore(root).put(photo)          # app.photos.files
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from PIL import Image

from .colour import to_srgb
from .decode import DECODE_ERRORS
from .errors import FileTooLarge, NotAnImage, TruncatedImage
from .exif import ORIENTATION, gps_position, taken_at
from .header import heif_supported, open_photo, supported_text
from .watermark import Watermark, bundled_font_path, draw_watermark

__all__ = ["PhotoSettings", "ProcessedPhoto", "heif_supported", "process_photo"]

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class PhotoSettings:
    max_edge_px: int = 1920
    jpeg_quality: int = 80
    thumb_edge_px: int = 320
    max_input_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 60_000_000
    watermark: bool = True
    # What decoding one photo may hold at once (pixels, codec buffers, the input): with the
    # interpreter (~30 MB) and the output steps this keeps a photo under ~200 MB at its peak.
    max_decode_bytes: int = 150 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("max_edge_px", "thumb_edge_px", "max_input_bytes", "max_pixels",
                     "max_decode_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"PhotoSettings.{name} must be positive")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError("PhotoSettings.jpeg_quality must be in 1..95")

@dataclass(frozen=True)
class ProcessedPhoto:
    sha256: str                    # of ``jpeg`` (the stored bytes)
    original_sha256: str           # of the bytes as captured
    jpeg: bytes
    thumbnail: bytes               # JPEG, long edge = thumb_edge_px (or smaller)
    width: int
    height: int
    original_width: int            # as displayed, i.e. after EXIF orientation
    original_height: int
    taken_at: datetime | None      # EXIF DateTimeOriginal as aware UTC, if present
    gps: tuple[float, float] | None  # (lat, lon) from EXIF, if present
    mime: str                      # of the original: image/jpeg, image/png, image/webp, image/heic

    def __repr__(self) -> str:  # keep the bytes out of logs and test output
        return (f"ProcessedPhoto(sha256={self.sha256[:12]}…, {self.width}x{self.height}, "
                f"jpeg={len(self.jpeg)}B, thumb={len(self.thumbnail)}B, mime={self.mime}, "
                f"original={self.original_width}x{self.original_height}, "
                f"taken_at={self.taken_at}, gps={self.gps})")

def _fit(w: int, h: int, edge: int) -> tuple[int, int]:
    if max(w, h) <= edge:
        return w, h
    s = edge / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def _encode_jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue()


def process_photo(data: bytes, settings: PhotoSettings = PhotoSettings(),
                  watermark: Watermark | None = None) -> ProcessedPhoto:
    """Turn captured bytes into the stored evidence JPEG + thumbnail.

    EXIF is read (orientation, DateTimeOriginal, GPS) but never written out; an embedded colour
    profile is applied to the pixels, never copied.

    :param data: the file as captured, e.g. a phone camera's JPEG or HEIC.
    :raises FileTooLarge: over ``max_input_bytes``, checked before anything is decoded.
    :raises NotAnImage: not a supported image format.
    :raises ImageTooLarge: over ``max_pixels``.
    :raises TooBigToDecode: decoding it would need more than ``max_decode_bytes``.
    :raises TruncatedImage: the pixel data is cut short or corrupt.
    """
    t0 = time.perf_counter()
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"process_photo() needs bytes, got {type(data).__name__}")
    n = len(data)
    if n > settings.max_input_bytes:
        raise FileTooLarge(n, settings.max_input_bytes)
    if n == 0:
        raise NotAnImage("empty file (0 bytes)", supported=supported_text())
    original_sha = hashlib.sha256(data).hexdigest()

    with open_photo(data, settings.max_pixels) as source:
        w0, h0 = source.size
        taken = taken_at(source.exif)
        gps = gps_position(source.exif)
        orientation = source.orientation
        tw, th = _fit(w0, h0, settings.max_edge_px)
        img = source.reduced((tw, th), settings.max_decode_bytes)
        t_dec = time.perf_counter()
        try:
            if img.size != (tw, th):
                img = img.resize((tw, th), Image.Resampling.BICUBIC)
            out = to_srgb(img, source.icc)
        except DECODE_ERRORS as exc:
            raise TruncatedImage(f"{source.format} {w0}x{h0} image could not be converted: "
                                 f"{type(exc).__name__}: {exc}") from exc
        mime = source.mime

    for op in ORIENTATION.get(orientation, ()):
        out = out.transpose(op)
    if orientation in (5, 6, 7, 8):
        w0, h0 = h0, w0

    if settings.watermark and watermark is not None:
        draw_watermark(out, watermark.lines(gps), bundled_font_path())

    jpeg = _encode_jpeg(out, settings.jpeg_quality)
    thumb_img = out.resize(_fit(*out.size, settings.thumb_edge_px), Image.Resampling.LANCZOS,
                           reducing_gap=2.0) if max(out.size) > settings.thumb_edge_px else out
    thumbnail = _encode_jpeg(thumb_img, 75)
    photo = ProcessedPhoto(
        sha256=hashlib.sha256(jpeg).hexdigest(),
        original_sha256=original_sha,
        jpeg=jpeg,
        thumbnail=thumbnail,
        width=out.width,
        height=out.height,
        original_width=w0,
        original_height=h0,
        taken_at=taken,
        gps=gps,
        mime=mime,
    )
    log.debug("processed %s %dx%d -> %dx%d in %.0f ms (decode %.0f ms), %d -> %d bytes",
              mime, w0, h0, out.width, out.height, (time.perf_counter() - t0) * 1000,
              (t_dec - t0) * 1000, n, len(jpeg))
    return photo
