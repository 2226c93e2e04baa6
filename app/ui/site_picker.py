"""Site picker: search by name, address, kind or several words at once (a clear button empties
it), filters folded behind one button, and the 新建场所 form. Picking a site goes straight into
its inspection when one checklist fits it."""

from __future__ import annotations

import asyncio
import logging

import flet as ft

from app.services import SITE_FIELDS, AnXunError, Checklist, Site, phone_problem

from . import strings as S
from . import theme as T
from . import widgets as W
from .choose_checklist import open_site, start_on
from .drafts import SiteDraft
from .errors import guard, message_for
from .filters import Active, FilterBar
from .shell import AppUI

log = logging.getLogger(__name__)

#: Sites listed at once; more reads "50+" (narrow the search).
LIMIT = 50
#: How long the GPS may take (permission prompt, then a fix) before the form goes without it.
GPS_TIMEOUT_S = 20


async def build(ui: AppUI) -> ft.View:
    device = ui.device
    grids = await ui.call(device.sites.grids)
    kinds = list(device.sites.kinds)
    query: dict[str, str | None] = {"text": "", "kind": None, "grid": None}
    latest = 0
    results = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    count = ft.Text("", color=T.MUTED, size=14)

    #: checklists that fit each kind shown, e.g. ``{"群租房": [group_rental, lifeline]}``
    fitting: dict[str, list[Checklist]] = {}

    def site_card(site: Site) -> ft.Control:
        sub = " · ".join(x for x in (site.kind, site.grid) if x)

        async def pick(_e: ft.Event) -> None:
            await open_site(ui, site.id)

        def start(checklist_id: str):  # noqa: ANN202 - a click handler
            async def handler(_e: ft.Event) -> None:
                await start_on(ui, site.id, checklist_id)

            return handler

        rows: list[ft.Control] = [
            ft.Text(site.name, size=17, weight=ft.FontWeight.W_700, color=T.TEXT),
            ft.Text(sub, size=15, color=T.PRIMARY),
            ft.Text(site.address or S.NO_ADDRESS, size=14, color=T.MUTED),
        ]
        lists = fitting.get(site.kind, [])
        if len(lists) > 1:  # its checklists on the card: site and checklist in one tap
            rows.append(ft.Row([W.button(S.START_CHECKLIST.format(title=c.title), start(c.id), variant="outlined",
                                         height=T.TOUCH, size=15) for c in lists], wrap=True, spacing=8))
        return W.card(ft.Column(rows, spacing=2), on_click=pick)

    async def refresh(update: bool = True) -> None:
        nonlocal latest
        latest += 1
        seq = latest
        sites = await ui.call(device.sites.search, text=query["text"] or "", kind=query["kind"],
                              grid=query["grid"], limit=LIMIT + 1)
        if seq != latest:
            return  # a newer search is on its way
        more = len(sites) > LIMIT
        sites = sites[:LIMIT]
        for kind in {s.kind for s in sites} - fitting.keys():
            fitting[kind] = await ui.call(device.inspections.checklists_for, kind)
        results.controls = [site_card(s) for s in sites] or [ft.Text(S.NO_SITES, color=T.MUTED, size=15)]
        count.value = S.SITES_COUNT_CAPPED.format(limit=LIMIT) if more else S.SITES_COUNT.format(n=len(sites))
        active: list[Active] = []
        if query["kind"]:
            active.append((query["kind"], lambda: set_filter(kind=None)))
        if query["grid"]:
            active.append((query["grid"], lambda: set_filter(grid=None)))
        bar.show_active(active)
        if update:
            ui.page.update()

    async def set_filter(**change: str | None) -> None:
        query.update(change)
        if "kind" in change:
            for chip in kind_chips.controls:
                chip.selected = chip.data == (change["kind"] or S.ALL)
        if "grid" in change:
            grid_filter.content.value = change["grid"] or S.ALL
        await refresh()

    async def on_text(e: ft.Event) -> None:
        query["text"] = e.control.value or ""
        clear.visible = bool(query["text"])
        await refresh()

    async def on_kind(key: str) -> None:
        await set_filter(kind=None if key == S.ALL else key)

    async def on_grid(e: ft.Event) -> None:
        v = e.control.value
        await set_filter(grid=None if v in (None, S.ALL) else v)

    async def clear_search(_e: ft.Event) -> None:
        search.value, query["text"], clear.visible = "", "", False
        await refresh()

    clear = ft.Semantics(label=S.CLEAR_SEARCH, button=True, visible=False, content=ft.IconButton(
        icon=ft.Icons.CLOSE, on_click=guard(clear_search), width=T.TOUCH, height=T.TOUCH))
    search = W.field(S.SEARCH_SITES, on_change=on_text)
    search.prefix_icon = ft.Icons.SEARCH
    search.suffix_icon = clear
    kind_chips = W.choice_chips([(S.ALL, S.ALL_KINDS)] + [(k, k) for k in kinds], S.ALL, on_kind)
    grid_filter = W.filter_dropdown(S.GRID, None, [(g, g) for g in grids], on_grid, all_text=S.ALL_GRIDS,
                                    width=220, text_size=16)
    bar = FilterBar([kind_chips, grid_filter])
    await refresh(update=False)
    body = [
        search,
        bar.control,
        count,
        results,
    ]
    return ui.view(S.PICK_SITE_TITLE, body, parent="/", actions=[
        ft.TextButton(content=ft.Text(S.NEW_SITE, color=T.ON_PRIMARY, size=17, weight=ft.FontWeight.W_700),
                      icon=ft.Icons.ADD_LOCATION_ALT_OUTLINED, icon_color=T.ON_PRIMARY,
                      on_click=guard(ui.go_handler("/sites/new")), height=T.TOUCH)])


