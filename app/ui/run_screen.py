"""Run a checklist: one item at a time, every answer saved at once; a hazard answer opens the
hazard sheet; a 预警 / 记录并报告 finding shows on its item (it is no hazard); a 综合判定 hazard
shows above the item while its elements hold; the item's legal basis, how it is checked and what
it finds sit beside it on a tablet, behind a button on a phone.

The answer controls themselves are in ``answer_controls.py``; this screen owns the state, the
saving and the moving between items.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from app.services import (
    BASIS_STATUS,
    HAZARD,
    LEVEL_LABELS,
    AnXunError,
    Hazard,
    InspectionState,
    Item,
    describe_rule,
)

from . import strings as S
from . import theme as T
from . import widgets as W
from .answer_controls import AnswerInput, answer_input, computed_input, fmt_value, same_answer
from .errors import guard, message_for
from .run_status import combined_banner, finding_box, hazard_box
from .shell import AppUI


async def build(ui: AppUI, inspection_id: str) -> ft.View:
    return await RunScreen(ui, inspection_id).build()


class RunScreen:
    """The run screen of one inspection (an ``AnswerHost`` for the answer controls)."""

    def __init__(self, ui: AppUI, inspection_id: str):
        self.ui = ui
        self.device = ui.device
        self.inspection_id = inspection_id
        self.state: InspectionState
        self.item: Item | None = None
        self.lock = asyncio.Lock()
        self.show_basis = False
        self.progress = ft.ProgressBar(value=0, color=T.PRIMARY, bgcolor=T.SURFACE, height=8)
        self.progress_text = ft.Text("", size=15, color=T.MUTED, key="progress-text")
        self.item_panel = ft.Column(spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.basis_panel = ft.Column(spacing=8)
        self.basis_box = ft.Container(self.basis_panel, bgcolor=T.SURFACE, border_radius=10, padding=12)
        self.error = W.error_text()
        self.saved_text = ft.Text("", size=15, color=T.OK, weight=ft.FontWeight.W_600)
        self.hazard_slot = ft.Container()
        self.combined_slot = ft.Container(visible=False)
        #: the current item's control; where its unsaved value is
        self.input: AnswerInput | None = None
        self.shown_next = False

    # -- state --------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.state.locked

    def visible_ids(self) -> list[str]:
        return [i.id for i in self.state.visible]

    def pick_current(self) -> Item | None:
        """Where to resume: the saved position, else the first unanswered item, else the last."""
        visible = self.state.visible
        ids = self.visible_ids()
        cur = self.state.inspection.current_item_id
        if cur in ids:
            return visible[ids.index(cur)]
        for item in visible:
            if item.id not in self.state.answers:
                return item
        return visible[-1] if visible else None

    def neighbour(self, step: int) -> Item | None:
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
            controls.append(W.banner(S.READ_ONLY, fg=T.OK, bg=T.OK_BG, icon=ft.Icons.LOCK_OUTLINE))
        if self.ui.wide:
            controls.append(ft.Row([
                ft.Container(self.item_panel, expand=3),
                ft.Container(self.basis_box, expand=2),
            ], vertical_alignment=ft.CrossAxisAlignment.START, spacing=16))
        else:
            controls += [self.item_panel, self.basis_box]
        finish = ft.TextButton(
            content=ft.Text(S.FINISH_ACTION, color=T.ON_PRIMARY, size=17, weight=ft.FontWeight.W_700),
            on_click=guard(self.ui.go_handler(f"/finish/{self.inspection_id}")), height=T.TOUCH,
        )
        return self.ui.view(S.RUN_TITLE, controls, parent="/", actions=[finish], max_width=1100)

    # -- rendering ----------------------------------------------------------------------------
    def render_progress(self) -> None:
        st = self.state
        self.progress.value = (st.answered / st.total) if st.total else 0
        self.progress_text.value = S.ANSWERED.format(answered=st.answered, total=st.total)

    def render(self) -> None:
        self.render_progress()
        item = self.item
        self.input = None
        if item is None:
            self.item_panel.controls = [ft.Text(S.NO_ITEMS, color=T.MUTED)]
            self.basis_box.visible = False
            return
        ids = self.visible_ids()
        pos = ids.index(item.id) + 1 if item.id in ids else 0
        section = self.state.checklist.section_of(item.id)
        answer = self.state.answers.get(item.id)
        if item.computed is not None:
            self.input = computed_input(item, self.state.computed.get(item.id))
        else:
            self.input = answer_input(item, answer.value if answer is not None else None, self)
        c: list[ft.Control] = [
            self.combined_slot,
            ft.Row([
                ft.Text(S.ITEM_POSITION.format(pos=pos, n=len(ids)), size=15, color=T.PRIMARY,
                        weight=ft.FontWeight.W_700),
                ft.Text(item.id, size=14, color=T.MUTED, key="item-id"),
                ft.Text(section.title, size=14, color=T.MUTED),
            ], wrap=True),
            ft.Text(item.question, size=21, weight=ft.FontWeight.W_700, color=T.TEXT, key="question"),
            self.input.control,
            self.error,
        ]
        self.saved_text = ft.Text("", size=15, color=T.OK, weight=ft.FontWeight.W_600)
        self.hazard_slot = ft.Container()
        self.render_status()
        c += [self.saved_text, self.hazard_slot]
        prev_item, next_item = self.neighbour(-1), self.neighbour(1)
        self.shown_next = next_item is not None
        nav = [
            W.button(S.PREV_ITEM, self.on_prev, variant="outlined", disabled=prev_item is None, expand=1,
                     icon=ft.Icons.CHEVRON_LEFT),
        ]
        if next_item is not None:
            nav.append(W.button(S.NEXT_ITEM, self.on_next, expand=1, icon=ft.Icons.CHEVRON_RIGHT))
        else:
            nav.append(W.button(S.VIEW_RESULT if self.locked else S.GO_FINISH,
                                self.ui.go_handler(f"/finish/{self.inspection_id}"), expand=1,
                                variant="ok", icon=ft.Icons.TASK_ALT))
        c.append(ft.Row(nav, spacing=10))
        extra: list[ft.Control] = []
        if not self.ui.wide:
            extra.append(W.button(S.HIDE_BASIS if self.show_basis else S.SHOW_BASIS, self.toggle_basis,
                                  variant="text", icon=ft.Icons.MENU_BOOK_OUTLINED))
        if not self.locked:
            extra.append(W.button(S.RECORD_OTHER_HAZARD, self.on_manual_hazard, variant="text",
                                  icon=ft.Icons.ADD_ALERT_OUTLINED))
        c.append(ft.Row(extra, wrap=True, spacing=4))
        self.item_panel.controls = c
        self.render_basis(item)
        if abs(self.ui.scale - 1.0) > 0.01:
            T.scale_text(self.item_panel, self.ui.scale)
            T.scale_text(self.basis_panel, self.ui.scale)

    def render_status(self) -> None:
        """What was saved for the current item, its hazard or finding, and a 综合判定 hazard —
        updated in place after a save so the buttons stay the same widgets (a tap that started
        during the save still lands)."""
        assert self.item is not None
        answer = self.state.answers.get(self.item.id)
        hazard = self.state.hazards.get(self.item.id)
        finding = self.state.findings.get(self.item.id)
        self.saved_text.value = S.SAVED_ANSWER.format(value=fmt_value(answer.value)) if answer is not None else ""
        self.saved_text.visible = answer is not None
        self.render_combined()
        if hazard is not None:
            self.hazard_slot.content = hazard_box(self.state, hazard, self.ui.go_handler)
        elif finding is not None:
            self.hazard_slot.content = finding_box(finding)
        else:
            self.hazard_slot.content = None
        self.hazard_slot.visible = self.hazard_slot.content is not None

    def render_combined(self) -> None:
        """The 综合判定 hazard, while its elements meet the rule: above every item."""
        combined = self.state.combined
        self.combined_slot.visible = bool(combined)
        self.combined_slot.content = combined_banner(self.state, combined[0], self.ui.go_handler) if combined \
            else None

    def render_basis(self, item: Item) -> None:
        rows: list[ft.Control] = [ft.Text(S.BASIS_TITLE, size=17, weight=ft.FontWeight.W_700, color=T.TEXT)]
        if item.hint:
            rows.append(ft.Text(item.hint, size=15, color=T.TEXT, selectable=True))
        level = self.state.level_of(item)
        rows.append(ft.Row([ft.Icon(ft.Icons.RULE, color=T.DANGER, size=20),
                            ft.Text(describe_rule(item, self.state.checklist, level=level), size=15,
                                    color=T.DANGER, weight=ft.FontWeight.W_600, expand=True)]))
        rows.append(ft.Text(S.METHOD_LINE.format(method=item.method), size=14, color=T.TEXT))
        if item.hazard_when is not None:
            rows.append(ft.Text(S.LEVEL_LINE.format(level=LEVEL_LABELS[level]), size=14, color=T.MUTED))
            if level == HAZARD:
                rows.append(ft.Text(S.HAZARD_LEVEL.format(severity=self.state.item_severity_text(item)), size=14,
                                    color=T.MUTED))
        for b in item.basis:
            line = S.BASIS_LINE.format(doc=b.doc, article=f" {b.article}" if b.article else "",
                                       status=BASIS_STATUS.get(b.status, b.status))
            rows.append(ft.Text(line, size=14, color=T.MUTED, selectable=True))
        self.basis_panel.controls = rows
        self.basis_box.visible = self.show_basis

    def show_error(self, message: str) -> None:
        self.error.value, self.error.visible = message, True
        self.error.update()

    def toggle_basis(self) -> None:
        self.show_basis = not self.show_basis
        self.render()

    # -- saving (the AnswerHost side) ---------------------------------------------------------
    async def save_field(self, *, advance: bool, item: Item, field: ft.TextField | None) -> bool:
        """Save what a number/date/text field holds (blur, Enter, 下一题) — once per value."""
        if field is None or self.locked:
            return True
        raw = (field.value or "").strip()
        current = self.state.answers.get(item.id)
        if not raw and current is None:
            if advance:
                self.show_error(S.NEED_ANSWER)
            return False
        if current is not None and same_answer(current.value, raw):
            if advance:
                await self.advance(item)
            return True
        return await self.save(raw, advance=advance, item=item)

    async def save(self, value: Any, *, advance: bool, item: Item | None) -> bool:
        """Persist an answer for ``item`` at once; on a new hazard open the hazard sheet."""
        if self.locked or item is None:
            return False
        async with self.lock:
            current = self.state.answers.get(item.id)
            if current is not None and not advance and same_answer(current.value, value):
                return True  # e.g. the blur that follows Enter: already saved
            before = set(self.state.hazards)
            try:
                self.state = await self.ui.call(self.device.inspections.answer, self.inspection_id, item.id, value)
            except AnXunError as exc:
                if self.item is not None and self.item.id == item.id:
                    self.error.value, self.error.visible = message_for(exc), True
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

    async def add_photos(self, item: Item) -> None:
        """Photos for a photo item: each stored, linked and added to the answer by the service."""
        try:
            for data in await self.ui.photos.pick():
                await self.ui.call(self.device.evidence.add_to_answer, self.inspection_id, item.id, data)
        except AnXunError as exc:
            self.show_error(message_for(exc))
        finally:
            self.state = await self.ui.call(self.device.inspections.state, self.inspection_id)
            self.render()
            self.ui.page.update()

    async def confirm_photos(self, item: Item) -> None:
        """不拍照，跳过 / 确认: an empty answer, or keep the photos already in the answer."""
        if item.id in self.state.answers:
            await self.advance(item)
        else:
            await self.save([], advance=True, item=item)

    # -- moving -------------------------------------------------------------------------------
    async def open_hazard(self, hazard: Hazard) -> None:
        nxt = self.neighbour(1)
        if nxt is not None:
            await self.ui.call(self.device.inspections.set_position, self.inspection_id, nxt.id)
        self.ui.seen_hazards.add(hazard.id)
        await self.ui.go(f"/hazard/{hazard.id}")

    async def advance(self, item: Item) -> None:
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

    async def on_next(self) -> None:
        item, shown = self.item, self.input
        if item is None or shown is None:
            return
        if self.locked:
            await self.advance(item)
            return
        if shown.field is not None and not await self.save_field(advance=False, item=item, field=shown.field):
            return
        # What is ticked on screen is the answer, even if a tick's own save is still on its way
        # (save() serialises them and skips an unchanged value); none ticked means 无.
        if item.kind == "multi_choice" and not await self.save(shown.ticked(), advance=False, item=item):
            return
        hazard = self.state.hazards.get(item.id)
        if hazard is not None and hazard.id not in self.ui.seen_hazards:
            await self.open_hazard(hazard)
            return
        await self.advance(item)

    async def on_prev(self) -> None:
        item, shown = self.item, self.input
        if item is not None and shown is not None and shown.field is not None and not self.locked:
            saved = await self.save_field(advance=False, item=item, field=shown.field)
            if not saved and (shown.field.value or "").strip():
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

    async def on_manual_hazard(self) -> None:
        """A hazard seen on site that no checklist item covers (现场发现)."""
        try:
            hazard = await self.ui.call(self.device.hazards.create, site_id=self.state.site.id,
                                        inspection_id=self.inspection_id, description=S.OTHER_HAZARD_DESCRIPTION)
        except AnXunError as exc:
            self.show_error(message_for(exc))
            return
        self.ui.seen_hazards.add(hazard.id)
        await self.ui.go(f"/hazard/{hazard.id}")
