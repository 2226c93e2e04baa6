"""``GET /v1/pull``: records changed after a cursor, in the user's scope, a page at a time."""

from typing import Annotated

from fastapi import APIRouter, Query

from sync.protocol import ErrorOut, PullReply, RecordOut

from .. import feed
from ..deps import CurrentUser, StorageDep
from ..errors import Invalid
from ..storage import server_clock
from .common import PROTECTED

router = APIRouter(prefix="/v1", tags=["sync"])


@router.get("/pull", response_model=PullReply,
            responses={**PROTECTED, 409: {"model": ErrorOut, "description": "cursor ahead of this server"}})
def pull(user: CurrentUser, storage: StorageDep,
         cursor: Annotated[str, Query(description="from the previous reply; 0 for everything")] = "0",
         limit: Annotated[int | None, Query(description="records per page")] = None,
         own: Annotated[bool, Query(description="also this device's own writes (after a restore)")] = False,
         ) -> PullReply:
    """Sites, inspections, hazards, reviews, photos' metadata, decisions and checklists."""
    if not cursor.isdigit():
        raise Invalid(f"同步位置 cursor 无效：{cursor!r}", field="cursor", detail="cursor must be digits")
    settings = storage.settings
    limit = settings.default_page if limit is None else limit
    if not 1 <= limit <= settings.max_page:
        raise Invalid(f"每页条数 limit 应在 1 到 {settings.max_page} 之间", field="limit")
    with storage.read() as conn:
        page = feed.pull_page(conn, user, int(cursor), limit, include_own=own)
        known = feed.seen_upto(conn, user.device_id)
    if int(cursor) > known:  # asking for what follows N says the device applied up to N
        with storage.write() as conn:
            feed.note_pulled(conn, user.device_id, user.name, int(cursor))
    return PullReply(cursor=str(page["cursor"]), more=page["more"],
                     records=[RecordOut(**r) for r in page["records"]], hlc=server_clock())
