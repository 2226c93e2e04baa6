"""Site search in Chinese, kind filter, an invalid number shown inline without losing the input,
and leaving an inspection then resuming it at the same item (phone width)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import OUT, running_app
from .conftest import JS_ITEM
from .test_inspection_flow import poll

pytestmark = pytest.mark.browser


@pytest.fixture()
def seeded_server(tmp_path: Path):
    from app.services import open_device

    data = tmp_path / "data"
    device = open_device(data)
    device.sites.create(name="荷花池街道12号群租房", address="钟楼区荷花池街道12号", kind="群租房", grid="荷花池-02")
    device.sites.create(name="星港大厦", address="钟楼区星港路1号", kind="高层公共建筑", grid="南大街-06")
    device.settings.update(inspector_name="王网格")
    device.close()
    # Same as app_server: stopped afterwards and its log checked for tracebacks through app/.
    with running_app(data, tmp_path / "app.log") as server:
        yield server


def test_search_invalid_number_and_resume(seeded_server, make_page) -> None:
    fp, net = make_page("390x844", OUT / "screenshots" / "390x844" / "search-resume")
    page = fp.page
    fp.open(seeded_server.url)
    fp.click("新建检查", timeout=30_000)
    fp.wait_text("共 2 个场所")

    # Chinese substring search, then the kind filter.
    fp.fill("搜索场所（名称或地址）", "荷花")
    fp.wait_text("共 1 个场所")
    assert page.get_by_role("button", name=re.compile("荷花池街道12号群租房")).count() == 1
    fp.shot("search")
    fp.fill("搜索场所（名称或地址）", "")
    fp.wait_text("共 2 个场所")
    page.get_by_role("checkbox", name="高层公共建筑", exact=True).click()
    fp.wait_text("共 1 个场所")
    assert page.get_by_role("button", name=re.compile("星港大厦")).count() == 1
    page.get_by_role("checkbox", name="全部类型", exact=True).click()
    fp.wait_text("共 2 个场所")

    # Only the checklists whose scope fits the site's kind are offered.
    page.get_by_role("button", name=re.compile("荷花池街道12号群租房")).click()
    fp.button("开始检查：群租房").wait_for()
    assert fp.button("开始检查：危废贮存").count() == 0
    assert fp.button("开始检查：高层建筑").count() == 0
    fp.click("开始检查：群租房")

    # GR-00 (choice) → GR-00b (number 0–500 间): a negative count is refused inline.
    poll(lambda: page.evaluate(JS_ITEM) == "GR-00")
    fp.click("成套住宅")
    poll(lambda: page.evaluate(JS_ITEM) == "GR-00b")
    fp.fill("数值（间）", "-3")
    page.keyboard.press("Enter")
    fp.wait_text(re.compile("数值不能小于"))
    assert page.get_by_label("数值（间）", exact=True).input_value() == "-3"
    assert page.evaluate(JS_ITEM) == "GR-00b"
    fp.shot("invalid-number")
    fp.fill("数值（间）", "6")
    page.keyboard.press("Enter")
    poll(lambda: page.evaluate(JS_ITEM) == "GR-00c")

    # Leave, come back through the draft list: resumes at GR-00c.
    fp.click("返回")
    fp.wait_text("未完成的检查（1）")
    fp.shot("home-draft")
    page.get_by_role("button", name=re.compile("继续检查")).click()
    poll(lambda: page.evaluate(JS_ITEM) == "GR-00c")
    fp.wait_text("已答 2/" + page.evaluate(
        "() => { for (const e of document.querySelectorAll('flt-semantics')) {"
        " const m = e.textContent.trim().match(/^已答 \\d+\\/(\\d+)$/); if (m) return m[1]; } return ''; }"))
    fp.shot("resumed")
    assert net.unexpected_failures() == []
