"""Child process of tests/test_crash_safety.py: writes answers until the parent SIGKILLs it.

Usage: ``python tests/crash_writer.py <data_dir> <site_id> <first_seq> <seed>``

Protocol on stdout (one line each, flushed at once):

- ``inspection <id>`` once the draft is open (created or resumed);
- ``attempt <item_id> <value-json> <seq>`` just before ``device.inspections.answer(...)``;
- ``committed <item_id> <value-json> <seq>`` after it returned.

Every write carries the note ``seq=<seq>`` (``seq`` unique across all runs: the parent hands
each run its own range), so the parent can find each write in the ``answers`` table and the
``changes`` log exactly.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services import open_device  # noqa: E402
from checklists import Checklist  # noqa: E402
from tests.factories import SAMPLE, TODAY  # noqa: E402

B2_OPTIONS = SAMPLE["sections"][1]["items"][1]["options"]


def random_value(rng: random.Random, item_id: str):
    """A value for one of the sample checklist's items; many of them raise or withdraw a hazard."""
    if item_id in ("A1", "A2"):
        return rng.choice(["是", "否", "不适用"])
    if item_id == "A3":
        return rng.randint(0, 50)  # hazard above max_per_room (2)
    if item_id == "B1":
        return rng.choice(["是", "否"])  # 否 is a hazard; 是 shows B2
    if item_id == "B2":
        return [o for o in B2_OPTIONS if rng.random() < 0.4]  # any selection is a hazard
    if item_id == "B3":
        return f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"  # hazard if > 90 days old
    raise ValueError(item_id)


def main() -> None:
    data_dir, site_id, first_seq, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    device = open_device(Path(data_dir), checklists={"sample": Checklist.model_validate(SAMPLE)},
                             today=lambda: TODAY)
    inspection = device.inspections.start(site_id, "sample")
    out = sys.stdout
    out.write(f"inspection {inspection.id}\n")
    out.flush()
    items = ["A1", "A2", "A3", "B1", "B2", "B3"]
    seq = first_seq
    give_up = time.monotonic() + 30  # never outlive a parent that failed to kill us
    while time.monotonic() < give_up:
        item_id = rng.choice(items)
        value = random_value(rng, item_id)
        shown = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
        out.write(f"attempt {item_id} {shown} {seq}\n")
        out.flush()
        device.inspections.answer(inspection.id, item_id, value, note=f"seq={seq}")
        out.write(f"committed {item_id} {shown} {seq}\n")
        out.flush()
        seq += 1


if __name__ == "__main__":
    main()
