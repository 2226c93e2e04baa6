"""``POST /v1/push``: a batch of change-log entries, each applied exactly once."""

from fastapi import APIRouter

from sync.protocol import ErrorOut, PushReply, PushRequest

from .. import ingest
from ..deps import CurrentUser, StorageDep
from ..errors import Forbidden, TooLarge
from ..storage import server_clock
from .common import PROTECTED

router = APIRouter(prefix="/v1", tags=["sync"])


@router.post("/push", response_model=PushReply,
             responses={**PROTECTED, 413: {"model": ErrorOut, "description": "body or batch too large"}})
def push(body: PushRequest, user: CurrentUser, storage: StorageDep) -> PushReply:
    """Apply a batch; the reply has one result per entry, in order (applied, duplicate, rejected)."""
    if body.device_id != user.device_id:
        raise Forbidden("该登录凭证属于另一台设备，请在本设备上重新登录", code="device_mismatch",
                        detail=f"token of device {user.device_id}, batch from {body.device_id}")
    limit = storage.settings.max_batch_entries
    if len(body.entries) > limit:
        raise TooLarge(f"一次最多上传 {limit} 条修改（收到 {len(body.entries)} 条），请分批上传",
                       code="batch_too_large", detail=f"{len(body.entries)} entries > {limit}")
    cursor = int(body.cursor) if body.cursor else None
    results = ingest.push(storage, user, body.device_id, body.entries, cursor)
    return PushReply(device_id=body.device_id, results=results, hlc=server_clock())
