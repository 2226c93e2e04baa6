"""Evidence photos: processing (validate, orient, downscale, watermark) and content-addressed files.

    process.py     bytes → ProcessedPhoto (JPEG + thumbnail, EXIF read, never written)
    exif.py        orientation, capture time and GPS from EXIF
    watermark.py   the burnt-in evidence text and the bundled CJK font
    files.py       PhotoStore: ``<data>/photos/ab/<sha256>.jpg``, written atomically
    header.py      format by content, pixel cap, EXIF and profile: no pixels decoded
    decode.py      bounded decoding (a memory budget per format), reduced a strip at a time
    png_rows.py    PNG pixels a strip at a time
    colour.py      transparency, 16-bit and colour profiles -> plain sRGB
    errors.py      PhotoError and its branches (each with a Chinese ``message``)
"""

from .errors import (
    FileTooLarge,
    ImageTooLarge,
    NotAnImage,
    PhotoError,
    PhotoNotSaved,
    StorageFull,
    StorageReadOnly,
    TooBigToDecode,
    TruncatedImage,
)
from .files import PhotoStore, Swept
from .process import PhotoSettings, ProcessedPhoto, heif_supported, process_photo
from .watermark import FONT_FILENAME, FONT_PATH, Watermark, bundled_font_path

__all__ = [
    "FONT_FILENAME",
    "FONT_PATH",
    "FileTooLarge",
    "ImageTooLarge",
    "NotAnImage",
    "PhotoError",
    "PhotoNotSaved",
    "PhotoSettings",
    "PhotoStore",
    "ProcessedPhoto",
    "StorageFull",
    "StorageReadOnly",
    "Swept",
    "TooBigToDecode",
    "TruncatedImage",
    "Watermark",
    "bundled_font_path",
    "heif_supported",
    "process_photo",
]
