"""The screens show what checklists v2 needs to be right, in a real Flet session on a real store:
a computed ratio read-only with its value, an exclusive option clearing the others, prefilled
answers as answered, 预警 / 记录并报告 findings apart from hazards (run screen, summary, ledger),
the 综合判定 hazard above the items, and 疑似重大 naming who determines it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import flet as ft
import pytest

from app.services import LEVEL_LABELS, Checklist, LedgerFilter, open_device
from app.ui import strings as S
from app.ui.routes import ROUTES
from app.ui.shell import AppUI
from tests.factories import TODAY, V2_SAMPLE
from tests.ui_session import controls_in, open_session, run, texts_of


@pytest.fixture
def device(tmp_path: Path):
    opened = open_device(tmp_path / "data", checklists={"v2": Checklist.model_validate(V2_SAMPLE)},
                         today=lambda: TODAY)
    yield opened
    opened.close()


@pytest.fixture
def inspection(device):
    site = device.sites.create(name="南大街商业步行街", address="钟楼区南大街 1 号", kind="人员密集场所",
                                grid="南大街-06")
    return device.inspections.start(site.id, "v2")


def screen(device, tmp_path: Path, route: str, *, at: str | None = None, inspection_id: str = "",
           act=None, width: float = 390):
    """The texts and the view of ``route`` as the inspector sees it (on the run screen, at item ``at``);
    ``act(session, view)`` runs on it afterwards (e.g. a tap), and the view is read again."""
    if at is not None:
        device.inspections.set_position(inspection_id, at)

    async def scenario():
        session, conn = open_session(width=width)
        ui = AppUI(session.page, device, ROUTES, upload_dir=tmp_path / "uploads")
        ui.install()
        session.page.route = route
        await ui.render()
        if act is not None:
            await act(session, session.page.views[-1])
        assert conn.crashes() == []
        view = session.page.views[-1]  # an action may have rendered the screen again
        return texts_of(view), view

    return run(scenario)


def shown(texts: list[str], fragment: str) -> bool:
    return any(fragment in t for t in texts)


def test_a_computed_ratio_shows_its_value_read_only(device, inspection, tmp_path):
    device.inspections.answer(inspection.id, "T", 10)
    device.inspections.answer(inspection.id, "K", 4)
    texts, view = screen(device, tmp_path, f"/run/{inspection.id}", at="R", inspection_id=inspection.id)
    assert S.COMPUTED_VALUE.format(value="40%") in texts
    assert S.COMPUTED_NOTE in texts
    assert not [c for c in controls_in(view) if isinstance(c, ft.TextField) and c.key == "answer-R"]
    assert shown(texts, "防火门损坏率 40%")  # its hazard, in the owner's words


def test_ticking_the_exclusive_option_clears_the_others_on_screen_and_in_the_answer(device, inspection, tmp_path):
    device.inspections.answer(inspection.id, "M1", ["缺防渗", "缺标识"])

    async def tick_none_of_these(session, view):
        boxes = {c.data: c for c in controls_in(view) if isinstance(c, ft.Checkbox)}
        boxes["无上述情形"].value = True  # the client flips the box, then reports the change
        await session.dispatch_event(boxes["无上述情形"]._i, "change", None)

    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}", at="M1", inspection_id=inspection.id)
    assert S.MULTI_HINT_EXCLUSIVE.format(options="“无上述情形”") in texts  # not "tick nothing"
    ticked: dict[str, bool] = {}

    async def tick_and_look(session, view):
        boxes = [c for c in controls_in(view) if isinstance(c, ft.Checkbox)]
        await tick_none_of_these(session, view)
        ticked.update({c.data: c.value for c in boxes})

    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}", at="M1", inspection_id=inspection.id,
                      act=tick_and_look)
    assert ticked == {"缺防渗": False, "缺标识": False, "无上述情形": True}
    assert device.inspections.state(inspection.id).answers["M1"].value == ["无上述情形"]
    # a whole answer: the screen has moved on to the next item
    assert device.inspections.get(inspection.id).current_item_id != "M1"


def test_prefilled_answers_show_as_answered(device, inspection, tmp_path):
    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}")
    assert S.ANSWERED.format(answered=2, total=15) in texts and shown(texts, "安全出口是否上锁")  # R is computed
    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}", at="P1", inspection_id=inspection.id)
    assert S.SAVED_ANSWER.format(value="钟楼区南大街 1 号") in texts


def test_a_warning_shows_on_its_item_on_the_summary_and_in_the_ledger_never_as_a_hazard(device, inspection,
                                                                                      tmp_path):
    device.inspections.answer(inspection.id, "W1", (TODAY - timedelta(days=31)).isoformat())
    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}", at="W1", inspection_id=inspection.id)
    assert S.FINDING_RECORDED.format(level="预警", text="危险废物贮存超过 30 天") in texts
    assert S.FINDING_NOT_A_HAZARD in texts and not shown(texts, "已记录隐患")
    assert S.LEVEL_LINE.format(level=LEVEL_LABELS["预警"]) in texts
    texts, _ = screen(device, tmp_path, f"/finish/{inspection.id}")
    assert S.WARNINGS_OF_INSPECTION.format(n=1) in texts and "危险废物贮存超过 30 天" in texts
    assert S.NO_HAZARDS in texts
    texts, _ = screen(device, tmp_path, "/ledger")
    assert S.NO_MATCHING_HAZARDS in texts and "危险废物贮存超过 30 天" not in texts

    async def show_warnings(session, view):
        chip = next(c for c in controls_in(view) if isinstance(c, ft.Chip) and c.data == "预警")
        await session.dispatch_event(chip._i, "select", True)

    texts, _ = screen(device, tmp_path, "/ledger", act=show_warnings)
    assert "危险废物贮存超过 30 天" in texts and LEVEL_LABELS["预警"] in texts


def test_the_ledger_lists_record_and_report_findings_under_their_level(device, inspection, tmp_path):
    device.inspections.answer(inspection.id, "D1", 3.5)

    async def scenario():
        session, conn = open_session()
        ui = AppUI(session.page, device, ROUTES, upload_dir=tmp_path / "uploads")
        ui.install()
        ui.ledger_filter = LedgerFilter(level="记录并报告")
        session.page.route = "/ledger"
        await ui.render()
        assert conn.crashes() == []
        return texts_of(session.page.views[-1])

    texts = run(scenario)
    assert "消防车道净宽 3.5m，低于设计要求 4 m" in texts
    assert LEVEL_LABELS["记录并报告"] in texts


def test_the_combination_hazard_shows_above_every_item_and_in_the_summary(device, inspection, tmp_path):
    for item_id in ("E1", "E2", "E3"):
        device.inspections.answer(inspection.id, item_id, "是")
    (combined,) = device.inspections.state(inspection.id).combined
    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}", at="P0", inspection_id=inspection.id)
    assert S.COMBINED_RECORDED.format(severity="疑似重大隐患（需消防救援机构认定）") in texts
    assert combined.description in texts
    texts, _ = screen(device, tmp_path, f"/finish/{inspection.id}")
    assert S.HAZARDS_OF_INSPECTION.format(n=4) in texts and combined.description in texts
    assert S.HAZARD_LINE.format(source="综合判定", n=0) in texts


def test_a_suspected_major_hazard_names_who_determines_it(device, inspection, tmp_path):
    hazard = device.inspections.answer(inspection.id, "H1", "是").hazards["H1"]
    label = "疑似重大隐患（需住建部门认定）"
    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}", at="H1", inspection_id=inspection.id)
    assert S.HAZARD_RECORDED.format(severity=label) in texts
    # beside the item on a tablet: how it is checked and what a hazard on it is
    texts, _ = screen(device, tmp_path, f"/run/{inspection.id}", at="H1", inspection_id=inspection.id, width=1000)
    assert S.METHOD_LINE.format(method="查阅记录") in texts
    assert S.HAZARD_LEVEL.format(severity=label) in texts
    texts, view = screen(device, tmp_path, f"/hazard/{hazard.id}")
    assert label in texts  # the severity chip
    fields = [c.value for c in controls_in(view) if isinstance(c, ft.TextField)]
    assert "房屋被鉴定为危房" in fields  # the finding text is the 隐患描述
    texts, _ = screen(device, tmp_path, f"/ledger/{hazard.id}")
    assert label in texts
