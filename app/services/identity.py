"""Who is using the device, as the closing rules compare people: the signed-in user (the sync
sign-in, settings key ``sync.credentials``) and the inspector number in 设置 — identities, never
a typed name."""

from __future__ import annotations

from app.domain.closing import identities
from app.store.db import Store
from app.store.settings import get_setting

#: Where the sync engine keeps the sign-in, e.g. ``{"server": "https://…", "user": "wangfang", "token": …}``.
CREDENTIALS = "sync.credentials"


def signed_in_user(store: Store) -> str:
    """The user name of the sync sign-in, e.g. ``wangfang``; ``""`` when nobody signed in on this device."""
    found = get_setting(store, CREDENTIALS)
    return str(found.get("user") or "") if isinstance(found, dict) else ""


def current_identities(store: Store, inspector_id: str) -> frozenset[str]:
    """Every identity of the person using the device now, e.g. ``{"wangfang", "WG-0007"}``.

    :param inspector_id: the inspector number in 设置, e.g. ``WG-0007``.
    """
    return identities(signed_in_user(store), inspector_id)


def recorded_inspector(store: Store, inspector_id: str) -> str:
    """What an inspection records as its inspector: the number in 设置, else the signed-in user."""
    return inspector_id.strip() or signed_in_user(store)
