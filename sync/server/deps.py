"""Route dependencies: the storage, the signed-in user, a 管理员."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from . import accounts
from .accounts import User
from .config import ServerSettings
from .errors import Forbidden, Unauthorized
from .storage import Storage

bearer = HTTPBearer(auto_error=False, description="the token from /v1/auth/sign-in")


# The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in its
# thread pool, a hop (two thread switches) per dependency per request, for a field lookup.
async def get_storage(request: Request) -> Storage:
    return request.app.state.storage


async def get_settings(request: Request) -> ServerSettings:
    return request.app.state.storage.settings


async def get_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if credentials is None or not credentials.credentials:
        raise Unauthorized(detail="no bearer token")
    return credentials.credentials


StorageDep = Annotated[Storage, Depends(get_storage)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
TokenDep = Annotated[str, Depends(get_token)]


def get_user(storage: StorageDep, token: TokenDep) -> User:
    return accounts.user_for_token(storage, token)


CurrentUser = Annotated[User, Depends(get_user)]


async def get_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("只有管理员可以查看或操作", detail=f"{user.name} is {user.role}")
    return user


AdminUser = Annotated[User, Depends(get_admin)]
