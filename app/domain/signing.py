"""What a site representative's signature covers, as plain data, and its hash.

The device hashes this when the representative signs; the central endpoint rebuilds it from the
records it received when the inspection completes, freezes it, and checks the hash. Office
decisions made later are separate records: they never change what was signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from .completion import record_hash

__all__ = ["SIGNED_HAZARD_FIELDS", "signed_hash", "signed_record"]

#: The hazard fields the representative signs (with the hazard's photo hashes, ``photo_shas``).
SIGNED_HAZARD_FIELDS = ("item_id", "description", "location", "severity", "rect_unit", "requirement", "deadline")


def signed_record(inspection: Mapping[str, Any], answers: Iterable[Mapping[str, Any]],
                  hazards: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The signed content: the inspection's head, its answers by item, its hazards by id.

    :param inspection: needs ``id``, ``site_id``, ``checklist_id``, ``checklist_version``.
    :param answers: each with ``item_id``, ``value`` (decoded, e.g. ``"是"``) and ``note``.
    :param hazards: each with the ``SIGNED_HAZARD_FIELDS``, ``id`` and ``photo_shas`` (in link order).
    """
    head = {k: inspection[k] for k in ("id", "site_id", "checklist_id", "checklist_version")}
    answer_rows = [{"item_id": a["item_id"], "value": a["value"], "note": a["note"]}
                   for a in sorted(answers, key=lambda a: a["item_id"])]
    hazard_rows = []
    for hazard in sorted(hazards, key=lambda h: h["id"]):
        row = {k: hazard[k] for k in SIGNED_HAZARD_FIELDS}
        if isinstance(row["deadline"], date):
            row["deadline"] = row["deadline"].isoformat()
        row["photo_shas"] = list(hazard["photo_shas"])
        hazard_rows.append(row)
    return {"inspection": head, "answers": answer_rows, "hazards": hazard_rows}


def signed_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of a ``signed_record``, equal to the device's ``record_hash`` of the same record."""
    return record_hash(record["inspection"], record["answers"], record["hazards"])
