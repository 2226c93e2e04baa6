"""``create_app(settings)``: the central endpoint as a FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from sync.protocol import PROTOCOL_VERSION

from .config import ServerSettings
from .errors import ApiError
from .guard import RequestGuard
from .messages import describe_all, field_path
from .routes import ROUTERS
from .storage import Storage

log = logging.getLogger(__name__)

#: Paths that need no token (everything else is refused 401 before its body is read).
PUBLIC = {"/health", "/openapi.json", "/v1/auth/sign-in"}


def create_app(settings: ServerSettings) -> FastAPI:
    """Open (creating if needed) the data folder's database and build the application.

    :param settings: e.g. ``ServerSettings(data_dir=Path("server-data"))``.
    """
    storage = Storage(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("AnXun central endpoint: data in %s", settings.data_dir)
        yield
        storage.close()

    app = FastAPI(title="安巡 AnXun central endpoint", version=str(PROTOCOL_VERSION), lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  description="Sync for the AnXun field app; see docs/sync.md.")
    app.state.storage = storage
    app.add_middleware(RequestGuard, public=PUBLIC, streamed="/v1/photos/", settings=settings)
    for router in ROUTERS:
        app.include_router(router)
    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        if exc.status >= 500 or exc.status in (408, 413, 429):
            log.warning("%s %s: %s %s", request.method, request.url.path, exc.status, exc)
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        field = None
        if errors and errors[0].get("type") != "json_invalid":
            field = field_path(errors[0]["loc"], drop=("body", "query", "path"))
        return JSONResponse({"code": "invalid", "message": describe_all(errors, drop=("body", "query", "path")),
                             "field": field, "detail": str(errors[:5])[:2000]}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        words = {404: ("not_found", f"没有这个接口：{request.url.path}"),
                 405: ("method_not_allowed", f"该接口不支持 {request.method} 请求")}
        code, message = words.get(exc.status_code, ("http_error", "请求无法处理"))
        return JSONResponse({"code": code, "message": message, "detail": str(exc.detail)},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, exc: ClientDisconnect) -> JSONResponse:
        log.info("%s %s: client disconnected before the body was complete", request.method, request.url.path)
        return JSONResponse({"code": "client_gone", "message": "连接已断开"}, status_code=400)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"code": "server_error", "message": "服务器内部错误，请稍后重试"}, status_code=500)
