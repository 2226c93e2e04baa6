"""``GET /health``: needs no token; names the server so a client knows it reached ours."""

from fastapi import APIRouter

from sync.protocol import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health()
