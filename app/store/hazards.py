"""隐患 hazards, their 复查 reviews, and the ledger queries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from app.domain.lifecycle import CLOSED
from app.domain.models import Hazard, HazardRow, Review
from app.domain.vocab import MAJOR

from .db import NotFound, Store
from .ids import new_id, to_text, utc_now
from .search import clean_query, contains, fts_query, matching_rowids


def _photos_of(store: Store, kind: str, owner_ids: list[str]) -> dict[str, list[str]]:
    if not owner_ids:
        return {}
    marks = ",".join("?" * len(owner_ids))
    found: dict[str, list[str]] = {}
    for r in store.rows(
        f"SELECT owner_id, photo_sha256 FROM photo_links WHERE owner_kind = ? AND owner_id IN ({marks})"
        " ORDER BY created_at", (kind, *owner_ids),
    ):
        found.setdefault(r["owner_id"], []).append(r["photo_sha256"])
    return found


def insert_hazard(store: Store, *, site_id: str, inspection_id: str | None, source: str, description: str,
                  severity: str, status: str, deadline: date, checklist_id: str | None = None,
                  item_id: str | None = None, location: str = "", rect_unit: str = "", requirement: str = "",
                  photo_required: bool = False, element_items: Sequence[str] = ()) -> str:
    """Insert inside the caller's transaction; returns the new id.

    :param element_items: for a 综合判定 hazard (``source="combination"``), the item ids of the
        same inspection's hazards it was counted from, e.g. ``["LC-16c", "LC-21a"]``.
    """
    now = to_text(utc_now())
    row: dict[str, Any] = {
        "id": new_id(), "inspection_id": inspection_id, "site_id": site_id, "checklist_id": checklist_id,
        "item_id": item_id, "source": source, "description": description, "location": location,
        "severity": severity, "status": status, "rect_unit": rect_unit, "requirement": requirement,
        "deadline": deadline.isoformat(), "photo_required": int(photo_required),
        "created_at": now, "updated_at": now}
    if element_items:  # only a combination hazard carries links; others leave the column's default
        row["element_items"] = list(element_items)
    store.db["hazards"].insert({**row, **_json_columns(row)})
    store.log_change("hazard", row["id"], "insert", row)
    return row["id"]


def _json_columns(values: dict[str, Any]) -> dict[str, Any]:
    """The JSON text the table keeps for list values (the change log carries the list itself)."""
    return {"element_items": json.dumps(values["element_items"], ensure_ascii=False)} \
        if "element_items" in values else {}


def _hazard_values(row: dict[str, Any], photos: dict[str, list[str]]) -> dict[str, Any]:
    # bench/store.py times the same queries on copies migrated only to version 1 (no links column)
    links = json.loads(row.get("element_items") or "[]")
    return {**row, "element_items": links, "photo_shas": photos.get(row["id"], [])}


def delete_hazard(store: Store, hazard_id: str) -> None:
    """Remove an auto-raised hazard whose answer was corrected (draft inspections only)."""
    store.conn.execute("DELETE FROM photo_links WHERE owner_kind = 'hazard' AND owner_id = ?", (hazard_id,))
    store.conn.execute("DELETE FROM hazards WHERE id = ?", (hazard_id,))
    store.log_change("hazard", hazard_id, "delete", {"id": hazard_id})


def update_hazard(store: Store, hazard_id: str, *, description: str | None = None, location: str | None = None,
                  severity: str | None = None, rect_unit: str | None = None, requirement: str | None = None,
                  deadline: date | None = None, deadline_chosen: bool | None = None, status: str | None = None,
                  closed_at: datetime | None = None, element_items: Sequence[str] | None = None) -> None:
    """Change the given fields (``None`` leaves a field as it is) and log the change.

    :raises NotFound: no hazard ``hazard_id``.
    """
    given = {"description": description, "location": location, "severity": severity, "rect_unit": rect_unit,
             "requirement": requirement, "deadline": deadline.isoformat() if deadline else None,
             "deadline_chosen": None if deadline_chosen is None else int(deadline_chosen), "status": status,
             "closed_at": to_text(closed_at) if closed_at else None,
             "element_items": list(element_items) if element_items is not None else None}
    values = {k: v for k, v in given.items() if v is not None}
    values["updated_at"] = to_text(utc_now())
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with store.atomic():
        cur = store.conn.execute(f"UPDATE hazards SET {sets} WHERE id = :id",
                                 {**values, **_json_columns(values), "id": hazard_id})
        if cur.rowcount == 0:
            raise NotFound("hazard", hazard_id)
        store.log_change("hazard", hazard_id, "update", {"id": hazard_id, **values})


def get_hazard(store: Store, hazard_id: str, today: date) -> HazardRow:
    rows = query_hazards(store, today=today, hazard_id=hazard_id)
    if not rows:
        raise NotFound("hazard", hazard_id)
    return rows[0]


def raised_by_answers(store: Store, inspection_id: str) -> dict[str, str]:
    """item id → hazard id of the hazards an inspection's answers raised."""
    return {r["item_id"]: r["id"] for r in store.rows(
        "SELECT id, item_id FROM hazards WHERE inspection_id = ? AND source = 'checklist'", (inspection_id,))}


