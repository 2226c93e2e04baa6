"""设置 › 数据同步: sign in (server address, name, password → token), 立即同步, sign out (asking
first while work is still to send), and the entries the server refused, each with its reason.

The password field is never saved: it goes into the sign-in request and is cleared.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.services import AnXunError, PendingChanges

from . import strings as S
from . import theme as T
from . import widgets as W
from .errors import guard, message_for
from .shell import AppUI


async def section(ui: AppUI) -> list[ft.Control]:
    """The controls of the sync section, for the current state (signed in or not)."""
    device = ui.device
    status = await ui.call(device.sync.status)
    rejected = await ui.call(device.sync.rejected)
    err = W.error_text()
    rows: list[ft.Control] = [W.section_title(S.SYNC_SECTION)]

    def refused(exc: AnXunError) -> None:
        err.value, err.visible = message_for(exc), True
        ui.page.update()

    if status.signed_in:
        async def sync_now(_e: Any) -> None:
            outcome = await ui.sync.sync_now()
            if outcome is not None:
                ui.toast(outcome.text, error=outcome.error)
                await ui.render()  # the refused entries below may have changed

        async def sign_out(_e: Any) -> None:
            try:
                await ui.call(device.sync.sign_out)
            except PendingChanges as exc:
                _confirm_sign_out(ui, exc.message)
                return
            except AnXunError as exc:
                refused(exc)
                return
            ui.toast(S.SIGNED_OUT)
            await ui.render()

        rows += [
            ft.Text(S.SIGNED_IN_AS.format(name=status.user, role=status.role or ""), size=16, color=T.TEXT,
                    weight=ft.FontWeight.W_600),
            ft.Text(S.SIGNED_IN_AT.format(server=status.server), size=15, color=T.MUTED, selectable=True),
            ft.Row([W.button(S.SYNC_NOW, sync_now, icon=ft.Icons.SYNC),
                    W.button(S.SIGN_OUT, sign_out, variant="outlined", icon=ft.Icons.LOGOUT)],
                   wrap=True, spacing=10, run_spacing=10),
        ]
    else:
        server = W.field(S.ENDPOINT_URL, status.server or "", hint=S.ENDPOINT_HINT, keyboard=ft.KeyboardType.URL)
        name = W.field(S.USERNAME, status.user or "")
        password = W.field(S.PASSWORD, "", password=True, helper=S.PASSWORD_NOT_KEPT)
        button = W.button(S.SIGN_IN, None, icon=ft.Icons.LOGIN)

        async def sign_in(_e: Any = None) -> None:
            typed, password.value = password.value or "", ""  # not kept on the screen either
            button.disabled, err.visible = True, False
            ui.page.update()
            try:
                await ui.call(device.sync.sign_in, server.value or "", name.value or "", typed)
            except AnXunError as exc:
                button.disabled = False
                refused(exc)
                return
            ui.toast(S.SIGNED_IN)
            await ui.render()
            outcome = await ui.sync.sync_now()
            if outcome is not None and (outcome.error or outcome.news):  # "signed in" was just said
                ui.toast(outcome.text, error=outcome.error)
            if (ui.page.route or "/") == "/settings":
                await ui.render()  # entries the server refused are listed here

        button.on_click = guard(sign_in)
        password.on_submit = guard(sign_in)
        rows += [server, name, password, button]
    rows.append(err)
    if rejected:
        rows.append(W.section_title(S.REJECTED_SECTION.format(n=len(rejected))))
        for entry in rejected:
            rows.append(W.card(ft.Column([
                ft.Text(S.REJECTED_AT.format(what=entry.what, at=W.fmt_dt(entry.rejected_at)), size=15,
                        color=T.MUTED),
                ft.Text(entry.reason, size=16, color=T.DANGER, weight=ft.FontWeight.W_600),
            ], spacing=4), padding=10))
    return rows


def _confirm_sign_out(ui: AppUI, message: str) -> None:
    """Ask before signing out with work still to send (it would wait for the same account)."""
    async def anyway(_e: Any) -> None:
        ui.page.pop_dialog()
        await ui.call(ui.device.sync.sign_out, confirm=True)
        ui.toast(S.SIGNED_OUT)
        await ui.render()

    async def cancel(_e: Any) -> None:
        ui.page.pop_dialog()

    ui.page.show_dialog(ft.AlertDialog(
        modal=True, title=ft.Text(S.SIGN_OUT_TITLE, size=18, weight=ft.FontWeight.W_700),
        content=ft.Text(message, size=16),
        actions=[W.button(S.CANCEL, cancel, variant="outlined"), W.button(S.SIGN_OUT_ANYWAY, anyway, variant="danger")],
    ))
