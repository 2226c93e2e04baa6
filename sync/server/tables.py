"""The server's schema (SQLAlchemy Core): portable types only, so a URL can move it to PostgreSQL.

A record table has a column for each field of its wire model (``sync.protocol``): the contract
decides what the server stores, so a field added there is a column here. The server's own columns
start with ``sv_``:

- ``sv_id``: the change log's entity id (``<inspection_id>/<item_id>`` for an answer …), unique;
- ``sv_site_id``: the site the record belongs to (scope); ``sv_versions``: per field
  ``[hlc, user, feed number]`` of the write that set it, ``*`` for fields unchanged since the
  record was created (the conflict rule reads these);
- ``sv_created_by`` / ``sv_updated_by`` / ``sv_device_id``, ``sv_received_at`` / ``sv_changed_at``;
- ``sv_deleted_at``: a tombstone (devices pull deletes; the dump leaves the row out).
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

from sync.protocol import KEYS, RECORD_FIELDS

metadata = MetaData()
Json = JSON().with_variant(postgresql.JSONB(), "postgresql")
Time = DateTime(timezone=True)

SCHEMA_VERSION = 1
#: The column type of a wire field's value type (lists and models, e.g. the office's settings, are JSON).
_SQL_TYPES: dict[type, TypeEngine | type[TypeEngine]] = {
    str: String, int: Integer, float: Float, bool: Boolean, date: Date, datetime: Time,
}


def _column(entity: str, field: str, annotation: typing.Any, *, index: bool) -> Column:
    """The column of one wire field: NOT NULL unless the field may be ``None``, never autoincrement
    (every value comes from the wire). ``Lat | None`` is a nullable Float, ``Literal["一般", "重大"]``
    a String.

    :raises TypeError: the field's type has no column type here (add it to ``_SQL_TYPES``), e.g.
        ``hazard.cost: no column type for <class 'decimal.Decimal'>``.
    """
    value_type, args = annotation, typing.get_args(annotation)
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args
    if optional:
        others = [a for a in args if a is not type(None)]
        value_type = others[0] if len(others) == 1 else annotation
    if typing.get_origin(value_type) is typing.Annotated:
        value_type = typing.get_args(value_type)[0]
    if typing.get_origin(value_type) is typing.Literal:
        kinds = {type(v) for v in typing.get_args(value_type)}
        value_type = kinds.pop() if len(kinds) == 1 else value_type
    if typing.get_origin(value_type) in (list, dict) or (
            isinstance(value_type, type) and issubclass(value_type, BaseModel)):
        column_type: typing.Any = Json
    elif value_type in _SQL_TYPES:
        column_type = _SQL_TYPES[value_type]
    else:
        raise TypeError(f"{entity}.{field}: no column type for {annotation!r}")
    return Column(field, column_type, nullable=optional, index=index, autoincrement=False)


def _wire_table(name: str, entity: str, *extra: Column, key: tuple[str, ...] | None = None,
                indexed: tuple[str, ...] = ()) -> Table:
    """A table with a column for each field of the entity's wire model and the ``extra`` columns.

    :param key: the primary key when it is not the entity's key, e.g. ``("id", "version")``.
    :param indexed: fields to index, e.g. ``("site_id",)``.
    """
    fields = RECORD_FIELDS[entity].model_fields
    unknown = set(indexed) - set(fields)
    if unknown:
        raise ValueError(f"{name}: no field {sorted(unknown)} to index in the {entity} wire model")
    columns = [_column(entity, field, info.annotation, index=field in indexed)
               for field, info in fields.items()]
    return Table(name, metadata, *columns, *extra, PrimaryKeyConstraint(*(key or KEYS[entity])))


def _meta_columns() -> list[Column]:
    return [
        Column("sv_id", String, nullable=False, unique=True),
        Column("sv_site_id", String, index=True),
        Column("sv_versions", Json, nullable=False),
        Column("sv_created_by", String, nullable=False),
        Column("sv_updated_by", String, nullable=False),
        Column("sv_device_id", String, nullable=False),
        Column("sv_received_at", Time, nullable=False),
        Column("sv_changed_at", Time, nullable=False),
        Column("sv_deleted_at", Time),
    ]


# --- accounts --------------------------------------------------------------------------------------

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False, unique=True),
    Column("role", String, nullable=False),
    Column("grids", Json, nullable=False),
    Column("password_hash", String, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", Time, nullable=False),
)

tokens = Table(
    "tokens", metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("device_id", String, nullable=False),
    Column("created_at", Time, nullable=False),
    Column("revoked_at", Time),
)

#: Wrong-password counts per name, known or not (so timing and replies never tell which names exist).
login_throttle = Table(
    "login_throttle", metadata,
    Column("name", String, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("blocked_until", Time),
)

# --- sync bookkeeping ------------------------------------------------------------------------------

#: One row per pushed entry, for ever: the unique (device_id, seq) is what makes a push exactly-once.
push_log = Table(
    "push_log", metadata,
    Column("device_id", String, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("entity", String),
    Column("entity_id", String),
    Column("op", String),
    Column("payload", Json),
    Column("at", String),
    Column("hlc", String),
    Column("applied_hlc", String),
    Column("user_name", String, nullable=False),
    Column("received_at", Time, nullable=False),
    Column("status", String, nullable=False),
    Column("code", String),
    Column("message", Text),
    Column("discarded", Json),
    PrimaryKeyConstraint("device_id", "seq"),
)

#: Named counters. ``feed`` numbers the pull feed: it is updated in each writing transaction,
#: so numbers are handed out in commit order and a reader never passes one still uncommitted.
counters = Table(
    "counters", metadata,
    Column("name", String, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

#: What each device has pulled: a pull with ``cursor=N`` says the device applied the feed up to N.
#: The conflict rule reads it to tell a concurrent edit from one made after seeing the value.
devices = Table(
    "devices", metadata,
    Column("device_id", String, primary_key=True),
    Column("user_name", String, nullable=False),
    Column("pulled_upto", BigInteger, nullable=False),
    Column("pulled_at", Time, nullable=False),
)

#: The pull feed: one row per record, renumbered each time the record changes.
feed = Table(
    "feed", metadata,
    Column("entity", String, nullable=False),
    Column("entity_id", String, nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    #: a grid name; ``*`` for everyone (checklists); ``''`` for 管理员 only (no site yet)
    Column("scope", String, nullable=False),
    Column("site_id", String, index=True),
    Column("deleted", Boolean, nullable=False),
    #: the device whose own write this state is, which it therefore need not pull back
    Column("origin_device", String),
    PrimaryKeyConstraint("entity", "entity_id"),
    Index("feed_scope_seq", "scope", "seq"),
)

conflicts = Table(
    "conflicts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Time, nullable=False),
    Column("entity", String, nullable=False),
    Column("entity_id", String, nullable=False),
    Column("field", String),
    Column("kind", String, nullable=False),
    Column("kept", Json),
    Column("discarded", Json),
    Column("kept_hlc", String),
    Column("discarded_hlc", String),
    Column("kept_by", String),
    Column("discarded_by", String),
    Column("device_id", String),
    Column("seq", BigInteger),
    Column("reason", Text, nullable=False),
)

#: Every version ever published (the feed carries the newest of each checklist).
checklists = _wire_table("checklists", "checklist", key=("id", "version"))

#: The office's settings for every device (``OfficeConfig``); each change is a new version.
office_settings = _wire_table("office_settings", "office", key=("version",))

server_meta = Table(
    "server_meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)

# --- records: the wire models' fields, and the server's own columns ------------------------------

sites = _wire_table("sites", "site", *_meta_columns(), indexed=("grid",))
inspections = _wire_table("inspections", "inspection", *_meta_columns(), indexed=("site_id",))
answers = _wire_table("answers", "answer", *_meta_columns())
signatures = _wire_table(
    "signatures", "signature",
    #: what was signed, frozen when the inspection completed; office decisions never touch it
    Column("sv_signed_record", Json),
    Column("sv_verified", Boolean),
    *_meta_columns(),
    indexed=("png_sha256",),
)
hazards = _wire_table("hazards", "hazard", *_meta_columns(), indexed=("inspection_id", "site_id"))
reviews = _wire_table("reviews", "review", *_meta_columns(), indexed=("hazard_id",))
photos = _wire_table("photos", "photo", *_meta_columns())
photo_links = _wire_table(
    "photo_links", "photo_link",
    #: the inspection whose record the photo belongs to (answer and hazard owners), for completeness
    Column("sv_inspection_id", String, index=True),
    *_meta_columns(),
    indexed=("photo_sha256",),
)
decisions = _wire_table(
    "decisions", "decision",
    #: the hazard's values the decision replaced
    Column("sv_before", Json, nullable=False),
    Column("sv_site_id", String, nullable=False),
    indexed=("hazard_id",),
)

RECORD_TABLES: dict[str, Table] = {
    "site": sites, "inspection": inspections, "answer": answers, "signature": signatures,
    "hazard": hazards, "review": reviews, "photo": photos, "photo_link": photo_links,
}
