"""The request guard in front of every route (plain ASGI).

- A request to anything but the public paths without a bearer token is answered 401 before
  its body is read.
- A body over its limit is refused (413), from its Content-Length or as it arrives.
- A body that stalls between chunks, or takes too long in all, is refused (408). Bodies are
  read on the event loop and handed to a worker thread only once complete, so a slow client
  holds a connection, never a worker.

JSON bodies are read here in full; photo uploads stream through to their route, which writes
them to a temporary file (the same limits raise ``TooLarge`` / ``TooSlow`` there).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .config import ServerSettings
from .errors import ApiError, TooLarge, TooSlow, Unauthorized

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class RequestGuard:
    """:param public: paths that need no token, e.g. ``{"/health", "/openapi.json", "/v1/auth/sign-in"}``.
    :param streamed: path prefix of uploads passed through as a stream (PUT only), e.g. ``/v1/photos/``.
    :param settings: the body and photo limits and the body time-outs."""

    def __init__(self, app: Callable, *, public: set[str], streamed: str, settings: ServerSettings):
        self.app = app
        self.public = public
        self.streamed = streamed
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if path not in self.public and not headers.get("authorization", "").lower().startswith("bearer "):
            await _reply(send, Unauthorized(detail="no bearer token"))
            return
        streamed = method == "PUT" and path.startswith(self.streamed)
        limit = self.settings.max_photo_bytes if streamed else self.settings.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _reply(send, _too_large(int(declared), limit))
            return
        guarded = _GuardedReceive(receive, limit, self.settings.body_idle_timeout_s,
                                  self.settings.body_total_timeout_s)
        if streamed:
            await self.app(scope, guarded, send)
            return
        try:
            body = await guarded.read_all()
        except ApiError as refused:
            log.warning("%s %s refused while reading the body: %s", method, path, refused)
            await _reply(send, refused)
            return
        await self.app(scope, _replay(body, receive), send)


class _GuardedReceive:
    def __init__(self, receive: Receive, limit: int, idle_s: float, total_s: float):
        self.receive = receive
        self.limit = limit
        self.idle_s = idle_s
        self.deadline = time.monotonic() + total_s
        self.total_s = total_s
        self.size = 0

    async def __call__(self) -> Message:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _too_slow(self.total_s, whole=True)
        try:
            message = await asyncio.wait_for(self.receive(), timeout=min(self.idle_s, remaining))
        except TimeoutError:
            raise _too_slow(self.idle_s if remaining > self.idle_s else self.total_s,
                            whole=remaining <= self.idle_s) from None
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.limit:
                raise _too_large(self.size, self.limit)
        return message

    async def read_all(self) -> bytes:
        chunks = []
        while True:
            message = await self()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client left; the route sees an empty body
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replayed


def _too_large(size: int, limit: int) -> TooLarge:
    return TooLarge(f"请求数据过大（{size / 1048576:.1f} MB，上限 {limit / 1048576:.1f} MB）",
                    detail=f"body of {size} bytes over the limit of {limit}")


def _too_slow(seconds: float, *, whole: bool) -> TooSlow:
    what = "上传总时间超过" if whole else "数据传输中断超过"
    return TooSlow(f"{what} {seconds:g} 秒，请求已取消，请在网络较好时重试",
                   detail=f"body {'took longer than' if whole else 'stalled for'} {seconds} s")


async def _reply(send: Send, error: ApiError) -> None:
    body = json.dumps(error.body(), ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
