"""Services the views and the sync engine call (sync methods; UI wraps them in asyncio.to_thread)."""

from .core import DraftRow, InspectionState, Services, Summary, SyncStatus, local_today, open_services
from .errors import AnXunError, CompletionRefused, IllegalTransition, InspectionLocked, InvalidAnswer, NotFound, PhotoError
from .settings import AppSettings

__all__ = [
    "AnXunError",
    "AppSettings",
    "CompletionRefused",
    "DraftRow",
    "IllegalTransition",
    "InspectionLocked",
    "InspectionState",
    "InvalidAnswer",
    "NotFound",
    "PhotoError",
        "Services",
    "Summary",
    "SyncStatus",
    "local_today",
    "open_services",
]
