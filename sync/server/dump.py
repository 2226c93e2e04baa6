"""The audit dump: one JSON object per line for every live record.

    {"entity":"hazard","id":"01a2…","fields":{…},"missing":"缺少1张照片"}

``entity`` and ``id`` are as in the device change log; ``fields`` holds the device store's
columns (JSON values decoded, booleans as booleans, times in ISO 8601). A ``photo`` also has
``file_ok`` (present and matching its hash); a record whose images have not all arrived has
``missing``. Office decisions follow as ``decision`` lines, then the office's settings in force
(``office``, id ``settings``). Deleted records do not appear.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from .entities import DECISION, SPECS
from .feed import office_settings_in_force
from .photos import missing_note
from .storage import Storage
from .tables import decisions, photo_links, signatures


def dump_lines(storage: Storage) -> Iterator[str]:
    """Every live record as one line of JSON (no newline), sites first."""
    with storage.read() as conn:
        present = storage.files.everything()
        by_owner: dict[tuple[str, str], set[str]] = defaultdict(set)
        by_inspection: dict[str, set[str]] = defaultdict(set)
        for kind, owner, sha, inspection_id in conn.execute(select(
                photo_links.c.owner_kind, photo_links.c.owner_id, photo_links.c.photo_sha256,
                photo_links.c.sv_inspection_id).where(photo_links.c.sv_deleted_at.is_(None))):
            by_owner[(kind, owner)].add(sha)
            if inspection_id:
                by_inspection[inspection_id].add(sha)
        signature_png = dict(conn.execute(select(signatures.c.inspection_id, signatures.c.png_sha256).where(
            signatures.c.sv_deleted_at.is_(None), signatures.c.png_sha256.is_not(None))).all())

        def gaps(entity: str, row: dict[str, Any]) -> str | None:
            photos_needed: set[str] = set()
            signature_needed: set[str] = set()
            if entity == "photo_link":
                photos_needed = {row["photo_sha256"]}
            elif entity in ("hazard", "review"):
                photos_needed = by_owner.get((entity, row["id"]), set())
            elif entity == "answer":
                photos_needed = by_owner.get(("answer", row["sv_id"]), set())
            elif entity == "signature" and row["png_sha256"]:
                signature_needed = {row["png_sha256"]}
            elif entity == "inspection":
                photos_needed = by_inspection.get(row["id"], set())
                signature_needed = {signature_png[row["id"]]} if row["id"] in signature_png else set()
            return missing_note(len(photos_needed - present), len(signature_needed - present))

        for entity, spec in SPECS.items():
            query = select(spec.table).where(spec.table.c.sv_deleted_at.is_(None)).order_by(spec.table.c.sv_id)
            for row in conn.execute(query.execution_options(yield_per=500)).mappings():
                line: dict[str, Any] = {"entity": entity, "id": row["sv_id"], "fields": spec.dump(row)}
                if entity == "photo":
                    line["file_ok"] = storage.files.file_ok(row["sha256"])
                else:
                    note = gaps(entity, row)
                    if note:
                        line["missing"] = note
                yield _encode(line)
        for row in conn.execute(select(decisions).order_by(decisions.c.decided_at, decisions.c.id)).mappings():
            yield _encode({"entity": "decision", "id": row["id"], "fields": DECISION.dump(row)})
        settings = office_settings_in_force(conn)
        if settings is not None:
            yield _encode({"entity": "office", "id": "settings", "fields": settings})


def _encode(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))
