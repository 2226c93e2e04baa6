"""Export and import a device database for support, while the app keeps running.

``python -m app.store.backup export DATA_DIR OUT.zip`` writes a consistent snapshot (SQLite
backup API, so a half-finished transaction is never copied) without secrets, plus the photo
files. ``python -m app.store.backup import SNAPSHOT.zip DATA_DIR`` restores it into a new or
empty folder: everything is checked and unpacked into a hidden sibling folder first, and only a
verified AnXun store is renamed into place, so a refused import leaves nothing behind.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .db import DB_FILE
from .errors import NotAnAnXunStore, SchemaTooNew, StoreError
from .migrations import MIGRATIONS, read_versions
from .secrets import scrub_secrets

log = logging.getLogger(__name__)

#: The most a snapshot may unpack to: a district-scale store is ~100 MB; photos make the rest.
MAX_IMPORT_BYTES = 16 * 1024**3
#: Deflate reaches ~1000:1 only on padding; a real store compresses ~3–10:1, photos ~1:1.
MAX_RATIO = 100
#: Entries smaller than this may compress better than MAX_RATIO (a new store is mostly zeros).
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ENTRIES = 200_000
#: Free space kept on top of the snapshot's size, so the import never fills the disk.
SPARE_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_SAFE_PART = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]*")
_TABLES = {"sites", "inspections", "answers", "hazards", "reviews", "photos", "photo_links", "changes",
           "settings"}


class BackupError(StoreError):
    """A snapshot that cannot be exported or imported; ``message`` says why in Chinese."""

    def __init__(self, detail: str, message: str):
        super().__init__(detail, message)


def snapshot_db(db_path: Path, dest: Path) -> None:
    """Copy ``db_path`` to ``dest`` with the backup API (consistent while writers run)."""
    source = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target, pages=256)
    finally:
        target.close()
        source.close()


def export_data(data_dir: Path, out_zip: Path) -> dict[str, int]:
    """Write ``out_zip`` with ``anxun.db`` (secrets removed) and every photo; returns counts for the log.

    :raises BackupError: no database, or the snapshot failed its integrity check.
    """
    db_path = data_dir / DB_FILE
    if not db_path.exists():
        raise BackupError(f"no database at {db_path}", f"{data_dir} 中没有安巡数据库（{DB_FILE}）")
    partial = out_zip.with_suffix(out_zip.suffix + ".part")
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / DB_FILE
        snapshot_db(db_path, snap)
        _strip_secrets(snap)
        photos = 0
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.write(snap, DB_FILE)
                photo_dir = data_dir / "photos"
                if photo_dir.exists():
                    for path in sorted(photo_dir.rglob("*.jpg")):
                        name = path.relative_to(data_dir).as_posix()
                        zf.write(path, name, compress_type=zipfile.ZIP_STORED)  # JPEG: already compressed
                        photos += 1
            os.replace(partial, out_zip)
        finally:
            partial.unlink(missing_ok=True)
    return {"photos": photos, "bytes": out_zip.stat().st_size}


def _strip_secrets(snap: Path) -> None:
    """Remove secrets from the snapshot and rebuild it, so no deleted page still holds them."""
    conn = sqlite3.connect(snap, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("BEGIN IMMEDIATE")
        removed = scrub_secrets(conn)
        conn.execute("COMMIT")
        conn.execute("VACUUM")
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if check != "ok":
        raise BackupError(f"snapshot failed integrity check: {check}", f"数据库快照未通过完整性检查：{check}")
    log.info("snapshot: %d secret setting(s) left out", removed)


def import_data(snapshot_zip: Path, data_dir: Path, *, max_bytes: int = MAX_IMPORT_BYTES) -> dict[str, int]:
    """Restore a snapshot into ``data_dir``, which must be new or an empty folder.

    The zip is checked entry by entry before anything is written; entries are unpacked into a
    hidden sibling folder with byte limits; the database must be an intact AnXun store this app
    can open; then the folder is renamed into place in one step.

    :param max_bytes: the most the snapshot may unpack to, e.g. ``16 * 1024**3``.
    :raises BackupError: naming the problem in Chinese; nothing is left in or beside ``data_dir``.
    """
    snapshot_zip, data_dir = Path(snapshot_zip), Path(data_dir)
    _check_target(data_dir)
    try:
        zf = zipfile.ZipFile(snapshot_zip)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{snapshot_zip}: not a readable zip: {exc}",
                          f"{snapshot_zip} 不是有效的备份文件（zip）") from exc
    with zf:
        entries, total = _plan(snapshot_zip, zf, max_bytes)
        try:
            data_dir.parent.mkdir(parents=True, exist_ok=True)
            _check_space(data_dir.parent, total)
            staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.import-", dir=data_dir.parent))
        except OSError as exc:
            raise BackupError(f"cannot write beside {data_dir}: {exc}",
                              f"无法在 {data_dir.parent} 中写入（{exc.strerror}），"
                              "请换一个可写的文件夹") from exc
        try:
            for info in entries:
                _unpack(zf, info, staging, snapshot_zip)
            counts = _verify_store(staging / DB_FILE, snapshot_zip)
            _fsync_tree(staging)
            _move_into_place(staging, data_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _fsync_dir(data_dir.parent)
    counts["photos"] = sum(1 for i in entries if i.filename.startswith("photos/"))
    return counts


def _check_target(data_dir: Path) -> None:
    if data_dir.is_symlink() or (data_dir.exists() and not data_dir.is_dir()):
        raise BackupError(f"{data_dir} is not a folder", f"{data_dir} 不是文件夹，请指定一个新的空文件夹")
    if data_dir.exists():
        present = sorted(os.listdir(data_dir))
        if present:
            shown = "、".join(present[:5]) + ("…" if len(present) > 5 else "")
            raise BackupError(f"{data_dir} is not empty ({present[:5]}); import into an empty folder",
                              f"目标文件夹 {data_dir} 不是空的（含 {shown}），未做任何改动。"
                              "请指定一个新的空文件夹")


def _plan(snapshot_zip: Path, zf: zipfile.ZipFile, max_bytes: int) -> tuple[list[zipfile.ZipInfo], int]:
    """The entries to unpack, checked before anything is written; and their total size."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise _refused(snapshot_zip, f"{len(infos)} entries (most {MAX_ENTRIES})",
                       f"条目过多（{len(infos)} 个）")
    seen: set[str] = set()
    entries, total = [], 0
    for info in infos:
        name = info.filename
        if info.is_dir() and name.startswith("photos/") and _safe_path(name.rstrip("/")):
            continue
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
        if kind not in (0, stat.S_IFREG):
            raise _refused(snapshot_zip, f"{name!r} is not a regular file", f"含有链接或特殊文件 {name}")
        is_photo = name.startswith("photos/") and name.endswith(".jpg") and _safe_path(name)
        if name != DB_FILE and not is_photo:
            raise _refused(snapshot_zip, f"unexpected entry {name!r}", f"含有不属于安巡备份的条目 {name}")
        if name in seen:
            raise _refused(snapshot_zip, f"duplicate entry {name!r}", f"条目 {name} 重复")
        if info.flag_bits & 0x1:
            raise _refused(snapshot_zip, f"{name!r} is encrypted", f"条目 {name} 已加密")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refused(snapshot_zip, f"{name!r} uses compression {info.compress_type}",
                           f"条目 {name} 的压缩方式不受支持")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refused(snapshot_zip, f"{name!r} expands {info.file_size // max(info.compress_size, 1)}:1",
                           f"条目 {name} 解压后异常膨胀（{info.compress_size} 字节解压为 "
                           f"{info.file_size} 字节），疑似压缩炸弹")
        seen.add(name)
        total += info.file_size
        if total > max_bytes:
            raise _refused(snapshot_zip, f"unpacks to more than {max_bytes} bytes",
                           f"解压后超过 {max_bytes // 1024**2} MB 上限，疑似压缩炸弹")
        entries.append(info)
    if DB_FILE not in seen:
        raise _refused(snapshot_zip, f"holds no {DB_FILE}", f"其中没有数据库 {DB_FILE}")
    return entries, total


