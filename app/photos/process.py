"""Evidence photo processing: validate, orient, downscale, watermark, re-encode.

Plain Python + Pillow: no Flet, HTTP or SQL here. The store records the evidence metadata
(who/where/when); the output JPEG carries no EXIF at all.

    photo = process_photo(data, PhotoSettings(), Watermark(taken_at=..., site=..., inspector=...))
    PhotoStore(root).put(photo)          # app.photos.files
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime

from PIL import ExifTags, Image, UnidentifiedImageError

from .errors import FileTooLarge, ImageTooLarge, NotAnImage, TruncatedImage
from .exif import ORIENTATION, gps_position, taken_at
from .watermark import Watermark, bundled_font_path, draw_watermark

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class PhotoSettings:
    max_edge_px: int = 1920
    jpeg_quality: int = 80
    thumb_edge_px: int = 320
    max_input_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 60_000_000
    watermark: bool = True

    def __post_init__(self) -> None:
        for name in ("max_edge_px", "thumb_edge_px", "max_input_bytes", "max_pixels"):
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

_HEIF_LOCK = threading.Lock()

_heif_state: bool | None = None  # None = not tried yet

def heif_supported() -> bool:
    """Register pillow-heif's opener on first use (import costs ~100 ms)."""
    global _heif_state
    if _heif_state is None:
        with _HEIF_LOCK:
            if _heif_state is None:
                try:
                    import pillow_heif

                    pillow_heif.register_heif_opener()
                    _heif_state = True
                except Exception as exc:  # ImportError, or a broken native lib
                    log.info("HEIC support unavailable: %s", exc)
                    _heif_state = False
    return _heif_state

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

_MIME = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

_OTHER_MAGIC = (
    (b"GIF8", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"), (b"8BPS", "PSD"), (b"\x00\x00\x01\x00", "ICO"),
)

def _heif_brand(data: bytes) -> bytes | None:
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return brand
        compat = data[16:int.from_bytes(data[0:4], "big")]
        for i in range(0, len(compat) - 3, 4):
            if compat[i:i + 4] in _HEIF_BRANDS:
                return compat[i:i + 4]
    return None

def _supported_text() -> str:
    return "JPEG/PNG/WebP/HEIC" if _heif_state else "JPEG/PNG/WebP"

def _sniff_other(data: bytes) -> str | None:
    if data[4:12] == b"ftypavif":
        return "AVIF"
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            return name
    return None

_DECODE_ERRORS = (OSError, SyntaxError, EOFError, ValueError, struct.error, zlib.error,
                  IndexError, TypeError, MemoryError)

def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> RGB; transparency is flattened onto white."""
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif img.mode == "F":
        img = img.convert("L")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return img.convert("RGB")

def _fit(w: int, h: int, edge: int) -> tuple[int, int]:
    if max(w, h) <= edge:
        return w, h
    s = edge / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))

def _encode_jpeg(img: Image.Image, quality: int, icc: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kw = {"icc_profile": icc} if icc else {}
    img.save(buf, "JPEG", quality=quality, optimize=False, progressive=False, **kw)
    return buf.getvalue()

def _open(data: bytes, settings: PhotoSettings) -> tuple[Image.Image, str]:
    formats = ["JPEG", "PNG", "WEBP"]
    mime = None
    brand = _heif_brand(data)
    if brand is not None:
        if not heif_supported():
            raise NotAnImage(
                "HEIC/HEIF image but pillow-heif is not available",
                detected="HEIC", supported=_supported_text(),
                message="暂不支持 HEIC 格式，请在相机设置中选择“兼容性最佳”（JPEG）",
            )
        formats = ["HEIF"]
        mime = "image/heic" if brand.startswith(b"he") else "image/heif"
    try:
        img = Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(None, None, settings.max_pixels, str(exc)) from exc
    except UnidentifiedImageError as exc:
        other = _sniff_other(data)
        if other:
            raise NotAnImage(f"unsupported image format {other} ({len(data):,} bytes)",
                             detected=other, supported=_supported_text()) from exc
        raise NotAnImage(f"not a recognised image ({len(data):,} bytes, starts {data[:8]!r})",
                         supported=_supported_text()) from exc
    except _DECODE_ERRORS as exc:
        raise TruncatedImage(f"image header unreadable ({len(data):,} bytes): "
                             f"{type(exc).__name__}: {exc}") from exc
    return img, mime or _MIME.get(img.format or "", "image/jpeg")

def process_photo(data: bytes, settings: PhotoSettings = PhotoSettings(),
                  watermark: Watermark | None = None) -> ProcessedPhoto:
    """Turn captured bytes into the stored evidence JPEG + thumbnail.

    Raises a :class:`PhotoError` subclass for any input that must be refused.
    EXIF is read (orientation, DateTimeOriginal, GPS) but never written out.
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
        raise NotAnImage("empty file (0 bytes)", supported=_supported_text())
    original_sha = hashlib.sha256(data).hexdigest()

    img, mime = _open(data, settings)
    with img:
        w0, h0 = img.size
        if w0 <= 0 or h0 <= 0:
            raise TruncatedImage(f"image reports an empty size {w0}x{h0}")
        if w0 * h0 > settings.max_pixels:
            raise ImageTooLarge(w0, h0, settings.max_pixels)

        try:
            exif = img.getexif()
        except Exception:  # corrupt EXIF block: treat as none
            exif = Image.Exif()
        orientation = exif.get(ExifTags.Base.Orientation, 1)
        taken = taken_at(exif)
        gps = gps_position(exif)
        icc = img.info.get("icc_profile") or None

        tw, th = _fit(w0, h0, settings.max_edge_px)
        if img.format in ("JPEG", "MPO") and (tw, th) != (w0, h0):
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale (never below target).
            img.draft("RGB", (tw, th))
        try:
            img.load()
        except Image.DecompressionBombError as exc:
            raise ImageTooLarge(w0, h0, settings.max_pixels, str(exc)) from exc
        except _DECODE_ERRORS as exc:
            raise TruncatedImage(
                f"{img.format} {w0}x{h0} image data incomplete or corrupt "
                f"({n:,} bytes): {type(exc).__name__}: {exc}") from exc
        t_dec = time.perf_counter()

        try:
            out = _to_rgb(img)
            if out.size != (tw, th):
                out = out.resize((tw, th), Image.Resampling.BICUBIC, reducing_gap=3.0)
            if out is img:  # never hand back the source image object (closed below)
                out = img.copy()
        except _DECODE_ERRORS as exc:  # lazy decoders (HEIF) may fail here
            raise TruncatedImage(f"{img.format} {w0}x{h0} image could not be decoded: "
                                 f"{type(exc).__name__}: {exc}") from exc

    for op in ORIENTATION.get(orientation if isinstance(orientation, int) else 1, ()):
        out = out.transpose(op)
    if orientation in (5, 6, 7, 8):
        w0, h0 = h0, w0

    if settings.watermark and watermark is not None:
        draw_watermark(out, watermark.lines(gps), bundled_font_path())

    jpeg = _encode_jpeg(out, settings.jpeg_quality, icc)
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
