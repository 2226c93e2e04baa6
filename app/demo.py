"""Demo data for a fresh web-mode run: a few sites of every kind in two grids."""

from __future__ import annotations

import logging

from app.services import Device

log = logging.getLogger(__name__)

DEMO_SITES = [
    ("荷花池街道 12 号群租房", "钟楼区荷花池街道 12 号", "群租房", "荷花池-01", "王建国", "13800000001"),
    ("西林苑 3 幢出租屋", "钟楼区西林街道西林苑 3 幢 2 单元 401", "群租房", "西林-02", "李梅", "13800000002"),
    ("星港大厦", "钟楼区新闸街道星港路 88 号", "高层公共建筑", "新闸-03", "赵峰", "13800000003"),
    ("玉龙花园 6 幢", "钟楼区玉龙南路 211 号玉龙花园 6 幢", "高层住宅", "北港-04", "物业 周海", "13800000004"),
    ("清潭小区消防车通道", "钟楼区清潭路清潭小区东门至 9 幢", "小区/单位消防车通道", "清潭-05", "物业 陈立", "13800000005"),
    ("南大街商业步行街", "钟楼区南大街 1 号", "人员密集场所", "南大街-06", "孙洁", "13800000006"),
    ("常州某汽修有限公司危废间", "钟楼区五星街道工业园 17 号", "危废产生单位", "五星-07", "环保员 吴强", "13800000007"),
    ("某环保科技危废经营单位", "钟楼区邹区镇工业集中区 5 号", "危废经营单位", "邹区-08", "钱敏", "13800000008"),
]


def seed_demo(device: Device) -> int:
    """Add the demo sites once; returns how many were added (0 when already seeded)."""
    if device.sites.search(limit=1):
        return 0
    for name, address, kind, grid, contact, phone in DEMO_SITES:
        device.sites.create(name=name, address=address, kind=kind, grid=grid,
                             contact_name=contact, contact_phone=phone)
    if not device.settings.current().inspector_name:
        device.settings.update(inspector_name="演示网格员", inspector_id="WG-0001")
    log.info("seeded %d demo sites", len(DEMO_SITES))
    return len(DEMO_SITES)
