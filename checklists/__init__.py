"""Checklist data (one YAML file per checklist) and its schema."""

from .loader import ChecklistError, LoadResult, load_dir, load_file, load_shipped
from .schema import (
    SITE_KINDS,
    YES_NO_NA,
    Checklist,
    HazardRule,
    Item,
    LegalBasis,
    Parameter,
    Rating,
    Section,
)

__all__ = [
    "SITE_KINDS",
    "YES_NO_NA",
    "Checklist",
    "ChecklistError",
    "HazardRule",
    "Item",
    "LegalBasis",
    "LoadResult",
    "Parameter",
    "Rating",
    "Section",
    "load_dir",
    "load_file",
    "load_shipped",
]
