"""The operations the views, the sync engine and reports call, one service per resource over
one ``Device`` (``context.py``):

    device.sites          场所: search, create            (sites.py)
    device.inspections    start, resume, answers          (inspections.py, raised.py,
                                                           inspection_state.py)
    device.signoff        summary, signature, completion  (signoff.py)
    device.hazards        ledger, edits, lifecycle        (hazards.py)
    device.reviews        复查: record, list              (reviews.py)
    device.evidence       photos                          (evidence.py)
    device.settings       app settings                    (settings.py)
    device.office         the office's decisions, role    (office.py)
    device.sync           sign in/out, sync, the strip    (sync_status.py, sync_view.py, over
                                                           sync.client)
    device.catalog        the installed checklists        (catalog.py, checklist_versions.py)

Views import everything they need from here — errors, record types, the vocabulary and the
checklist types (``Checklist``, ``Item``, ``ChecklistError``) included — and never the store or
the photo pipeline.
"""

from app.domain.citation import citations, field_hint
from app.domain.clock import format_local, local_day, local_midnight, local_today
from app.domain.findings import level_of, major_label
from app.domain.lifecycle import awaits_review
from app.domain.models import (
    Answer,
    FindingRecord,
    FindingRow,
    Hazard,
    HazardEdit,
    HazardRow,
    Inspection,
    LedgerFilter,
    Review,
    Site,
)
from app.domain.phone import phone_problem
from app.domain.rating import RatingResult
from app.domain.rules import describe_rule, finding_options, toggle_option
from app.domain.vocab import (
    AWAITING_REVIEW,
    BASIS_STATUS,
    CLOSED,
    COMPLETED,
    DRAFT,
    GENERAL,
    HAZARD,
    HAZARD_FIELDS,
    HAZARD_SOURCE_LABELS,
    LEVEL_LABELS,
    LEVELS,
    MAJOR,
    METHODS,
    PENDING,
    RECORD,
    RECTIFYING,
    REVIEW_FIELDS,
    REVIEW_RESULT,
    SEVERITIES,
    SEVERITY_LABELS,
    SEVERITY_SHORT,
    SIGNATURE_FIELDS,
    SITE_FIELDS,
    SITE_KINDS,
    STATUSES,
    WARNING,
    YES_NO_NA,
    severity_label,
)
from checklists import Checklist, ChecklistError, Item

from .catalog import Catalog, ChecklistRefused, UnknownChecklist
from .context import Device, open_device
from .errors import (
    AnXunError,
    CompletionRefused,
    HazardUnderway,
    IllegalTransition,
    InspectionLocked,
    InvalidAnswer,
    NotFound,
    PhotoError,
    ReviewRefused,
    StoreError,
    SyncError,
    WithdrawalNeedsConfirm,
)
from .inspection_state import DraftRow, InspectionState, Summary
from .office import Office
from .settings import AppSettings
from .sync_status import PendingChanges, SyncReport
from .sync_view import Decision, RejectedEntry, SyncStatus, Waiting

__all__ = [
    # the vocabulary (app.domain.vocab)
    "AWAITING_REVIEW", "BASIS_STATUS", "CLOSED", "COMPLETED", "DRAFT", "GENERAL", "HAZARD", "HAZARD_FIELDS",
    "HAZARD_SOURCE_LABELS", "LEVELS", "LEVEL_LABELS", "MAJOR", "METHODS", "PENDING", "RECORD", "RECTIFYING",
    "REVIEW_FIELDS", "REVIEW_RESULT", "SEVERITIES", "SEVERITY_LABELS", "SEVERITY_SHORT", "SIGNATURE_FIELDS", "SITE_FIELDS",
    "SITE_KINDS", "STATUSES", "WARNING", "YES_NO_NA",
    # errors, records, inputs and services
    "AnXunError", "Answer", "AppSettings", "Catalog", "Checklist", "ChecklistError", "ChecklistRefused",
    "CompletionRefused", "Decision", "Device", "DraftRow", "FindingRecord", "FindingRow", "Hazard", "HazardEdit",
    "HazardRow", "HazardUnderway", "IllegalTransition", "Inspection", "InspectionLocked", "InspectionState",
    "InvalidAnswer", "Item", "LedgerFilter", "NotFound", "Office", "PendingChanges", "PhotoError", "RatingResult",
    "RejectedEntry", "Review", "ReviewRefused", "Site", "StoreError", "Summary", "SyncError", "SyncReport",
    "SyncStatus", "UnknownChecklist", "Waiting", "WithdrawalNeedsConfirm",
    "awaits_review", "citations", "describe_rule", "field_hint", "finding_options", "format_local", "level_of",
    "local_day", "local_midnight", "local_today", "major_label", "open_device", "phone_problem", "severity_label",
    "toggle_option",
]
