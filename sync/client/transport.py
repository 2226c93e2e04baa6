"""The transport seam: one request in, one response out, and nothing else.

The engine talks to the central endpoint only through a ``Transport``. ``RequestsTransport``
is the real one (``requests``, a keep-alive session per thread); tests wrap it to drop a request,
lose a reply after the server committed, or answer like a Wi-Fi login page — the server itself
always runs for real.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import requests
from requests.structures import CaseInsensitiveDict

from .errors import Unreachable

#: Waiting for a connection to open; reading waits at most what is left of the sync's time limit.
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout_s: float = 60.0


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    def send(self, request: Request) -> Response:
        """:raises Unreachable: no connection, a cut connection or a time-out."""

    def close(self) -> None: ...


class RequestsTransport:
    """HTTP with ``requests``; redirects are not followed (a login portal redirects)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def send(self, request: Request) -> Response:
        try:
            reply = self._session().request(
                request.method, request.url, headers=dict(request.headers), data=request.body,
                timeout=(min(CONNECT_TIMEOUT_S, request.timeout_s), request.timeout_s), allow_redirects=False,
            )
            return Response(reply.status_code, CaseInsensitiveDict(reply.headers), reply.content)
        except requests.RequestException as exc:
            raise Unreachable(f"{request.method} {request.url}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
