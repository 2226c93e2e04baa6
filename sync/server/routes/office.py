"""The office's operations: decisions on hazards, the district's settings, the conflict log (管理员; anyone
signed in may read the settings, which every device pulls anyway)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from checklists import OfficeConfig
from sync.protocol import (
    ConflictOut,
    ConflictsPage,
    DecisionFields,
    DecisionIn,
    ErrorOut,
    OfficeSettingsFields,
)

from .. import conflict_log, decisions
from ..deps import AdminUser, CurrentUser, StorageDep
from ..errors import Invalid, NotFound
from ..feed import office_settings_in_force
from ..office_settings import set_office_settings
from .common import PROTECTED

router = APIRouter(prefix="/v1", tags=["office"])


@router.post("/hazards/{hazard_id}/decisions", status_code=201, response_model=DecisionFields,
             responses={**PROTECTED, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}})
def decide(hazard_id: Annotated[str, Path(max_length=64)], body: DecisionIn, user: AdminUser,
           storage: StorageDep) -> DecisionFields:
    """Set a hazard's deadline, severity or 挂牌督办; devices in scope pull the decision and the hazard."""
    return DecisionFields.model_validate(decisions.decide(storage, user, hazard_id, body))


@router.put("/office/settings", response_model=OfficeSettingsFields,
            responses={**PROTECTED, 422: {"model": ErrorOut}})
def set_settings(body: OfficeConfig, user: AdminUser, storage: StorageDep) -> OfficeSettingsFields:
    """Set the district's 红黄蓝 rules, item levels and check methods hidden per role; every device
    pulls them. Settings naming a checklist, item or level that does not exist are refused (422)."""
    return OfficeSettingsFields.model_validate(set_office_settings(storage, user.name, body))


@router.get("/office/settings", response_model=OfficeSettingsFields,
            responses={**PROTECTED, 404: {"model": ErrorOut}})
def settings(_user: CurrentUser, storage: StorageDep) -> OfficeSettingsFields:
    """The settings in force (every device pulls them too)."""
    with storage.read() as conn:
        found = office_settings_in_force(conn)
    if found is None:
        raise NotFound("办公室尚未设定，各检查表按默认规则执行", detail="no office settings yet")
    return OfficeSettingsFields.model_validate(found)


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
