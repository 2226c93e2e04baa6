"""``GET /v1/records/{entity}/{id}``: one record as the server holds it, and what it still lacks."""

from typing import Annotated

from fastapi import APIRouter, Path

from sync.protocol import ENTITIES, ErrorOut, RecordState

from .. import photos
from ..deps import CurrentUser, StorageDep
from ..entities import SPECS
from ..errors import Forbidden, NotFound
from ..scope import site_grid
from .common import PROTECTED

router = APIRouter(prefix="/v1", tags=["records"])


@router.get("/records/{entity}/{entity_id:path}", response_model=RecordState,
            responses={**PROTECTED, 404: {"model": ErrorOut}})
def get_record(entity: Annotated[str, Path(description=f"one of {', '.join(ENTITIES)}")],
               entity_id: Annotated[str, Path(description="as in the change log, e.g. <inspection_id>/A1")],
               user: CurrentUser, storage: StorageDep) -> RecordState:
    """A record with ``files_missing`` and its note (e.g. 缺少2张照片); an inspection is ``complete``
    only when completed with nothing missing."""
    spec = SPECS.get(entity)
    if spec is None:
        raise NotFound(f"没有“{entity}”这种记录", detail=f"unknown entity {entity!r}")
    with storage.read() as conn:
        row = spec.load(conn, entity_id)
        if row is None:
            raise NotFound(f"服务器上没有这条{spec.label}", detail=f"{entity} {entity_id}")
        visible = (photos.may_see(conn, user, row["sha256"]) if entity == "photo"
                   else user.may_see(site_grid(conn, row["sv_site_id"])))
        if not visible:
            raise Forbidden(f"无权查看其他网格的{spec.label}", detail=f"{user.name} outside the record's grid")
        missing, note = photos.record_gaps(conn, storage.files, entity, row)
    return RecordState(
        entity=entity, id=entity_id, fields=spec.wire(row), deleted=row["sv_deleted_at"] is not None,
        files_missing=missing, note=note,
        complete=(row["status"] == "completed" and missing == 0) if entity == "inspection" else None,
        verified=row["sv_verified"] if entity == "signature" else None,
    )
