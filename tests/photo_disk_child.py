"""Child process of tests/test_photo_storage.py: saves a photo onto a real full or read-only
disk and reports what happened. Run it in a private mount namespace (``unshare -rm`` or, as
root, ``unshare -m``): it mounts a 64 KB tmpfs itself, which disappears with the process.

Usage: ``python tests/photo_disk_child.py <scenario> <work_dir>`` with scenario one of

- ``full-store``: ``PhotoStore.put`` onto a 64 KB tmpfs (the thumbnail fits, the photo not);
- ``read-only-store``: ``PhotoStore.put`` onto a tmpfs remounted read-only;
- ``full-service``: ``device.evidence.add_to_hazard`` with the data folder's ``photos/`` on a
  64 KB tmpfs (the database stays on the ordinary disk).

Prints one JSON object: the error's class names, ``message`` and ``str()``, the files left
under the photo folder and, for the service, the photo rows and the hazard's photos.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image

from app.photos import PhotoSettings, PhotoStore, process_photo


def mount_tmpfs(where: Path, *, read_only: bool = False) -> None:
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], check=True)
    if read_only:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


def noisy_jpeg() -> bytes:
    """About 150 KB once processed: more than the 64 KB disk; its thumbnail is about 10 KB."""
    buf = io.BytesIO()
    Image.effect_noise((800, 600), 80).convert("RGB").save(buf, "JPEG", quality=95)
    return buf.getvalue()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def outcome(call) -> dict:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - reported to the parent as data
        return {"error": [c.__name__ for c in type(exc).__mro__],
                "message": getattr(exc, "message", None), "detail": str(exc)}
    return {"error": None}


def store_scenario(work: Path, *, read_only: bool) -> dict:
    root = work / "photos"
    mount_tmpfs(root, read_only=read_only)
    photo = process_photo(noisy_jpeg(), PhotoSettings(watermark=False))
    report = outcome(lambda: PhotoStore(root).put(photo))
    return {**report, "jpeg_bytes": len(photo.jpeg), "files": files_under(root),
            "photo_file": str(PhotoStore(root).path(photo.sha256).relative_to(root))}


def service_scenario(work: Path) -> dict:
    from app.services import open_device
    from checklists import Checklist
    from tests.factories import SAMPLE, TODAY

    device = open_device(work / "data", checklists={"sample": Checklist.model_validate(SAMPLE)},
                         today=lambda: TODAY)
    try:
        site = device.sites.create(name="荷花池街道 12 号群租房", address="钟楼区荷花池街道 12 号",
                                   kind="群租房", grid="荷花池-01")
        inspection = device.inspections.start(site.id, "sample")
        hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
        root = device.data_dir / "photos"
        mount_tmpfs(root)
        report = outcome(lambda: device.evidence.add_to_hazard(hazard.id, noisy_jpeg()))
        return {**report, "files": files_under(root),
                "rows": device.store.scalar("SELECT count(*) FROM photos"),
                "hazard_photos": device.hazards.get(hazard.id).photo_shas}
    finally:
        device.close()


def main(scenario: str, work: Path) -> dict:
    if scenario == "full-store":
        return store_scenario(work, read_only=False)
    if scenario == "read-only-store":
        return store_scenario(work, read_only=True)
    if scenario == "full-service":
        return service_scenario(work)
    raise SystemExit(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], Path(sys.argv[2])), ensure_ascii=False))
