"""The central endpoint's errors.

    ApiError                 a request refused as a whole: HTTP status + JSON {code, message}
    ├── Unauthorized         401: no token, a bad or revoked one, wrong credentials
    ├── Forbidden            403: outside the user's role or grids
    ├── NotFound             404
    ├── Conflict             409
    ├── TooLarge             413: body, batch or photo over its limit
    ├── NotAnImage           415: an upload that is not a JPEG or PNG image
    ├── TooSlow              408: the body stalled or took too long
    ├── Invalid              422: the request's content
    └── TooManyAttempts      429: repeated wrong passwords
    EntryRejected            one push entry refused; the rest of the batch still applies

``message`` is the Chinese sentence for the person; ``detail`` the precise English for logs.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "bad_request"

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


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str = "未登录或登录已失效，请重新登录", **kwargs: Any):
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class TooSlow(ApiError):
    status = 408
    code = "timeout"


class TooLarge(ApiError):
    status = 413
    code = "too_large"


class NotAnImage(ApiError):
    status = 415
    code = "not_an_image"


class Invalid(ApiError):
    status = 422
    code = "invalid"


class TooManyAttempts(ApiError):
    status = 429
    code = "too_many_attempts"


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
