"""The office's settings for its district (``checklists.OfficeConfig``): the 红黄蓝 rules, the
levels of items that allow one, the check methods hidden per role. A 管理员 sets them (API or
command line); every device pulls them as one record, ``office/settings``.

They are checked against the checklists devices run — the shipped file, or a newer published
version — so settings naming a checklist, item or level that does not exist never leave here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, func, insert, select

from checklists import Checklist, ChecklistError, OfficeConfig, load_shipped, load_text, office_problems
from sync.protocol import ROLES

from .errors import Invalid
from .feed import Touches, latest_checklists, office_settings_in_force
from .storage import Storage, utc_now
from .tables import office_settings

log = logging.getLogger(__name__)

ENTITY = "office"
RECORD_ID = "settings"


def set_office_settings(storage: Storage, user_name: str, config: OfficeConfig) -> dict[str, Any]:
    """Make ``config`` the settings every device pulls next.

    :param user_name: who set them, e.g. ``李主任``.
    :returns: the stored record (``OfficeSettingsFields``), with its new ``version``.
    :raises Invalid: the settings do not fit the checklists (each problem named).
    """
    if not 1 <= len(user_name) <= 100:
        raise Invalid("设定人姓名应为 1 到 100 个字", detail=f"set_by of {len(user_name)} characters", field="set_by")
    with storage.write() as conn:
        problems = office_problems(config, checklists_in_force(conn))
        problems += [f"hidden_methods: no role '{role}' (roles: {'、'.join(ROLES)})"
                     for role in config.hidden_methods if role not in ROLES]
        if problems:
            raise Invalid("办公室设定与检查表不符：" + "；".join(problems), detail="; ".join(problems), field="config")
        touches = Touches(conn, None)
        # Taking the feed number first locks the counter row: two settings never get one version.
        touches.add(ENTITY, RECORD_ID, None, own=False)
        version = (conn.execute(select(func.max(office_settings.c.version))).scalar() or 0) + 1
        row = {"version": version, "config": config.model_dump(mode="json"), "set_by": user_name, "set_at": utc_now()}
        conn.execute(insert(office_settings).values(**row))
        touches.write()
        stored = office_settings_in_force(conn)
    log.info("office settings version %d set by %s", version, user_name)
    return stored


@cache
def shipped_checklists() -> Mapping[str, Checklist]:
    """The checklists the app ships (the files beside this code), parsed once per process."""
    return MappingProxyType(load_shipped().checklists)


def checklists_in_force(conn: Connection) -> dict[str, Checklist]:
    """Each checklist's newest version: the shipped file, or a newer one published here."""
    found = dict(shipped_checklists())
    for published in latest_checklists(conn):
        shipped = found.get(published["id"])
        if shipped is not None and shipped.version >= published["version"]:
            continue  # as on a device: it installs only a version newer than the one it ships
        try:
            found[published["id"]] = load_text(f"{published['id']} v{published['version']}", published["yaml"])
        except ChecklistError as exc:  # published by a newer server on the same database
            log.warning("published checklist not read: %s", exc)
    return found
