"""预警 and 记录并报告 findings: what an inspection's answers found below the level of a hazard.

They are kept apart from hazards (no 整改期限, never on a 隐患告知单) and follow the answers in
the answer's transaction. They have no change-log rows: they follow from the answers, which
travel, by the checklist version the inspection ran on (``app.domain.findings.evaluate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from app.domain.models import FindingRecord, FindingRow

from .db import Store
from .ids import to_text, utc_now
from .search import clean_query


class WantedFinding(NamedTuple):
    """A finding the answers raise now, e.g. ``("HW-18a", "预警", "易燃易爆类…超过 30 天", "")``."""

    item_id: str
    level: str
    text: str
    requirement: str


def replace_findings(store: Store, inspection_id: str, checklist_id: str, wanted: Sequence[WantedFinding]) -> None:
    """Make the inspection's findings exactly ``wanted``; call inside the answer's ``store.atomic()``.

    A finding that stays keeps its ``created_at``; nothing is written when nothing changed.
    """
    current = {r["item_id"]: r for r in store.rows(
        "SELECT item_id, level, text, requirement FROM findings WHERE inspection_id = ?", (inspection_id,))}
    keep = {w.item_id for w in wanted}
    gone = [item_id for item_id in current if item_id not in keep]
    if gone:
        marks = ",".join("?" * len(gone))
        store.conn.execute(f"DELETE FROM findings WHERE inspection_id = ? AND item_id IN ({marks})",
                           (inspection_id, *gone))
    now = to_text(utc_now())
    for w in wanted:
        old = current.get(w.item_id)
        if old is not None and (old["level"], old["text"], old["requirement"]) == (w.level, w.text, w.requirement):
            continue
        store.conn.execute(
            """INSERT INTO findings (inspection_id, item_id, checklist_id, level, text, requirement, created_at,
                                     updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (inspection_id, item_id) DO UPDATE SET level = excluded.level, text = excluded.text,
                   requirement = excluded.requirement, updated_at = excluded.updated_at""",
            (inspection_id, w.item_id, checklist_id, w.level, w.text, w.requirement, now, now))


def findings_of_inspection(store: Store, inspection_id: str) -> list[FindingRecord]:
    rows = store.rows("SELECT * FROM findings WHERE inspection_id = ? ORDER BY created_at, item_id",
                      (inspection_id,))
    return [FindingRecord.model_validate(r) for r in rows]


def query_findings(store: Store, *, level: str | None = None, checklist_id: str | None = None,
                   site_id: str | None = None, grid: str | None = None, text: str = "",
                   limit: int = 200, offset: int = 0) -> list[FindingRow]:
    """预警 / 记录并报告 findings across inspections, newest first; every filter optional.

    :param text: findings whose text, or whose site's name or address, contains it, e.g. ``贮存``.
    """
    where, params = [], []
    for column, value in (("f.level", level), ("f.checklist_id", checklist_id), ("i.site_id", site_id),
                          ("s.grid", grid)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if text and text.strip():
        text = clean_query(text)
        if not text:  # only characters no stored text holds
            return []
        where.append("(instr(f.text, ?) > 0 OR instr(s.name, ?) > 0 OR instr(s.address, ?) > 0)")
        params += [text, text, text]
    rows: list[dict[str, Any]] = store.rows(
        f"""SELECT f.*, i.site_id AS site_id, s.name AS site_name, s.grid AS grid,
                   i.status AS inspection_status
            FROM findings f JOIN inspections i ON i.id = f.inspection_id JOIN sites s ON s.id = i.site_id
            {"WHERE " + " AND ".join(where) if where else ""}
            ORDER BY f.created_at DESC, f.item_id LIMIT ? OFFSET ?""", (*params, limit, offset))
    return [FindingRow.model_validate(r) for r in rows]
