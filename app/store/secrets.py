"""Which settings are secrets, in one place: they never leave the device in a support snapshot.

``sync.credentials`` (the sync server URL and token) and every key under it are secret as a
whole; inside the ``app_settings`` JSON the ``password`` field is (until the sync work removes it).
"""

from __future__ import annotations

import json
import sqlite3

#: Settings keys that are secret, with every key that starts with one of them.
SECRET_KEY_PREFIXES: tuple[str, ...] = ("sync.credentials",)
#: Secret fields inside a settings value that is a JSON object, by settings key.
SECRET_FIELDS: dict[str, tuple[str, ...]] = {"app_settings": ("password",)}


def is_secret_key(key: str) -> bool:
    """Whether a settings key holds a secret, e.g. ``sync.credentials.token`` → True."""
    return key.startswith(SECRET_KEY_PREFIXES)


def scrub_secrets(conn: sqlite3.Connection) -> int:
    """Delete secret settings and secret fields from a database copy; returns how many were removed.

    Run on a snapshot, never on the live store. Deleted bytes can linger in free pages, so the
    caller must ``VACUUM`` (or have ``secure_delete`` on) before the copy leaves the device.
    """
    removed = 0
    for key, value in conn.execute("SELECT key, value FROM settings").fetchall():
        if is_secret_key(key):
            conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            removed += 1
            continue
        fields = SECRET_FIELDS.get(key)
        if not fields:
            continue
        try:
            data = json.loads(value)
        except ValueError:
            conn.execute("DELETE FROM settings WHERE key = ?", (key,))  # unreadable: it may hide a secret
            removed += 1
            continue
        if isinstance(data, dict) and any(f in data for f in fields):
            kept = {k: v for k, v in data.items() if k not in fields}
            conn.execute("UPDATE settings SET value = ? WHERE key = ?",
                         (json.dumps(kept, ensure_ascii=False), key))
            removed += len(data) - len(kept)
    return removed
