"""The server's schema (SQLAlchemy Core): portable types only, so a URL can move it to PostgreSQL.

Record tables keep the device store's column names for the device's fields; the server's own
columns start with ``sv_``:

- ``sv_id``: the change log's entity id (``<inspection_id>/<item_id>`` for an answer …), unique;
- ``sv_site_id``: the site the record belongs to (scope); ``sv_versions``: per field
  ``[hlc, user, feed number]`` of the write that set it, ``*`` for fields unchanged since the
  record was created (the conflict rule reads these);
- ``sv_created_by`` / ``sv_updated_by`` / ``sv_device_id``, ``sv_received_at`` / ``sv_changed_at``;
- ``sv_deleted_at``: a tombstone (devices pull deletes; the dump leaves the row out).
"""

from __future__ import annotations

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

metadata = MetaData()
Json = JSON().with_variant(postgresql.JSONB(), "postgresql")
Time = DateTime(timezone=True)

SCHEMA_VERSION = 1


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

checklists = Table(
    "checklists", metadata,
    Column("id", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String, nullable=False),
    Column("yaml", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("published_at", Time, nullable=False),
    PrimaryKeyConstraint("id", "version"),
)

#: The office's settings for every device (``OfficeConfig``); each change is a new version.
office_settings = Table(
    "office_settings", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("config", Json, nullable=False),
    Column("set_by", String, nullable=False),
    Column("set_at", Time, nullable=False),
)

server_meta = Table(
    "server_meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)

# --- records (device column names) ---------------------------------------------------------------

sites = Table(
    "sites", metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("address", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("grid", String, nullable=False, index=True),
    Column("contact_name", String, nullable=False),
    Column("contact_phone", String, nullable=False),
    Column("lat", Float), Column("lon", Float),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    *_meta_columns(),
)

inspections = Table(
    "inspections", metadata,
    Column("id", String, primary_key=True),
    Column("site_id", String, nullable=False, index=True),
    Column("checklist_id", String, nullable=False),
    Column("checklist_version", Integer, nullable=False),
    Column("inspector_id", String, nullable=False),
    Column("inspector_name", String, nullable=False),
    Column("device_id", String, nullable=False),
    Column("status", String, nullable=False),
    Column("current_item_id", String),
    Column("started_at", Time, nullable=False),
    Column("finished_at", Time),
    Column("updated_at", Time, nullable=False),
    *_meta_columns(),
)

answers = Table(
    "answers", metadata,
    Column("inspection_id", String, nullable=False),
    Column("item_id", String, nullable=False),
    #: JSON text, exactly as the device stores it
    Column("value", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("answered_at", Time, nullable=False),
    PrimaryKeyConstraint("inspection_id", "item_id"),
    *_meta_columns(),
)

signatures = Table(
    "signatures", metadata,
    Column("inspection_id", String, primary_key=True),
    Column("signer_name", String, nullable=False),
    Column("record_hash", String(64), nullable=False),
    Column("signed_at", Time, nullable=False),
    Column("png_sha256", String(64), index=True),
    Column("png_bytes", Integer),
    #: what was signed, frozen when the inspection completed; office decisions never touch it
    Column("sv_signed_record", Json),
    Column("sv_verified", Boolean),
    *_meta_columns(),
)

hazards = Table(
    "hazards", metadata,
    Column("id", String, primary_key=True),
    Column("inspection_id", String, index=True),
    Column("site_id", String, nullable=False, index=True),
    Column("checklist_id", String),
    Column("item_id", String),
    Column("source", String, nullable=False),
    Column("description", Text, nullable=False),
    Column("location", String, nullable=False),
    Column("severity", String, nullable=False),
    Column("status", String, nullable=False),
    Column("rect_unit", String, nullable=False),
    Column("requirement", Text, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("deadline_chosen", Boolean, nullable=False),
    Column("photo_required", Boolean, nullable=False),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    Column("closed_at", Time),
    #: a combination hazard's links (item ids of the same inspection's hazards)
    Column("element_items", Json, nullable=False),
    Column("listed", Boolean, nullable=False),
    *_meta_columns(),
)

reviews = Table(
    "reviews", metadata,
    Column("id", String, primary_key=True),
    Column("hazard_id", String, nullable=False, index=True),
    Column("reviewer", String, nullable=False),
    Column("reviewed_at", Time, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("note", Text, nullable=False),
    *_meta_columns(),
)

photos = Table(
    "photos", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("original_sha256", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("captured_at", Time, nullable=False),
    Column("lat", Float), Column("lon", Float), Column("accuracy_m", Float),
    Column("created_at", Time),
    *_meta_columns(),
)

photo_links = Table(
    "photo_links", metadata,
    Column("photo_sha256", String(64), nullable=False, index=True),
    Column("owner_kind", String, nullable=False),
    Column("owner_id", String, nullable=False),
    Column("created_at", Time, nullable=False),
    #: the inspection whose record the photo belongs to (answer and hazard owners), for completeness
    Column("sv_inspection_id", String, index=True),
    PrimaryKeyConstraint("owner_kind", "owner_id", "photo_sha256"),
    *_meta_columns(),
)

decisions = Table(
    "decisions", metadata,
    Column("id", String, primary_key=True),
    Column("hazard_id", String, nullable=False, index=True),
    Column("decided_by", String, nullable=False),
    Column("decided_at", Time, nullable=False),
    Column("deadline", Date),
    Column("severity", String),
    Column("listed", Boolean),
    Column("note", Text, nullable=False),
    #: the hazard's values the decision replaced
    Column("sv_before", Json, nullable=False),
    Column("sv_site_id", String, nullable=False),
)

RECORD_TABLES: dict[str, Table] = {
    "site": sites, "inspection": inspections, "answer": answers, "signature": signatures,
    "hazard": hazards, "review": reviews, "photo": photos, "photo_link": photo_links,
}
