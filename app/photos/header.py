"""What a captured file is, from its header alone: the format (by content, never by name),
the size checked against the pixel cap, EXIF and the colour profile. No pixel is decoded here.
"""

from __future__ import annotations

import io
import logging
import threading

from PIL import ExifTags, Image, UnidentifiedImageError

from .decode import DECODE_ERRORS, Source
from .errors import ImageTooLarge, NotAnImage, TruncatedImage

log = logging.getLogger(__name__)

__all__ = ["heif_supported", "open_photo", "supported_text"]

_HEIF_LOCK = threading.Lock()
_heif_state: bool | None = None  # None = not tried yet


def heif_supported() -> bool:
    """Whether HEIC can be decoded: imports pillow-heif on first use (~100 ms)."""
    global _heif_state
    if _heif_state is None:
        with _HEIF_LOCK:
            if _heif_state is None:
                try:
                    import pillow_heif

                    pillow_heif.register_heif_opener()
                    _heif_state = True
                except Exception as exc:  # noqa: BLE001 - ImportError, or a broken native lib
                    log.info("HEIC support unavailable: %s", exc)
                    _heif_state = False
    return _heif_state


def supported_text() -> str:
    """The formats to name in a refusal, e.g. ``JPEG/PNG/WebP/HEIC``."""
    return "JPEG/PNG/WebP/HEIC" if _heif_state else "JPEG/PNG/WebP"


def open_photo(data: bytes, max_pixels: int) -> Source:
    """Read and check the header of a captured photo; decode no pixels.

    :param data: the file as captured, e.g. a phone's JPEG.
    :param max_pixels: the pixel cap, e.g. ``60_000_000``.
    :raises NotAnImage: not JPEG, PNG, WebP or (with pillow-heif) HEIC.
    :raises TruncatedImage: the header is unreadable.
    :raises ImageTooLarge: more pixels than ``max_pixels``.
    """
    brand = _heif_brand(data)
    source = _open_heif(data, brand) if brand is not None else _open_pillow(data, max_pixels)
    w, h = source.size
    if w <= 0 or h <= 0:
        source.close()
        raise TruncatedImage(f"image reports an empty size {w}x{h}")
    if w * h > max_pixels:
        source.close()
        raise ImageTooLarge(w, h, max_pixels)
    return source


# --------------------------------------------------------------------------- opening

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


def _sniff_other(data: bytes) -> str | None:
    if data[4:12] == b"ftypavif":
        return "AVIF"
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            return name
    return None


def _open_pillow(data: bytes, max_pixels: int) -> Source:
    try:
        img = Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"])
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(None, None, max_pixels, str(exc)) from exc
    except UnidentifiedImageError as exc:
        other = _sniff_other(data)
        if other:
            raise NotAnImage(f"unsupported image format {other} ({len(data):,} bytes)",
                             detected=other, supported=supported_text()) from exc
        raise NotAnImage(f"not a recognised image ({len(data):,} bytes, starts {data[:8]!r})",
                         supported=supported_text()) from exc
    except DECODE_ERRORS as exc:
        raise TruncatedImage(f"image header unreadable ({len(data):,} bytes): "
                             f"{type(exc).__name__}: {exc}") from exc
    exif = Image.Exif()
    try:
        if img.format == "PNG":
            # PngImageFile.getexif() decodes the whole image to look for an eXIf chunk after
            # the pixels; only one before them (where cameras and editors put it) is read.
            if img.info.get("exif"):
                exif.load(img.info["exif"])
        else:
            exif = img.getexif()
    except Exception:  # noqa: BLE001 - a corrupt EXIF block reads as none
        exif = Image.Exif()
    orientation = exif.get(ExifTags.Base.Orientation, 1)
    fmt = "JPEG" if img.format == "MPO" else (img.format or "JPEG")
    return Source(format=fmt, mime=_MIME.get(img.format or "", "image/jpeg"), size=img.size,
                  exif=exif, orientation=orientation if isinstance(orientation, int) else 1,
                  icc=img.info.get("icc_profile") or None, data=data, _image=img)


def _open_heif(data: bytes, brand: bytes) -> Source:
    if not heif_supported():
        raise NotAnImage(
            "HEIC/HEIF image but pillow-heif is not available",
            detected="HEIC", supported=supported_text(),
            message="暂不支持 HEIC 格式，请在相机设置中选择“兼容性最佳”（JPEG）",
        )
    import pillow_heif

    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        size = heif.size
        info = heif.info
    except DECODE_ERRORS as exc:
        raise TruncatedImage(f"HEIF header unreadable ({len(data):,} bytes): "
                             f"{type(exc).__name__}: {exc}") from exc
    exif = Image.Exif()
    if info.get("exif"):
        try:
            exif.load(info["exif"])
        except Exception:  # noqa: BLE001 - a corrupt EXIF block reads as none
            exif = Image.Exif()
    # libheif applies the container's rotation and mirroring (irot/imir) while decoding; the
    # EXIF orientation tag is informative only (HEIF spec), so it must not be applied again.
    return Source(format="HEIF", mime="image/heic" if brand.startswith(b"he") else "image/heif",
                  size=size, exif=exif, orientation=1, icc=info.get("icc_profile") or None,
                  data=data, _heif=heif)