def _safe_path(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return "\\" not in name and not name.startswith("/") and all(_SAFE_PART.fullmatch(p) for p in parts)


def _refused(snapshot_zip: Path, detail: str, why: str) -> BackupError:
    return BackupError(f"{snapshot_zip}: {detail}",
                       f"备份文件 {snapshot_zip.name} {why}，已拒绝导入，未写入任何文件")


def _check_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if needed + SPARE_BYTES > free:
        raise BackupError(f"needs {needed} bytes, {free} free in {folder}",
                          f"存储空间不足：导入需要约 {needed // 1024**2 + 1} MB，"
                          f"{folder} 只剩 {free // 1024**2} MB")


def _unpack(zf: zipfile.ZipFile, info: zipfile.ZipInfo, staging: Path, snapshot_zip: Path) -> None:
    """Stream one entry into ``staging``, never past its declared size; the CRC is checked at its end."""
    dest = staging / info.filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with zf.open(info) as src, open(dest, "xb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise _refused(snapshot_zip, f"{info.filename!r} is longer than declared",
                                   f"条目 {info.filename} 长度不符")
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        raise BackupError(f"{snapshot_zip}: {info.filename}: {exc}",
                          f"备份文件 {snapshot_zip.name} 已损坏（{info.filename} 校验失败），"
                          "已拒绝导入，未写入任何文件") from exc
    except OSError as exc:
        raise BackupError(f"cannot write {dest}: {exc}", f"无法写入 {dest.parent}：{exc.strerror}") from exc


def _verify_store(db: Path, snapshot_zip: Path) -> dict[str, int]:
    """Check the unpacked file is an intact AnXun store this app can open; returns row counts."""
    with open(db, "rb") as f:
        header = f.read(16)
    if header != b"SQLite format 3\x00":
        raise BackupError(f"{snapshot_zip}: {DB_FILE} is not a SQLite database ({len(header)} header bytes)",
                          f"备份中的 {DB_FILE} 不是数据库文件（为空或已损坏），已拒绝导入")
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        # A rollback-journal file: nothing here, or later beside it, is ever replayed as its WAL.
        conn.execute("PRAGMA journal_mode=DELETE")
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            raise BackupError(f"{snapshot_zip}: integrity_check: {problems}",
                              f"备份中的数据库已损坏（{'；'.join(problems)[:80]}），已拒绝导入")
        versions = read_versions(conn)
        known = max(v for v, _, _ in MIGRATIONS)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not versions or not _TABLES <= tables:
            raise NotAnAnXunStore(db, f"versions {versions}, missing tables {sorted(_TABLES - tables)}")
        if max(versions) > known:
            raise SchemaTooNew(max(versions), known)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sites", "hazards")}
    except NotAnAnXunStore as exc:
        raise BackupError(str(exc),
                          f"备份中的数据库不是安巡的数据，已拒绝导入（{snapshot_zip.name}）") from exc
    except SchemaTooNew as exc:
        raise BackupError(str(exc), f"备份来自更新版本的安巡（数据版本 {exc.found}，"
                                    f"本应用最高支持 {exc.known}），请先升级应用再导入") from exc
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{snapshot_zip}: {DB_FILE}: {exc}",
                          f"备份中的数据库已损坏（{exc}），已拒绝导入") from exc
    finally:
        conn.close()
    stray = [p.name for p in db.parent.iterdir() if p.name != DB_FILE and p.name.startswith(DB_FILE)]
    if stray:
        raise BackupError(f"left beside the database: {stray}", "导入时出现意外的数据库附属文件，已拒绝导入")
    return counts


