"""Errors services raise: the app's one tree lives in ``app.domain.errors``; re-exported here so
views import every error from ``app.services``."""

from app.domain.closing import ReviewRefused
from app.domain.errors import (
    AnXunError,
    CompletionRefused,
    HazardUnderway,
    InspectionLocked,
    InvalidAnswer,
    WithdrawalNeedsConfirm,
)
from app.domain.lifecycle import IllegalTransition
from app.photos.errors import PhotoError
from app.store.db import NotFound, StoreError
from sync.client.errors import SyncError

__all__ = [
    "AnXunError", "CompletionRefused", "HazardUnderway", "IllegalTransition", "InspectionLocked", "InvalidAnswer",
    "NotFound", "PhotoError", "ReviewRefused", "StoreError", "SyncError", "WithdrawalNeedsConfirm",
]
