"""Checklist data (one YAML file per checklist) and its schema."""

from .loader import ChecklistError, LoadResult, load_dir, load_file, load_shipped, load_text
from .office import OfficeConfig, office_problems
from .schema import (
    SCHEMA_VERSION,
    SITE_KINDS,
    YES_NO_NA,
    Checklist,
    Combination,
    HazardRule,
    Item,
    LegalBasis,
    Parameter,
    Rating,
    Section,
)

__all__ = [
    "SCHEMA_VERSION",
    "SITE_KINDS",
    "YES_NO_NA",
    "Checklist",
    "ChecklistError",
    "Combination",
    "HazardRule",
    "Item",
    "LegalBasis",
    "LoadResult",
    "OfficeConfig",
    "Parameter",
    "Rating",
    "Section",
    "load_dir",
    "load_file",
    "load_shipped",
    "load_text",
    "office_problems",
]
