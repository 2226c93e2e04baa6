"""Sign-in (name + password → a token for one device), sign-out, who am I."""

from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import TypeAdapter, ValidationError

from sync.protocol import ErrorOut, Id, SignInReply, SignInRequest, UserOut

from .. import accounts
from ..deps import CurrentUser, StorageDep, TokenDep
from ..errors import Invalid, Unauthorized
from ..storage import server_clock
from .common import PROTECTED

router = APIRouter(prefix="/v1", tags=["accounts"])
_device_id = TypeAdapter(Id)


@router.post("/auth/sign-in", response_model=SignInReply, responses={
    401: {"model": ErrorOut, "description": "missing or wrong name or password"},
    429: {"model": ErrorOut, "description": "too many wrong passwords for this name: wait Retry-After seconds"},
})
def sign_in(storage: StorageDep, body: Annotated[SignInRequest | None, Body()] = None) -> SignInReply:
    """Exchange a name and password for a bearer token bound to ``device_id``."""
    if body is None or not body.name or not body.password:
        raise Unauthorized("请输入用户名和密码", code="missing_credentials", detail="name or password missing")
    try:
        device_id = _device_id.validate_python(body.device_id)
    except ValidationError:
        raise Invalid("缺少有效的设备编号 device_id", field="device_id",
                      detail=f"bad device_id {body.device_id!r}") from None
    token, user = accounts.sign_in(storage, body.name, body.password, device_id)
    return SignInReply(token=token, user=UserOut(name=user.name, role=user.role, grids=list(user.grids)),
                       device_id=device_id, hlc=server_clock())


@router.post("/auth/sign-out", status_code=204, responses=PROTECTED)
def sign_out(user: CurrentUser, token: TokenDep, storage: StorageDep) -> Response:
    """Revoke the token this request carries."""
    accounts.sign_out(storage, token)
    return Response(status_code=204)


@router.get("/me", response_model=UserOut, responses=PROTECTED)
def me(user: CurrentUser) -> UserOut:
    return UserOut(name=user.name, role=user.role, grids=list(user.grids))
