"""Small key/value settings kept in the device database (device id, app settings, sync marks)."""

from __future__ import annotations

import json
from typing import Any

from .db import Store


def get_setting(store: Store, key: str, default: Any = None) -> Any:
    raw = store.scalar("SELECT value FROM settings WHERE key = ?", (key,))
    return default if raw is None else json.loads(raw)


def put_setting(store: Store, key: str, value: Any) -> None:
    with store.atomic():
        store.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )


def pending_changes(store: Store) -> int:
    """Changes not yet acknowledged by the central endpoint (none is, until sync lands)."""
    pushed = get_setting(store, "sync.pushed_seq", 0)
    return store.scalar("SELECT count(*) FROM changes WHERE seq > ?", (pushed,)) or 0
