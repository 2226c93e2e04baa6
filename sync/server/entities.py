"""Each record kind: its table, wire model and key, and its rows in wire and dump form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Insert, Select, Table, Update, bindparam, select

from sync.protocol import ENTITY_FIELDS, ENTITY_OPS, DecisionFields, entity_id_of, format_time, key_of

from .errors import EntryRejected
from .messages import describe_all
from .storage import as_utc
from .tables import RECORD_TABLES, decisions

#: What each kind is called in a message.
NAMES = {"site": "场所", "inspection": "检查", "answer": "答案", "signature": "签名", "hazard": "隐患",
         "review": "复查", "photo": "照片", "photo_link": "照片关联", "decision": "管理决定"}


@dataclass(frozen=True)
class Spec:
    name: str
    table: Table
    model: type[BaseModel]
    ops: frozenset[str]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.model.model_fields)

    @property
    def label(self) -> str:
        return NAMES[self.name]

    def key(self, entity_id: str) -> dict[str, str]:
        """:raises EntryRejected: an id without the kind's parts."""
        try:
            return key_of(self.name, entity_id)
        except ValueError as exc:
            raise EntryRejected("invalid", f"{self.label}编号格式不对：{entity_id}", detail=str(exc)) from None

    def entity_id(self, fields: Mapping[str, Any]) -> str:
        return entity_id_of(self.name, dict(fields))

    def validate(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """A full row checked against the wire model, as Python values (aware datetimes, dates, bools).

        :raises EntryRejected: ``invalid``, naming the field.
        """
        try:
            return self.model.model_validate(dict(payload)).model_dump()
        except ValidationError as exc:
            raise EntryRejected("invalid", f"{self.label}：{describe_all(exc.errors(), drop=())}",
                                detail=str(exc)) from None

    def wire(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A stored row's device fields as they travel (times as text)."""
        return {name: wire_value(row[name]) for name in self.fields}

    def dump(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A stored row's device fields for the audit dump: JSON values decoded."""
        out = self.wire(row)
        if self.name == "answer":
            out["value"] = json.loads(out["value"])
        return out

    def load(self, conn: Connection, entity_id: str, *, lock: bool = False) -> dict[str, Any] | None:
        """The stored row (tombstones included); ``lock`` holds it until commit where the database can."""
        row = conn.execute(self._locked_select if lock else self._select, {"sv_id": entity_id}).mappings().first()
        return dict(row) if row is not None else None

    def insert(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(self._insert, row)

    def update(self, conn: Connection, entity_id: str, values: dict[str, Any]) -> None:
        """Set ``values`` (column → value) on one record."""
        conn.execute(self._update, {**values, "where_sv_id": entity_id})

    # Built once: a push runs these for every entry, and building a statement costs more than running it.
    @cached_property
    def _select(self) -> Select:
        return select(self.table).where(self.table.c.sv_id == bindparam("sv_id"))

    @cached_property
    def _locked_select(self) -> Select:
        return self._select.with_for_update()

    @cached_property
    def _insert(self) -> Insert:
        return self.table.insert()

    @cached_property
    def _update(self) -> Update:
        return self.table.update().where(self.table.c.sv_id == bindparam("where_sv_id"))


SPECS: dict[str, Spec] = {
    name: Spec(name, RECORD_TABLES[name], model, ENTITY_OPS[name]) for name, model in ENTITY_FIELDS.items()
}
DECISION = Spec("decision", decisions, DecisionFields, frozenset())


def wire_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(as_utc(value))
    if isinstance(value, date):
        return value.isoformat()
    return value
