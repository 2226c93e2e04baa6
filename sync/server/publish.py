"""Publishing a checklist file to devices, checked by the same loader the app uses."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy import Connection, func, insert, select

from checklists import Checklist, ChecklistError, OfficeConfig, load_file, office_problems

from .feed import Touches, office_settings_in_force
from .office_settings import checklists_in_force, shipped_checklists
from .storage import Storage, utc_now
from .tables import checklists

log = logging.getLogger(__name__)


def publish_checklist(storage: Storage, path: Path) -> tuple[Checklist, bool]:
    """Validate a checklist YAML file and make it available to pull.

    :param path: e.g. ``checklists/lifeline.yaml``.
    :returns: the checklist, and whether it is new (False: that exact file was already published).
    :raises ChecklistError: what the loader finds wrong (naming the file, item and line), a version
        lower than one already published, an already published or shipped version with other
        content, or a version the office's settings in force do not fit.
    """
    with storage.read() as conn:
        published = dict(conn.execute(select(checklists.c.id, func.max(checklists.c.version))
                                      .group_by(checklists.c.id)).all())
    checklist = load_file(path, previous_versions=published)
    shipped = shipped_checklists().get(checklist.id)
    if shipped is not None and shipped.version == checklist.version and shipped != checklist:
        raise ChecklistError(path.name, f"version {checklist.version} of '{checklist.id}' ships with the app with "
                                        "other content; raise the version number")
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with storage.write() as conn:
        _check_office_settings(conn, path.name, checklist)
        same = conn.execute(select(checklists.c.sha256).where(
            checklists.c.id == checklist.id, checklists.c.version == checklist.version)).scalar()
        if same == digest:
            return checklist, False
        if same is not None:
            raise ChecklistError(path.name, f"version {checklist.version} of '{checklist.id}' is already published "
                                            "with other content; raise the version number")
        conn.execute(insert(checklists).values(id=checklist.id, version=checklist.version, title=checklist.title,
                                               yaml=text, sha256=digest, published_at=utc_now()))
        touches = Touches(conn, None)
        touches.add("checklist", checklist.id, None, own=False)
        touches.write()
    log.info("checklist %s v%d published from %s", checklist.id, checklist.version, path)
    return checklist, True


def _check_office_settings(conn: Connection, name: str, checklist: Checklist) -> None:
    """Devices put the office's settings in force against the newest checklists: a version that
    drops an item the settings name would leave every device refusing them."""
    settings = office_settings_in_force(conn)
    if settings is None:
        return
    in_force = checklists_in_force(conn)
    current = in_force.get(checklist.id)
    if current is None or checklist.version > current.version:
        in_force[checklist.id] = checklist
    problems = office_problems(OfficeConfig.model_validate(settings["config"]), in_force)
    if problems:
        raise ChecklistError(name, "the office's settings in force do not fit this version ("
                                   + "; ".join(problems) + "); change them first (office set)")
