"""场所 sites: insert, fetch, search (Chinese substrings through the trigram index)."""

from __future__ import annotations

from app.domain.models import Site

from .db import NotFound, Store
from .ids import new_id, to_text, utc_now
from .search import clean_query, matching_rowids

_COLUMNS = "id, name, address, kind, grid, contact_name, contact_phone, lat, lon, created_at, updated_at"


def insert_site(store: Store, *, name: str, kind: str, address: str = "", grid: str = "",
                contact_name: str = "", contact_phone: str = "", lat: float | None = None,
                lon: float | None = None, site_id: str | None = None) -> Site:
    """Insert a site with its change-log row; ``site_id`` keeps an id made elsewhere (sync)."""
    now = to_text(utc_now())
    row = {"id": site_id or new_id(), "name": name, "address": address, "kind": kind, "grid": grid,
           "contact_name": contact_name, "contact_phone": contact_phone, "lat": lat, "lon": lon,
           "created_at": now, "updated_at": now}
    site = Site.model_validate(row)
    with store.atomic():
        store.db["sites"].insert(row)
        store.log_change("site", site.id, "insert", row)
    return site


def get_site(store: Store, site_id: str) -> Site:
    row = store.row(f"SELECT {_COLUMNS} FROM sites WHERE id = ?", (site_id,))
    if row is None:
        raise NotFound("site", site_id)
    return Site.model_validate(row)


def find_sites(store: Store, text: str = "", kind: str | None = None, grid: str | None = None,
               limit: int = 50) -> list[Site]:
    """Sites matching every word of ``text`` in their name, address, grid, contact or kind, newest first.

    :param text: e.g. ``邹区镇 危废``: words apart (spaces, full-width too) must each be found.
    """
    where: list[str] = []
    params: list[object] = []
    for word in text.split():  # str.split() also splits on the full-width space U+3000
        subquery, value = matching_rowids("sites_fts", word)
        where.append(f"(rowid IN ({subquery}) OR instr(kind, ?))")
        params += [value, clean_query(word) or "\x1f"]  # nothing searchable: no kind holds char(31)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if grid:
        where.append("grid = ?")
        params.append(grid)
    sql = f"SELECT {_COLUMNS} FROM sites"
    if where:
        sql += " WHERE " + " AND ".join(where)
    # Sites saved in the same millisecond (a demo fill, a pull) keep the order they were saved in.
    sql += " ORDER BY updated_at DESC, rowid DESC LIMIT ?"
    params.append(limit)
    return [Site.model_validate(r) for r in store.rows(sql, tuple(params))]


def grids(store: Store) -> list[str]:
    return [r["grid"] for r in store.rows("SELECT DISTINCT grid FROM sites WHERE grid != '' ORDER BY grid")]
