"""The checklists this device runs, and every version of them it has used.

- ``get(id)``: the newest version, for a new inspection;
- ``for_inspection(inspection)`` / ``version(id, n)``: the version an inspection started on, so a
  draft renders, rates and completes as it began. Each version the device loads is kept in its
  database (table ``checklist_versions``); a draft from an app that kept none (before schema 2)
  finds its version in the archive the app ships (``checklists/archive``); both are read by
  ``checklist_versions.py``;
- ``install(path)``: a checklist file from the office. One this app cannot read (its
  ``min_schema_version`` is newer), that is invalid, older than a version in use, or that changes
  a version already in use is refused, saying which file and why; nothing changes then;
- ``install_pulled()``: the same for the files the office published and sync pulled (after each
  sync, and when the device opens: a sync from the command line pulls without installing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from app.domain.errors import AnXunError
from app.domain.models import Inspection
from app.store import checklists as version_store
from app.store.db import Store
from app.store.settings import get_setting, put_setting
from checklists import Checklist, ChecklistError, load_file, load_text
from checklists.schema import SchemaTooNew

from .checklist_versions import (
    VERSIONS_KEY,
    archived_version,
    body_sha256,
    checklist_body,
    kept_version,
    versions_in_force,
)

log = logging.getLogger(__name__)


class UnknownChecklist(AnXunError):
    """An inspection refers to a checklist (or a version of it) this device does not have."""

    def __init__(self, checklist_id: str, version: int | None = None):
        which = checklist_id if version is None else f"{checklist_id} v{version}"
        super().__init__(f"checklist {which!r} is not installed", "该检查表未安装或已停用，请联系管理员")
        self.checklist_id = checklist_id
        self.version = version


class ChecklistRefused(AnXunError):
    """A checklist file this device will not install; ``error`` says which file and why."""

    def __init__(self, error: ChecklistError, reason: str):
        super().__init__(str(error), f"检查表文件“{Path(error.file).name}”未安装：{reason}")
        self.error = error


class Catalog:
    """Checklists by id, the versions kept, and the files refused (logged for support, never lost).

    :param checklists: the current version of each, e.g. ``{"group_rental": Checklist(...)}``;
        each is kept in ``store`` as a version this device has used.
    """

    def __init__(self, checklists: Mapping[str, Checklist], errors: list[ChecklistError] | None = None,
                 *, store: Store | None = None):
        self._by_id = dict(checklists)
        self.errors = list(errors or [])
        self._refused_pulled: set[str] = set()
        self._store = store
        self._versions: dict[tuple[str, int], Checklist] = {(c.id, c.version): c for c in checklists.values()}
        self._hashes = version_store.stored_hashes(store) if store is not None else {}
        for checklist in self._by_id.values():
            self._keep(checklist)
        if store is not None:
            used = get_setting(store, VERSIONS_KEY, {})
            newest = {**used, **{cid: c.version for cid, c in self._by_id.items()
                                 if c.version >= used.get(cid, 0)}}
            if newest != used:
                put_setting(store, VERSIONS_KEY, newest)

    @classmethod
    def shipped(cls, store: Store) -> Catalog:
        """The shipped checklists, or a newer version installed on this device; never a version
        older than one this device already used (that file is refused and logged)."""
        current, errors = versions_in_force(store)
        return cls(current, errors, store=store)

    # -- the current versions -----------------------------------------------------------------
    def get(self, checklist_id: str) -> Checklist:
        """The newest version, for a new inspection.

        :raises UnknownChecklist: not installed on this device.
        """
        try:
            return self._by_id[checklist_id]
        except KeyError:
            raise UnknownChecklist(checklist_id) from None

    def has(self, checklist_id: str) -> bool:
        return checklist_id in self._by_id

    def all(self) -> list[Checklist]:
        return list(self._by_id.values())

    def for_kind(self, site_kind: str) -> list[Checklist]:
        """The checklists that apply to a 场所 kind, e.g. ``群租房``."""
        return [c for c in self._by_id.values() if c.applies_to(site_kind)]

    # -- every version used -------------------------------------------------------------------
    def for_inspection(self, inspection: Inspection) -> Checklist:
        """The version the inspection started on.

        :raises UnknownChecklist: the device has that version nowhere (neither kept nor archived).
        """
        return self.version(inspection.checklist_id, inspection.checklist_version)

    def version(self, checklist_id: str, version: int) -> Checklist:
        """One version of a checklist: the current one, a kept one, or an archived one.

        :raises UnknownChecklist: the device has that version nowhere.
        """
        found = self._versions.get((checklist_id, version))
        if found is None:
            found = self._kept(checklist_id, version) or self._archived(checklist_id, version)
            if found is None:
                raise UnknownChecklist(checklist_id, version)
            self._versions[(checklist_id, version)] = found
            self._keep(found)
        return found

    def install(self, path: Path) -> Checklist:
        """Install a checklist file (e.g. one the office published); it becomes current when newer.

        :raises ChecklistRefused: the file cannot be read by this app (a newer schema), is not a
            valid checklist, is older than the version in use, or changes a version already kept.
        """
        return self._install(Path(path).name, partial(load_file, Path(path)))

    def install_pulled(self) -> list[Checklist]:
        """Install what the office published that sync has pulled since, where newer than the
        version in use; a file this app refuses is logged and kept in ``errors``, the rest install.

        :returns: the checklists installed, e.g. ``[lifeline v3]``; empty when nothing was newer.
        """
        if self._store is None:
            return []
        installed = []
        for pulled in version_store.pulled_files(self._store):
            current = self._by_id.get(pulled["id"])
            if current is not None and current.version >= pulled["version"]:
                continue
            name = f"{pulled['id']} v{pulled['version']} (pulled)"
            if name in self._refused_pulled:
                continue  # logged when it was refused; a newer version or app is needed
            try:
                installed.append(self._install(name, partial(load_text, name, pulled["yaml"])))
            except ChecklistRefused:
                self._refused_pulled.add(name)  # logged and kept in errors by _refuse
        return installed

    def _install(self, name: str, load: Callable[..., Checklist]) -> Checklist:
        """Load a checklist file against the versions in use and make it current.

        :param load: ``load_file`` or ``load_text`` with the file given; it takes ``previous_versions``.
        :raises ChecklistRefused: as ``install`` says.
        """
        try:
            checklist = load(previous_versions={cid: c.version for cid, c in self._by_id.items()})
        except ChecklistError as exc:
            self._refuse(exc, _reason(exc))
        return self._make_current(checklist, name)

    def _make_current(self, checklist: Checklist, name: str) -> Checklist:
        key = (checklist.id, checklist.version)
        body = checklist_body(checklist)
        kept = self._hashes.get(key)
        if kept is not None and kept != body_sha256(body):
            error = ChecklistError(name, f"version {checklist.version} of '{checklist.id}' is already "
                                         "in use with other content; publish it as a new version")
            self._refuse(error, "该版本已在使用，内容不能更改，请以新版本号发布")
        self._versions[key] = checklist
        self._keep(checklist)
        current = self._by_id.get(checklist.id)
        if current is None or checklist.version >= current.version:
            # A new dict, not a change of this one: screens may be listing it on another thread.
            self._by_id = {**self._by_id, checklist.id: checklist}
            if self._store is not None:
                used_before = get_setting(self._store, VERSIONS_KEY, {})
                put_setting(self._store, VERSIONS_KEY, {**used_before, checklist.id: checklist.version})
        log.info("installed checklist %s v%s from %s", checklist.id, checklist.version, name)
        return checklist

    def _refuse(self, error: ChecklistError, reason: str) -> Any:
        log.warning("checklist refused: %s", error)
        self.errors.append(error)
        raise ChecklistRefused(error, reason) from error

    def _keep(self, checklist: Checklist) -> None:
        """Keep ``checklist`` in the device database (once per content)."""
        if self._store is None:
            return
        body = checklist_body(checklist)
        digest = body_sha256(body)
        key = (checklist.id, checklist.version)
        if self._hashes.get(key) == digest:
            return
        version_store.put_version(self._store, checklist_id=checklist.id, version=checklist.version,
                                  schema_version=checklist.schema_version, body=body, sha256=digest)
        self._hashes[key] = digest

    def _kept(self, checklist_id: str, version: int) -> Checklist | None:
        if self._store is None:
            return None
        try:
            return kept_version(self._store, checklist_id, version)
        except ChecklistError as exc:
            log.error("kept checklist version unreadable: %s", exc)
            self.errors.append(exc)
            return None

    def _archived(self, checklist_id: str, version: int) -> Checklist | None:
        try:
            return archived_version(checklist_id, version)
        except ChecklistError as exc:
            log.error("archived checklist unreadable: %s", exc)
            self.errors.append(exc)
            return None


def _reason(error: ChecklistError) -> str:
    """Why a file was refused, in words an inspector can pass on."""
    if isinstance(error.__cause__, SchemaTooNew):
        return "该文件需要更新版本的应用才能读取，请先升级应用"
    if "version went down" in error.message:
        return "版本低于本机正在使用的版本"
    return "文件内容有误，请联系管理员"
