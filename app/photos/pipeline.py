"""Evidence photo pipeline: validate, orient, downscale, watermark, re-encode.

Plain Python + Pillow: no Flet, HTTP or SQL here.  The store records the
evidence metadata (who/where/when); the output JPEG carries no EXIF at all.

    photo = process_photo(data, PhotoSettings(), Watermark(taken_at=..., site=..., inspector=...))
    PhotoStore(root).put(photo)
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import struct
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw, ImageFont, UnidentifiedImageError

from .errors import FileTooLarge, ImageTooLarge, NotAnImage, PhotoError, TruncatedImage

__all__ = [
    "FONT_FILENAME",
    "FONT_PATH",
    "PhotoSettings",
    "Watermark",
    "ProcessedPhoto",
    "PhotoStore",
    "bundled_font_path",
    "heif_supported",
    "process_photo",
]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- font

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

# --------------------------------------------------------------------------- API types

# China has used UTC+8 without DST since 1991; a fixed offset is exact for
# evidence timestamps and needs no tzdata (absent on Android builds).
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


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
        local = self.taken_at.astimezone(CHINA_TZ)
        out = [f"时间 {local:%Y-%m-%d %H:%M:%S}"]
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


# --------------------------------------------------------------------------- helpers

_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _clean(s: str | None) -> str:
    return _CTRL.sub(" ", s or "").strip()


def format_gps(gps: tuple[float, float]) -> str:
    lat, lon = gps
    return (f"{abs(lat):.6f}°{'N' if lat >= 0 else 'S'}, "
            f"{abs(lon):.6f}°{'E' if lon >= 0 else 'W'}")


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

_ORIENT = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _exif_datetime(exif: Image.Exif) -> datetime | None:
    try:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        raw = ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
        if not raw:
            return None
        if isinstance(raw, bytes):
            raw = raw.decode("ascii", "replace")
        dt = datetime.strptime(str(raw).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
        offset = ifd.get(ExifTags.Base.OffsetTimeOriginal) or ifd.get(ExifTags.Base.OffsetTime)
        tz = CHINA_TZ  # phones without OffsetTime* record local time; we work in China
        if isinstance(offset, bytes):
            offset = offset.decode("ascii", "replace")
        if isinstance(offset, str):
            m = re.fullmatch(r"\s*([+-])(\d\d):?(\d\d)\s*\x00*", offset)
            if m:
                delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
                tz = timezone(-delta if m.group(1) == "-" else delta)
        return dt.replace(tzinfo=tz).astimezone(timezone.utc)
    except Exception:  # malformed EXIF never rejects a photo
        return None


def _exif_gps(exif: Image.Exif) -> tuple[float, float] | None:
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if not gps:
            return None

        def deg(v) -> float:
            if isinstance(v, (tuple, list)):
                parts = [float(x) for x in v] + [0.0, 0.0]
                return parts[0] + parts[1] / 60 + parts[2] / 3600
            return float(v)

        lat = deg(gps[ExifTags.GPS.GPSLatitude])
        lon = deg(gps[ExifTags.GPS.GPSLongitude])
        lat_ref = gps.get(ExifTags.GPS.GPSLatitudeRef, "N")
        lon_ref = gps.get(ExifTags.GPS.GPSLongitudeRef, "E")
        if isinstance(lat_ref, bytes):
            lat_ref = lat_ref.decode("ascii", "replace")
        if isinstance(lon_ref, bytes):
            lon_ref = lon_ref.decode("ascii", "replace")
        if str(lat_ref).strip("\x00 ").upper().startswith("S"):
            lat = -lat
        if str(lon_ref).strip("\x00 ").upper().startswith("W"):
            lon = -lon
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return None
        if lat != lat or lon != lon:  # NaN from 0/0 rationals
            return None
        return (round(lat, 7), round(lon, 7))
    except Exception:
        return None


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
    for i, ch in enumerate(text):
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


def _draw_watermark(img: Image.Image, lines: list[str], font_path: Path) -> None:
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


# --------------------------------------------------------------------------- process

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
        taken_at = _exif_datetime(exif)
        gps = _exif_gps(exif)
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

    for op in _ORIENT.get(orientation if isinstance(orientation, int) else 1, ()):
        out = out.transpose(op)
    if orientation in (5, 6, 7, 8):
        w0, h0 = h0, w0

    if settings.watermark and watermark is not None:
        _draw_watermark(out, watermark.lines(gps), bundled_font_path())

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
        taken_at=taken_at,
        gps=gps,
        mime=mime,
    )
    log.debug("processed %s %dx%d -> %dx%d in %.0f ms (decode %.0f ms), %d -> %d bytes",
              mime, w0, h0, out.width, out.height, (time.perf_counter() - t0) * 1000,
              (t_dec - t0) * 1000, n, len(jpeg))
    return photo


# --------------------------------------------------------------------------- store

_SHA_RE = re.compile(r"[0-9a-f]{64}")


class PhotoStore:
    """Content-addressed photo files: ``root/ab/<sha>.jpg`` and ``root/thumbs/ab/<sha>.jpg``.

    Writes go to a temp file in the destination directory, are fsynced, then
    ``os.replace``d into place, so a final path never holds a partial photo.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @staticmethod
    def _check(sha: str) -> str:
        if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha):
            raise ValueError(f"not a lowercase sha256 hex digest: {sha!r}")
        return sha

    def path(self, sha: str) -> Path:
        sha = self._check(sha)
        return self.root / sha[:2] / f"{sha}.jpg"

    def thumb_path(self, sha: str) -> Path:
        sha = self._check(sha)
        return self.root / "thumbs" / sha[:2] / f"{sha}.jpg"

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def open(self, sha: str) -> bytes:
        """Bytes of the stored photo; FileNotFoundError if absent."""
        return self.path(sha).read_bytes()

    def open_thumb(self, sha: str) -> bytes:
        return self.thumb_path(sha).read_bytes()

    def put(self, photo: ProcessedPhoto) -> Path:
        """Store photo + thumbnail; idempotent.  Returns the photo's path."""
        if hashlib.sha256(photo.jpeg).hexdigest() != photo.sha256:
            raise PhotoError(f"ProcessedPhoto.sha256 {photo.sha256[:12]}… does not match its bytes",
                             "照片数据校验失败，请重新拍摄")
        final = self.path(photo.sha256)
        thumb = self.thumb_path(photo.sha256)
        # Thumbnail first: a present photo then implies a present thumbnail.
        if not thumb.is_file():
            _atomic_write(thumb, photo.thumbnail)
        if not final.is_file():
            _atomic_write(final, photo.jpeg)
        return final


def _fsync_dir(d: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(dest.parent)
