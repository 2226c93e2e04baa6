"""Saving photo files: a full or read-only disk says so and leaves nothing half-written; what a
killed writer left behind is cleaned up at start once no writer can still own it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from app.photos import PhotoSettings, PhotoStore, ProcessedPhoto, process_photo
from app.photos.files import ORPHAN_MAX_AGE_S, TMP_MAX_AGE_S
from app.services import open_device
from tests.factories import jpeg_bytes

CHILD = Path(__file__).with_name("photo_disk_child.py")
HOUR = 3600


# --------------------------------------------------------------------------- real disks

def _namespace_prefix(tmp: Path) -> list[str] | str:
    """A command prefix giving a private mount namespace where tmpfs can be mounted, or the
    reason there is none."""
    failures = []
    for prefix in (["unshare", "-rm"], ["unshare", "-m"]):
        probe = tmp / "probe"
        probe.mkdir(exist_ok=True)
        try:
            done = subprocess.run([*prefix, "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                                   str(probe)], capture_output=True, text=True, timeout=30,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            failures.append(f"{' '.join(prefix)}: {exc}")
            continue
        if done.returncode == 0:
            return prefix
        failures.append(f"{' '.join(prefix)}: {done.stderr.strip() or done.returncode}")
    return "cannot mount a private tmpfs here (" + "; ".join(failures) + ")"


@pytest.fixture(scope="module")
def private_mounts(tmp_path_factory) -> list[str]:
    found = _namespace_prefix(tmp_path_factory.mktemp("probe"))
    if isinstance(found, str):
        pytest.skip(found)
    return found


def run_on_disk(prefix: list[str], scenario: str, work: Path) -> dict:
    done = subprocess.run([*prefix, sys.executable, str(CHILD), scenario, str(work)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_full_disk_says_storage_is_full_and_leaves_no_partial_file(private_mounts, tmp_path):
    report = run_on_disk(private_mounts, "full-store", tmp_path)
    assert report["jpeg_bytes"] > 64 * 1024
    assert report["error"][:3] == ["StorageFull", "PhotoNotSaved", "PhotoError"]
    assert "AnXunError" in report["error"]
    assert report["message"] == "存储空间不足，照片未保存；请清理手机存储后重试"
    assert "No space left on device" in report["detail"]
    assert report["photo_file"] in report["detail"]
    assert report["photo_file"] not in report["files"]
    assert not [f for f in report["files"] if f.endswith(".tmp")]
    assert all(f.startswith("thumbs/") for f in report["files"])  # a whole thumbnail at most


def test_read_only_folder_says_it_cannot_write(private_mounts, tmp_path):
    report = run_on_disk(private_mounts, "read-only-store", tmp_path)
    assert report["error"][:2] == ["StorageReadOnly", "PhotoNotSaved"]
    assert report["message"] == "无法写入数据目录（只读或没有权限），照片未保存"
    assert "Read-only file system" in report["detail"]
    assert report["files"] == []


def test_full_disk_during_a_hazard_photo_records_nothing(private_mounts, tmp_path):
    report = run_on_disk(private_mounts, "full-service", tmp_path)
    assert report["error"][0] == "StorageFull"
    assert report["message"].startswith("存储空间不足")
    assert report["rows"] == 0 and report["hazard_photos"] == []
    assert not [f for f in report["files"] if f.endswith(".tmp")]


# --------------------------------------------------------------------------- clean-up at start

def _photo(seed: int) -> ProcessedPhoto:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (seed, 100, 200)).save(buf, "JPEG")
    return process_photo(buf.getvalue(), PhotoSettings(watermark=False))


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def _temp(store: PhotoStore, sha: str, age: float) -> Path:
    path = store.path(sha).parent / f".{sha}.jpg.k3j_x9a1.tmp"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 half a photo")
    _age(path, age)
    return path


def test_sweep_removes_only_what_no_writer_can_still_own(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    kept, orphan, fresh_orphan = _photo(1), _photo(2), _photo(3)
    for p in (kept, orphan, fresh_orphan):
        store.put(p)
    for p in (kept, orphan):
        _age(store.path(p.sha256), ORPHAN_MAX_AGE_S + HOUR)
        _age(store.thumb_path(p.sha256), ORPHAN_MAX_AGE_S + HOUR)
    _age(store.path(fresh_orphan.sha256), ORPHAN_MAX_AGE_S - HOUR)
    old_tmp = _temp(store, orphan.sha256, TMP_MAX_AGE_S + 60)
    fresh_tmp = _temp(store, "ab" * 32, TMP_MAX_AGE_S - 60)
    foreign = store.path(kept.sha256).parent / "notes.txt"
    foreign.write_text("not ours")
    _age(foreign, 10 * ORPHAN_MAX_AGE_S)

    swept = store.sweep(lambda: {kept.sha256})

    assert store.path(kept.sha256).exists() and store.thumb_path(kept.sha256).exists()
    assert not store.path(orphan.sha256).exists() and not store.thumb_path(orphan.sha256).exists()
    assert store.path(fresh_orphan.sha256).exists()
    assert not old_tmp.exists() and fresh_tmp.exists() and foreign.exists()
    assert (swept.temp_files, swept.orphans) == (1, 2)
    assert swept.bytes_freed > len(orphan.jpeg)


def test_sweep_keeps_every_photo_when_the_recorded_hashes_cannot_be_read(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    photo = _photo(4)
    store.put(photo)
    _age(store.path(photo.sha256), 2 * ORPHAN_MAX_AGE_S)

    def broken():
        raise RuntimeError("database is locked")

    assert store.sweep(broken).orphans == 0
    assert store.path(photo.sha256).exists()


def test_putting_an_existing_photo_again_makes_it_fresh(tmp_path):
    """A photo file reused by a new capture is about to be recorded: it must not look old."""
    store = PhotoStore(tmp_path / "photos")
    photo = _photo(5)
    store.put(photo)
    inode = store.path(photo.sha256).stat().st_ino
    _age(store.path(photo.sha256), 2 * ORPHAN_MAX_AGE_S)
    store.put(photo)
    assert store.path(photo.sha256).stat().st_ino == inode  # not rewritten
    assert store.sweep(set).orphans == 0
    assert store.open(photo.sha256) == photo.jpeg


def test_sweep_of_a_missing_folder_does_nothing(tmp_path):
    assert PhotoStore(tmp_path / "nowhere").sweep(lambda: pytest.fail("not needed")).orphans == 0


def test_opening_the_device_cleans_up_after_a_killed_writer(tmp_path, sample_checklist, calendar):
    data = tmp_path / "data"
    device = open_device(data, checklists={"sample": sample_checklist}, today=calendar)
    site = device.sites.create(name="荷花池街道 12 号群租房", address="钟楼区荷花池街道 12 号",
                               kind="群租房", grid="荷花池-01")
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    recorded = device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    files = device.photo_files
    orphan = _photo(6)  # written, then the process died before its row was committed
    files.put(orphan)
    device.close()
    for path in (files.path(recorded), files.path(orphan.sha256), files.thumb_path(orphan.sha256)):
        _age(path, ORPHAN_MAX_AGE_S + HOUR)
    old_tmp = _temp(files, orphan.sha256, TMP_MAX_AGE_S + 60)

    device = open_device(data, checklists={"sample": sample_checklist}, today=calendar)
    try:
        assert device.evidence.photo_path(recorded).exists()
        assert device.hazards.get(hazard.id).photo_shas == [recorded]
        assert not files.path(orphan.sha256).exists()
        assert not files.thumb_path(orphan.sha256).exists()
        assert not old_tmp.exists()
    finally:
        device.close()

