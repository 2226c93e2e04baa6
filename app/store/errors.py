"""The store's errors: ``str()`` is the English detail for logs, ``message`` the Chinese text a user sees.

    StoreError                  root (re-exported by ``app.store.db``)
    ├── NotFound                no record with that id
    ├── FileError               one file or folder (``path``) cannot be used
    │   ├── DataDirUnwritable   the data folder is read-only or not ours to write
    │   ├── StorageFull         no space left for the database
    │   ├── StoreBusy           another program holds the database past the wait
    │   ├── StoreCorrupt        the file is damaged or not a database: restore a backup
    │   └── NotAnAnXunStore     a SQLite file of some other program
    ├── SchemaTooNew            written by a newer app version
    └── BackupError             a snapshot refused (``app.store.backup``)
"""

from __future__ import annotations

from pathlib import Path

from app.domain.errors import AnXunError
from app.domain.vocab import ENTITY_NAMES

#: The command that restores a snapshot; named in every message about a damaged database.
RESTORE_HINT = ("请用 python -m app.store.backup import <备份.zip> <新的空文件夹> 从备份恢复，"
                "再用 --data 指向该文件夹")


class StoreError(AnXunError):
    """Root of the store's errors."""

    message = "数据保存失败，请重试"


class NotFound(StoreError):
    """No record with that id (deleted, or never synced to this device)."""

    def __init__(self, entity: str, entity_id: str):
        super().__init__(f"{entity} {entity_id} not found",
                         f"找不到该{ENTITY_NAMES.get(entity, '记录')}，可能已被删除")
        self.entity = entity
        self.entity_id = entity_id


class FileError(StoreError):
    """A problem with one file or folder, ``path``; subclasses word it (``{path}`` is filled in)."""

    summary = "{path}: cannot be used"
    text = "无法使用 {path}"

    def __init__(self, path: Path, detail: str):
        super().__init__(f"{self.summary.format(path=path)}: {detail}", self.text.format(path=path))
        self.path = path


class DataDirUnwritable(FileError):
    """The data folder (or the database in it) cannot be written."""

    summary = "data folder {path} is not writable"
    text = "无法写入数据目录 {path}（只读或没有权限）。请检查文件夹权限，或用 --data 换一个可写的文件夹"


class StorageFull(FileError):
    """The disk holding the database is full."""

    summary = "no space left for {path}"
    text = "存储空间不足，无法写入 {path}。请清理空间后重试"


class StoreBusy(FileError):
    """Another program kept the database locked longer than the store waits."""

    summary = "{path} stayed locked"
    text = "数据库 {path} 正被另一个程序占用，请关闭它后重试"


class StoreCorrupt(FileError):
    """The database file is damaged (failed quick_check) or is not a SQLite database at all."""

    summary = "{path} is damaged"
    text = "数据库文件 {path} 已损坏，无法打开。" + RESTORE_HINT


class NotAnAnXunStore(FileError):
    """A SQLite database made by some other program."""

    summary = "{path} is not an AnXun store"
    text = "{path} 不是安巡的数据库，未做任何改动。请用 --data 指向安巡的数据文件夹；" + RESTORE_HINT


class SchemaTooNew(StoreError):
    """The database was written by a newer app (a schema version this app does not know)."""

    def __init__(self, found: int, known: int):
        super().__init__(f"database schema version {found} is newer than this app knows ({known}); "
                         "update the app",
                         f"数据来自更新版本的安巡（数据版本 {found}，本应用最高支持 {known}），"
                         "请先升级应用")
        self.found = found
        self.known = known
