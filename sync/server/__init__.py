"""The central endpoint: accounts, exactly-once push, cursor pull, photos, audit dump.

``create_app(settings)`` builds the FastAPI application; ``python -m sync.server`` serves it and
manages accounts (see ``cli``). It imports ``sync.protocol``, ``checklists`` and ``app.domain``,
never the device store or services.
"""

from .app import create_app
from .config import ServerSettings

__all__ = ["ServerSettings", "create_app"]
