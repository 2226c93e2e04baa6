"""Images fetched from the central endpoint, checked before they are kept.

A full-size photo must hash to its name; a thumbnail (which cannot) must be a small JPEG that
decodes. Either is written to a temporary file in its folder and renamed into place, so the
photo folder never holds half a file.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path

from PIL import Image

from sync.protocol import THUMBNAIL_EDGE_PX

from .errors import NotOurServer

#: The server's thumbnails are at most THUMBNAIL_EDGE_PX on the long edge: far under this.
MAX_THUMBNAIL_BYTES = 512 * 1024


def check_full(data: bytes, sha256: str) -> None:
    """:raises NotOurServer: the bytes do not hash to the photo's name (a portal page, a cut body)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise NotOurServer(f"downloaded photo does not hash to {sha256}")


def check_thumbnail(data: bytes) -> None:
    """:raises NotOurServer: not a whole JPEG of thumbnail size."""
    if len(data) > MAX_THUMBNAIL_BYTES or not data.startswith(b"\xff\xd8"):
        raise NotOurServer(f"thumbnail is not a small JPEG ({len(data)} bytes, starts {data[:4]!r})")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG" or max(image.size) > THUMBNAIL_EDGE_PX:
                raise NotOurServer(f"thumbnail is {image.format} {image.size}")
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise NotOurServer(f"thumbnail does not decode: {exc}") from exc


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
