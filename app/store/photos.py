"""Photo rows (content-addressed by SHA-256) and their links to hazards, reviews and answers."""

from __future__ import annotations

from datetime import datetime

from .db import Store
from .ids import to_text, utc_now


def insert_photo(store: Store, *, sha256: str, original_sha256: str, width: int, height: int, size_bytes: int,
                 captured_at: datetime, lat: float | None = None, lon: float | None = None,
                 accuracy_m: float | None = None) -> None:
    """Idempotent: the same picture stored twice is one row. Inside the caller's transaction."""
    row = {"sha256": sha256, "original_sha256": original_sha256, "width": width, "height": height,
           "bytes": size_bytes, "captured_at": to_text(captured_at), "lat": lat, "lon": lon,
           "accuracy_m": accuracy_m, "created_at": to_text(utc_now())}
    cur = store.conn.execute(
        """INSERT OR IGNORE INTO photos
           (sha256, original_sha256, width, height, bytes, captured_at, lat, lon, accuracy_m, created_at)
           VALUES (:sha256, :original_sha256, :width, :height, :bytes, :captured_at, :lat, :lon,
                   :accuracy_m, :created_at)""",
        row,
    )
    if cur.rowcount:
        store.log_change("photo", row["sha256"], "insert", row)


def link_photo(store: Store, sha256: str, owner_kind: str, owner_id: str) -> None:
    row = {"photo_sha256": sha256, "owner_kind": owner_kind, "owner_id": owner_id,
           "created_at": to_text(utc_now())}
    cur = store.conn.execute(
        "INSERT OR IGNORE INTO photo_links (photo_sha256, owner_kind, owner_id, created_at)"
        " VALUES (:photo_sha256, :owner_kind, :owner_id, :created_at)", row,
    )
    if cur.rowcount:
        store.log_change("photo_link", f"{owner_kind}/{owner_id}/{sha256}", "insert", row)


def linked_capture(store: Store, original_sha256: str, owner_kind: str, owner_id: str) -> str | None:
    """The stored photo made from this exact capture for this owner, if any."""
    return store.scalar(
        """SELECT p.sha256 FROM photos p JOIN photo_links l ON l.photo_sha256 = p.sha256
           WHERE p.original_sha256 = ? AND l.owner_kind = ? AND l.owner_id = ?""",
        (original_sha256, owner_kind, owner_id),
    )


def photo_hashes(store: Store) -> set[str]:
    """Every recorded photo's SHA-256: the files the photo folder must keep."""
    return {row["sha256"] for row in store.rows("SELECT sha256 FROM photos")}
