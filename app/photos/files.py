"""Content-addressed photo files: ``root/ab/<sha>.jpg`` and ``root/thumbs/ab/<sha>.jpg``.

Writes go to a temp file in the destination directory, are fsynced, then ``os.replace``d into
place, so a final path never holds a partial photo.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from .errors import PhotoError
from .process import ProcessedPhoto

_SHA_RE = re.compile(r"[0-9a-f]{64}")

class PhotoStore:
    """The photo files of one device data folder (``<data>/photos``)."""

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
