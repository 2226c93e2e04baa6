"""隐患台账: filters + search, list, detail (photos, fields, reviews), lifecycle actions and 复查."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.services import LedgerFilter, STATUSES, awaits_review, severity_label

from . import theme as T
from . import widgets as W

#: Rows the ledger shows at once; a full page reads "200+".
LIMIT = 200

ALL = "全部"


def _filters(ui: Any) -> dict[str, Any]:
    if not hasattr(ui, "ledger_filters"):
        ui.ledger_filters = {"status": None, "severity": None, "checklist_id": None, "site_id": None,
                             "grid": None, "overdue": None, "text": ""}
    return ui.ledger_filters


async def build(ui: Any, hazard_id: str | None = None) -> ft.View:
    if hazard_id and not ui.wide:
        detail = await build_detail(ui, hazard_id)
        return ui.view("隐患详情", [detail], parent="/ledger")
    list_col = await build_list(ui, selected=hazard_id)
    if not ui.wide:
        return ui.view("隐患台账", [list_col], parent="/")
    detail: ft.Control
    if hazard_id:
        detail = await build_detail(ui, hazard_id)
    else:
        detail = ft.Container(ft.Text("请在左侧选择一条隐患查看详情", size=16, color=T.MUTED), padding=20)
    row = ft.Row([
        ft.Container(ft.Column([list_col], scroll=ft.ScrollMode.AUTO, expand=True), expand=5),
        ft.VerticalDivider(width=1, color=T.BORDER),
        ft.Container(ft.Column([detail], scroll=ft.ScrollMode.AUTO, expand=True), expand=6),
    ], expand=True, vertical_alignment=ft.CrossAxisAlignment.START, spacing=12)
    return ui.view("隐患台账", [row], parent="/", scroll=False, max_width=None)


async def build_list(ui: Any, *, selected: str | None) -> ft.Column:
    device = ui.device
    f = _filters(ui)
    sites = await ui.call(lambda: device.sites.search(limit=200))
    grids = await ui.call(device.sites.grids)
    results = ft.Column(spacing=8)
    count = ft.Text("", size=14, color=T.MUTED, key="ledger-count")

    def hazard_card(h: Any) -> ft.Control:
        chips = [W.status_pill(h.status), W.severity_pill(h.severity)]
        if h.overdue:
            chips.insert(0, W.overdue_pill())
        return W.card(ft.Column([
            ft.Row(chips, wrap=True, spacing=6),
            ft.Text(h.description, size=16, weight=ft.FontWeight.W_600, color=T.TEXT, max_lines=3,
                    overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(f"{h.site_name} · 期限 {h.deadline.isoformat()} · 照片 {len(h.photo_shas)}", size=14,
                    color=T.MUTED),
        ], spacing=4), on_click=ui.go_handler(f"/ledger/{h.id}"),
            border=T.PRIMARY if h.id == selected else (T.DANGER if h.overdue else T.BORDER),
            bgcolor="#EAF1FB" if h.id == selected else T.BG, padding=12)

    latest = {"seq": 0}

    async def refresh(update: bool = True) -> None:
        # Each keystroke queries; only the newest query may paint, whatever order they finish in.
        latest["seq"] += 1
        seq = latest["seq"]
        query = {k: v for k, v in f.items() if v not in (None, "")}
        rows = await ui.call(lambda: device.hazards.ledger(LedgerFilter(**query), limit=LIMIT))
        if seq != latest["seq"]:
            return
        results.controls = [hazard_card(h) for h in rows] or [
            ft.Text("没有符合条件的隐患", size=15, color=T.MUTED)]
        overdue = sum(1 for h in rows if h.overdue)
        shown = f"{len(rows)}+" if len(rows) == LIMIT else str(len(rows))
        count.value = f"共 {shown} 条" + (f"，逾期 {overdue} 条" if overdue else "")
        if update:
            results.update()
            count.update()

    def setter(name: str):
        async def handler(e: Any) -> None:
            v = e.control.value
            f[name] = None if v in (None, "", ALL) else v
            await refresh()

        return handler

    async def on_status(key: str) -> None:
        f["status"] = None if key == ALL else key
        await refresh()

    async def on_overdue(e: Any) -> None:
        f["overdue"] = True if e.control.value else None
        await refresh()

    async def on_text(e: Any) -> None:
        f["text"] = e.control.value or ""
        await refresh()

    def dropdown(label: str, name: str, options: list[tuple[str, str]]) -> ft.Control:
        dd = ft.Dropdown(
            label=label, value=f[name] or ALL, on_select=setter(name), text_size=15, width=170,
            options=[ft.DropdownOption(key=ALL, text="全部")] + [ft.DropdownOption(key=k, text=t) for k, t in options],
        )
        return ft.Semantics(label=f"{label}筛选", content=dd)


    search = W.field("搜索隐患或场所", f["text"], on_change=on_text)
    search.prefix_icon = ft.Icons.SEARCH
    filters = ft.Column([
        search,
        W.choice_chips([(ALL, "全部状态")] + [(s, s) for s in STATUSES], f["status"] or ALL, on_status),
        ft.Row([
            dropdown("严重程度", "severity", [("一般", "一般隐患"), ("重大", "疑似重大")]),
            dropdown("检查表", "checklist_id", [(c.id, c.title) for c in device.catalog.all()]),
            dropdown("场所", "site_id", [(s.id, s.name) for s in sites]),
            dropdown("网格", "grid", [(g, g) for g in grids]),
            ft.Checkbox(label="仅看逾期", value=bool(f["overdue"]), on_change=on_overdue, height=T.TOUCH,
                        label_style=ft.TextStyle(size=16, color=T.TEXT)),
        ], wrap=True, spacing=8, run_spacing=8),
    ], spacing=8)
    await refresh(update=False)
    return ft.Column([filters, count, results], spacing=10)


def _review_draft(ui: Any, hazard_id: str, reviewer: str) -> dict[str, Any]:
    return ui.review_drafts.setdefault(hazard_id, {"reviewer": reviewer, "note": "", "photos": []})


def _keep(draft: dict[str, Any], key: str):
    async def handler(e: Any) -> None:
        draft[key] = e.control.value or ""

    return handler


async def build_detail(ui: Any, hazard_id: str) -> ft.Column:
    device = ui.device
    h = await ui.call(device.hazards.get, hazard_id)
    reviews = await ui.call(device.hazards.reviews, hazard_id)
    settings = await ui.call(device.settings.current)
    err = W.error_text()

    def info(label: str, value: str) -> ft.Control:
        return ft.Row([ft.Text(label, size=15, color=T.MUTED, width=110),
                       ft.Text(value or "—", size=16, color=T.TEXT, expand=True, selectable=True)],
                      vertical_alignment=ft.CrossAxisAlignment.START)

    chips = [W.status_pill(h.status), W.severity_pill(h.severity)]
    if h.overdue:
        chips.insert(0, W.overdue_pill())
    photos = await ui.thumbnails(h.photo_shas, size=110)
    col: list[ft.Control] = [
        ft.Row(chips, wrap=True),
        ft.Text(h.description, size=18, weight=ft.FontWeight.W_700, color=T.TEXT, selectable=True),
        info("场所", f"{h.site_name}（{h.grid}）" if h.grid else h.site_name),
        info("严重程度", severity_label(h.severity)),
        info("隐患部位", h.location),
        info("整改责任单位", h.rect_unit),
        info("整改要求", h.requirement),
        info("整改期限", h.deadline.isoformat() + ("（已逾期）" if h.overdue else "")),
        info("检查项", h.item_id or "现场发现"),
        info("发现时间", W.fmt_dt(h.created_at)),
    ]
    if h.closed_at:
        col.append(info("销号时间", W.fmt_dt(h.closed_at)))
    col += [ft.Text(f"隐患照片（{len(h.photo_shas)}）", size=16, weight=ft.FontWeight.W_600, color=T.TEXT), photos]

    async def move(to: str) -> None:
        try:
            await ui.call(device.hazards.transition, hazard_id, to)
        except Exception as exc:  # noqa: BLE001 - error_message logs what it does not expect
            err.value, err.visible = W.error_message(exc), True
            ui.page.update()
            return
        ui.toast(f"已改为“{to}”")
        await ui.render()

    def move_handler(to: str):
        async def handler(_e: Any) -> None:
            await move(to)

        return handler

    icons = {"整改中": ft.Icons.BUILD_OUTLINED, "待复查": ft.Icons.FACT_CHECK_OUTLINED}
    actions = [W.button(label, move_handler(to), icon=icons.get(to), variant="filled" if n == 0 else "outlined")
               for n, (to, label) in enumerate(await ui.call(device.hazards.actions, hazard_id))]
    if actions:
        col += [W.section_title("整改进度"), ft.Row(actions, wrap=True, spacing=10, run_spacing=10)]
    if h.editable:
        col.append(W.button("编辑隐患信息", ui.go_handler(f"/hazard/{h.id}"), variant="text",
                            icon=ft.Icons.EDIT_OUTLINED))

    if awaits_review(h.status):
        # What the reviewer typed and photographed survives leaving and coming back.
        draft = _review_draft(ui, hazard_id, settings.inspector_name or "")
        reviewer = W.field("复查人", draft["reviewer"], on_change=_keep(draft, "reviewer"))
        note = W.field("复查意见", draft["note"], multiline=True, on_change=_keep(draft, "note"))
        review_photos: list[bytes] = draft["photos"]
        review_thumbs = ft.Row(wrap=True, spacing=8)
        review_count = ft.Text("", size=15, color=T.TEXT, key="review-photo-count")

        def show_review_photos() -> None:
            review_thumbs.controls = [ft.Container(
                ft.Image(src=data, width=90, height=90, fit=ft.BoxFit.COVER),
                border=ft.Border.all(1, T.BORDER), border_radius=8, clip_behavior=ft.ClipBehavior.HARD_EDGE)
                for data in review_photos]
            review_count.value = f"复查照片 {len(review_photos)} 张"

        show_review_photos()

        async def add_review_photo(_e: Any) -> None:
            try:
                review_photos.extend(await ui.pick_photos())
            except Exception as exc:  # noqa: BLE001 - error_message logs what it does not expect
                err.value, err.visible = W.error_message(exc), True
            show_review_photos()
            ui.page.update()

        async def review(passed: bool) -> None:
            try:
                await ui.call(lambda: device.hazards.review(
                    hazard_id, reviewer=reviewer.value or "", passed=passed, note=note.value or "",
                    photos=list(review_photos)))
            except Exception as exc:  # noqa: BLE001 - error_message logs what it does not expect
                err.value, err.visible = W.error_message(exc), True
                ui.page.update()
                return
            ui.review_drafts.pop(hazard_id, None)
            ui.toast("复查合格，已销号" if passed else "复查不合格，退回整改")
            await ui.render()

        async def passed(_e: Any) -> None:
            await review(True)

        async def failed(_e: Any) -> None:
            await review(False)

        col += [
            W.section_title("复查"),
            reviewer,
            note,
            ft.Row([W.button("添加复查照片", add_review_photo, variant="outlined",
                             icon=ft.Icons.ADD_A_PHOTO_OUTLINED), review_count], wrap=True),
            review_thumbs,
            ft.Row([W.button("复查合格", passed, variant="ok", expand=1, icon=ft.Icons.VERIFIED_OUTLINED),
                    W.button("复查不合格", failed, variant="danger", expand=1)], spacing=10),
        ]
    col.append(err)

    col.append(W.section_title(f"复查记录（{len(reviews)}）"))
    if not reviews:
        col.append(ft.Text("暂无复查记录", size=15, color=T.MUTED))
    for r in reviews:
        thumbs = await ui.thumbnails(r.photo_shas, size=80)
        col.append(W.card(ft.Column([
            ft.Row([W.pill("合格" if r.passed else "不合格", fg=T.OK if r.passed else T.DANGER, bg=T.BG),
                    ft.Text(f"{r.reviewer} · {W.fmt_dt(r.reviewed_at)}", size=14, color=T.MUTED)], wrap=True),
            ft.Text(r.note or "（无意见）", size=15, color=T.TEXT),
            thumbs,
        ], spacing=4), padding=10))
    return ft.Column(col, spacing=10)
