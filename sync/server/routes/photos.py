"""``/v1/photos/{sha256}``: HEAD to skip what the server has, PUT to upload, GET to download."""

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse

from sync.protocol import PHOTO_SERVER_HEADER, SERVER_NAME, THUMBNAIL_EDGE_PX, ErrorOut, PhotoStored

from .. import photos
from ..accounts import User
from ..deps import CurrentUser, StorageDep
from ..errors import Forbidden, NotFound
from ..storage import Storage
from ..thumbs import thumbnail_path
from .common import PROTECTED

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["photos"])
Sha256Path = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, lower-case hex")]
_UPLOAD_ERRORS = {
    **PROTECTED,
    408: {"model": ErrorOut, "description": "the upload stalled or took too long"},
    409: {"model": ErrorOut, "description": "no pushed record names this image yet"},
    413: {"model": ErrorOut, "description": "over the size limit"},
    415: {"model": ErrorOut, "description": "not a JPEG or PNG image"},
}


def _readable(storage: Storage, user: User, sha256: str) -> None:
    if not storage.files.exists(sha256):
        raise NotFound("服务器上没有这张照片", code="no_photo", detail=f"{sha256} not stored")
    with storage.read() as conn:
        if not photos.may_see(conn, user, sha256):
            raise Forbidden("无权查看其他网格记录的照片", detail=f"{user.name} may not see {sha256}")


@router.head("/photos/{sha256}", responses={**PROTECTED, 404: {"model": ErrorOut}})
def has_photo(sha256: Sha256Path, user: CurrentUser, storage: StorageDep) -> Response:
    """200 when the server holds the image (nothing to upload), 404 when it does not. A HEAD reply
    has no body to name the server, so both carry ``X-AnXun-Server: anxun``."""
    ours = {PHOTO_SERVER_HEADER: SERVER_NAME}
    if not storage.files.exists(sha256):
        return Response(status_code=404, headers=ours)
    _readable(storage, user, sha256)
    return Response(status_code=200, headers={"content-length": str(storage.files.path(sha256).stat().st_size),
                                              "content-type": storage.files.media_type(sha256), **ours})


@router.get("/photos/{sha256}", response_class=FileResponse, responses={**PROTECTED, 404: {"model": ErrorOut}})
def get_photo(sha256: Sha256Path, user: CurrentUser, storage: StorageDep,
              size: Annotated[Literal["full", "thumb"], Query(
                  description=f"thumb: a JPEG at most {THUMBNAIL_EDGE_PX} px on its long edge")] = "full",
              ) -> FileResponse:
    _readable(storage, user, sha256)
    headers = {"cache-control": "private, max-age=31536000, immutable"}
    if size == "thumb":
        path = thumbnail_path(storage.files, storage.settings.data_dir / "thumbs", sha256)
        return FileResponse(path, media_type="image/jpeg", headers=headers)
    return FileResponse(storage.files.path(sha256), media_type=storage.files.media_type(sha256), headers=headers)


@router.put("/photos/{sha256}", status_code=201, response_model=PhotoStored, responses=_UPLOAD_ERRORS,
            openapi_extra={"requestBody": {"required": True, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}}}}})
async def put_photo(sha256: Sha256Path, request: Request, user: CurrentUser, storage: StorageDep):
    """Upload the raw image. It is stored only if it matches its hash and decodes within the
    limits; an interrupted upload leaves nothing behind and can be sent again."""
    settings = storage.settings

    def allowed() -> bool:
        with storage.read() as conn:
            photos.check_upload(conn, user, sha256)
        return storage.files.exists(sha256)

    if await run_in_threadpool(allowed):
        return JSONResponse(PhotoStored(sha256=sha256, bytes=storage.files.path(sha256).stat().st_size,
                                        status="exists").model_dump(), status_code=200)
    temp = await storage.files.receive(request.stream(), sha256, settings.max_photo_bytes)

    def keep() -> int:
        try:
            info = storage.files.verify(temp, settings.max_photo_pixels)
            storage.files.place(temp, sha256)
        finally:
            storage.files.discard(temp)
        log.info("photo %s stored (%s, %d bytes) from %s", sha256, info.format, info.bytes, user.name)
        return info.bytes

    size = await run_in_threadpool(keep)
    return PhotoStored(sha256=sha256, bytes=size, status="stored")

