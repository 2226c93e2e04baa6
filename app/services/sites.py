"""场所 sites: search, create, look up."""

from __future__ import annotations

from app.domain.errors import InvalidAnswer
from app.domain.models import Site
from app.domain.phone import check_phone
from app.domain.vocab import SITE_KINDS
from app.store import sites as site_store

from .base import Service


class Sites(Service):
    """``device.sites``."""

    kinds = SITE_KINDS

    def search(self, text: str = "", *, kind: str | None = None, grid: str | None = None,
               limit: int = 50) -> list[Site]:
        """Sites whose name, address, grid or contact contains ``text`` (e.g. ``荷花池``), newest first."""
        return site_store.find_sites(self._device.store, text, kind, grid, limit)

    def create(self, *, name: str, kind: str, address: str = "", grid: str = "", contact_name: str = "",
               contact_phone: str = "", lat: float | None = None, lon: float | None = None) -> Site:
        """A new site, saved at once.

        :raises InvalidAnswer: no name, a kind not in ``SITE_KINDS``, or a phone number that is
            neither a mobile nor a landline with its area code.
        """
        name = name.strip()
        if not name:
            raise InvalidAnswer("site.name", "请填写场所名称")
        if kind not in SITE_KINDS:
            raise InvalidAnswer("site.kind", "请选择场所类型")
        phone = check_phone(contact_phone, "site.contact_phone")
        return site_store.insert_site(
            self._device.store, name=name, address=address.strip(), kind=kind, grid=grid.strip(),
            contact_name=contact_name.strip(), contact_phone=phone, lat=lat, lon=lon,
        )

    def get(self, site_id: str) -> Site:
        """:raises NotFound: no such site."""
        return site_store.get_site(self._device.store, site_id)

    def grids(self) -> list[str]:
        """The grids the device's sites belong to, e.g. ``["荷花池-01", "西林-02"]``."""
        return site_store.grids(self._device.store)
