"""The checklists this device can run: the shipped ones, never older than a version it has used."""

from __future__ import annotations

import logging

from app.domain.errors import AnXunError
from app.store.db import Store
from app.store.settings import get_setting, put_setting
from checklists import Checklist, ChecklistError, load_dir
from checklists.loader import SHIPPED_DIR

log = logging.getLogger(__name__)

VERSIONS_KEY = "checklist_versions"


class UnknownChecklist(AnXunError):
    """An inspection refers to a checklist this device does not have (it was refused at load)."""

    def __init__(self, checklist_id: str):
        super().__init__(
            f"checklist {checklist_id!r} is not installed", "该检查表未安装或已停用，请联系管理员"
        )
        self.checklist_id = checklist_id


class Catalog:
    """Checklists by id, and the files that were refused (shown to support, never silently lost).

    :param checklists: e.g. ``{"group_rental": Checklist(...)}``.
    """

    def __init__(self, checklists: dict[str, Checklist], errors: list[ChecklistError] | None = None):
        self._by_id = dict(checklists)
        self.errors = list(errors or [])

    @classmethod
    def shipped(cls, store: Store) -> Catalog:
        """The shipped checklists, refusing any older than a version this device already used."""
        installed = get_setting(store, VERSIONS_KEY, {})
        loaded = load_dir(SHIPPED_DIR, previous_versions=installed)
        for error in loaded.errors:
            log.error("checklist not loaded: %s", error)
        newest = {**installed, **{cid: c.version for cid, c in loaded.checklists.items()}}
        if newest != installed:
            put_setting(store, VERSIONS_KEY, newest)
        return cls(loaded.checklists, loaded.errors)

    def get(self, checklist_id: str) -> Checklist:
        """:raises UnknownChecklist: not installed on this device."""
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
