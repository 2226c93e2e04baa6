"""Site picker: Chinese substring search, filter by kind and grid, and the 新建场所 form."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import flet as ft

from . import theme as T
from . import widgets as W

log = logging.getLogger(__name__)
ALL = "全部"
LIMIT = 50


async def build(ui: Any) -> ft.View:
    device = ui.device
    grids = await ui.call(device.sites.grids)
    kinds = list(device.sites.kinds)
    state = {"text": "", "kind": None, "grid": None, "seq": 0}
    results = ft.Column(spacing=8)
    count = ft.Text("", color=T.MUTED, size=14)

    def site_card(site: Any) -> ft.Control:
        sub = " · ".join(x for x in (site.kind, site.grid) if x)
        return W.card(
            ft.Column([
                ft.Text(site.name, size=17, weight=ft.FontWeight.W_700, color=T.TEXT),
                ft.Text(sub, size=15, color=T.PRIMARY),
                ft.Text(site.address or "（无地址）", size=14, color=T.MUTED),
            ], spacing=2),
            on_click=ui.go_handler(f"/site/{site.id}"),
        )

    async def refresh(update: bool = True) -> None:
        state["seq"] += 1
        seq = state["seq"]
        sites = await ui.call(lambda: device.sites.search(text=state["text"], kind=state["kind"],
                                                       grid=state["grid"], limit=LIMIT + 1))
        if seq != state["seq"]:
            return  # a newer search is on its way
        more = len(sites) > LIMIT
        sites = sites[:LIMIT]
        results.controls = [site_card(s) for s in sites]
        if not sites:
            results.controls = [ft.Text("没有找到场所，可点“新建场所”添加。", color=T.MUTED, size=15)]
        count.value = f"共 {LIMIT}+ 个场所（仅显示前 {LIMIT} 个）" if more else f"共 {len(sites)} 个场所"
        if update:
            results.update()
            count.update()

    async def on_text(e: ft.Event) -> None:
        state["text"] = e.control.value or ""
        await refresh()

    async def on_kind(key: str) -> None:
        state["kind"] = None if key == ALL else key
        await refresh()

    async def on_grid(e: ft.Event) -> None:
        v = e.control.value
        state["grid"] = None if v in (None, ALL) else v
        await refresh()

    search = W.field("搜索场所（名称或地址）", on_change=on_text)
    search.prefix_icon = ft.Icons.SEARCH
    kind_chips = W.choice_chips([(ALL, "全部类型")] + [(k, k) for k in kinds], ALL, on_kind)
    grid_dd = ft.Dropdown(
        label="网格", value=ALL, options=[ft.DropdownOption(key=ALL, text="全部网格")]
        + [ft.DropdownOption(key=g, text=g) for g in grids], on_select=on_grid, width=220,
        text_size=16,
    )
    await refresh(update=False)
    body = [
        W.button("新建场所", ui.go_handler("/sites/new"), icon=ft.Icons.ADD_LOCATION_ALT_OUTLINED),
        search,
        kind_chips,
        ft.Semantics(label="网格筛选", content=grid_dd),
        count,
        results,
    ]
    return ui.view("选择场所", body, parent="/")


async def build_new(ui: Any) -> ft.View:
    device = ui.device
    kinds = list(device.sites.kinds)
    grids = await ui.call(device.sites.grids)
    # A draft on the AppUI: typed fields survive leaving the form and coming back (same session).
    form: dict[str, Any] = ui.site_draft
    for k in ("kind", "lat", "lon"):
        form.setdefault(k, None)
    err = W.error_text()

    def draft_field(key: str, label: str, **kw: Any) -> ft.TextField:
        async def on_change(e: Any) -> None:
            form[key] = e.control.value or ""

        return W.field(label, form.get(key) or "", on_change=on_change, **kw)

    name = draft_field("name", "场所名称")
    address = draft_field("address", "地址")
    grid = draft_field("grid", "所属网格", hint="如：一网格")
    contact = draft_field("contact", "联系人")
    phone = draft_field("phone", "联系电话", keyboard=ft.KeyboardType.PHONE)
    gps = ft.Text("位置：未获取（可不填）", color=T.MUTED, size=14)
    if form["lat"] is not None and form["lon"] is not None:
        gps.value = f"位置：{form['lat']:.6f}, {form['lon']:.6f}（GPS）"

    async def on_kind(key: str) -> None:
        form["kind"] = key

    def grid_pick(g: str):
        async def pick(_e: Any) -> None:
            grid.value = g
            form["grid"] = g

        return pick

    grid_suggestions = ft.Row(
        [ft.TextButton(g, on_click=grid_pick(g), height=T.TOUCH) for g in grids[:12]], wrap=True, spacing=4)

    async def save(_e: Any) -> None:
        problems = []
        if not (name.value or "").strip():
            problems.append("请填写场所名称")
        if not form["kind"]:
            problems.append("请选择场所类型")
        if problems:
            err.value, err.visible = "；".join(problems), True
            return
        try:
            site = await ui.call(lambda: device.sites.create(
                name=name.value.strip(), address=(address.value or "").strip(), kind=form["kind"],
                grid=(grid.value or "").strip(), contact_name=(contact.value or "").strip(),
                contact_phone=(phone.value or "").strip(), lat=form["lat"], lon=form["lon"]))
        except Exception as exc:  # noqa: BLE001 - show the service's message
            err.value, err.visible = W.error_message(exc), True
            return
        form.clear()
        await ui.go(f"/site/{site.id}")

    async def locate() -> None:
        pos = await _gps_position()
        if pos is None:
            return
        form["lat"], form["lon"] = pos
        gps.value = f"位置：{pos[0]:.6f}, {pos[1]:.6f}（GPS）"
        if W.mounted(gps) and ui.current is view:  # the worker may have left the form meanwhile
            gps.update()

    body = [
        name,
        ft.Text("场所类型", size=16, weight=ft.FontWeight.W_600, color=T.TEXT),
        W.choice_chips([(k, k) for k in kinds], form["kind"], on_kind),
        address,
        grid,
        grid_suggestions,
        contact,
        phone,
        gps,
        err,
        W.button("保存场所", save, icon=ft.Icons.SAVE_OUTLINED),
    ]
    view = ui.view("新建场所", body, parent="/sites")
    if form["lat"] is None:
        ui.page.run_task(locate)
    return view


async def _gps_position() -> tuple[float, float] | None:
    """Current position through flet-geolocator when installed and permitted; else None."""
    try:
        import flet_geolocator as ftg  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        geo = ftg.Geolocator()
        status = await asyncio.wait_for(geo.request_permission(), timeout=20)
        if getattr(status, "name", "") not in ("WHILE_IN_USE", "ALWAYS"):
            return None
        p = await asyncio.wait_for(geo.get_current_position(), timeout=20)
        return float(p.latitude), float(p.longitude)
    except Exception:  # noqa: BLE001 - no GPS is fine, the form works without it
        log.info("no GPS position", exc_info=True)
        return None
