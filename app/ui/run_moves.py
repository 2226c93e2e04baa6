"""Moving between the items of the run screen: 下一题 / 上一题, on to the hazard sheet of a new
hazard, past a computed item that found nothing, and on to the finish screen after the last item.
``RunScreen`` (``run_screen.py``) holds the state these read and the rendering they call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.services import Hazard, Item

from . import strings as S
from .answer_controls import fmt_value

if TYPE_CHECKING:
    import flet as ft

    from app.services import Device, InspectionState

    from .answer_controls import AnswerInput
    from .shell import AppUI


class RunMoves:
    """The moves of ``RunScreen``; the attributes below are the screen's."""

    ui: AppUI
    device: Device
    inspection_id: str
    state: InspectionState
    item: Item | None
    input: AnswerInput | None
    note: ft.Text
    error: ft.Text

    if TYPE_CHECKING:  # the screen's own, declared for the type checker only
        @property
        def locked(self) -> bool: ...

        def neighbour(self, step: int) -> Item | None: ...

        async def show(self, *, update: bool = True) -> None: ...

        async def save(self, value: object, *, advance: bool, item: Item | None, withdraw: bool = False) -> bool: ...

        async def save_field(self, *, advance: bool, item: Item, field: ft.TextField | None) -> bool: ...

    async def open_hazard(self, hazard: Hazard) -> None:
        nxt = self.neighbour(1)
        if nxt is not None:
            await self.ui.call(self.device.inspections.set_position, self.inspection_id, nxt.id)
        self.ui.seen_hazards.add(hazard.id)
        await self.ui.go(f"/hazard/{hazard.id}")

    async def advance(self, item: Item) -> None:
        """Go to the item after ``item`` (no-op if the screen already left ``item``): a computed
        item that found nothing is passed over (its value is said on the next one), and after the
        last item comes the finish screen."""
        if self.item is None or self.item.id != item.id:
            return
        nxt = self.neighbour(1)
        self.note.visible = False
        while nxt is not None and self.passes_over(nxt):
            self.note.value = S.COMPUTED_PASSED.format(
                question=nxt.question.rstrip("？?"), value=f"{fmt_value(float(self.state.computed[nxt.id]))}{nxt.unit}")
            self.note.visible = True
            self.item = nxt
            nxt = self.neighbour(1)
        if nxt is None:
            if not self.locked:
                await self.ui.call(self.device.inspections.set_position, self.inspection_id, item.id)
            await self.ui.go(f"/finish/{self.inspection_id}")
            return
        self.item = nxt
        self.error.visible = False
        await self.ui.call(self.device.inspections.set_position, self.inspection_id, nxt.id)
        await self.show()

    def passes_over(self, item: Item) -> bool:
        """A computed item with its value and nothing found: nothing to read twice or to do."""
        return (item.computed is not None and item.id in self.state.computed
                and item.id not in self.state.hazards and item.id not in self.state.findings)

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
        self.error.visible = self.note.visible = False
        if not self.locked:
            await self.ui.call(self.device.inspections.set_position, self.inspection_id, prev.id)
        await self.show()

    async def on_manual_hazard(self) -> None:
        """A hazard seen on site that no checklist item covers (现场发现): nothing is recorded
        until the inspector saves it on its own form."""
        if self.item is not None:
            await self.ui.call(self.device.inspections.set_position, self.inspection_id, self.item.id)
        await self.ui.go(f"/hazard/new/{self.inspection_id}")
