"""A real Flet ``Session`` for screen tests, without a browser: its connection records what would
go to the browser (encoded as the real transport encodes it), and events are dispatched as the
browser sends them. Used by ``test_ui_guard.py`` and ``test_ui_v2.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page
from flet.messaging.connection import Connection
from flet.messaging.protocol import Message, MessageAction, configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub


class BrowserStandIn(Connection):
    """Where the session's messages would go to the browser; encoded like the real transport
    (encoding is what records the control snapshots later patches are computed from)."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.get_running_loop()
        self.pubsubhub = PubSubHub(loop=self.loop)
        self.messages: list[Message] = []

    def send_message(self, message: Message) -> None:
        msgpack.packb([message.action, message.body], default=configure_encode_object_for_msgpack(BaseControl))
        self.messages.append(message)

    def get_upload_url(self, file_name: str, expires: int) -> str:
        return f"/upload/{file_name}?expires={expires}"

    def crashes(self) -> list[Message]:
        return [m for m in self.messages if m.action == MessageAction.SESSION_CRASHED]


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run a scenario on an event loop of its own, in a thread: the browser tests' Playwright
    (sync API) keeps a loop running in the main thread when both run in one pytest session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def open_session(width: float = 390, height: float = 844) -> tuple[Session, BrowserStandIn]:
    """A session as a browser registers it: the client's page properties, then the first page patch."""
    conn = BrowserStandIn()
    session = Session(conn)
    session.apply_page_patch({"route": "/", "width": width, "height": height, "web": True})
    conn.send_message(Message(MessageAction.REGISTER_CLIENT, session.get_page_patch()))
    _context_page.set(session.page)
    return session, conn


def snack_texts(page: ft.Page) -> list[str]:
    return [d.content.value for d in page._dialogs.controls if isinstance(d, ft.SnackBar)]


def tap(session: Session, control: ft.BaseControl) -> Any:
    """What the browser sends when the inspector taps ``control``."""
    return session.dispatch_event(control._i, "click", None)


def texts_of(control: Any) -> list[str]:
    return [c.value for c in controls_in(control) if isinstance(c, ft.Text) and c.value]


def controls_in(control: Any, seen: set[int] | None = None) -> Iterator[ft.BaseControl]:
    """``control`` and every control under it (any field holding a control or a list of them)."""
    seen = set() if seen is None else seen
    if not isinstance(control, ft.BaseControl) or id(control) in seen:
        return
    seen.add(id(control))
    yield control
    for f in dataclasses.fields(control):
        value = getattr(control, f.name, None)
        for child in value if isinstance(value, list) else [value]:
            yield from controls_in(child, seen)
