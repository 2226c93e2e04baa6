"""What the sync strip shows: pending changes, last success, last error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.store.settings import get_setting, pending_changes

from .base import Service


@dataclass
class SyncStatus:
    pending: int
    last_sync_at: datetime | None
    online: bool | None
    last_error: str | None


class SyncState(Service):
    """``device.sync``: the device's side of synchronisation as a person sees it."""

    def status(self) -> SyncStatus:
        store = self._device.store
        last = get_setting(store, "sync.last_success_at")
        return SyncStatus(
            pending=pending_changes(store),
            last_sync_at=datetime.fromisoformat(last.replace("Z", "+00:00")) if last else None,
            online=None,
            last_error=get_setting(store, "sync.last_error"),
        )
