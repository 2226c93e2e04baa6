"""Whether data is synced, always on screen: the badge on home and the strip under every AppBar
(待同步 N 条 · 上次同步 · 在线/离线)."""

from __future__ import annotations

import flet as ft

from app.services import SyncStatus

from . import strings as S
from . import theme as T
from .widgets import fmt_dt, pill


def _online(status: SyncStatus | None, online: bool | None) -> bool | None:
    if online is None and status is not None:
        return status.online
    return online


def sync_badge(status: SyncStatus | None, online: bool | None) -> ft.Control:
    """The home screen's card: pending count, last sync, network, last error."""
    pending = status.pending if status is not None else 0
    last = status.last_sync_at if status is not None else None
    error = status.last_error if status is not None else None
    online = _online(status, online)
    net = {True: S.ONLINE, False: S.OFFLINE, None: S.NETWORK_UNKNOWN}[online]
    net_colour = {True: T.OK, False: T.DANGER, None: T.MUTED}[online]
    rows: list[ft.Control] = [
        ft.Row(
            [
                ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, color=T.PRIMARY),
                ft.Text(S.PENDING_CHANGES.format(n=pending), size=16, weight=ft.FontWeight.W_700, color=T.TEXT,
                        key="sync-pending"),
                ft.Text(S.LAST_SYNC.format(when=fmt_dt(last) if last else S.NEVER_SYNCED), size=15,
                        color=T.MUTED),
                pill(net, fg=net_colour, bg=T.BG, size=13),
            ],
            wrap=True, spacing=10, run_spacing=4,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
    ]
    if error:
        rows.append(ft.Text(S.SYNC_ERROR.format(error=error), color=T.DANGER, size=14))
    return ft.Container(
        content=ft.Column(rows, spacing=4), bgcolor=T.SURFACE, border_radius=10,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8), key="sync-badge",
    )


def sync_strip_text(status: SyncStatus | None, online: bool | None) -> str:
    """One line for the strip under every AppBar: 待同步 N 条 · 尚未同步/上次同步 … · 在线/离线."""
    pending = status.pending if status is not None else 0
    last = status.last_sync_at if status is not None else None
    online = _online(status, online)
    net = {True: S.ONLINE, False: S.OFFLINE, None: S.NETWORK_UNKNOWN_SHORT}[online]
    when = S.LAST_SYNC_SHORT.format(when=fmt_dt(last)) if last else S.NEVER_SYNCED
    return S.SYNC_STRIP.format(pending=S.PENDING_CHANGES.format(n=pending), when=when, network=net)


def sync_strip() -> tuple[ft.Container, ft.Text]:
    """The strip and its label (the shell fills the label on every screen and network change)."""
    label = ft.Text(S.PENDING_PLACEHOLDER, size=14, color=T.TEXT, weight=ft.FontWeight.W_600,
                    key="sync-strip-text")
    strip = ft.Container(
        ft.Row([ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, color=T.PRIMARY, size=18), label], spacing=6,
               vertical_alignment=ft.CrossAxisAlignment.CENTER),
        bgcolor=T.SURFACE, border_radius=8, padding=ft.Padding.symmetric(horizontal=10, vertical=4),
        key="sync-strip",
    )
    return strip, label
