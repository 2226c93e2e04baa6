"""The central endpoint's errors.

``ApiError`` is a request refused as a whole: an HTTP status and a JSON body ``{code, message}``;
each subclass names its status and code in its class line. ``EntryRejected`` refuses one push entry
while the rest of the batch still applies.

``message`` is the Chinese sentence for the person; ``detail`` the precise English for logs.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        cls.status = status or cls.status
        cls.code = code or cls.code

    def __init__(self, message: str, *, code: str | None = None, detail: str | None = None,
                 field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail or message)
        self.message = message
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail:
            out["detail"] = self.detail
        if self.field:
            out["field"] = self.field
        return out


class Unauthorized(ApiError, status=401, code="unauthorized"):
    """No token, a bad or revoked one, or wrong credentials."""

    def __init__(self, message: str = "未登录或登录已失效，请重新登录", **kwargs: Any):
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(ApiError, status=403, code="forbidden"):
    """Outside the user's role or grids."""


class NotFound(ApiError, status=404, code="not_found"):
    """No such record, kind of record or photo."""


class Conflict(ApiError, status=409, code="conflict"):
    """The request does not fit what the server holds, e.g. a hazard already closed."""


class TooSlow(ApiError, status=408, code="timeout"):
    """The body stalled or took too long."""


class TooLarge(ApiError, status=413, code="too_large"):
    """A body, batch or photo over its limit."""


class NotAnImage(ApiError, status=415, code="not_an_image"):
    """An upload that is not a JPEG or PNG image."""


class Invalid(ApiError, status=422, code="invalid"):
    """The request's content."""


class TooManyAttempts(ApiError, status=429, code="too_many_attempts"):
    """Repeated wrong passwords."""


class EntryRejected(Exception):
    """One push entry refused with a code and a Chinese reason.

    :param conflicts: conflict-log rows to keep even though the entry's own writes roll back.
    """

    def __init__(self, code: str, message: str, *, detail: str | None = None,
                 conflicts: list[dict[str, Any]] | None = None):
        super().__init__(detail or f"{code}: {message}")
        self.code = code
        self.message = message
        self.conflicts = conflicts or []
