"""Errors raised by the photo pipeline.

Every error is an ``AnXunError`` (bad input, not a bug) whose ``str()`` is a
precise English description for logs, and whose ``message`` is the short
Chinese sentence to show the inspector.
"""

from __future__ import annotations

from app.domain.errors import AnXunError

__all__ = [
    "FileTooLarge",
    "ImageTooLarge",
    "NotAnImage",
    "PhotoError",
    "PhotoNotSaved",
    "StorageFull",
    "StorageReadOnly",
    "TooBigToDecode",
    "TruncatedImage",
    "format_bytes_zh",
]

_MB = 1024 * 1024


def format_bytes_zh(n: int) -> str:
    """Human size for a Chinese message: '31.4 MB', '25 MB', '900 KB'."""
    if n >= _MB // 10:
        v = n / _MB
        return f"{v:.0f} MB" if v >= 10 or float(v).is_integer() else f"{v:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def _wan(pixels: int) -> str:
    """Pixels in 万 (10 000), e.g. 9 0000 0000 -> '90000'; small counts keep one decimal."""
    v = pixels / 10_000
    return f"{v:.0f}" if v >= 10 or float(v).is_integer() else f"{v:.1f}"


class PhotoError(AnXunError):
    """Root of all photo pipeline refusals."""

    message: str = "图片处理失败，请重新拍摄"


class NotAnImage(PhotoError):
    """The bytes are not an image in a supported format."""

    def __init__(self, detail: str, *, detected: str | None = None,
                 supported: str = "JPEG/PNG/HEIC", message: str | None = None) -> None:
        self.detected = detected
        self.supported = supported
        if message is None:
            if detected:
                message = f"不支持的图片格式 {detected}（支持 {supported}）"
            else:
                message = f"文件不是图片（支持 {supported}）"
        super().__init__(detail, message)


class TruncatedImage(PhotoError):
    """The image header was readable but the pixel data is cut short or corrupt."""

    def __init__(self, detail: str, message: str | None = None) -> None:
        super().__init__(detail, message or "图片文件不完整，可能传输中断，请重新拍摄")


class ImageTooLarge(PhotoError):
    """Too many pixels (decompression-bomb guard), checked before decoding."""

    def __init__(self, width: int | None, height: int | None, max_pixels: int,
                 detail: str | None = None) -> None:
        self.width = width
        self.height = height
        self.max_pixels = max_pixels
        if width is not None and height is not None:
            pixels = width * height
            en = (f"image is {width}x{height} = {pixels:,} pixels, "
                  f"over the limit of {max_pixels:,} pixels")
            zh = f"图片像素过大（{_wan(pixels)} 万像素，上限 {_wan(max_pixels)} 万）"
        else:
            en = f"image exceeds the decompression-bomb limit ({max_pixels:,} pixels)"
            zh = f"图片像素过大（上限 {_wan(max_pixels)} 万像素）"
        if detail:
            en = f"{en}: {detail}"
        super().__init__(en, zh)


class TooBigToDecode(PhotoError):
    """Within the pixel cap, but decoding this format at this size needs more memory than one
    photo may take (a 60 MP WebP or a progressive JPEG cannot be decoded at a reduced size)."""

    def __init__(self, label: str, width: int, height: int, needed: int, budget: int,
                 max_pixels: int) -> None:
        self.label = label
        self.width = width
        self.height = height
        self.needed = needed
        self.budget = budget
        self.max_pixels = max_pixels  # the most pixels of this kind that fit the budget
        super().__init__(
            f"{label} {width}x{height}: decoding needs about {needed / _MB:.0f} MiB, "
            f"over the budget of {budget / _MB:.0f} MiB (about {max_pixels:,} pixels fit)",
            f"这张 {label} 图片太大，手机内存不够处理（{_wan(width * height)} 万像素，"
            f"这种格式最多约 {_wan(max_pixels)} 万像素）；请换成相机直接拍的 JPEG 照片",
        )


class FileTooLarge(PhotoError):
    """The input is larger than ``max_input_bytes``; checked before any decoding."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"file is {size:,} bytes, over the limit of {limit:,} bytes",
            f"文件过大（{format_bytes_zh(size)}，上限 {format_bytes_zh(limit)}）",
        )


class PhotoNotSaved(PhotoError):
    """The photo file could not be written; nothing of it is left behind.

    ``str()`` names the file and the operating system's error; ``errno`` is kept for callers.
    """

    def __init__(self, path: object, error: OSError, message: str | None = None) -> None:
        self.path = path
        self.errno = error.errno
        super().__init__(f"cannot write photo file {path}: {error}",
                         message or "照片保存失败（存储读写出错），请重试")


class StorageFull(PhotoNotSaved):
    """No space left on the device (or the user's quota is used up)."""

    def __init__(self, path: object, error: OSError) -> None:
        super().__init__(path, error, "存储空间不足，照片未保存；请清理手机存储后重试")


class StorageReadOnly(PhotoNotSaved):
    """The data folder is read-only or the app may not write there."""

    def __init__(self, path: object, error: OSError) -> None:
        super().__init__(path, error, "无法写入数据目录（只读或没有权限），照片未保存")