async def build_new(ui: AppUI) -> ft.View:
    device = ui.device
    kinds = list(device.sites.kinds)
    grids = await ui.call(device.sites.grids)
    # Typed fields survive leaving the form and coming back (same session).
    form = ui.site_draft
    err = W.error_text()

    def draft_field(key: str, label: str, **kw: object) -> ft.TextField:
        async def on_change(e: ft.Event) -> None:
            setattr(form, key, e.control.value or "")

        return W.field(label, getattr(form, key), on_change=on_change, **kw)

    name = draft_field("name", SITE_FIELDS["name"])
    address = draft_field("address", SITE_FIELDS["address"])
    grid = draft_field("grid", SITE_FIELDS["grid"], hint=S.GRID_HINT)
    contact = draft_field("contact", SITE_FIELDS["contact_name"])
    phone = draft_field("phone", SITE_FIELDS["contact_phone"], keyboard=ft.KeyboardType.PHONE, hint=S.PHONE_HINT)

    async def check_phone_now(_e: ft.Event) -> None:
        problem = phone_problem(phone.value or "")
        phone.error = problem
        phone.update()

    phone.on_blur = guard(check_phone_now)
    gps = ft.Text(S.GPS_NONE, color=T.MUTED, size=14)
    if form.lat is not None and form.lon is not None:
        gps.value = S.GPS_AT.format(lat=form.lat, lon=form.lon)

    async def on_kind(key: str) -> None:
        form.kind = key

    def grid_pick(g: str):
        async def pick(_e: ft.Event) -> None:
            grid.value = g
            form.grid = g

        return pick

    grid_suggestions = ft.Row(
        [ft.TextButton(g, on_click=guard(grid_pick(g)), height=T.TOUCH) for g in grids[:12]], wrap=True, spacing=4)

    async def save(_e: ft.Event) -> None:
        problems = []
        if not (name.value or "").strip():
            problems.append(S.NEED_SITE_NAME)
        if not form.kind:
            problems.append(S.NEED_SITE_KIND)
        if phone_problem(phone.value or ""):
            problems.append(phone_problem(phone.value or "") or "")
        if problems:
            err.value, err.visible = S.LIST_SEPARATOR.join(problems), True
            return
        try:
            site = await ui.call(
                device.sites.create, name=name.value.strip(), address=(address.value or "").strip(),
                kind=form.kind, grid=(grid.value or "").strip(), contact_name=(contact.value or "").strip(),
                contact_phone=(phone.value or "").strip(), lat=form.lat, lon=form.lon)
        except AnXunError as exc:
            err.value, err.visible = message_for(exc), True
            return
        ui.site_draft = SiteDraft()  # saved: the next new site starts empty
        await open_site(ui, site.id)

    async def locate() -> None:
        pos = await _gps_position()
        if pos is None:
            return
        form.lat, form.lon = pos
        gps.value = S.GPS_AT.format(lat=pos[0], lon=pos[1])
        if W.mounted(gps) and ui.current is view:  # the worker may have left the form meanwhile
            gps.update()

    body = [
        name,
        ft.Text(SITE_FIELDS["kind"], size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        W.choice_chips([(k, k) for k in kinds], form.kind, on_kind),
        address,
        grid,
        grid_suggestions,
        contact,
        phone,
        gps,
        err,
        W.button(S.SAVE_SITE, save, icon=ft.Icons.SAVE_OUTLINED),
    ]
    view = ui.view(S.NEW_SITE, body, parent="/sites")
    if form.lat is None:
        ui.page.run_task(guard(locate))
    return view


async def _gps_position() -> tuple[float, float] | None:
    """Current position through flet-geolocator when installed and permitted; else None."""
    try:
        import flet_geolocator as ftg  # type: ignore[import-not-found]  # optional: not every build has GPS
    except ImportError:
        return None
    try:
        geo = ftg.Geolocator()
        status = await asyncio.wait_for(geo.request_permission(), timeout=GPS_TIMEOUT_S)
        if getattr(status, "name", "") not in ("WHILE_IN_USE", "ALWAYS"):
            return None
        p = await asyncio.wait_for(geo.get_current_position(), timeout=GPS_TIMEOUT_S)
    except (TimeoutError, RuntimeError, ft.FletUnsupportedPlatformException):
        # No permission, no fix, or no GPS on this platform: the form works without a position.
        log.info("no GPS position", exc_info=True)
        return None
    return float(p.latitude), float(p.longitude)
