"""The sync's settings in the device store: who is signed in where, and how the last sync went.

    sync.credentials   {"server", "user", "token"}   secret: never in a support snapshot
    sync.user          {"name", "role", "grids"}     who is signed in (the change log names them)
    sync.last_success_at, sync.last_attempt_at, sync.last_error, sync.online

The password is never kept: signing in exchanges it for a token at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.store.db import Store
from app.store.ids import to_text, utc_now
from app.store.settings import get_setting

from .errors import NotOurServer, SyncError, Unreachable

CREDENTIALS = "sync.credentials"
USER = "sync.user"
LAST_SUCCESS = "sync.last_success_at"
LAST_ATTEMPT = "sync.last_attempt_at"
LAST_ERROR = "sync.last_error"
ONLINE = "sync.online"


@dataclass(frozen=True)
class Credentials:
    server: str
    user: str
    token: str | None


@dataclass(frozen=True)
class Marks:
    """How the last sync went, as kept in the settings."""

    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    #: whether the last attempt reached our server (None: never tried)
    online: bool | None


def credentials(store: Store) -> Credentials | None:
    """The saved server and token (``token`` is None after signing out; the server and name stay)."""
    found = get_setting(store, CREDENTIALS)
    if not isinstance(found, dict) or not found.get("server"):
        return None
    return Credentials(str(found["server"]), str(found.get("user") or ""), found.get("token") or None)


def signed_in_user(store: Store) -> dict[str, Any] | None:
    """``{"name": "王芳", "role": "网格员", "grids": ["荷花池-01"]}`` while signed in, else None."""
    found = get_setting(store, USER)
    return found if isinstance(found, dict) else None


def save_sign_in(store: Store, server: str, user: dict[str, Any], token: str) -> None:
    """Keep the token and who it belongs to, in one transaction (changes from now on name the user)."""
    with store.atomic():
        _put(store, CREDENTIALS, {"server": server, "user": user["name"], "token": token})
        _put(store, USER, user)
        store.conn.execute("DELETE FROM settings WHERE key = ?", (LAST_ERROR,))


def forget_token(store: Store) -> None:
    """Sign out on the device: the token goes, the server and name stay to fill the form."""
    with store.atomic():
        creds = credentials(store)
        if creds is not None:
            _put(store, CREDENTIALS, {"server": creds.server, "user": creds.user, "token": None})
        store.conn.execute("DELETE FROM settings WHERE key = ?", (USER,))


def record_attempt(store: Store, *, error: SyncError | None, reached: bool | None) -> None:
    """Keep how a sync ended: its time, and the error in Chinese (cleared by a success).

    :param reached: whether our server answered, e.g. ``reached_server(error)``; None when it was
        not asked (not signed in), so the strip does not claim the device is offline.
    """
    now = to_text(utc_now())
    with store.atomic():
        _put(store, LAST_ATTEMPT, now)
        _put(store, ONLINE, reached)
        if error is None:
            _put(store, LAST_SUCCESS, now)
            store.conn.execute("DELETE FROM settings WHERE key = ?", (LAST_ERROR,))
        else:
            _put(store, LAST_ERROR, error.message)


def reached_server(error: SyncError | None) -> bool:
    """Whether a sync that ended with ``error`` got replies from our server."""
    for cause in (error, getattr(error, "__cause__", None)):
        if isinstance(cause, (Unreachable, NotOurServer)):
            return False
    return True


def marks(store: Store) -> Marks:
    values = {r["key"]: json.loads(r["value"]) for r in store.rows(
        "SELECT key, value FROM settings WHERE key IN (?, ?, ?, ?)", (LAST_SUCCESS, LAST_ATTEMPT, LAST_ERROR, ONLINE))}
    return Marks(_time(values.get(LAST_SUCCESS)), _time(values.get(LAST_ATTEMPT)), values.get(LAST_ERROR),
                 values.get(ONLINE))


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _put(store: Store, key: str, value: Any) -> None:
    store.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                       "SET value = excluded.value", (key, json.dumps(value, ensure_ascii=False)))
