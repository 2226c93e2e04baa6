"""What every per-resource service shares: the device it works on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.store.db import Store

    from .context import Device


class Service:
    """One resource's operations over one ``Device`` (``device.sites``, ``device.hazards`` …)."""

    def __init__(self, device: Device):
        self._device = device

    @property
    def _store(self) -> Store:
        return self._device.store
