"""What the office decided for its district (``checklists.office.OfficeConfig``), kept on the device.

The office's 红黄蓝 rules, the levels it set for items that allow one (e.g. the 30/90-day 危废
storage periods as hard limits) and the check methods it hides per role arrive with sync
(``apply_pulled``); until then the checklist files' documented defaults apply. ``role`` is what
the signed-in user is (网格员, 消防员 …); it picks the methods hidden from this inspector.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.domain.errors import InvalidAnswer
from app.store.inbox import PULLED_OFFICE
from app.store.settings import get_setting, put_setting
from checklists import OfficeConfig, office_problems

from .base import Service

log = logging.getLogger(__name__)

OFFICE_KEY = "office_config"
ROLE_KEY = "user_role"
#: The office's pulled settings record last put in force (``OfficeSettingsFields``).
APPLIED_KEY = "office_config_applied"


class Office(Service):
    """``device.office``: the office's decisions and the inspector's role."""

    _config: OfficeConfig | None = None
    #: The pulled settings last refused, with the checklist versions they were checked against.
    _refused: tuple[Any, dict[str, int]] | None = None

    def config(self) -> OfficeConfig:
        """The decisions in force (the files' defaults where the office decided nothing)."""
        if self._config is None:
            self._config = OfficeConfig.model_validate(get_setting(self._store, OFFICE_KEY, {}))
        return self._config

    def update(self, config: OfficeConfig | Mapping[str, Any]) -> OfficeConfig:
        """Replace the office's decisions, once they fit the installed checklists.

        :param config: e.g. ``{"levels": {"hw_storage": {"HW-18a": "隐患"}}}``.
        :raises InvalidAnswer: the decisions do not fit (an unknown checklist or item, a level the
            item does not allow, a bad value); nothing changes then.
        """
        try:
            checked = config if isinstance(config, OfficeConfig) else OfficeConfig.model_validate(config)
        except ValidationError as exc:
            raise InvalidAnswer("office", f"办公室设定无效：{exc.errors()[0]['msg']}") from exc
        by_id = {c.id: c for c in self._device.catalog.all()}
        problems = office_problems(checked, by_id)
        if problems:
            raise InvalidAnswer("office", "办公室设定与检查表不符：" + "；".join(problems))
        put_setting(self._store, OFFICE_KEY, checked.model_dump(mode="json"))
        self._config = checked
        return checked

    def apply_pulled(self) -> bool:
        """Put the office's settings that sync pulled into force, when they differ from those
        last put in force (the server sends only its newest; a rebuilt server numbers from 1
        again). Settings that do not fit this device's checklists (an older app) are logged once
        and left out; the ones in force stay.

        :returns: whether new settings took effect.
        """
        pulled = get_setting(self._store, PULLED_OFFICE)
        if not pulled or pulled == get_setting(self._store, APPLIED_KEY):
            return False
        attempt = (pulled, {c.id: c.version for c in self._device.catalog.all()})
        if attempt == self._refused:
            return False  # neither the settings nor the checklists changed since
        try:
            self.update(pulled["config"])
        except InvalidAnswer as exc:
            log.warning("office settings version %s not applied: %s", pulled["version"], exc)
            self._refused = attempt
            return False
        put_setting(self._store, APPLIED_KEY, pulled)
        log.info("office settings version %s by %s in force", pulled["version"], pulled["set_by"])
        return True

    def role(self) -> str:
        """The signed-in user's role, e.g. ``网格员``; empty until one signed in."""
        return get_setting(self._store, ROLE_KEY, "")

    def set_role(self, role: str) -> None:
        """Remember the signed-in user's role (sync calls this at sign-in).

        :raises InvalidAnswer: an empty or overlong role.
        """
        role = role.strip()
        if not role or len(role) > 20:
            raise InvalidAnswer("role", "角色无效")
        put_setting(self._store, ROLE_KEY, role)

    def hidden_methods(self) -> tuple[str, ...]:
        """Check methods hidden from this inspector, e.g. ``("仪器测量",)`` for a 网格员."""
        return tuple(self.config().methods_hidden_for(self.role()))
