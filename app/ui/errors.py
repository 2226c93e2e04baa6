"""How errors reach the inspector, in one place.

    message_for(exc)   the Chinese text of an error the app raises on purpose: an ``AnXunError``
                       (its ``message``) or a checklist file error (``ChecklistError``)
    describe(exc)      the same for any exception; one that is not ours is a bug: it is logged
                       with its traceback and reads as a plain "操作未完成，请重试…"
    guard(handler)     wraps an event handler so nothing escapes it: an error the view did not
                       catch is described and shown in a snack bar
    snack(page, text)  the snack bar itself (also the shell's confirmations)

Views catch ``AnXunError`` where they show a refusal inline (a refused answer under its field);
they never catch ``Exception``. Every handler a view installs goes through ``guard`` — the
widget factories in ``widgets.py`` wrap the handlers they are given — because Flet 1.0.5 sends
an exception that escapes a handler to the client as SESSION_CRASHED, traceback and all
(``flet/messaging/session.py``, ``Session.dispatch_event``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import flet as ft

from app.services import AnXunError, ChecklistError

from . import strings as S
from . import theme as T

log = logging.getLogger(__name__)

#: Errors raised on purpose; their text is meant for the inspector.
EXPECTED: tuple[type[Exception], ...] = (AnXunError, ChecklistError)

Handler = Callable[..., Any]
GuardedHandler = Callable[..., Awaitable[None]]

_GUARDED = "_anxun_guarded"


def message_for(exc: AnXunError | ChecklistError) -> str:
    """The Chinese text for an error raised on purpose, e.g. ``该检查已完成，记录只读``.

    :param exc: e.g. ``InspectionLocked("0193…")`` or ``ChecklistError("lifeline.yaml", "…")``.
    """
    if isinstance(exc, ChecklistError):
        return S.CHECKLIST_FILE_ERROR.format(file=Path(exc.file).name)
    return exc.message


def describe(exc: BaseException, *, where: str = "") -> str:
    """The Chinese text for ``exc``; an error not raised on purpose is logged with its traceback.

    :param where: what was running, for the log, e.g. ``render /ledger`` or ``RunScreen.on_next``.
    """
    if isinstance(exc, EXPECTED):
        log.info("refused (%s): %s", where or "ui", exc)
        return message_for(exc)
    log.error("unexpected error (%s)", where or "ui", exc_info=exc)
    return S.UNEXPECTED_ERROR


def snack(page: ft.Page, message: str, *, error: bool = False) -> None:
    """A short notice at the bottom of the screen (3 s); red when ``error``."""
    page.show_dialog(ft.SnackBar(
        content=ft.Text(message, color=T.ON_PRIMARY, size=16),
        bgcolor=T.DANGER if error else T.TEXT, duration=3000,
    ))


def report(exc: BaseException, page: ft.Page | None, *, where: str = "") -> None:
    """Tell the inspector about an error nothing else handled (the guard's last step)."""
    text = describe(exc, where=where)
    if page is not None:
        snack(page, text, error=True)


def guard(handler: Handler) -> GuardedHandler:
    """``handler`` as an event handler whose errors are reported, never sent to the client as a crash.

    :param handler: sync or async, with or without the event argument, e.g. ``self.on_next``.
    """
    if getattr(handler, _GUARDED, False):
        return handler
    takes_event = _param_count(handler) > 0
    where = getattr(handler, "__qualname__", None) or repr(handler)

    async def guarded(e: Any = None) -> None:
        try:
            result = handler(e) if takes_event else handler()
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # noqa: BLE001 - the one place an escaped error is reported
            report(exc, _page_of(e), where=where)

    setattr(guarded, _GUARDED, True)
    guarded.__qualname__ = f"guard({where})"
    return guarded


def guard_optional(handler: Handler | None) -> GuardedHandler | None:
    """``guard(handler)``, keeping ``None`` (no handler) as it is."""
    return None if handler is None else guard(handler)


def is_guarded(handler: Any) -> bool:
    return bool(getattr(handler, _GUARDED, False))


def _param_count(fn: Handler) -> int:
    try:
        return len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: give it the event
        return 1


def _page_of(event: Any) -> ft.Page | None:
    """The page an event came from; in a background task, the page Flet bound to the task."""
    for get in (lambda: event.page, lambda: ft.context.page):
        try:
            page = get()
        except (AttributeError, RuntimeError):  # no event (a task), or its control left the page
            continue
        if isinstance(page, ft.Page):
            return page
    return None
