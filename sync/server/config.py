"""The central endpoint's settings: one object, built by the CLI (or a test) and passed in."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

MB = 1024 * 1024


class ServerSettings(BaseModel):
    """Limits and places; every figure names its unit.

    :param data_dir: holds the database (``anxun-server.db``), ``photos/`` and upload temp files.
    :param database_url: SQLAlchemy URL, e.g. ``postgresql+psycopg://anxun@db/anxun``; default is
        SQLite in ``data_dir``. ``ANXUN_DATABASE_URL`` sets it when the CLI is not given one.
    """

    model_config = ConfigDict(frozen=True)

    data_dir: Path
    database_url: str | None = Field(default_factory=lambda: os.environ.get("ANXUN_DATABASE_URL") or None)
    max_body_bytes: int = 8 * MB
    max_photo_bytes: int = 10 * MB
    #: 4096 × 4096: the largest the field app's photo setting produces.
    max_photo_pixels: int = 4096 * 4096
    max_batch_entries: int = 1000
    default_page: int = 500
    max_page: int = 2000
    #: A request body that stalls this long between chunks, or takes longer in all, is refused (408).
    body_idle_timeout_s: float = 30.0
    body_total_timeout_s: float = 300.0
    #: An HLC further ahead of the server's clock than this is lowered to the server's clock.
    max_clock_ahead_s: float = 60.0
    #: Wrong passwords for one name beyond this many make the name wait, doubling each time.
    login_free_attempts: int = 5
    login_base_delay_s: float = 1.0
    login_max_delay_s: float = 900.0
    #: scrypt cost (2**14 ≈ 16 MB and ~50 ms a check); stored with each hash, so it can change later.
    scrypt_n: int = 2**14

    def database(self) -> str:
        """The SQLAlchemy URL in use."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'anxun-server.db').resolve()}"

    def photos_dir(self) -> Path:
        return self.data_dir / "photos"
