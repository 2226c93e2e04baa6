"""At phone width, through the real UI in Chromium: site search in Chinese and the kind filter,
only fitting checklists offered, an invalid number refused inline without losing the input, and
leaving an inspection then resuming it at the same item."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.services import open_device
from app.ui import strings as S

from .harness import OUT, poll, running_app, step

pytestmark = pytest.mark.browser


@pytest.fixture()
def seeded_server(tmp_path: Path):  # noqa: ANN201
    data = tmp_path / "data"
    device = open_device(data)
    device.sites.create(name="荷花池街道12号群租房", address="钟楼区荷花池街道12号", kind="群租房", grid="荷花池-02")
    device.sites.create(name="星港大厦", address="钟楼区星港路1号", kind="高层公共建筑", grid="南大街-06")
    device.settings.update(inspector_name="王网格")
    device.close()
    # Same as app_server: stopped afterwards and its log checked for tracebacks through app/.
    with running_app(data, tmp_path / "app.log") as server:
        yield server


def test_search_filters_sites_refuses_a_bad_number_inline_and_resumes_at_the_same_item(
        seeded_server, make_page) -> None:
    fp, net = make_page("390x844", OUT / "screenshots" / "390x844" / "search-resume")
    page = fp.page
    sites = lambda n: S.SITES_COUNT.format(n=n)  # noqa: E731

    with step("the site list opens with both sites"):
        fp.open(seeded_server.url)
        fp.click(S.NEW_INSPECTION, timeout=30_000)
        fp.wait_text(sites(2))

    with step("Chinese substring search, then the kind filter (folded behind 筛选)"):
        fp.fill(S.SEARCH_SITES, "荷花")
        fp.wait_text(sites(1))
        assert fp.site_card("荷花池街道12号群租房").count() == 1
        fp.shot("search")
        fp.fill(S.SEARCH_SITES, "")
        fp.wait_text(sites(2))
        fp.click(S.FILTERS)
        page.get_by_role("checkbox", name="高层公共建筑", exact=True).click()
        fp.wait_text(sites(1))
        assert fp.site_card("星港大厦").count() == 1
        page.get_by_role("checkbox", name=S.ALL_KINDS, exact=True).click()
        fp.wait_text(sites(2))

    with step("only the checklists whose scope fits the site's kind are offered, on its card"):
        fp.click(S.FILTERS)  # fold the filters again: unfolded, they push the card below the fold
        card = fp.site_card("荷花池街道12号群租房")
        offered = lambda title: card.get_by_role("button", name=S.START_CHECKLIST.format(title=title), exact=True)  # noqa: E731
        offered("群租房").wait_for()
        assert offered("危废贮存").count() == 0 and offered("高层建筑").count() == 0
        offered("群租房").click()

    number = S.NUMBER_FIELD.format(unit="间")
    with step("GR-00b (number 0–500 间): a negative count is refused inline, the input kept"):
        poll(lambda: fp.item_id() == "GR-00")
        fp.click("成套住宅")
        poll(lambda: fp.item_id() == "GR-00b")
        fp.fill(number, "-3")
        page.keyboard.press("Enter")
        fp.wait_text(re.compile("数值不能小于"))
        assert page.get_by_label(number, exact=True).input_value() == "-3"
        assert fp.item_id() == "GR-00b"
        fp.shot("invalid-number")
        fp.fill(number, "6")
        page.keyboard.press("Enter")
        poll(lambda: fp.item_id() == "GR-00c")

    with step("leaving and coming back through the draft list resumes at GR-00c"):
        # 3 answered: GR-00 and GR-00b typed, GR-00a (the address) from the site record
        fp.click(S.BACK)
        fp.wait_text(S.DRAFTS.format(n=1))
        fp.shot("home-draft")
        page.get_by_role("button", name=re.compile("继续检查")).click()
        poll(lambda: fp.item_id() == "GR-00c")
        fp.wait_text("已答 3/" + page.evaluate(
            "() => { for (const e of document.querySelectorAll('flt-semantics')) {"
            " const m = e.textContent.trim().match(/^已答 \\d+\\/(\\d+)$/); if (m) return m[1]; } return ''; }"))
        fp.shot("resumed")

    with step("no request failed"):
        assert net.unexpected_failures() == []
