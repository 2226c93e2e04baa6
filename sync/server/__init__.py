"""The central endpoint: accounts, exactly-once push, cursor pull, photos, office decisions and
settings, published checklists, audit dump.

``create_app(settings)`` builds the FastAPI application; ``python -m sync.server`` serves it and
manages accounts (see ``cli``). It imports ``sync.protocol``, ``checklists`` and ``app.domain``,
never the device store or services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ServerSettings

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # Account and dump commands of the CLI run without loading the web stack.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
