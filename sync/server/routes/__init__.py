"""One router per resource; ``create_app`` includes them all."""

from . import auth, health, office, photos, pull, push, records

ROUTERS = [health.router, auth.router, push.router, pull.router, photos.router, records.router, office.router]

__all__ = ["ROUTERS"]
