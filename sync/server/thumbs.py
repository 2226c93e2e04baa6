"""Thumbnails of stored images, made on first request and kept under ``<data>/thumbs/``.

A device pulls another device's hazard photos as thumbnails (a few KB instead of a few hundred),
so a 复查 can be prepared anywhere; the full image stays one request away.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from PIL import Image

from sync.protocol import THUMBNAIL_EDGE_PX

from .files import PhotoFiles

QUALITY = 75


def thumbnail_path(files: PhotoFiles, folder: Path, sha256: str) -> Path:
    """The JPEG thumbnail of a stored image, made now if needed (atomic: a reader never sees half a file).

    :param folder: e.g. ``<data>/thumbs``.
    """
    final = folder / sha256[:2] / f"{sha256}.jpg"
    if final.is_file():
        return final
    with Image.open(files.path(sha256)) as image:
        image.draft("RGB", (THUMBNAIL_EDGE_PX, THUMBNAIL_EDGE_PX))  # JPEG: decode at a fraction of the size
        image = image.convert("RGB")
        image.thumbnail((THUMBNAIL_EDGE_PX, THUMBNAIL_EDGE_PX))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=QUALITY)
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
    temp.write_bytes(buffer.getvalue())
    os.replace(temp, final)
    return final
