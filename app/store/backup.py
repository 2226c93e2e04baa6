"""Export and import a device database for support, while the app keeps running.

``python -m app.store.backup export DATA_DIR OUT.zip`` writes a consistent snapshot (SQLite
backup API, so a half-finished transaction is never copied) plus the photo files it references.
``python -m app.store.backup import SNAPSHOT.zip DATA_DIR`` restores it into an empty folder.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

from .db import DB_FILE

log = logging.getLogger(__name__)


class BackupError(Exception):
    pass


def snapshot_db(db_path: Path, dest: Path) -> None:
    """Copy ``db_path`` to ``dest`` with the backup API (consistent while writers run)."""
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target, pages=256)
    finally:
        target.close()
        source.close()


def export_data(data_dir: Path, out_zip: Path) -> dict[str, int]:
    """Write ``out_zip`` with ``anxun.db`` and every photo; returns counts for the log."""
    db_path = data_dir / DB_FILE
    if not db_path.exists():
        raise BackupError(f"no database at {db_path}")
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / DB_FILE
        snapshot_db(db_path, snap)
        check = sqlite3.connect(snap).execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"snapshot failed integrity check: {check}")
        partial = out_zip.with_suffix(out_zip.suffix + ".part")
        photos = 0
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(snap, DB_FILE)
            photo_dir = data_dir / "photos"
            if photo_dir.exists():
                for path in sorted(photo_dir.rglob("*.jpg")):
                    zf.write(path, path.relative_to(data_dir).as_posix(), compress_type=zipfile.ZIP_STORED)
                    photos += 1
        os.replace(partial, out_zip)
    return {"photos": photos, "bytes": out_zip.stat().st_size}


def import_data(snapshot_zip: Path, data_dir: Path) -> None:
    """Restore a snapshot into ``data_dir``, which must not already hold a database."""
    if (data_dir / DB_FILE).exists():
        raise BackupError(f"{data_dir / DB_FILE} exists; import into an empty folder")
    with zipfile.ZipFile(snapshot_zip) as zf:
        names = zf.namelist()
        if DB_FILE not in names:
            raise BackupError(f"{snapshot_zip} holds no {DB_FILE}")
        for name in names:
            target = (data_dir / name).resolve()
            if not target.is_relative_to(data_dir.resolve()):
                raise BackupError(f"refusing path outside the data folder: {name}")
        data_dir.mkdir(parents=True, exist_ok=True)
        zf.extractall(data_dir)
    check = sqlite3.connect(data_dir / DB_FILE).execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"imported database failed integrity check: {check}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.store.backup", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="snapshot a data folder into a zip")
    exp.add_argument("data_dir", type=Path)
    exp.add_argument("out_zip", type=Path)
    imp = sub.add_parser("import", help="restore a snapshot zip into an empty data folder")
    imp.add_argument("snapshot_zip", type=Path)
    imp.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "export":
            counts = export_data(args.data_dir, args.out_zip)
            log.info("exported %s with %d photo files incl. thumbnails (%d bytes)", args.out_zip, counts["photos"], counts["bytes"])
        else:
            import_data(args.snapshot_zip, args.data_dir)
            log.info("imported %s into %s", args.snapshot_zip, args.data_dir)
    except (BackupError, OSError, zipfile.BadZipFile, sqlite3.DatabaseError) as exc:
        log.error("error: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
