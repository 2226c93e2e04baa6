"""Sync between field devices and the central endpoint.

``sync.protocol`` holds the wire models (the one contract of both sides), ``sync.hlc`` the
hybrid logical clock that orders edits, ``sync.server`` the central endpoint. Nothing here
imports Flet, and the server never imports the device store.
"""

__all__ = ["hlc", "protocol"]
