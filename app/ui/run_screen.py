"""Run a checklist: one item at a time, every answer saved at once; a hazard answer opens the
hazard sheet; a 预警 / 记录并报告 finding shows on its item (it is no hazard); a 综合判定 hazard
shows above the item while its elements hold; the answer that makes a finding is named under the
question; the item's legal basis, how it is checked and what it finds sit beside it on a tablet,
behind a button on a phone. 上一题 / 下一题 sit in the bottom bar, never below the fold.

A changed answer that would withdraw a hazard the inspector has written up (部位, photos …) asks
first; its details come back when the answer does (``device.inspections.answer(withdraw=…)``).

The answer controls themselves are in ``answer_controls.py``, the moving between items in
``run_moves.py``; this screen owns the state, the rendering and the saving.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from app.services import AnXunError, Hazard, InspectionState, Item, WithdrawalNeedsConfirm

from . import strings as S
from . import theme as T
from . import widgets as W
from .answer_controls import AnswerInput, answer_input, computed_input, fmt_value, same_answer
from .errors import guard, message_for
from .run_moves import RunMoves
from .run_status import basis_rows, combined_banner, finding_box, hazard_box, rule_line
from .shell import AppUI

#: The item panel's share of a tablet's width (the basis panel has the rest).
WIDE_SHARE = 3 / 5


async def build(ui: AppUI, inspection_id: str) -> ft.View:
    return await RunScreen(ui, inspection_id).build()


class RunScreen(RunMoves):
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
        self.nav = ft.Container(expand=True)
        #: said once on the item after a computed one passed over, e.g. 已自动计算：人均使用面积 4.5m²
        self.note = ft.Text("", size=15, color=T.PRIMARY, visible=False, key="computed-note")
        #: the current item's control; where its unsaved value is
        self.input: AnswerInput | None = None
        self.shown_next = False

    # -- state --------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.state.locked

    @property
    def level(self) -> str:
        assert self.item is not None
        return self.state.level_of(self.item)

    @property
    def content_width(self) -> float:
        width = (self.ui.page.width or 390) - 24
        return min(width, 1100) * WIDE_SHARE - 16 if self.ui.wide else width

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
        await self.show(update=False)
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
        return self.ui.view(S.RUN_TITLE, controls, parent="/", actions=[finish], max_width=1100, bottom=[self.nav])

    # -- rendering ----------------------------------------------------------------------------
    def render_progress(self) -> None:
        st = self.state
        self.progress.value = (st.answered / st.total) if st.total else 0
        self.progress_text.value = S.ANSWERED.format(answered=st.answered, total=st.total)

    async def show(self, *, update: bool = True) -> None:
        """Render the current item (its photos read from disk) and, by default, send it."""
        self.render()
        item = self.item
        if item is not None and item.kind == "photo" and self.input is not None:
            answer = self.state.answers.get(item.id)
            shas = list(answer.value) if answer is not None else []
            thumbs = await self.ui.photos.thumbnails(shas)
            if isinstance(self.input.control, ft.Column):
                self.input.control.controls.append(thumbs)
        if update:
            self.ui.page.update()

    def render(self) -> None:
        self.render_progress()
        item = self.item
        self.input = None
        if item is None:
            self.item_panel.controls = [ft.Text(S.NO_ITEMS, color=T.MUTED)]
            self.basis_box.visible = False
            self.nav.content = None
            return
        ids = self.visible_ids()
        pos = ids.index(item.id) + 1 if item.id in ids else 0
        section = self.state.checklist.section_of(item.id)
        answer = self.state.answers.get(item.id)
        if item.computed is not None:
            self.input = computed_input(item, self.state.computed.get(item.id))
        else:
            self.input = answer_input(item, answer.value if answer is not None else None, self)
        question = ft.Text(item.question, size=21, weight=ft.FontWeight.W_700, color=T.TEXT, key="question")
        c: list[ft.Control] = [
            self.combined_slot,
            self.note,
            ft.Row([
                ft.Text(S.ITEM_POSITION.format(pos=pos, n=len(ids)), size=15, color=T.PRIMARY,
                        weight=ft.FontWeight.W_700),
                ft.Text(section.title, size=14, color=T.MUTED),
            ], wrap=True),
            # The item id is no word for the inspector: it stays out of sight, for tests and tools.
            ft.Semantics(identifier=item.id, content=question),
        ]
        line = rule_line(self.state, item)
        if line is not None:
            c.append(line)
        if item.prefill is not None and answer is not None:
            c.append(ft.Text(S.PREFILLED, size=14, color=T.MUTED))
        c += [self.input.control, self.error]
        self.saved_text = ft.Text("", size=15, color=T.OK, weight=ft.FontWeight.W_600)
        self.hazard_slot = ft.Container()
        self.render_status()
        c += [self.saved_text, self.hazard_slot]
        extra: list[ft.Control] = []
        if not self.ui.wide:
            extra.append(W.button(S.HIDE_BASIS if self.show_basis else S.SHOW_BASIS, self.toggle_basis,
                                  variant="text", icon=ft.Icons.MENU_BOOK_OUTLINED))
        if not self.locked:
            extra.append(W.button(S.RECORD_OTHER_HAZARD, self.on_manual_hazard, variant="text",
                                  icon=ft.Icons.ADD_ALERT_OUTLINED))
        c.append(ft.Row(extra, wrap=True, spacing=4))
        self.item_panel.controls = c
        self.render_nav()
        self.basis_panel.controls = basis_rows(self.state, item)
        self.basis_box.visible = self.show_basis
        if abs(self.ui.scale - 1.0) > 0.01:
            for panel in (self.item_panel, self.basis_panel, self.nav):
                T.scale_text(panel, self.ui.scale)

    def render_nav(self) -> None:
        """上一题 and 下一题 (去完成检查 on the last item) in the bottom bar, side by side when
        their labels fit on one line at the text size in force, else one above the other."""
        prev_item, next_item = self.neighbour(-1), self.neighbour(1)
        self.shown_next = next_item is not None
        forward = S.NEXT_ITEM if next_item is not None else (S.VIEW_RESULT if self.locked else S.GO_FINISH)
        wide = W.fits_in_row([S.PREV_ITEM, forward], (self.ui.page.width or 390) - 24, 17 * self.ui.scale,
                             icon=True)
        back = W.button(S.PREV_ITEM, self.on_prev, variant="outlined", disabled=prev_item is None,
                        expand=1 if wide else None, icon=ft.Icons.CHEVRON_LEFT)
        if next_item is not None:
            on = W.button(S.NEXT_ITEM, self.on_next, expand=1 if wide else None, icon=ft.Icons.CHEVRON_RIGHT)
        else:
            on = W.button(forward, self.ui.go_handler(f"/finish/{self.inspection_id}"), expand=1 if wide else None,
                          variant="ok", icon=ft.Icons.TASK_ALT)
        self.nav.content = ft.Row([back, on], spacing=10) if wide else \
            ft.Column([on, back], spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def render_status(self) -> None:
        """What was saved for the current item, its hazard or finding, and a 综合判定 hazard —
        updated in place after a save so the buttons stay the same widgets (a tap that started
        during the save still lands)."""
        assert self.item is not None
        answer = self.state.answers.get(self.item.id)
        hazard = self.state.hazards.get(self.item.id)
        finding = self.state.findings.get(self.item.id)
        said = answer is not None and self.item.kind != "photo"  # photos show as thumbnails instead
        self.saved_text.value = S.SAVED_ANSWER.format(value=fmt_value(answer.value)) if said and answer else ""
        self.saved_text.visible = said
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

    def show_error(self, message: str) -> None:
        self.error.value, self.error.visible = message, True
        self.error.update()

    async def toggle_basis(self) -> None:
        self.show_basis = not self.show_basis
        await self.show()

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

    async def save(self, value: Any, *, advance: bool, item: Item | None, withdraw: bool = False) -> bool:
        """Persist an answer for ``item`` at once; on a new hazard open the hazard sheet.

        :param withdraw: the inspector confirmed withdrawing hazards they had written up.
        """
        if self.locked or item is None:
            return False
        asked: WithdrawalNeedsConfirm | None = None
        async with self.lock:
            current = self.state.answers.get(item.id)
            if current is not None and not advance and same_answer(current.value, value):
                return True  # e.g. the blur that follows Enter: already saved
            before = set(self.state.hazards)
            try:
                self.state = await self.ui.call(self.device.inspections.answer, self.inspection_id, item.id, value,
                                                withdraw=withdraw)
            except WithdrawalNeedsConfirm as exc:
                asked = exc
            except AnXunError as exc:
                if self.item is not None and self.item.id == item.id:
                    self.error.value, self.error.visible = message_for(exc), True
                    self.ui.page.update()
                return False
            if asked is None:
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
        if asked is not None:
            return await self.confirm_withdrawal(asked, value, advance=advance, item=item)
        if advance:
            await self.advance(item)
        else:
            if item.kind == "photo" or (self.neighbour(1) is not None) != self.shown_next:
                await self.show(update=False)  # skip logic changed what comes next
            else:
                self.render_progress()
                self.render_status()
            self.ui.page.update()
        return True

    async def confirm_withdrawal(self, asked: WithdrawalNeedsConfirm, value: Any, *, advance: bool,
                                 item: Item) -> bool:
        """Ask before withdrawing written-up hazards; on 保留原答案 the screen shows the saved answer again."""
        if await W.confirm(self.ui.page, title=S.WITHDRAW_TITLE, body=S.WITHDRAW_BODY.format(message=asked.message),
                           yes=S.WITHDRAW_CONFIRM, no=S.KEEP_ANSWER):
            return await self.save(value, advance=advance, item=item, withdraw=True)
        if self.item is not None and self.item.id == item.id:
            await self.show()  # the ticks or the field go back to what is saved
        return False

    async def add_photos(self, item: Item) -> None:
        """Photos for a photo item: each stored, linked and added to the answer by the service."""
        try:
            for data in await self.ui.photos.pick():
                await self.ui.call(self.device.evidence.add_to_answer, self.inspection_id, item.id, data)
        except AnXunError as exc:
            self.show_error(message_for(exc))
        finally:
            self.state = await self.ui.call(self.device.inspections.state, self.inspection_id)
            await self.show()

    async def confirm_photos(self, item: Item) -> None:
        """不拍照，跳过 / 确认: an empty answer, or keep the photos already in the answer."""
        if item.id in self.state.answers:
            await self.advance(item)
        else:
            await self.save([], advance=True, item=item)
