"""Error replies every protected route documents in the OpenAPI document."""

from typing import Any

from sync.protocol import ErrorOut

PROTECTED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no token, or a bad or revoked one"},
    403: {"model": ErrorOut, "description": "outside the user's role or grids"},
    422: {"model": ErrorOut, "description": "invalid request; the message names the field"},
}
