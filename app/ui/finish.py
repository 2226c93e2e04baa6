"""Finish: summary, completion problems, the representative's signature, 完成检查 (then read-only)."""

from __future__ import annotations

from typing import Any

import flet as ft

from . import theme as T
from . import widgets as W
from .signature import SignaturePad


async def build(ui: Any, inspection_id: str) -> ft.View:
    device = ui.device
    state = await ui.call(device.inspections.state, inspection_id)
    summary = await ui.call(device.inspections.summary, inspection_id)
    insp = state.inspection
    done = state.locked

    rows: list[ft.Control] = [
        ft.Text(f"{state.site.name} · {state.checklist.title}", size=18, weight=ft.FontWeight.W_700,
                color=T.TEXT),
        ft.Text(f"已答 {summary.answered}/{summary.total} 项", size=17, color=T.TEXT, key="answered"),
    ]
    if summary.hazards_by_severity:
        for label, n in summary.hazards_by_severity.items():
            rows.append(ft.Text(f"{label}：{n} 项", size=16, color=T.DANGER, weight=ft.FontWeight.W_600))
    else:
        rows.append(ft.Text("未发现隐患", size=16, color=T.OK, weight=ft.FontWeight.W_600))
    rating = summary.rating
    if rating is not None:
        colour = getattr(rating, "colour", "")
        rows.append(ft.Row([
            ft.Container(ft.Text(f"{colour}色", size=18, color="#FFFFFF" if colour != "黄" else T.TEXT,
                                 weight=ft.FontWeight.W_700),
                         bgcolor=T.RATING_COLOURS.get(colour, T.MUTED), border_radius=8,
                         padding=ft.Padding.symmetric(horizontal=14, vertical=6)),
            ft.Text(getattr(rating, "label", ""), size=16, color=T.TEXT, expand=True),
        ]))
    summary_card = W.card(ft.Column(rows, spacing=6), bgcolor=T.SURFACE)

    hazard_list = ft.Column(spacing=6)
    for h in state.all_hazards:
        hazard_list.controls.append(W.card(ft.Column([
            ft.Row([W.severity_pill(h.severity), ft.Text(f"{h.item_id or '其他'} · 照片 {len(h.photo_shas)} 张", size=14,
                                                          color=T.MUTED)], wrap=True),
            ft.Text(h.description, size=15, color=T.TEXT),
        ], spacing=4), on_click=ui.go_handler(f"/hazard/{h.id}"), padding=10))

    if done:
        png = await ui.call(device.inspections.signature_png, inspection_id)
        body: list[ft.Control] = [
            W.banner("检查已完成，记录只读", fg=T.OK, bg=T.OK_BG, icon=ft.Icons.TASK_ALT),
            summary_card,
            ft.Text(f"签名人：{insp.signer_name or ''}　签名时间：{W.fmt_dt(insp.signed_at)}", size=15, color=T.TEXT),
        ]
        if png:
            body.append(ft.Container(ft.Image(src=png, width=340, fit=ft.BoxFit.CONTAIN),
                                     border=ft.Border.all(1, T.BORDER), border_radius=8))
        if hazard_list.controls:
            body += [W.section_title(f"本次隐患（{len(hazard_list.controls)}）"), hazard_list]
        body += [
            W.button("查看隐患台账", ui.go_handler("/ledger"), icon=ft.Icons.LIST_ALT),
            W.button("查看检查记录", ui.go_handler(f"/run/{inspection_id}"), variant="outlined"),
            W.button("返回首页", ui.go_handler("/"), variant="outlined", icon=ft.Icons.HOME_OUTLINED),
        ]
        return ui.view("检查完成", body, parent="/")

    problems_col = ft.Column(spacing=4)

    def show_problems(problems: list[str]) -> None:
        problems_col.controls = [W.banner(p) for p in problems]

    show_problems([p for p in summary.problems])
    err = W.error_text()
    pad_w = 520 if ui.wide else max(260, min(360, (ui.page.width or 390) - 40))
    # What was typed / drawn survives going back to the checklist and returning (same session).
    draft = ui.signature_drafts.setdefault(inspection_id, {})

    def remember_strokes() -> None:
        draft["strokes"] = [list(stroke) for stroke in pad.strokes]

    pad = SignaturePad(width=pad_w, height=180, on_change=remember_strokes)
    if draft.get("strokes") and draft.get("width") == pad_w:
        pad.load(draft["strokes"])
    draft["width"] = pad_w
    stored_name = insp.signer_name or ""

    async def on_name(e: Any) -> None:
        draft["name"] = e.control.value or ""

    signer = W.field("签名人姓名", draft.get("name", stored_name), hint="现场负责人", on_change=on_name)
    signed_note = ft.Text("已签名（记录未修改）" if state.signature_valid else "", size=14, color=T.OK,
                          visible=state.signature_valid)

    async def clear(_e: Any) -> None:
        pad.clear()
        draft["strokes"] = []
        if state.signature_valid:
            msg = "已清空签名板。已保存的签名仍然有效，重新签名后才会被替换"
            signed_note.value, signed_note.color, signed_note.visible = msg, T.WARN, True
            ui.toast(msg)

    async def complete(_e: Any) -> None:
        err.visible = False
        name = (signer.value or "").strip()
        try:
            if not pad.empty:
                png = pad.to_png()
                await ui.call(lambda: device.inspections.sign(inspection_id, signer_name=name, png=png))
            elif not state.signature_valid:
                err.value, err.visible = "请现场负责人在签名板上签名", True
                return
            elif name != stored_name.strip():
                err.value, err.visible = "签名人姓名已修改，请在签名板上重新签名", True
                return
            await ui.call(device.inspections.complete, inspection_id)
        except Exception as exc:  # noqa: BLE001 - CompletionRefused / InvalidAnswer carry Chinese text
            problems = getattr(exc, "problems", None)
            if problems:
                show_problems(problems)
                err.value, err.visible = "还不能完成检查，请先处理上面的问题", True
            else:
                err.value, err.visible = W.error_message(exc), True
            return
        ui.signature_drafts.pop(inspection_id, None)
        ui.toast("检查已完成")
        await ui.render()

    body = [
        summary_card,
        problems_col,
    ]
    if hazard_list.controls:
        body += [W.section_title(f"本次隐患（{len(hazard_list.controls)}）"), hazard_list]
    body += [
        W.button("返回检查", ui.go_handler(f"/run/{inspection_id}"), variant="outlined",
                 icon=ft.Icons.ARROW_BACK),
        W.section_title("现场负责人签名"),
        ft.Text("签名即确认以上检查结果和隐患整改要求；签名后如修改记录需重新签名。", size=14, color=T.MUTED),
        signer,
        ft.Row([pad.control], alignment=ft.MainAxisAlignment.CENTER),
        ft.Row([W.button("清除签名", clear, variant="outlined", icon=ft.Icons.CLEAR), signed_note], wrap=True),
        err,
        W.button("完成检查", complete, variant="ok", icon=ft.Icons.TASK_ALT, height=60),
    ]
    return ui.view("完成检查", body, parent=f"/run/{inspection_id}")
