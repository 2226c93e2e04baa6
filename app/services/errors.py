"""Errors services raise for the UI; each carries a Chinese ``message`` to show as is.

ServiceError
├── InspectionLocked     a completed inspection is read-only
├── CompletionRefused    required answers, photos or the signature are missing
└── (re-exported) InvalidAnswer, IllegalTransition, NotFound, PhotoError
"""

from __future__ import annotations

from app.domain.lifecycle import IllegalTransition
from app.domain.rules import InvalidAnswer
from app.store.db import NotFound


class ServiceError(Exception):
    def __init__(self, message: str, detail: str = ""):
        super().__init__(detail or message)
        self.message = message


class InspectionLocked(ServiceError):
    def __init__(self, inspection_id: str):
        super().__init__("该检查已完成，记录只读", f"inspection {inspection_id} is completed and read-only")


class CompletionRefused(ServiceError):
    def __init__(self, inspection_id: str, problems: list[str]):
        super().__init__("；".join(problems), f"inspection {inspection_id} cannot complete: {problems}")
        self.problems = problems


__all__ = ["CompletionRefused", "IllegalTransition", "InspectionLocked", "InvalidAnswer", "NotFound", "ServiceError"]
