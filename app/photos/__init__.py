"""Evidence photos: validation, orientation, downscaling, watermark, storage."""

from .errors import FileTooLarge, ImageTooLarge, NotAnImage, PhotoError, TruncatedImage
from .pipeline import (
    FONT_FILENAME,
    FONT_PATH,
    PhotoSettings,
    PhotoStore,
    ProcessedPhoto,
    Watermark,
    bundled_font_path,
    heif_supported,
    process_photo,
)

__all__ = [
    "FONT_FILENAME",
    "FONT_PATH",
    "FileTooLarge",
    "ImageTooLarge",
    "NotAnImage",
    "PhotoError",
    "PhotoSettings",
    "PhotoStore",
    "ProcessedPhoto",
    "TruncatedImage",
    "Watermark",
    "bundled_font_path",
    "heif_supported",
    "process_photo",
]
