"""Demo records for a fresh ``--demo`` run: hazards found at the demo sites in the past weeks, one
in each status of the lifecycle and one overdue, so that the 隐患台账 is not empty on first start.

They are recorded as what they are — past records: each is written through the services on the
day it happened (``Device.as_of``), so the rules that look at "today" (a 整改期限 not before the
day it is set, default deadlines) count from that day, as they did for the inspector then.
``app.demo.seed_demo`` adds the sites first; call ``seed_demo_records(device)`` after it.
"""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta

from app.services import AWAITING_REVIEW, GENERAL, MAJOR, RECTIFYING, Device

log = logging.getLogger(__name__)

#: Who recorded the demo 复查 (a colleague of the demo inspector).
REVIEWER = "演示复查员"


def _photo(colour: tuple[int, int, int]) -> bytes:
    """A plain demo picture (no real site is shown)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (960, 720), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((120, 120, 840, 600), outline=(255, 255, 255), width=12)
    draw.line((120, 600, 840, 120), fill=(255, 255, 255), width=12)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def seed_demo_records(device: Device, *, today: date | None = None) -> int:
    """Add the demo hazards once (none when the ledger holds any); returns how many were added.

    :param today: the day the demo is seen from, e.g. ``date(2026, 11, 29)``; default the device's.
    """
    if device.hazards.ledger(limit=1):
        return 0
    day = today or device.today()
    sites = {s.kind: s for s in reversed(device.sites.search(limit=50))}
    rental, lane, waste = sites.get("群租房"), sites.get("小区/单位消防车通道"), sites.get("危废产生单位")
    if rental is None or lane is None or waste is None:
        return 0

    def on(days_ago: int) -> Device:
        return device.as_of(day - timedelta(days=days_ago))

    # 待整改 and overdue: found five weeks ago with the default 7-day 整改期限.
    on(35).hazards.create(site_id=rental.id, description="疏散楼梯间堆放纸箱和旧家具", location="2 单元一楼楼梯间",
                          rect_unit="房东 李梅", requirement="清除楼梯间堆放物", photos=[_photo((150, 110, 70))])
    # 整改中: found three weeks ago, 30 days given.
    found = on(21).hazards.create(site_id=lane.id, description="消防车通道被私家车占用", location="东门至 9 幢",
                                  rect_unit="清潭小区物业", requirement="清理占道车辆，施划禁停标线",
                                  deadline=(day - timedelta(days=21) + timedelta(days=30)).isoformat(),
                                  photos=[_photo((90, 90, 110))])
    on(20).hazards.transition(found.id, RECTIFYING)
    # 待复查: fixed on the spot last week, awaiting its 复查.
    fixed = on(8).hazards.create(site_id=waste.id, description="危废贮存间未设置危险废物识别标志",
                                 location="厂区北侧危废间", rect_unit="环保员 吴强", requirement="按规范设置识别标志",
                                 deadline=(day + timedelta(days=7)).isoformat(), photos=[_photo((60, 120, 60))])
    on(3).hazards.transition(fixed.id, AWAITING_REVIEW)
    # 已销号: found a month ago, closed after a passing 复查 with its photo.
    closed = on(30).hazards.create(site_id=rental.id, description="电动自行车在楼道内充电", location="3 楼走道",
                                   rect_unit="房东 李梅", requirement="禁止楼道内充电", photos=[_photo((70, 70, 140))])
    on(26).hazards.transition(closed.id, AWAITING_REVIEW)
    on(25).reviews.record(closed.id, reviewer=REVIEWER, passed=True, note="已清理，张贴禁止充电告示",
                          photos=[_photo((60, 140, 60))])
    # 疑似重大, open, not yet due.
    on(2).hazards.create(site_id=rental.id, severity=MAJOR, description="用泡沫夹芯彩钢板分隔出租房间",
                         location="4 楼东侧", rect_unit="房东 李梅", requirement="拆除彩钢板隔断，报主管部门认定")
    added = 5
    log.info("seeded %d demo hazards (%s and %s)", added, GENERAL, MAJOR)
    return added
