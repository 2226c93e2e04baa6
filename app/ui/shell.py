"""The app shell: one `AppUI` per page (browser tab / device), a small route table, responsive width.

Routes (every screen module exposes ``async def build(ui, **params) -> ft.View``):

    /                       home
    /sites                  site picker (search, filters)
    /sites/new              新建场所
    /site/<site_id>         choose a checklist for the site
    /run/<inspection_id>    run the checklist, one item at a time
    /hazard/<hazard_id>     hazard sheet
    /finish/<inspection_id> summary, signature, 完成检查
    /ledger                 隐患台账 (list; list + detail side by side when wide)
    /ledger/<hazard_id>     隐患 detail
    /settings               设置

The view stack is always ``[home-or-placeholder, current]`` so the Android back button and the
AppBar back arrow pop to the screen's parent route.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import flet as ft

from . import theme as T
from . import widgets as W

log = logging.getLogger(__name__)

Builder = Callable[..., Awaitable[ft.View]]


def _routes() -> list[tuple[str, Builder]]:
    from . import checklist_run, finish, hazard_sheet, home, ledger, settings_view, site_picker

    return [
        ("/", home.build),
        ("/sites", site_picker.build),
        ("/sites/new", site_picker.build_new),
        ("/site/:site_id", checklist_run.build_choose),
        ("/run/:inspection_id", checklist_run.build),
        ("/hazard/:hazard_id", hazard_sheet.build),
        ("/finish/:inspection_id", finish.build),
        ("/ledger", ledger.build),
        ("/ledger/:hazard_id", ledger.build),
        ("/settings", settings_view.build),
    ]


class AppUI:
    """Per-page UI state: the services handle, width class, navigation helpers."""

    def __init__(self, page: ft.Page, device: Any, upload_dir: Path):
        self.page = page
        self.device = device
        self.upload_dir = upload_dir
        self.routes = _routes()
        self.wide = (page.width or 0) >= T.WIDE
        self.online: bool | None = None
        self.scale = 1.0
        self._render_lock = asyncio.Lock()
        self._render_seq = 0
        self.current: ft.View | None = None
        # Services that must stay referenced for the page's lifetime.
        self.picker = ft.FilePicker(on_upload=self._on_upload)
        #: upload path (photos/<uuid>.jpg) -> waiter; the client may report the picked file's own
        #: name (camera files are all image.jpg), so uploads run one at a time and ``_upload_alias``
        #: maps that name to the one upload in flight.
        self._upload_waiters: dict[str, asyncio.Future] = {}
        self._upload_alias: dict[str, str] = {}
        self.connectivity: Any = None
        #: hazard sheets already shown this session (the sheet opens once per new hazard)
        self.seen_hazards: set[str] = set()
        #: the current screen's "about to leave" hook (flush unsaved edits); False = stay
        self.on_leave: Callable[[], Awaitable[bool]] | None = None
        #: per-session drafts that survive leaving a screen: signature (by inspection id), new site
        self.signature_drafts: dict[str, dict[str, Any]] = {}
        self.site_draft: dict[str, Any] = {}
        #: 复查 in progress per hazard id: reviewer, note and photos not yet recorded
        self.review_drafts: dict[str, dict[str, Any]] = {}
        self._sync_label: ft.Text | None = None

    # -- services ---------------------------------------------------------
    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a (blocking) service method off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    # -- navigation -------------------------------------------------------
    async def leave_current(self) -> bool:
        """Run the current screen's leave hook (flush edits); False when the screen wants to stay."""
        hook, self.on_leave = self.on_leave, None
        if hook is None:
            return True
        try:
            ok = await hook()
        except Exception:  # noqa: BLE001 - never trap the worker on a screen
            log.exception("leave hook failed")
            return True
        if ok is False:
            self.on_leave = hook  # stay; the screen shows why
            self.page.update()
            return False
        return True

    async def go(self, route: str) -> None:
        if not await self.leave_current():
            return
        if route == self.page.route:
            await self.render()
        else:
            await self.page.push_route(route)

    def go_handler(self, route: str) -> Callable[[Any], Awaitable[None]]:
        async def handler(_e: Any = None) -> None:
            await self.go(route)

        return handler

    async def on_route_change(self, _e: Any = None) -> None:
        await self.render()

    async def on_view_pop(self, e: ft.ViewPopEvent) -> None:
        top = self.page.views[-1] if self.page.views else None
        parent = getattr(top, "data", None) or "/"
        await self.go(parent if isinstance(parent, str) else "/")  # go() runs the leave hook first

    async def on_resize(self, _e: Any = None) -> None:
        wide = (self.page.width or 0) >= T.WIDE
        if wide != self.wide:
            self.wide = wide
            await self.render()

    def match(self, route: str) -> tuple[Builder, dict[str, str]] | None:
        path = route.split("?", 1)[0] or "/"
        for pattern, builder in self.routes:
            tr = ft.TemplateRoute(path)
            if tr.match(pattern):
                params = {k: v for k, v in vars(tr).items() if k != "route" and not k.startswith("_")}
                return builder, params
        return None

    async def render(self) -> None:
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
                    view = self.message_view("页面不存在", f"未找到页面：{route}")
                else:
                    builder, params = found
                    view = await builder(self, **params)
            except Exception as exc:  # noqa: BLE001 - show, never crash the session
                log.error("render %s failed:\n%s", route, traceback.format_exc())
                view = self.message_view("出错了", f"{type(exc).__name__}: {exc}")
            view.route = route
            view.bgcolor = T.BG
            if abs(self.scale - 1.0) > 0.01:
                scale_text(view, self.scale)
            stack = [view]
            if route not in ("/", ""):
                stack.insert(0, ft.View(route="/", controls=[], bgcolor=T.BG))
            self.page.views.clear()
            self.page.views.extend(stack)
            self.current = view
            await self.refresh_sync(update=False)
            self.page.update()

    async def refresh_sync(self, *, update: bool = True) -> None:
        """Refill the sync strip under the AppBar (pending count, last sync, online)."""
        label = self._sync_label
        if label is None:
            return
        try:
            status = await self.call(self.device.sync.status)
        except Exception:  # noqa: BLE001 - the strip must not break a screen
            log.exception("sync status unavailable")
            status = None
        label.value = W.sync_strip_text(status, self.online)
        if update and W.mounted(label):
            label.update()

    # -- scaffolding ------------------------------------------------------
    def view(self, title: str, controls: list[ft.Control], *, parent: str | None = "/",
             actions: list[ft.Control] | None = None, scroll: bool = True,
             padding: int = 12, max_width: int | None = 760) -> ft.View:
        """A screen: AppBar with a back button to ``parent`` and a centred column of content."""
        leading = None
        if parent is not None:
            # go() runs the screen's leave hook (flush) before navigating.
            leading = W.icon_button(ft.Icons.ARROW_BACK, "返回", self.go_handler(parent), color=T.ON_PRIMARY)
        strip, self._sync_label = W.sync_strip()
        body = ft.Column(controls, spacing=12, expand=True, scroll=ft.ScrollMode.AUTO if scroll else None,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        content: ft.Control = body
        width = (self.page.width or 0) - 2 * padding
        if max_width and self.wide and width > max_width:
            content = ft.Row([ft.Container(body, width=max_width, expand=False)],
                             alignment=ft.MainAxisAlignment.CENTER, expand=True,
                             vertical_alignment=ft.CrossAxisAlignment.START)
        v = ft.View(
            route=self.page.route,
            appbar=ft.AppBar(
                title=ft.Text(title, size=20, weight=ft.FontWeight.W_700, color=T.ON_PRIMARY),
                leading=leading, automatically_imply_leading=False,
                bgcolor=T.PRIMARY, color=T.ON_PRIMARY, actions=actions or [],
            ),
            controls=[strip, content],
            padding=padding,
            bgcolor=T.BG,
        )
        v.data = parent
        return v

    def message_view(self, title: str, message: str) -> ft.View:
        return self.view(title, [W.banner(message), W.button("返回首页", self.go_handler("/"))])

    def toast(self, message: str, *, error: bool = False) -> None:
        W.snack(self.page, message, error=error)

    # -- photos -----------------------------------------------------------
    async def _on_upload(self, e: ft.FilePickerUploadEvent) -> None:
        # Keyed by upload path: camera files are all called image.jpg.
        key = e.file_name if e.file_name in self._upload_waiters else self._upload_alias.get(e.file_name or "")
        waiter = self._upload_waiters.get(key) if key else None
        if waiter is None or waiter.done():
            return
        if e.error:
            waiter.set_exception(RuntimeError(e.error))
        elif e.progress is not None and e.progress >= 1.0:
            waiter.set_result(True)

    async def pick_photos(self, *, multiple: bool = True) -> list[bytes]:
        """Let the user pick image files; returns their bytes (web: uploaded through /upload)."""
        files = await self.picker.pick_files(
            dialog_title="选择照片", file_type=ft.FilePickerFileType.IMAGE, allow_multiple=multiple,
            with_data=not self.page.web,
        )
        if not files:
            return []
        if not self.page.web:
            out: list[bytes] = []
            for f in files:
                if f.bytes:
                    out.append(bytes(f.bytes))
                elif f.path:
                    out.append(await asyncio.to_thread(Path(f.path).read_bytes))
            return out
        loop = asyncio.get_running_loop()
        targets: list[Path] = []
        keys: list[str] = []
        out = []
        try:
            for f in files:  # one at a time: progress events of same-named files cannot mix
                suffix = Path(f.name).suffix.lower()[:8] or ".jpg"
                rel = f"photos/{uuid.uuid4().hex}{suffix}"
                fut = loop.create_future()
                self._upload_waiters[rel] = fut
                self._upload_alias[f.name] = rel
                keys.append(rel)
                path = self.upload_dir / rel
                targets.append(path)
                await self.picker.upload([ft.FilePickerUploadFile(
                    upload_url=self.page.get_upload_url(rel, 600), id=f.id)])
                try:
                    await asyncio.wait_for(asyncio.shield(fut), timeout=120)
                except asyncio.TimeoutError as exc:
                    log.warning("photo upload timed out: %s", path.name)
                    raise PhotoUploadFailed("upload timed out") from exc
                except Exception as exc:  # noqa: BLE001 - the client reported an upload error
                    log.warning("photo upload failed: %s", exc)
                    raise PhotoUploadFailed(str(exc)) from exc
                finally:
                    if self._upload_alias.get(f.name) == rel:
                        del self._upload_alias[f.name]
                # The progress event may arrive a moment before the file is fully on disk.
                for _ in range(100):
                    if path.exists() and path.stat().st_size > 0:
                        break
                    await asyncio.sleep(0.05)
                if not path.exists() or path.stat().st_size == 0:
                    raise PhotoUploadFailed(f"upload missing: {path.name}")
                out.append(await asyncio.to_thread(path.read_bytes))
            return out
        finally:
            for key in keys:
                self._upload_waiters.pop(key, None)
            for path in targets:
                try:
                    path.unlink(missing_ok=True)
                except OSError:
                    pass

    async def image_bytes(self, sha: str, *, thumb: bool = True) -> bytes | None:
        def read() -> bytes | None:
            try:
                p = self.device.evidence.thumb_path(sha) if thumb else self.device.evidence.photo_path(sha)
                if not Path(p).exists() and thumb:
                    p = self.device.evidence.photo_path(sha)
                return Path(p).read_bytes()
            except Exception:  # noqa: BLE001 - a missing photo must not break the screen
                log.exception("cannot read photo %s", sha)
                return None

        return await asyncio.to_thread(read)

    async def thumbnails(self, shas: list[str], *, size: int = 96) -> ft.Row:
        row = ft.Row(wrap=True, spacing=8, run_spacing=8)
        for sha in shas:
            data = await self.image_bytes(sha)
            if data is None:
                continue
            row.controls.append(ft.Semantics(
                label="照片", image=True,
                content=ft.Container(ft.Image(src=data, width=size, height=size, fit=ft.BoxFit.COVER),
                                     border_radius=8, border=ft.Border.all(1, T.BORDER),
                                     clip_behavior=ft.ClipBehavior.HARD_EDGE),
            ))
        return row

    # -- connectivity -----------------------------------------------------
    async def watch_connectivity(self) -> None:
        try:
            self.connectivity = ft.Connectivity(on_change=self._on_connectivity)
            kinds = await asyncio.wait_for(self.connectivity.get_connectivity(), timeout=5)
            self._set_online(kinds)
        except Exception:  # noqa: BLE001 - unknown stays unknown
            log.info("connectivity unavailable", exc_info=True)

    def _set_online(self, kinds: Any) -> None:
        kinds = list(kinds or [])
        online = bool(kinds) and any(getattr(k, "name", str(k)).upper() != "NONE" for k in kinds)
        if online != self.online:
            self.online = online
            if (self.page.route or "/") == "/":
                self.page.run_task(self.render)  # the full card on home
            else:
                self.page.run_task(self.refresh_sync)

    async def _on_connectivity(self, e: Any) -> None:
        self._set_online(getattr(e, "connectivity", None))


class PhotoUploadFailed(Exception):
    """A web photo upload that failed or timed out; ``message`` is what the worker sees."""

    message = "照片上传失败，请重试"


_CHILD_ATTRS = ("appbar", "title", "leading", "actions", "content", "controls", "label", "subtitle",
                "trailing", "suffix", "helper")


def scale_text(control: object, scale: float, _seen: set[int] | None = None) -> None:
    """Apply the 字号 setting to explicit text sizes (``Text.size``, ``TextField.text_size``)."""
    seen = _seen if _seen is not None else set()
    if control is None or id(control) in seen or not isinstance(control, ft.BaseControl):
        return
    seen.add(id(control))
    if not getattr(control, "_anxun_scaled", False):  # scale each control once (panels re-render)
        if isinstance(control, ft.Text) and control.size:
            control.size = round(control.size * scale, 1)
        if isinstance(control, ft.TextField) and control.text_size:
            control.text_size = round(control.text_size * scale, 1)
        control._anxun_scaled = True
    for attr in _CHILD_ATTRS:
        child = getattr(control, attr, None)
        if isinstance(child, list):
            for c in child:
                scale_text(c, scale, seen)
        else:
            scale_text(child, scale, seen)
