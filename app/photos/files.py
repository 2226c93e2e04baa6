"""Content-addressed photo files: ``root/ab/<sha>.jpg`` and ``root/thumbs/ab/<sha>.jpg``.

Writes go to a temp file in the destination directory, are fsynced, then ``os.replace``d into
place, so a final path never holds a partial photo. A write that fails (disk full, read-only
folder) removes its temp file and raises a ``PhotoNotSaved`` that says which.

What a killed process leaves behind (a ``.tmp`` file; a photo whose database row was never
committed) is removed by ``sweep`` at start, once it is old enough that no writer can own it.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import PhotoError, PhotoNotSaved, StorageFull, StorageReadOnly
from .process import ProcessedPhoto

log = logging.getLogger(__name__)

_SHA_RE = re.compile(r"[0-9a-f]{64}")
_SHARD_RE = re.compile(r"[0-9a-f]{2}")
_PHOTO_RE = re.compile(r"([0-9a-f]{64})\.jpg")
_TMP_RE = re.compile(r"\.[0-9a-f]{64}\.jpg\.[A-Za-z0-9_]+\.tmp")

#: A ``.tmp`` file belongs to a writer only between ``mkstemp`` and ``os.replace``: one write of
#: a few MB and one fsync. Even an fsync stalled for minutes on a busy phone's flash is over
#: long before an hour; older temp files are a killed writer's.
TMP_MAX_AGE_S = 60 * 60
#: A photo file is on disk before its row is committed (``Evidence.prepare`` writes the file
#: outside the transaction), for milliseconds, for a lock wait of seconds, or, if a sync
#: stores downloaded photos before recording them, for one sync round. A day is far beyond
#: all of these, and waiting costs only disk space. ``put`` refreshes the time of a file it
#: reuses, so a file about to be recorded again is never old.
ORPHAN_MAX_AGE_S = 24 * 60 * 60

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


@dataclass(frozen=True)
class Swept:
    """What ``PhotoStore.sweep`` removed."""

    temp_files: int = 0
    orphans: int = 0
    bytes_freed: int = 0

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
        for path, data in ((thumb, photo.thumbnail), (final, photo.jpeg)):
            if path.is_file():
                _touch(path)
            else:
                _atomic_write(path, data)
        return final

    def sweep(self, referenced: Callable[[], Iterable[str]], *, now: float | None = None) -> Swept:
        """Remove temp files older than ``TMP_MAX_AGE_S`` and photo files (and thumbnails)
        older than ``ORPHAN_MAX_AGE_S`` whose hash ``referenced`` does not return.

        Never raises: a folder it cannot read or write is logged and left as it is.

        :param referenced: returns the hashes the database records, e.g.
            ``lambda: photo_hashes(store)``; called after the folder is listed, and only if
            there are photo files, so a photo recorded meanwhile is either listed as
            referenced or has a fresh time.
        :param now: the current time as ``time.time()`` (tests pass their own).
        """
        now = time.time() if now is None else now
        temps: list[str] = []
        photos: list[tuple[str, str]] = []  # (sha256, path); plain strings: 10 000s of files
        try:
            for shard in self._shards():
                for entry in os.scandir(shard):
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    if _TMP_RE.fullmatch(entry.name):
                        temps.append(entry.path)
                    elif (m := _PHOTO_RE.fullmatch(entry.name)) and m.group(1)[:2] == shard.name:
                        photos.append((m.group(1), entry.path))
        except OSError as exc:
            log.warning("photo clean-up skipped: cannot list %s: %s", self.root, exc)
            return Swept()
        try:
            keep = set(referenced()) if photos else set()
        except Exception as exc:  # noqa: BLE001 - start-up must not fail over a clean-up
            log.warning("photo clean-up keeps every photo file: cannot read the recorded "
                        "photos: %s", exc)
            photos = []
        removed_temps = removed_orphans = freed = 0
        for path in temps:
            size = _remove_if_older(path, now - TMP_MAX_AGE_S)
            if size is not None:
                removed_temps += 1
                freed += size
        for sha, path in photos:
            if sha in keep:
                continue
            size = _remove_if_older(path, now - ORPHAN_MAX_AGE_S)
            if size is not None:
                removed_orphans += 1
                freed += size
        swept = Swept(removed_temps, removed_orphans, freed)
        if removed_temps or removed_orphans:
            log.info("photo clean-up: removed %d temp files and %d unrecorded photo files "
                     "(%d bytes) from %s", removed_temps, removed_orphans, freed, self.root)
        return swept

    def _shards(self) -> list[Path]:
        dirs = []
        for parent in (self.root, self.root / "thumbs"):
            if parent.is_dir():
                dirs += [d for d in parent.iterdir() if _SHARD_RE.fullmatch(d.name) and d.is_dir()]
        return dirs


def _remove_if_older(path: str, cutoff: float) -> int | None:
    """Unlink ``path`` if its mtime is before ``cutoff``; its size if removed, else None."""
    try:
        st = os.stat(path)
        if st.st_mtime >= cutoff:
            return None
        os.unlink(path)
        return st.st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("photo clean-up: cannot remove %s: %s", path, exc)
        return None


def _touch(path: Path) -> None:
    """Mark a reused file as just written (best effort: a read-only folder still reads)."""
    try:
        os.utime(path)
    except OSError:
        pass

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
    """Write ``data`` to ``dest`` whole or not at all.

    :raises StorageFull: no space left (or over quota).
    :raises StorageReadOnly: the folder is read-only or not writable by the app.
    :raises PhotoNotSaved: any other I/O error.
    """
    tmp = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise _not_saved(dest, exc) from exc
        raise
    _fsync_dir(dest.parent)


def _not_saved(dest: Path, exc: OSError) -> PhotoNotSaved:
    if exc.errno in _FULL:
        return StorageFull(dest, exc)
    if exc.errno in _READ_ONLY:
        return StorageReadOnly(dest, exc)
    return PhotoNotSaved(dest, exc)
