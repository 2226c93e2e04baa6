"""Pixels as plain sRGB: transparency on white, 16-bit scaled to 8, the embedded colour profile
applied to the pixels and never copied into the stored photo.

A stored evidence JPEG carries no ICC profile: viewers then assume sRGB, so the pixels must
already be sRGB. Copying the profile through instead made an 8 MB profile an 8 MB photo and
left colours to whichever viewer honours profiles.
"""

from __future__ import annotations

import hashlib
import io
import logging
from functools import lru_cache

from PIL import Image

log = logging.getLogger(__name__)

__all__ = ["flatten", "to_srgb"]

_FLAT = ("RGB", "L", "CMYK")
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_ALPHA = ("RGBA", "LA", "PA", "RGBa", "La")

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS: profiles are dropped, not applied
    ImageCms = None  # type: ignore[assignment]


def flatten(img: Image.Image) -> Image.Image:
    """``img`` in one of ``RGB``, ``L`` or ``CMYK``: transparency composited onto white, a
    palette resolved, 16-bit samples scaled (not clipped) to 8 bits.

    :param img: a decoded image (or strip) in any mode Pillow decodes, e.g. ``"P"``.
    """
    mode = img.mode
    if mode in _FLAT:
        return img
    if mode in _SIXTEEN_BIT:
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode in ("1", "F"):
        return img.convert("L")
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        if img.mode == "RGB":
            return img
    if img.mode in _ALPHA:
        rgba = img.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return img.convert("RGB")


def to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """A flat image (``RGB``/``L``/``CMYK``) as sRGB ``RGB``, through its embedded profile.

    A profile that cannot be read or does not fit the pixels (a CMYK profile on RGB) is dropped
    with a log line: the photo is kept, with its colours as if untagged.

    :param icc: the embedded ICC profile, e.g. ``img.info.get("icc_profile")``; None if none.
    """
    if icc and ImageCms is not None:
        transform = _transform(icc, img.mode)
        if transform is not None:
            return transform.apply(img)
    return img if img.mode == "RGB" else img.convert("RGB")


def _transform(icc: bytes, mode: str):
    """The profile -> sRGB transform for ``mode`` pixels, or None if the profile is unusable.
    Built per photo (a few ms): a cache would keep hostile multi-MB profiles alive."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(source, _srgb(), mode, "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        log.info("colour profile %s… (%d bytes) not applied to %s pixels, dropped: %s",
                 hashlib.sha256(icc).hexdigest()[:12], len(icc), mode, exc)
        return None


@lru_cache(maxsize=1)
def _srgb():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
