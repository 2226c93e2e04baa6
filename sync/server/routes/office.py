"""The office's operations (管理员 only): decisions on hazards, the conflict log."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from sync.protocol import ConflictOut, ConflictsPage, DecisionFields, DecisionIn, ErrorOut

from .. import conflict_log, decisions
from ..deps import AdminUser, StorageDep
from ..errors import Invalid
from .common import PROTECTED

router = APIRouter(prefix="/v1", tags=["office"])


@router.post("/hazards/{hazard_id}/decisions", status_code=201, response_model=DecisionFields,
             responses={**PROTECTED, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}})
def decide(hazard_id: Annotated[str, Path(max_length=64)], body: DecisionIn, user: AdminUser,
           storage: StorageDep) -> DecisionFields:
    """Set a hazard's deadline, severity or 挂牌督办; devices in scope pull the decision and the hazard."""
    return DecisionFields.model_validate(decisions.decide(storage, user, hazard_id, body))


@router.get("/conflicts", response_model=ConflictsPage, responses=PROTECTED)
def conflicts(user: AdminUser, storage: StorageDep,
              after: Annotated[int, Query(ge=0, description="the last id already read")] = 0,
              limit: Annotated[int, Query(description="entries per page")] = 100) -> ConflictsPage:
    """Every value the conflict rule overwrote or discarded, oldest first."""
    if not 1 <= limit <= 1000:
        raise Invalid("每页条数 limit 应在 1 到 1000 之间", field="limit")
    with storage.read() as conn:
        rows = conflict_log.page(conn, after, limit)
    return ConflictsPage(conflicts=[ConflictOut.model_validate(r) for r in rows],
                         after=rows[-1]["id"] if rows else after)
