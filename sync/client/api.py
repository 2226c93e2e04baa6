"""The central endpoint as the device sees it: one method per call of ``docs/sync.md``.

Only a reply of ours counts. A success is JSON naming our server (``"server": "anxun"``) that
validates against the wire model, and a push reply answers every entry sent, in order, by
``seq``. Anything else — a Wi-Fi login page's 200, a proxy's error page, JSON of another shape —
is ``NotOurServer``: nothing is marked sent and the same request is safe to send again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ValidationError

from sync.protocol import (
    PHOTO_SERVER_HEADER,
    SERVER_NAME,
    PhotoStored,
    PullReply,
    PushReply,
    RecordState,
    SignInReply,
)

from .errors import NotOurServer, OutOfTime, Refused, ServerBusy, SignInNeeded
from .transport import Request, Response, Transport

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
_AUTH_CODES = {"unauthorized", "missing_credentials", "wrong_credentials"}
_JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def normalise_server(url: str) -> str:
    """``https://sync.example.cn/`` → ``https://sync.example.cn``.

    :raises Refused: not an http(s) address.
    """
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refused(f"bad server address {url!r}", "数据中心地址应以 http:// 或 https:// 开头，如 https://sync.example.cn",
                      "bad_address", 0)
    return url


class Api:
    """Calls to one central endpoint.

    :param server: e.g. ``http://127.0.0.1:8765`` (see ``normalise_server``).
    :param token: the bearer token from sign-in; ``None`` before signing in.
    :param remaining_s: seconds left of the sync's time limit (each request waits at most that long).
    """

    def __init__(self, server: str, transport: Transport, token: str | None = None,
                 remaining_s: Callable[[], float] = lambda: 60.0):
        self.server = normalise_server(server)
        self.transport = transport
        self.token = token
        self.remaining_s = remaining_s

    # --- calls -------------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, device_id: str) -> SignInReply:
        body = json.dumps({"name": name, "password": password, "device_id": device_id}).encode()
        return self._json(self._send("POST", "/v1/auth/sign-in", body, _JSON, auth=False), SignInReply)

    def sign_out(self) -> None:
        reply = self._send("POST", "/v1/auth/sign-out", b"", {})
        if reply.status != 204:
            self._failure(reply)

    def push(self, device_id: str, cursor: str | None, entries: list[dict[str, Any]]) -> PushReply:
        """:raises NotOurServer: also when the reply does not answer every entry, in order."""
        request: dict[str, Any] = {"device_id": device_id, "entries": entries}
        if cursor and cursor != "0":
            request["cursor"] = cursor
        body = json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        reply = self._json(self._send("POST", "/v1/push", body, _JSON), PushReply)
        sent = [e["seq"] for e in entries]
        if [r.seq for r in reply.results] != sent or reply.device_id != device_id:
            raise NotOurServer(f"push reply answers seqs {[r.seq for r in reply.results][:5]}…, sent {sent[:5]}…")
        return reply

    def pull(self, cursor: str, limit: int, own: bool = False) -> PullReply:
        query = f"?cursor={cursor}&limit={limit}" + ("&own=true" if own else "")
        return self._json(self._send("GET", "/v1/pull" + query, None, {"Accept": "application/json"}), PullReply)

    def record(self, entity: str, entity_id: str) -> RecordState:
        """One record as the server keeps it (``deleted`` for a tombstone).

        :raises Refused: ``not_found`` (the server never had it), ``forbidden`` (outside the grids).
        """
        reply = self._json(self._send("GET", f"/v1/records/{entity}/{quote(entity_id, safe='/')}", None,
                                      {"Accept": "application/json"}), RecordState)
        if reply.entity != entity or reply.id != entity_id:
            raise NotOurServer(f"record reply names {reply.entity} {reply.id}, asked {entity} {entity_id}")
        return reply

    def has_photo(self, sha256: str) -> bool:
        """Whether the server holds the image (HEAD has no body: our server marks its answer in a header).

        :raises NotOurServer: the answer lacks our header.
        """
        reply = self._send("HEAD", f"/v1/photos/{sha256}", None, {})
        if reply.headers.get(PHOTO_SERVER_HEADER) != SERVER_NAME:
            if reply.status >= 500:
                raise ServerBusy(f"HEAD photo: HTTP {reply.status}")
            raise NotOurServer(f"HEAD photo: HTTP {reply.status} without {PHOTO_SERVER_HEADER}")
        if reply.status in (200, 404):
            return reply.status == 200
        return self._failure(reply)

    def put_photo(self, sha256: str, data: bytes, media_type: str) -> PhotoStored:
        reply = self._json(self._send("PUT", f"/v1/photos/{sha256}", data, {"Content-Type": media_type}),
                           PhotoStored, ok=(200, 201))
        if reply.sha256 != sha256:
            raise NotOurServer(f"photo reply names {reply.sha256}, sent {sha256}")
        return reply

    def get_photo(self, sha256: str, *, thumbnail: bool = False) -> bytes:
        """The image's bytes (the caller checks them: a portal's page is not an image)."""
        path = f"/v1/photos/{sha256}" + ("?size=thumb" if thumbnail else "")
        reply = self._send("GET", path, None, {"Accept": "image/*"})
        if reply.status != 200:
            return self._failure(reply)
        return reply.body

    # --- plumbing ----------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str], *,
              auth: bool = True) -> Response:
        headers = dict(headers)
        if auth:
            if not self.token:
                raise SignInNeeded("no token: not signed in")
            headers["Authorization"] = f"Bearer {self.token}"
        remaining = self.remaining_s()
        if remaining <= 0:
            raise OutOfTime(f"no time left for {method} {path}")
        return self.transport.send(Request(method, self.server + path, headers, body, timeout_s=min(remaining, 120)))

    def _json(self, reply: Response, model: type[M], ok: tuple[int, ...] = (200,)) -> M:
        if reply.status not in ok:
            return self._failure(reply)
        data = _parse(reply)
        if not isinstance(data, dict) or data.get("server") != SERVER_NAME:
            raise NotOurServer(f"HTTP {reply.status} reply not from our server: {reply.body[:120]!r}")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise NotOurServer(f"HTTP {reply.status} reply does not fit {model.__name__}: {exc}") from None

    def _failure(self, reply: Response) -> Any:
        """Raise the error a refused request stands for.

        :raises SignInNeeded: our 401 (a 401 page of another kind is ``NotOurServer``).
        :raises ServerBusy: 5xx, 408, 429.
        :raises Refused: our other 4xx, with the server's code and Chinese message.
        :raises NotOurServer: a reply that is not our JSON error.
        """
        data = _parse(reply)
        ours = isinstance(data, dict) and isinstance(data.get("code"), str) and isinstance(data.get("message"), str)
        if reply.status >= 500 or reply.status in (408, 429):
            retry_after = _retry_after(reply) if reply.status == 429 else None
            raise ServerBusy(f"HTTP {reply.status}: {reply.body[:200]!r}",
                             data["message"] if ours and reply.status == 429 else None, retry_after)
        if not ours:
            raise NotOurServer(f"HTTP {reply.status} not from our server: {reply.body[:120]!r}")
        if reply.status == 401 and data["code"] in _AUTH_CODES:
            raise SignInNeeded(f"401 {data['code']}: {data.get('detail')}",
                               data["message"] if data["code"] != "unauthorized" else None)
        raise Refused(f"HTTP {reply.status} {data['code']}: {data.get('detail')}", data["message"], data["code"],
                      reply.status)


def _parse(reply: Response) -> Any:
    if "json" not in reply.headers.get("Content-Type", ""):
        return None
    try:
        return json.loads(reply.body)
    except ValueError:
        return None


def _retry_after(reply: Response) -> float | None:
    try:
        return float(reply.headers.get("Retry-After", ""))
    except ValueError:
        return None


__all__ = ["Api", "normalise_server"]
