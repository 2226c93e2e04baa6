"""One sync per data folder at a time: an exclusive ``flock`` on ``<data>/sync.lock``.

The lock belongs to the open file, so it also keeps apart two syncs in one process (the app's
timer and its 立即同步 button) and ends with the process however it ends (a killed sync leaves
no stale lock behind).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from .errors import SyncBusy

LOCK_FILE = "sync.lock"


class FolderLock:
    """``with FolderLock(data_dir, wait_s=30):`` — the one sync of this folder.

    :param wait_s: how long to wait for a running sync to finish; 0 = give up at once.
    :raises SyncBusy: another sync still holds the folder after ``wait_s``.
    """

    def __init__(self, data_dir: Path, *, wait_s: float = 0.0, poll_s: float = 0.05):
        self.path = Path(data_dir) / LOCK_FILE
        self.wait_s = wait_s
        self.poll_s = poll_s
        self._fd: int | None = None

    def __enter__(self) -> Self:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise SyncBusy(f"{self.path} is held by another sync") from None
                time.sleep(self.poll_s)
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
