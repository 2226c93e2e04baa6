"""Whether data is synced, always on screen and said once: the strip under every AppBar
(3 项检查、5 条隐患、12 张照片待上传 · 上次同步 … · 在线), or on home the card that also holds the
account, 立即同步 and the entries the server refused. The shell keeps whichever is shown current."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.services import SyncStatus, Waiting

from . import strings as S
from . import theme as T
from . import widgets as W


def pending_words(waiting: Waiting | None) -> str:
    """``3 项检查、5 条隐患、12 张照片待上传``, or ``全部已上传``; what a person counts, not rows."""
    if waiting is None:
        return S.PENDING_UNKNOWN
    if waiting.nothing:
        return S.NOTHING_PENDING
    parts = [template.format(n=n) for template, n in (
        (S.PENDING_INSPECTIONS, waiting.inspections), (S.PENDING_HAZARDS, waiting.hazards),
        (S.PENDING_PHOTOS, waiting.photos), (S.PENDING_SITES, waiting.sites)) if n]
    return S.PENDING_WORDS.format(parts=S.VALUE_SEPARATOR.join(parts or [S.PENDING_OTHER.format(
        n=waiting.changes + waiting.uploads)]))


def network_word(status: SyncStatus | None, link: bool | None) -> tuple[str, str]:
    """(word, colour): 未登录, 离线 (no link, or the last sync did not reach the server), 在线, 网络未知."""
    if status is not None and not status.signed_in:
        return S.NOT_SIGNED_IN_SHORT, T.MUTED
    if link is False or (status is not None and status.online is False):
        return S.OFFLINE, T.DANGER
    if status is not None and status.online:
        return S.ONLINE, T.OK
    return S.NETWORK_UNKNOWN_SHORT, T.MUTED


def strip_text(status: SyncStatus | None, link: bool | None, *, syncing: bool = False) -> str:
    """One line: what is waiting · when it last synced (or 正在同步…) · online, offline or 未登录."""
    if status is None:
        return S.PENDING_UNKNOWN
    if syncing:
        when = S.SYNCING
    else:
        when = S.LAST_SYNC_SHORT.format(when=W.fmt_dt(status.last_sync_at)) if status.last_sync_at else S.NEVER_SYNCED
    return S.SYNC_STRIP.format(pending=pending_words(status.waiting), when=when, network=network_word(status, link)[0])


class SyncPanel:
    """The sync status controls of one screen.

    :param full: home's card (account, 立即同步, refused entries) instead of the one-line strip.
    :param on_sync: the 立即同步 button's handler; ``on_settings`` opens 设置 (sign in, reasons).
    """

    def __init__(self, *, full: bool, on_sync: Callable[[Any], Any] | None = None,
                 on_settings: Callable[[Any], Any] | None = None):
        self.full = full
        self.label = ft.Text(S.PENDING_PLACEHOLDER, size=16 if full else 13, color=T.TEXT,
                             weight=ft.FontWeight.W_700 if full else ft.FontWeight.W_600, key="sync-strip-text")
        self.error = ft.Text("", size=14, color=T.DANGER, visible=False)
        # The label wraps beside the icon (never the icon alone on a line): the strip stays low.
        self.label.expand = True
        top = ft.Row([ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, color=T.PRIMARY, size=22 if full else 18), self.label],
                     spacing=6, vertical_alignment=ft.CrossAxisAlignment.CENTER)
        rows: list[ft.Control] = [top]
        if full:
            self.when = ft.Text("", size=15, color=T.MUTED)
            self.net = ft.Text("", size=13, weight=ft.FontWeight.W_600)
            self.net_pill = net_pill = ft.Container(self.net, border_radius=14, padding=ft.Padding.symmetric(horizontal=10, vertical=3),
                                    border=ft.Border.all(1, T.BORDER))
            self.rejected = ft.Text("", size=15, color=T.WARN, weight=ft.FontWeight.W_600)
            self.rejected_row = ft.Row([self.rejected, W.button(S.SEE_REASONS, on_settings, variant="text", height=48)],
                                       wrap=True, visible=False, vertical_alignment=ft.CrossAxisAlignment.CENTER)
            self.account = ft.Text("", size=15, color=T.TEXT)
            self.sync_button = W.button(S.SYNC_NOW, on_sync, icon=ft.Icons.SYNC, height=48, key="sync-now")
            self.sign_in_button = W.button(S.GO_SIGN_IN, on_settings, variant="outlined", icon=ft.Icons.LOGIN,
                                           height=48)
            rows += [ft.Row([self.when, net_pill], wrap=True, spacing=10, run_spacing=4,
                            vertical_alignment=ft.CrossAxisAlignment.CENTER),
                     self.error, self.rejected_row, self.account,
                     ft.Row([self.sync_button, self.sign_in_button], wrap=True, spacing=10)]
        else:
            rows.append(self.error)
        self.control = ft.Container(
            content=ft.Column(rows, spacing=4), bgcolor=T.SURFACE, border_radius=10 if full else 8,
            padding=ft.Padding.symmetric(horizontal=12 if full else 10, vertical=8 if full else 4),
            key="sync-badge" if full else "sync-strip",
        )

    def fill(self, status: SyncStatus | None, link: bool | None, *, syncing: bool = False) -> None:
        """Show ``status`` (None: the database could not be read)."""
        error = status.last_error if status is not None else None
        self.error.value = S.SYNC_ERROR.format(error=error) if error and not syncing else ""
        self.error.visible = bool(self.error.value)
        if not self.full:
            self.label.value = strip_text(status, link, syncing=syncing)
            return
        self.label.value = pending_words(status.waiting if status is not None else None)
        last = status.last_sync_at if status is not None else None
        self.when.value = S.SYNCING if syncing else S.LAST_SYNC.format(when=W.fmt_dt(last) if last else S.NEVER_SYNCED)
        word, colour = network_word(status, link)
        self.net.value, self.net.color = word, colour
        rejected = status.rejected if status is not None else 0
        self.rejected.value = S.REJECTED_NOTICE.format(n=rejected)
        self.rejected_row.visible = rejected > 0
        signed_in = status is not None and status.signed_in
        self.account.value = (S.SIGNED_IN_AS.format(name=status.user, role=_role(status)) if signed_in
                              else S.NOT_SIGNED_IN)
        self.net_pill.visible = signed_in  # signed out: the account line below says so
        self.sync_button.visible = signed_in
        self.sync_button.disabled = syncing
        self.sign_in_button.visible = not signed_in

    def controls(self) -> list[ft.Control]:
        """The controls whose values ``fill`` changes (to update them alone)."""
        return [self.control]


def _role(status: SyncStatus) -> str:
    return status.role or ""
