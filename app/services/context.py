"""One device data folder, opened once: the store, the photo files, the checklists, the clock,
the device id, and the per-resource services built over them.

    device = open_device(data_dir)
    device.sites.search("荷花池")
    device.office.config()                     # the office's decisions (红黄蓝 rules, levels …)
    state = device.inspections.answer(inspection_id, "GR-03", "否")
    device.hazards.transition(hazard_id, RECTIFYING)

Service methods are synchronous and thread-safe (the store serialises writers); the Flet UI
calls them through ``asyncio.to_thread``. Every user action persists before the method
returns, with its change-log row in the same transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.domain.clock import local_today
from app.photos import PhotoStore
from app.store.db import DB_FILE, Store
from app.store.photos import photo_hashes
from checklists import Checklist
from sync.hlc import wall_ms

from .catalog import Catalog
from .evidence import Evidence
from .hazards import Hazards
from .inspections import Inspections
from .office import Office
from .reviews import Reviews
from .settings import Settings
from .signoff import Signoff
from .sites import Sites
from .sync_status import SyncState

log = logging.getLogger(__name__)

PHOTOS_DIR = "photos"


class Device:
    """The device's data and what can be done with it.

    :param data_dir: the device data folder, e.g. ``$FLET_APP_STORAGE_DATA``; holds
        ``anxun.db`` and ``photos/``.
    :param catalog: the checklists and every version used (default: the shipped ones, see
        ``Catalog.shipped``).
    :param today: the inspector's calendar day (tests pass a fixed day).
    """

    def __init__(self, data_dir: Path, store: Store, *, catalog: Catalog | None = None,
                 today: Callable[[], date] = local_today):
        self.data_dir = Path(data_dir)
        self.store = store
        self.photo_files = PhotoStore(self.data_dir / PHOTOS_DIR)
        self.catalog = catalog if catalog is not None else Catalog.shipped(store)
        self._on_shipped_checklists = catalog is None
        self._taking = threading.Lock()
        self.today = today
        self.device_id = store.device_id
        self.office = Office(self)
        self.sites = Sites(self)
        self.inspections = Inspections(self)
        self.signoff = Signoff(self)
        self.hazards = Hazards(self)
        self.reviews = Reviews(self)
        self.evidence = Evidence(self)
        self.settings = Settings(self)
        self.sync = SyncState(self)

    def take_pulled(self) -> None:
        """Put in force what the office published and sync pulled: checklists first, then the
        settings that refer to them. Only a device on the shipped checklists does; one opened on
        others (tests, previews, the command line's sync) leaves them for the app to take."""
        if not self._on_shipped_checklists:
            return
        with self._taking:
            try:
                self.catalog.install_pulled()
                self.office.apply_pulled()
            except Exception:  # a bug here must not hide the sync's outcome nor keep the app shut
                log.exception("pulled checklists or office settings not taken")

    def as_of(self, day: date) -> Device:
        """The same data seen from another inspector's day, e.g. to record a past inspection
        (demo data, an import of paper records): its default 整改期限 and every "not before today"
        rule count from ``day``. It shares the store; close only the device it came from."""
        return Device(self.data_dir, self.store, catalog=self.catalog, today=lambda: day)

    def close(self) -> None:
        self.store.close()


def open_device(data_dir: Path, *, checklists: dict[str, Checklist] | None = None,
                today: Callable[[], date] = local_today, synchronous: str = "FULL",
                wall_ms: Callable[[], int] = wall_ms) -> Device:
    """Open (creating and migrating if needed) a device data folder.

    :param checklists: run these instead of the shipped ones (tests, office previews).
    :param synchronous: SQLite's ``synchronous``; ``FULL`` survives power loss (see ``Store``).
    :param wall_ms: the wall clock the change log's HLC reads (tests pass one hours off).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / DB_FILE, synchronous=synchronous, wall_ms=wall_ms)
    try:
        catalog = Catalog(checklists, store=store) if checklists is not None else None
        device = Device(data_dir, store, catalog=catalog, today=today)
        device.take_pulled()  # pulled by a sync from the command line, which opens no checklists
        device.photo_files.sweep(lambda: photo_hashes(store))  # leftovers of a killed writer
        return device
    except BaseException:
        store.close()
        raise