def _move_into_place(staging: Path, data_dir: Path) -> None:
    """Rename the verified folder to ``data_dir`` (an empty ``data_dir`` is replaced in the same step)."""
    try:
        os.replace(staging, data_dir)
    except OSError as exc:
        _check_target(data_dir)  # something appeared in the target meanwhile: say so
        raise BackupError(f"cannot rename {staging} to {data_dir}: {exc}",
                          f"无法把导入的数据放到 {data_dir}：{exc.strerror}") from exc


def _fsync_tree(root: Path) -> None:
    for folder, _, _ in os.walk(root):
        _fsync_dir(Path(folder))


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(encoding="utf-8")  # Chinese messages on a C locale too
    parser = argparse.ArgumentParser(prog="python -m app.store.backup", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="snapshot a data folder into a zip (secrets left out)")
    exp.add_argument("data_dir", type=Path)
    exp.add_argument("out_zip", type=Path)
    imp = sub.add_parser("import", help="restore a snapshot zip into a new or empty data folder")
    imp.add_argument("snapshot_zip", type=Path)
    imp.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "export":
            counts = export_data(args.data_dir, args.out_zip)
            log.info("exported %s with %d photo files incl. thumbnails (%d bytes)",
                     args.out_zip, counts["photos"], counts["bytes"])
        else:
            counts = import_data(args.snapshot_zip, args.data_dir)
            log.info("imported %s into %s: %d sites, %d hazards, %d photo files",
                     args.snapshot_zip, args.data_dir, counts["sites"], counts["hazards"], counts["photos"])
    except StoreError as exc:
        log.error("错误：%s", exc.message)
        log.debug("detail: %s", exc)
        return 1
    except (OSError, sqlite3.DatabaseError) as exc:
        log.error("错误：%s", str(exc).replace("\n", " "))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
