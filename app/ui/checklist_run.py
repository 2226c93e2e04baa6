"""Run a checklist: choose one that fits the site, then one item at a time, every answer saved at once."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Any

import flet as ft

from app.services import BASIS_STATUS, describe_rule, severity_label

from . import theme as T
from . import widgets as W

log = logging.getLogger(__name__)


async def build_choose(ui: Any, site_id: str) -> ft.View:
    device = ui.device
    site = await ui.call(device.sites.get, site_id)
    lists = await ui.call(device.inspections.checklists_for, site.kind)
    err = W.error_text()

    def start(checklist_id: str):
        async def handler(_e: Any) -> None:
            try:
                insp = await ui.call(device.inspections.start, site.id, checklist_id)
            except Exception as exc:  # noqa: BLE001 - error_message logs what it does not expect
                err.value, err.visible = W.error_message(exc), True
                return
            await ui.go(f"/run/{insp.id}")

        return handler

    cards: list[ft.Control] = []
    for c in lists:
        n = len(c.items)
        cards.append(W.card(ft.Column([
            ft.Text(c.title, size=19, weight=ft.FontWeight.W_700, color=T.TEXT),
            ft.Text(f"共 {n} 项 · 第 {c.version} 版", size=14, color=T.MUTED),
            ft.Text(c.description, size=14, color=T.MUTED, max_lines=3,
                    overflow=ft.TextOverflow.ELLIPSIS) if c.description else ft.Container(),
            W.button(f"开始检查：{c.title}", start(c.id), icon=ft.Icons.PLAY_ARROW),
        ], spacing=6)))
    if not cards:
        cards.append(W.banner(f"没有适用于“{site.kind}”的检查表"))
    header = W.card(ft.Column([
        ft.Text(site.name, size=20, weight=ft.FontWeight.W_700, color=T.TEXT),
        ft.Text(" · ".join(x for x in (site.kind, site.grid) if x), size=15, color=T.PRIMARY),
        ft.Text(site.address or "", size=14, color=T.MUTED),
        ft.Text(f"联系人：{site.contact_name} {site.contact_phone}".strip(), size=14, color=T.MUTED)
        if site.contact_name or site.contact_phone else ft.Container(),
    ], spacing=2), bgcolor=T.SURFACE)
    return ui.view("选择检查表", [header, W.section_title("适用的检查表"), *cards, err], parent="/sites")


async def build(ui: Any, inspection_id: str) -> ft.View:
    screen = RunScreen(ui, inspection_id)
    return await screen.build()


def _fmt_value(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value)) or "（未选）"
    if isinstance(value, float):
        # Plain decimals (4.5, 1234567), never exponent notation; bounded items keep 6 places.
        return f"{value:f}".rstrip("0").rstrip(".")
    return str(value)


def _same(saved: Any, value: Any) -> bool:
    """Whether a raw UI value equals the saved answer (so saving again would change nothing)."""
    if isinstance(saved, (date, datetime)):
        return str(value).strip() == saved.isoformat()
    if isinstance(saved, float):
        try:
            return float(str(value).strip()) == saved
        except ValueError:
            return False
    if isinstance(saved, list):
        return isinstance(value, list) and list(value) == saved
    return isinstance(value, str) and value.strip() == saved


class RunScreen:
    def __init__(self, ui: Any, inspection_id: str):
        self.ui = ui
        self.device = ui.device
        self.inspection_id = inspection_id
        self.state: Any = None
        self.item: Any = None
        self.lock = asyncio.Lock()
        self.show_basis = False
        self.progress = ft.ProgressBar(value=0, color=T.PRIMARY, bgcolor=T.SURFACE, height=8)
        self.progress_text = ft.Text("", size=15, color=T.MUTED, key="progress-text")
        self.item_panel = ft.Column(spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.basis_panel = ft.Column(spacing=8)
        self.basis_box = ft.Container(self.basis_panel, bgcolor=T.SURFACE, border_radius=10, padding=12)
        self.error = W.error_text()
        self.input: ft.TextField | None = None
        self.boxes: ft.Column | None = None  # the current multi-choice item's checkboxes
        self.shown_next = False

    # -- state --------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.state.locked

    def ticked(self) -> list[str]:
        """The options ticked on the current multi-choice item, in checklist order."""
        return [cb.data for cb in self.boxes.controls if cb.value] if self.boxes is not None else []

    def visible_ids(self) -> list[str]:
        return [i.id for i in self.state.visible]

    def pick_current(self) -> Any:
        visible = self.state.visible
        ids = self.visible_ids()
        cur = self.state.inspection.current_item_id
        if cur in ids:
            return visible[ids.index(cur)]
        for item in visible:
            if item.id not in self.state.answers:
                return item
        return visible[-1] if visible else None

    def neighbour(self, step: int) -> Any:
        ids = self.visible_ids()
        if self.item is None or self.item.id not in ids:
            return None
        n = ids.index(self.item.id) + step
        return self.state.visible[n] if 0 <= n < len(ids) else None

    async def build(self) -> ft.View:
        self.state = await self.ui.call(self.device.inspections.state, self.inspection_id)
        self.item = self.pick_current()
        self.show_basis = self.ui.wide
        self.render()
        st = self.state
        header = ft.Column([
            ft.Text(f"{st.site.name} · {st.checklist.title}", size=17, weight=ft.FontWeight.W_700,
                    color=T.TEXT),
            ft.Row([ft.Container(self.progress, expand=True), self.progress_text],
                   vertical_alignment=ft.CrossAxisAlignment.CENTER),
        ], spacing=4)
        controls: list[ft.Control] = [header]
        if self.locked:
            controls.append(W.banner("该检查已完成，记录只读", fg=T.OK, bg=T.OK_BG, icon=ft.Icons.LOCK_OUTLINE))
        if self.ui.wide:
            controls.append(ft.Row([
                ft.Container(self.item_panel, expand=3),
                ft.Container(self.basis_box, expand=2),
            ], vertical_alignment=ft.CrossAxisAlignment.START, spacing=16))
        else:
            controls += [self.item_panel, self.basis_box]
        finish = ft.TextButton(
            content=ft.Text("完成", color=T.ON_PRIMARY, size=17, weight=ft.FontWeight.W_700),
            on_click=self.ui.go_handler(f"/finish/{self.inspection_id}"), height=T.TOUCH,
        )
        return self.ui.view("现场检查", controls, parent="/", actions=[finish], max_width=1100)

    # -- rendering ----------------------------------------------------------------------------
    def render_progress(self) -> None:
        st = self.state
        self.progress.value = (st.answered / st.total) if st.total else 0
        self.progress_text.value = f"已答 {st.answered}/{st.total}"

    def render(self) -> None:
        st = self.state
        self.render_progress()
        item = self.item
        self.input = None
        self.boxes = None
        if item is None:
            self.item_panel.controls = [ft.Text("该检查表没有需要回答的题目", color=T.MUTED)]
            self.basis_box.visible = False
            return
        ids = self.visible_ids()
        pos = ids.index(item.id) + 1 if item.id in ids else 0
        section = st.checklist.section_of(item.id)
        answer = st.answers.get(item.id)
        c: list[ft.Control] = [
            ft.Row([
                ft.Text(f"第 {pos}/{len(ids)} 题", size=15, color=T.PRIMARY, weight=ft.FontWeight.W_700),
                ft.Text(item.id, size=14, color=T.MUTED, key="item-id"),
                ft.Text(section.title, size=14, color=T.MUTED),
            ], wrap=True),
            ft.Text(item.question, size=21, weight=ft.FontWeight.W_700, color=T.TEXT, key="question"),
        ]
        c.append(self.answer_control(item, answer))
        c.append(self.error)
        self.saved_text = ft.Text("", size=15, color=T.OK, weight=ft.FontWeight.W_600)
        self.hazard_slot = ft.Container()
        self.render_status()
        c += [self.saved_text, self.hazard_slot]
        prev_item, next_item = self.neighbour(-1), self.neighbour(1)
        self.shown_next = next_item is not None
        nav = [
            W.button("上一题", self.on_prev, variant="outlined", disabled=prev_item is None, expand=1,
                     icon=ft.Icons.CHEVRON_LEFT),
        ]
        if next_item is not None:
            nav.append(W.button("下一题", self.on_next, expand=1, icon=ft.Icons.CHEVRON_RIGHT))
        else:
            nav.append(W.button("查看检查结果" if self.locked else "去完成检查",
                                self.ui.go_handler(f"/finish/{self.inspection_id}"), expand=1,
                                variant="ok", icon=ft.Icons.TASK_ALT))
        c.append(ft.Row(nav, spacing=10))
        extra: list[ft.Control] = []
        if not self.ui.wide:
            extra.append(W.button("隐藏说明与依据" if self.show_basis else "查看说明与依据", self.toggle_basis,
                                  variant="text", icon=ft.Icons.MENU_BOOK_OUTLINED))
        if not self.locked:
            extra.append(W.button("记录其他隐患", self.on_manual_hazard, variant="text",
                                  icon=ft.Icons.ADD_ALERT_OUTLINED))
        c.append(ft.Row(extra, wrap=True, spacing=4))
        self.item_panel.controls = c
        self.render_basis(item)
        if abs(self.ui.scale - 1.0) > 0.01:
            from .shell import scale_text

            scale_text(self.item_panel, self.ui.scale)
            scale_text(self.basis_panel, self.ui.scale)

    def render_status(self) -> None:
        """What was saved for the current item and its hazard — updated in place after a save so
        the buttons stay the same widgets (a tap that started during the save still lands)."""
        item = self.item
        answer = self.state.answers.get(item.id)
        hazard = self.state.hazards.get(item.id)
        self.saved_text.value = f"已保存：{_fmt_value(answer.value)}" if answer is not None else ""
        self.saved_text.visible = answer is not None
        if hazard is None:
            self.hazard_slot.content = None
            self.hazard_slot.visible = False
            return
        need_photo = hazard.photo_required and not hazard.photo_shas
        self.hazard_slot.visible = True
        self.hazard_slot.content = ft.Container(
            ft.Column([
                ft.Row([ft.Icon(ft.Icons.REPORT_PROBLEM, color=T.DANGER),
                        ft.Text(f"已记录隐患 · {severity_label(hazard.severity)}", color=T.DANGER,
                                size=16, weight=ft.FontWeight.W_700, expand=True)]),
                ft.Text(f"照片 {len(hazard.photo_shas)} 张" + ("（需要照片）" if need_photo else ""),
                        size=14, color=T.DANGER if need_photo else T.MUTED),
                W.button("填写隐患信息", self.ui.go_handler(f"/hazard/{hazard.id}"), variant="danger",
                         icon=ft.Icons.EDIT_NOTE),
            ], spacing=6),
            bgcolor=T.DANGER_BG, border=ft.Border.all(1, T.DANGER), border_radius=10, padding=10,
        )

    def render_basis(self, item: Any) -> None:
        rows: list[ft.Control] = [ft.Text("说明与依据", size=17, weight=ft.FontWeight.W_700, color=T.TEXT)]
        if item.hint:
            rows.append(ft.Text(item.hint, size=15, color=T.TEXT, selectable=True))
        rows.append(ft.Row([ft.Icon(ft.Icons.RULE, color=T.DANGER, size=20),
                            ft.Text(describe_rule(item, self.state.checklist), size=15, color=T.DANGER,
                                    weight=ft.FontWeight.W_600, expand=True)]))
        if item.hazard_when is not None:
            rows.append(ft.Text(f"隐患等级：{severity_label(item.severity)}", size=14, color=T.MUTED))
        for b in item.basis:
            art = f" {b.article}" if b.article else ""
            rows.append(ft.Text(f"· {b.doc}{art}（{BASIS_STATUS.get(b.status, b.status)}）", size=14,
                                color=T.MUTED, selectable=True))
        self.basis_panel.controls = rows
        self.basis_box.visible = self.show_basis

    def answer_control(self, item: Any, answer: Any) -> ft.Control:
        value = answer.value if answer is not None else None
        dis = self.locked
        on_blur, on_submit = self.field_handlers(item)
        kind = item.kind
        if kind == "yes_no_na":
            return ft.Row([
                W.button(opt, self.choose(opt), variant="selected" if value == opt else "outlined",
                         height=64, expand=1, disabled=dis, size=20)
                for opt in ("是", "否", "不适用")
            ], spacing=10)
        if kind == "choice":
            return ft.Column([
                W.button(opt, self.choose(opt), variant="selected" if value == opt else "outlined",
                         height=56, disabled=dis)
                for opt in item.options
            ], spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        if kind == "multi_choice":
            chosen = set(value or [])
            boxes = ft.Column(spacing=2)

            async def toggle(_e: Any) -> None:
                await self.save(self.ticked(), advance=False, item=item)

            self.boxes = boxes
            boxes.controls = [
                ft.Checkbox(label=opt, value=opt in chosen, data=opt, on_change=toggle, disabled=dis,
                            label_style=ft.TextStyle(size=17, color=T.TEXT), height=T.TOUCH)
                for opt in item.options
            ]
            return ft.Column([ft.Text("可多选；都没有则不勾选，直接点“下一题”", size=14, color=T.MUTED), boxes])
        if kind == "number":
            bounds = []
            if item.min is not None:
                bounds.append(f"最小 {item.min:g}")
            if item.max is not None:
                bounds.append(f"最大 {item.max:g}")
            tf = W.field(f"数值（{item.unit}）", _fmt_value(value) if value is not None else "",
                         keyboard=ft.KeyboardType.NUMBER, suffix=item.unit,
                         helper="，".join(bounds) + (f"（单位 {item.unit}）" if bounds else "") or None,
                         on_blur=on_blur, on_submit=on_submit, read_only=dis)
            tf.key = f"answer-{item.id}"
            self.input = tf
            return tf
        if kind == "date":
            shown = value.isoformat() if isinstance(value, (date, datetime)) else (value or "")
            tf = W.field("日期（年-月-日）", str(shown), hint="如 2026-11-01", keyboard=ft.KeyboardType.DATETIME,
                         on_blur=on_blur, on_submit=on_submit, read_only=dis)
            tf.key = f"answer-{item.id}"
            self.input = tf

            async def today(_e: Any) -> None:
                tf.value = self.device.today().isoformat()  # the inspector's day (UTC+8), not the server's
                await self.save(tf.value, advance=False, item=item)

            async def open_picker(_e: Any) -> None:
                async def picked(e: Any) -> None:
                    picked_day = W.picked_date(e.control.value)
                    if picked_day is not None:
                        tf.value = picked_day.isoformat()
                        await self.save(tf.value, advance=False, item=item)

                self.ui.page.show_dialog(ft.DatePicker(
                    first_date=datetime(2000, 1, 1), last_date=datetime(2100, 12, 31),
                    on_change=picked, help_text="选择日期", cancel_text="取消", confirm_text="确定"))

            return ft.Column([tf, ft.Row([
                W.button("选择日期", open_picker, variant="outlined", icon=ft.Icons.CALENDAR_MONTH,
                         disabled=dis),
                W.button("今天", today, variant="outlined", disabled=dis),
            ], wrap=True)])
        if kind == "text":
            tf = W.field("答案", str(value or ""), multiline=True, on_blur=on_blur, read_only=dis)
            tf.key = f"answer-{item.id}"
            self.input = tf
            return tf
        # photo items: the answer is the list of photo hashes.
        shas = list(value or [])

        async def add(_e: Any) -> None:
            try:
                for data in await self.ui.pick_photos():
                    # Stored, linked and added to the answer at once by the service.
                    await self.ui.call(self.device.evidence.add_to_answer, self.inspection_id, item.id, data)
            except Exception as exc:  # noqa: BLE001 - error_message logs what it does not expect
                self.show_error(W.error_message(exc))
            finally:
                self.state = await self.ui.call(self.device.inspections.state, self.inspection_id)
                self.render()
                self.ui.page.update()

        async def none(_e: Any) -> None:
            if item.id in self.state.answers:
                await self.advance(item)  # the photos are already in the answer
            else:
                await self.save([], advance=True, item=item)

        controls: list[ft.Control] = [
            ft.Text(f"已拍 {len(shas)} 张", size=15, color=T.TEXT),
            W.button("添加照片", add, variant="outlined", icon=ft.Icons.ADD_A_PHOTO_OUTLINED, disabled=dis),
        ]
        if not item.required or shas:
            controls.append(W.button("确认（不再添加）" if shas else "不拍照，跳过", none, variant="outlined",
                                     disabled=dis))
        return ft.Column(controls, spacing=8)

    def toggle_basis(self, _e: Any) -> None:
        self.show_basis = not self.show_basis
        self.render()

    # -- actions ------------------------------------------------------------------------------
    def choose(self, option: str):
        async def handler(_e: Any) -> None:
            await self.save(option, advance=True, item=self.item)

        return handler

    def field_handlers(self, item: Any) -> tuple[Any, Any]:
        """on_blur / on_submit bound to ``item``: a blur can arrive after the screen moved on."""

        async def on_blur(e: Any) -> None:
            await self.save_field(advance=False, item=item, field=e.control)

        async def on_submit(e: Any) -> None:
            await self.save_field(advance=True, item=item, field=e.control)

        return on_blur, on_submit

    async def save_field(self, *, advance: bool, item: Any, field: Any) -> bool:
        """Save what a number/date/text field holds (blur, Enter, 下一题) — once per value."""
        if field is None or self.locked:
            return True
        raw = (field.value or "").strip()
        current = self.state.answers.get(item.id)
        if not raw and current is None:
            if advance:
                self.show_error("请先填写答案")
            return False
        if current is not None and _same(current.value, raw):
            if advance:
                await self.advance(item)
            return True
        return await self.save(raw, advance=advance, item=item)

    def show_error(self, message: str) -> None:
        self.error.value, self.error.visible = message, True
        self.error.update()

    async def save(self, value: Any, *, advance: bool, item: Any) -> bool:
        """Persist an answer for ``item`` at once; on a new hazard open the hazard sheet."""
        if self.locked or item is None:
            return False
        async with self.lock:
            current = self.state.answers.get(item.id)
            if current is not None and not advance and _same(current.value, value):
                return True  # e.g. the blur that follows Enter: already saved
            before = set(self.state.hazards)
            try:
                self.state = await self.ui.call(self.device.inspections.answer, self.inspection_id, item.id, value)
            except Exception as exc:  # noqa: BLE001 - error_message logs what it does not expect
                msg = W.error_message(exc)
                if self.item is not None and self.item.id == item.id:
                    self.error.value, self.error.visible = msg, True
                    self.ui.page.update()
                return False
            if self.item is None or self.item.id != item.id:
                # The inspector already moved on (a blur that landed late): keep the screen — and
                # whatever is being typed into the current field — as it is; refresh progress only.
                self.render_progress()
                self.ui.page.update()
                return True
            self.error.value, self.error.visible = "", False
            hazard = self.state.hazards.get(item.id)
            new_hazard = hazard is not None and item.id not in before
            if advance and hazard is not None and (new_hazard or hazard.id not in self.ui.seen_hazards):
                await self.open_hazard(hazard)
                return True
        if advance:
            await self.advance(item)
        else:
            if item.kind == "photo" or (self.neighbour(1) is not None) != self.shown_next:
                self.render()  # skip logic changed what comes next
            else:
                self.render_progress()
                self.render_status()
            self.ui.page.update()
        return True

    async def open_hazard(self, hazard: Any) -> None:
        nxt = self.neighbour(1)
        if nxt is not None:
            await self.ui.call(self.device.inspections.set_position, self.inspection_id, nxt.id)
        self.ui.seen_hazards.add(hazard.id)
        await self.ui.go(f"/hazard/{hazard.id}")

    async def advance(self, item: Any) -> None:
        """Go to the item after ``item`` (no-op if the screen already left ``item``)."""
        if self.item is None or self.item.id != item.id:
            return
        nxt = self.neighbour(1)
        if nxt is not None:
            self.item = nxt
            self.error.visible = False
            await self.ui.call(self.device.inspections.set_position, self.inspection_id, nxt.id)
        self.render()
        self.ui.page.update()

    async def on_next(self, _e: Any) -> None:
        item, field = self.item, self.input
        if item is None:
            return
        if field is not None and not self.locked:
            if not await self.save_field(advance=False, item=item, field=field):
                return
        if item.kind == "multi_choice" and not self.locked:
            # What is ticked on screen is the answer, even if a tick's own save is still on its
            # way (save() serialises them and skips an unchanged value); none ticked means 无.
            if not await self.save(self.ticked(), advance=False, item=item):
                return
        hazard = self.state.hazards.get(item.id)
        if hazard is not None and hazard.id not in self.ui.seen_hazards and not self.locked:
            await self.open_hazard(hazard)
            return
        await self.advance(item)

    async def on_manual_hazard(self, _e: Any) -> None:
        """A hazard seen on site that no checklist item covers (现场发现)."""
        try:
            hazard = await self.ui.call(lambda: self.device.hazards.create(
                site_id=self.state.site.id, inspection_id=self.inspection_id,
                description="现场发现的其他隐患（请填写具体情况）"))
        except Exception as exc:  # noqa: BLE001 - error_message logs what it does not expect
            self.show_error(W.error_message(exc))
            return
        self.ui.seen_hazards.add(hazard.id)
        await self.ui.go(f"/hazard/{hazard.id}")

    async def on_prev(self, _e: Any) -> None:
        item, field = self.item, self.input
        if field is not None and not self.locked:
            saved = await self.save_field(advance=False, item=item, field=field)
            if not saved and (field.value or "").strip():
                return  # the refused value stays in the field with its message; nothing is lost
        prev = self.neighbour(-1)
        if prev is None:
            return
        self.item = prev
        self.error.visible = False
        if not self.locked:
            await self.ui.call(self.device.inspections.set_position, self.inspection_id, prev.id)
        self.render()
        self.ui.page.update()
