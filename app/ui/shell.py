"""The app shell: one ``AppUI`` per page (browser tab or device). It navigates over the route
table it is given (``routes.py``), builds the scaffold of every screen (AppBar with its back
arrow, the sync strip, the content column, centred on a tablet), tracks the width class, and
keeps what a session has typed but not saved (``drafts.py``).

Every screen module exposes ``async def build(ui: AppUI, **params) -> ft.View``. The view stack
is always ``[home-or-placeholder, current]`` so the Android back button and the AppBar back
arrow pop to the screen's parent route.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import flet as ft

from app.services import AnXunError, Device, LedgerFilter

from . import strings as S
from . import theme as T
from . import widgets as W
from .connectivity import ConnectivityWatch
from .drafts import OtherHazardDraft, ReviewDraft, SignatureDraft, SiteDraft
from .errors import describe, guard, report, snack
from .photo_picker import PhotoPicker
from .sync_badge import SyncPanel
from .sync_runner import SyncRunner

log = logging.getLogger(__name__)

Builder = Callable[..., Awaitable[ft.View]]
#: A route pattern and the screen it shows, e.g. ``("/run/:inspection_id", run_screen.build)``.
Route = tuple[str, Builder]
LeaveHook = Callable[[], Awaitable[bool]]

P = ParamSpec("P")
R = TypeVar("R")


class AppUI:
    """Per-page UI state: the device, the width class, navigation and the screen scaffold.

    :param routes: e.g. ``routes.ROUTES``.
    :param upload_dir: where web photo uploads land, e.g. ``<data>/uploads``.
    :param scale: the 字号 setting, e.g. ``1.2``.
    """

    def __init__(self, page: ft.Page, device: Device, routes: Sequence[Route], *, upload_dir: Path,
                 scale: float = 1.0):
        self.page = page
        self.device = device
        self.routes = list(routes)
        self.wide = (page.width or 0) >= T.WIDE
        self.scale = scale
        self.photos = PhotoPicker(page, device, upload_dir)
        self.connectivity = ConnectivityWatch(page, on_change=self._network_changed)
        self._render_lock = asyncio.Lock()
        self._render_seq = 0
        self.current: ft.View | None = None
        #: the sync status shown on the current screen (the strip, or home's card)
        self._sync_panel: SyncPanel | None = None
        self.sync = SyncRunner(self)
        #: the current screen's "about to leave" hook (flush unsaved edits); False = stay
        self.on_leave: LeaveHook | None = None
        #: hazard sheets already shown this session (the sheet opens by itself once per new hazard)
        self.seen_hazards: set[str] = set()
        self.site_draft = SiteDraft()
        #: by inspection id
        self.signature_drafts: dict[str, SignatureDraft] = {}
        #: by hazard id
        self.review_drafts: dict[str, ReviewDraft] = {}
        #: 记录其他隐患 not yet saved, by inspection id
        self.other_hazard_drafts: dict[str, OtherHazardDraft] = {}
        #: the 隐患台账 filters, kept while the inspector moves between list and detail
        self.ledger_filter = LedgerFilter()

    @property
    def online(self) -> bool | None:
        """Whether the device has a network link; ``None`` while unknown."""
        return self.connectivity.online

    def install(self) -> None:
        """Send the page's route, back and resize events here (guarded like every handler)."""
        self.page.on_route_change = guard(self.on_route_change)
        self.page.on_view_pop = guard(self.on_view_pop)
        self.page.on_resize = guard(self.on_resize)
        self.page.on_close = guard(self.sync.stop)

    async def call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a (blocking) service method off the event loop, e.g. ``await ui.call(device.sites.get, site_id)``."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    # -- navigation -------------------------------------------------------------------------
    async def leave_current(self) -> bool:
        """Run the current screen's leave hook (flush edits); False when the screen wants to stay."""
        hook, self.on_leave = self.on_leave, None
        if hook is None:
            return True
        try:
            ok = await hook()
        except Exception as exc:  # noqa: BLE001 - reported like any handler's error; never trap the worker
            report(exc, self.page, where="leave hook")
            return True
        if ok is False:
            self.on_leave = hook  # stay; the screen shows why
            self.page.update()
            return False
        return True

    async def go(self, route: str) -> None:
        """Leave the current screen (its hook saves first) and show ``route``, e.g. ``/ledger``."""
        if not await self.leave_current():
            return
        if route == self.page.route:
            await self.render()
        else:
            await self.page.push_route(route)

    def go_handler(self, route: str) -> Callable[[Any], Awaitable[None]]:
        """A click handler that goes to ``route``."""
        async def handler(_e: Any = None) -> None:
            await self.go(route)

        return handler

    async def on_route_change(self, _e: ft.RouteChangeEvent | None = None) -> None:
        await self.render()

    async def on_view_pop(self, _e: ft.ViewPopEvent) -> None:
        top = self.page.views[-1] if self.page.views else None
        parent = getattr(top, "data", None) or "/"
        await self.go(parent if isinstance(parent, str) else "/")  # go() runs the leave hook first

    async def on_resize(self, _e: Any = None) -> None:
        wide = (self.page.width or 0) >= T.WIDE
        if wide != self.wide:
            self.wide = wide
            await self.render()

    def match(self, route: str) -> tuple[Builder, dict[str, str]] | None:
        """The screen for ``route`` and its parameters, e.g. ``(run_screen.build, {"inspection_id": "01…"})``."""
        path = route.split("?", 1)[0] or "/"
        for pattern, builder in self.routes:
            tr = ft.TemplateRoute(path)
            if tr.match(pattern):
                params = {k: v for k, v in vars(tr).items() if k != "route" and not k.startswith("_")}
                return builder, params
        return None

    async def render(self) -> None:
        """Build the screen of the page's route and show it (the newest navigation wins)."""
        self._render_seq += 1
        seq = self._render_seq
        async with self._render_lock:
            if seq != self._render_seq:
                return  # a newer navigation superseded this one
            route = self.page.route or "/"
            if self.on_leave is not None and self.current is not None and self.current.route != route:
                await self.leave_current()  # e.g. browser back: the route already changed
            self.on_leave = None
            found = self.match(route)
            try:
                if found is None:
                    view = self.message_view(S.NOT_FOUND_TITLE, S.NOT_FOUND_MESSAGE.format(route=route))
                else:
                    builder, params = found
                    view = await builder(self, **params)
            except Exception as exc:  # noqa: BLE001 - the screen says why; describe() logs a bug's traceback
                view = self.message_view(S.ERROR_TITLE, describe(exc, where=f"render {route}"))
            view.route = route
            view.bgcolor = T.BG
            if abs(self.scale - 1.0) > 0.01:
                T.scale_text(view, self.scale)
            stack = [view]
            if route not in ("/", ""):
                stack.insert(0, ft.View(route="/", controls=[], bgcolor=T.BG))
            self.page.views.clear()
            self.page.views.extend(stack)
            self.current = view
            await self.refresh_sync(update=False)
            self.page.update()

    async def refresh_sync(self, *, update: bool = True) -> None:
        """Refill the sync status on screen (what is waiting, last sync, online, last error)."""
        panel = self._sync_panel
        if panel is None:
            return
        try:
            status = await self.call(self.device.sync.status)
        except AnXunError as exc:  # the database is unreadable: the strip says so, the screen stays
            describe(exc, where="sync strip")
            status = None
        panel.fill(status, self.online, syncing=self.sync.syncing)
        if update and W.mounted(panel.control):
            panel.control.update()

    def sync_card(self) -> ft.Control:
        """Home's sync card (instead of the strip): the account, 立即同步, refused entries."""
        async def sync_now(_e: Any = None) -> None:
            outcome = await self.sync.sync_now()
            if outcome is not None:
                self.toast(outcome.text, error=outcome.error)

        self._sync_panel = SyncPanel(full=True, on_sync=sync_now, on_settings=self.go_handler("/settings"))
        return self._sync_panel.control

    async def _network_changed(self) -> None:
        if self.online:
            self.sync.soon()  # a link came back: send what waits without waiting for the interval
        if (self.page.route or "/") == "/":
            await self.render()  # the full card on home
        else:
            await self.refresh_sync()

    # -- scaffolding ------------------------------------------------------------------------
    def view(self, title: str, controls: list[ft.Control], *, parent: str | None = "/",
             actions: list[ft.Control] | None = None, scroll: bool = True,
             padding: int = 12, max_width: int | None = 760, strip: bool = True,
             bottom: list[ft.Control] | None = None) -> ft.View:
        """A screen: AppBar with a back button to ``parent``, the sync strip, a centred column of content.

        :param parent: the route the back arrow goes to, e.g. ``/ledger``; ``None`` = no arrow (home).
        :param max_width: content width on a tablet, e.g. ``760``; ``None`` = the full width.
        :param strip: False on a screen that shows ``sync_card()`` instead (home): said once.
        :param bottom: the screen's main actions (下一题, 返回检查, 完成检查): a bar under the
            scrolling content, never below the fold.
        """
        leading = None
        if parent is not None:
            # go() runs the screen's leave hook (flush) before navigating.
            leading = W.icon_button(ft.Icons.ARROW_BACK, S.BACK, self.go_handler(parent), color=T.ON_PRIMARY)
        top: list[ft.Control] = []
        if strip:
            self._sync_panel = SyncPanel(full=False)
            top.append(self._sync_panel.control)
        body = ft.Column(controls, spacing=12, expand=True, scroll=ft.ScrollMode.AUTO if scroll else None,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        content: ft.Control = body
        width = (self.page.width or 0) - 2 * padding
        centred = bool(max_width and self.wide and width > max_width)
        if centred:
            content = ft.Row([ft.Container(body, width=max_width, expand=False)],
                             alignment=ft.MainAxisAlignment.CENTER, expand=True,
                             vertical_alignment=ft.CrossAxisAlignment.START)
        bars: list[ft.Control] = []
        if bottom:
            bar: ft.Control = ft.Row(bottom, spacing=10)
            if centred:
                bar = ft.Row([ft.Container(bar, width=max_width)], alignment=ft.MainAxisAlignment.CENTER)
            bars.append(ft.Container(bar, bgcolor=T.BG, padding=ft.Padding.only(top=8), key="bottom-bar",
                                     border=ft.Border.only(top=ft.BorderSide(1, T.BORDER))))
        v = ft.View(
            route=self.page.route,
            appbar=ft.AppBar(
                title=ft.Text(title, size=20, weight=ft.FontWeight.W_700, color=T.ON_PRIMARY),
                leading=leading, automatically_imply_leading=False,
                bgcolor=T.PRIMARY, color=T.ON_PRIMARY, actions=actions or [],
            ),
            controls=[*top, content, *bars],
            padding=padding,
            bgcolor=T.BG,
        )
        v.data = parent
        return v

    def message_view(self, title: str, message: str) -> ft.View:
        return self.view(title, [W.banner(message), W.button(S.BACK_HOME, self.go_handler("/"))])

    def toast(self, message: str, *, error: bool = False) -> None:
        """A short confirmation at the bottom of the screen, e.g. 检查已完成."""
        snack(self.page, message, error=error)
