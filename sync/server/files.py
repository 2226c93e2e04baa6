"""Photo and signature image files, named by SHA-256 under ``photos/``.

An upload streams into ``photos/.incoming/`` while its hash is computed; only a body that
matches its hash and decodes as a JPEG or PNG within the limits is fsynced (in a worker thread)
and renamed into place. A cut connection, a timeout or a refusal deletes the partial file, so nothing
half-stored is ever visible and the same upload can simply be sent again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .errors import Invalid, NotAnImage, TooLarge

log = logging.getLogger(__name__)

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
_CHUNK = 1 << 16


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    bytes: int


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class PhotoFiles:
    """The folder of stored images.

    :param root: e.g. ``<data>/photos``; leftovers of interrupted uploads are removed on open.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.incoming = self.root / ".incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)
        for leftover in self.incoming.iterdir():
            leftover.unlink(missing_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        """Whether the image is stored (only verified, complete files ever get their final name)."""
        return self.path(sha256).is_file()

    def present(self, shas: Iterable[str]) -> set[str]:
        return {sha for sha in shas if self.exists(sha)}

    def everything(self) -> set[str]:
        """The hashes of every stored image."""
        return {entry.name for folder in self.root.iterdir() if folder.is_dir() and folder != self.incoming
                for entry in folder.iterdir() if entry.is_file()}

    def media_type(self, sha256: str) -> str:
        with self.path(sha256).open("rb") as handle:
            head = handle.read(8)
        return FORMATS["PNG"] if head.startswith(b"\x89PNG") else FORMATS["JPEG"]

    def file_ok(self, sha256: str) -> bool:
        """Whether the file is present and its content still matches its name."""
        path = self.path(sha256)
        if not path.is_file():
            return False
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    async def receive(self, chunks: AsyncIterator[bytes], sha256: str, max_bytes: int) -> Path:
        """Stream a body into a temporary file and check it against its hash.

        :param sha256: the hash the device named, e.g. ``9f86d0…``.
        :raises TooLarge: more than ``max_bytes`` arrived.
        :raises Invalid: the content does not match ``sha256`` (``hash_mismatch``).
        """
        temp = self.incoming / f"{sha256}.{secrets.token_hex(8)}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with temp.open("wb") as handle:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"照片过大（超过上限 {_mb(max_bytes)}）", code="too_large",
                                       detail=f"upload of {sha256} exceeds {max_bytes} bytes")
                    digest.update(chunk)
                    handle.write(chunk)
            if size == 0:
                raise NotAnImage("上传的照片是空文件", detail=f"upload of {sha256} is empty")
            if digest.hexdigest() != sha256:
                raise Invalid("照片内容与其 SHA-256 不符（可能传输中损坏），请重新上传", code="hash_mismatch",
                              detail=f"body hashes to {digest.hexdigest()}, not {sha256}")
        except BaseException:
            # Covers a cut connection and a cancelled task too: never leave a partial file.
            temp.unlink(missing_ok=True)
            raise
        return temp

    def verify(self, temp: Path, max_pixels: int) -> ImageInfo:
        """Decode the whole image: a JPEG or PNG within the pixel limit.

        :raises NotAnImage: not a JPEG or PNG.
        :raises Invalid: too many pixels (``too_many_pixels``) or a corrupt image (``corrupt_image``).
        """
        size = temp.stat().st_size
        try:
            with Image.open(temp) as image:
                if image.format not in FORMATS:
                    raise NotAnImage(f"不支持的图片格式 {image.format}（只收 JPEG、PNG）",
                                     detail=f"format {image.format}")
                width, height = image.size
                if width * height > max_pixels:
                    raise _too_many_pixels(width, height, max_pixels)
                if image.format == "JPEG":
                    # Decoding at 1/8 scale still reads every byte of the scan (a cut file
                    # fails), at a fifth of the cost.
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
        except Image.DecompressionBombError as exc:
            raise _too_many_pixels(None, None, max_pixels) from exc
        except UnidentifiedImageError as exc:
            raise NotAnImage("文件不是图片（只收 JPEG、PNG）", detail=str(exc)) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise Invalid("图片文件不完整或已损坏，请重新上传", code="corrupt_image", detail=str(exc)) from exc
        return ImageInfo(image.format, width, height, size)

    def place(self, temp: Path, sha256: str) -> Path:
        """Make a verified upload durable and move it to its final name (atomic; the same file
        twice is harmless). Runs in a worker thread: the fsync must not hold up the event loop,
        where every other upload's body is being read."""
        with temp.open("rb") as handle:
            os.fsync(handle.fileno())
        final = self.path(sha256)
        final.parent.mkdir(exist_ok=True)
        os.replace(temp, final)
        _fsync_dir(final.parent)
        return final

    def discard(self, temp: Path) -> None:
        temp.unlink(missing_ok=True)


def _too_many_pixels(width: int | None, height: int | None, limit: int) -> Invalid:
    wan = f"{limit / 10_000:.0f}"
    if width and height:
        return Invalid(f"图片像素过多（{width}×{height}，上限 {wan} 万像素）", code="too_many_pixels",
                       detail=f"{width}x{height} over {limit} pixels")
    return Invalid(f"图片像素过多（上限 {wan} 万像素）", code="too_many_pixels", detail=f"over {limit} pixels")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows); the rename itself is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