def combination_hazards(store: Store, inspection_id: str) -> list[Hazard]:
    """The hazards a 综合判定 rule raised in an inspection (one at most, unless a rule changed)."""
    return [h for h in hazards_of_inspection(store, inspection_id) if h.source == "combination"]


def earlier_item_hazards(store: Store, site_id: str, inspection_id: str) -> list[tuple[str, datetime]]:
    """(item id, created at) of the site's checklist hazards from other inspections, any status:
    what makes a hazard "repeated" (``app.domain.rating.repeated_item_ids``)."""
    rows = store.rows(
        "SELECT item_id, created_at FROM hazards WHERE site_id = ? AND source = 'checklist'"
        " AND inspection_id IS NOT NULL AND inspection_id != ?", (site_id, inspection_id))
    return [(r["item_id"], datetime.fromisoformat(r["created_at"])) for r in rows]


def hazards_of_inspection(store: Store, inspection_id: str) -> list[Hazard]:
    rows = store.rows("SELECT * FROM hazards WHERE inspection_id = ? ORDER BY created_at", (inspection_id,))
    photos = _photos_of(store, "hazard", [r["id"] for r in rows])
    return [Hazard.model_validate(_hazard_values(r, photos)) for r in rows]


def query_hazards(
    store: Store,
    *,
    today: date,
    status: str | None = None,
    severity: str | None = None,
    checklist_id: str | None = None,
    site_id: str | None = None,
    grid: str | None = None,
    overdue: bool | None = None,
    text: str | None = None,
    hazard_id: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[HazardRow]:
    """The 隐患台账 in the order a 网格员 works it, every filter optional: overdue hazards, then
    open 疑似重大 ones, then the other open ones, each by deadline; 已销号 last.

    Each group is read as a page in (deadline, created_at) order, walking an index and stopping
    at the page's end, rather than sorting every match.

    :param text: hazards whose description, location or 整改单位, or whose site's name, address,
        grid or contact contains it, e.g. ``消防``; blank means no text filter.
    """
    where, params = [], []
    for column, value in (("h.status", status), ("h.severity", severity), ("h.checklist_id", checklist_id),
                          ("h.site_id", site_id), ("s.grid", grid), ("h.id", hazard_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    candidates: list[int] | None = None
    if text and text.strip():
        text = clean_query(text)
        if not text:  # only characters no stored text holds (NUL, a lone surrogate)
            return []
        condition, values, candidates = _text_condition(store, text)
        where.append(condition)
        params += values
    wanted = offset + limit
    day = today.isoformat()
    groups: list[tuple[str, list[Any], bool]] = []
    if overdue is not False:
        groups.append(("h.status != ? AND h.deadline < ?", [CLOSED, day], True))
    if overdue is not True:
        groups += [("h.status != ? AND h.deadline >= ? AND h.severity = ?", [CLOSED, day, MAJOR], False),
                   ("h.status != ? AND h.deadline >= ? AND h.severity != ?", [CLOSED, day, MAJOR], False),
                   ("h.status = ?", [CLOSED], False)]
    rows: list[dict[str, Any]] = []
    for condition, values, is_overdue in groups:
        if len(rows) >= wanted:
            break
        rows += _page(store, where + [condition], [*params, *values], wanted - len(rows),
                      overdue=is_overdue, candidates=candidates, by_site=bool(grid))
    rows = rows[offset:wanted]
    photos = _photos_of(store, "hazard", [r["id"] for r in rows])
    return [HazardRow.model_validate(_hazard_values(r, photos)) for r in rows]


def _page(store: Store, where: list[str], params: list[Any], limit: int, *, overdue: bool,
          candidates: list[int] | None = None, by_site: bool = False) -> list[dict[str, Any]]:
    """One ledger page in (deadline, created_at) order.

    The page's rowids are found first (narrow rows: the order is walked on index entries, or
    the candidates sorted), then only those rows are read whole.

    :param candidates: hazard rowids that may match a text search, e.g. ``[17, 90]``: the page
        reads just those rows and sorts them (the cross join keeps SQLite from walking an index).
    :param by_site: ``where`` tests the site (``s.grid``), so the first step joins sites.
    """
    source, source_params = "hazards h", []
    if candidates is not None:
        source = "json_each(?) AS c CROSS JOIN hazards h ON h.rowid = c.value"
        source_params = [json.dumps(candidates)]
    if by_site:
        source += " JOIN sites s ON s.id = h.site_id"
    with store.lock:  # both steps see the same rows: this process's writers wait for the lock
        rowids = [r[0] for r in store.conn.execute(
            f"""SELECT h.rowid FROM {source}
                WHERE {" AND ".join(where)} ORDER BY h.deadline, h.created_at LIMIT ?""",
            (*source_params, *params, limit))]
        if not rowids:
            return []
        return store.rows(
            f"""SELECT h.*, s.name AS site_name, s.grid AS grid, {int(overdue)} AS overdue,
                       i.status AS inspection_status
                FROM json_each(?) AS p CROSS JOIN hazards h ON h.rowid = p.value
                JOIN sites s ON s.id = h.site_id
                LEFT JOIN inspections i ON i.id = h.inspection_id
                ORDER BY h.deadline, h.created_at""", (json.dumps(rowids),))


#: Up to this many possible text matches are read by rowid and sorted; a word found in more
#: hazards (消防: about half of them) is instead tested along the ledger order on the
#: index entries (m005), which fills a 50-row page after about 50 × hazards / matches entries.
GATHER_LIMIT = 1000


def _text_condition(store: Store, text: str) -> tuple[str, list[Any], list[int] | None]:
    """The condition for hazards whose own or whose site's text contains ``text``, its values, and
    the candidate rowids when few enough to read one by one (else None: walk the ledger order).

    :param text: a cleaned, non-empty query, e.g. ``楼梯间``.
    """
    site_sql, site_value = matching_rowids("sites_fts", text)
    own, values = contains(("h.description", "h.location", "h.rect_unit"), text)
    with store.lock:
        site_ids = json.dumps([r[0] for r in store.conn.execute(
            f"SELECT id FROM sites WHERE rowid IN ({site_sql})", (site_value,))])
        condition = f"({own} OR h.site_id IN (SELECT value FROM json_each(?)))"
        return condition, [*values, site_ids], _few_candidates(store, text, site_ids)


def _few_candidates(store: Store, text: str, site_ids: str) -> list[int] | None:
    """Rowids of every hazard that may contain ``text`` if at most ``GATHER_LIMIT``, else None.

    :param site_ids: JSON list of the ids of sites whose own text contains ``text``.
    """
    indexed = fts_query("hazards_fts", text)
    if indexed is None:  # short text no index answers
        return None
    sql, value = indexed
    by_site = "SELECT rowid FROM hazards WHERE site_id IN (SELECT value FROM json_each(?))"
    with store.lock:
        # Counted apart, each stopping at the limit: a UNION would first collect every match.
        count = sum(store.conn.execute(f"SELECT count(*) FROM ({part} LIMIT ?)",
                                       (param, GATHER_LIMIT + 1)).fetchone()[0]
                    for part, param in ((sql, value), (by_site, site_ids)))
        if count > GATHER_LIMIT:
            return None
        return [r[0] for r in store.conn.execute(f"{sql} UNION {by_site}", (value, site_ids))]


def insert_review(store: Store, *, hazard_id: str, reviewer: str, passed: bool, note: str) -> str:
    """Inside the caller's transaction."""
    row = {"id": new_id(), "hazard_id": hazard_id, "reviewer": reviewer,
           "reviewed_at": to_text(utc_now()), "passed": int(passed), "note": note}
    store.db["reviews"].insert(row)
    store.log_change("review", row["id"], "insert", row)
    return row["id"]


def reviews(store: Store, hazard_id: str) -> list[Review]:
    rows = store.rows("SELECT * FROM reviews WHERE hazard_id = ? ORDER BY reviewed_at", (hazard_id,))
    photos = _photos_of(store, "review", [r["id"] for r in rows])
    return [Review.model_validate({**r, "passed": bool(r["passed"]), "photo_shas": photos.get(r["id"], [])})
            for r in rows]
