"""Services the views and the sync engine call (sync methods; UI wraps them in asyncio.to_thread)."""

from app.domain.lifecycle import IllegalTransition
from app.domain.rules import InvalidAnswer
from app.photos import PhotoError
from app.store.db import NotFound

from .core import DraftRow, InspectionState, Services, Summary, SyncStatus, local_today, open_services
from .errors import CompletionRefused, InspectionLocked, ServiceError
from .settings import AppSettings

__all__ = [
    "AppSettings",
    "CompletionRefused",
    "DraftRow",
    "IllegalTransition",
    "InspectionLocked",
    "InspectionState",
    "InvalidAnswer",
    "NotFound",
    "PhotoError",
    "ServiceError",
    "Services",
    "Summary",
    "SyncStatus",
    "local_today",
    "open_services",
]
