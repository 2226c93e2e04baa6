"""Demo data, made through the services as a 网格员 would make it: sites of every kind in eight
grids, inspections with every visible item answered, hazards in every status (some overdue:
inspected weeks ago, so their 整改期限 has passed), 复查 and photos.

    python -m app.demo DIR [--sites 8] [--inspections 10] [--photos 10] [--seed 1]

Run again on the same folder it adds as much again (new records, never a refusal). The first
sites of a folder are always ``DEMO_SITES``: ``python -m app --demo`` adds just those
(``seed_demo``) and then the hand-made past hazards of ``app.demo_records``.
"""

from __future__ import annotations

import argparse
import io
import logging
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from app.domain.rules import is_hazard
from app.services import MAJOR, AnXunError, Device, HazardEdit, Item, open_device

log = logging.getLogger(__name__)

#: A folder's first sites, one of every kind: the browser tests, screenshots and the field-UX
#: demo records (``app.demo_records``) name them.
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
GRIDS = [grid for _, _, _, grid, _, _ in DEMO_SITES]
#: (kind, name pattern, address pattern): ``{n}`` is a house number, ``{g}`` the grid's place.
SITE_KINDS = [
    ("群租房", "{g}街道 {n} 号群租房", "钟楼区{g}街道 {n} 号"),
    ("群租房", "{g}苑 {n} 幢出租屋", "钟楼区{g}苑 {n} 幢 2 单元 401"),
    ("高层住宅", "{g}花园 {n} 幢", "钟楼区{g}路 {n} 号{g}花园"),
    ("高层公共建筑", "{g}大厦", "钟楼区{g}路 {n} 号"),
    ("小区/单位消防车通道", "{g}小区消防车通道", "钟楼区{g}小区东门至 {n} 幢"),
    ("人员密集场所", "{g}商业步行街", "钟楼区{g}街 {n} 号"),
    ("危废产生单位", "常州{g}汽修有限公司危废间", "钟楼区{g}工业园 {n} 号"),
    ("危废经营单位", "{g}环保科技危废经营单位", "钟楼区{g}工业集中区 {n} 号"),
]
CONTACTS = ["王建国", "李梅", "赵峰", "物业 周海", "物业 陈立", "孙洁", "环保员 吴强", "钱敏", "房东 刘军"]
SIGNERS = ["张三", "李经理", "物业 周海", "房东 刘军", "安全员 杨帆"]
LOCATIONS = ["一楼楼梯间", "二楼走廊", "地下车库入口", "东侧消防车道", "配电间", "危废贮存间门口", "三楼公共厨房"]
UNITS = ["幸福里物业服务中心", "房东 刘军", "常州某汽修有限公司", "星港大厦物业", "业主委员会"]
NOTES = ["现场已整改到位", "堆放物已清理，通道畅通", "已更换灭火器并张贴检查记录", "仍有杂物堆放，需继续整改"]
#: Share of answers that find a hazard (where the item can raise one).
HAZARD_RATE = 0.12


@dataclass
class Added:
    """What one run added."""

    sites: int = 0
    inspections: int = 0
    completed: int = 0
    hazards: int = 0
    photos: int = 0
    reviews: int = 0
    #: hazards taken along their lifecycle so far (each next one goes a step further)
    moved: int = 0

    def line(self, folder: Path) -> str:
        return (f"演示数据：新增 {self.sites} 个场所、{self.inspections} 项检查（{self.completed} 项已完成）、"
                f"{self.hazards} 条隐患、{self.reviews} 次复查、{self.photos} 张照片 → {folder}")


def fill(device: Device, *, sites: int = 8, inspections: int = 10, photos: int = 10, seed: int = 1) -> Added:
    """Add demo records through the services; a second call adds as many again.

    :param photos: photos to take in all (hazard and 复查 photos), e.g. ``10``.
    """
    done_before = len(device.sites.search(limit=10_000))
    rng = random.Random(f"{seed}-{done_before}")  # another run on the folder makes other records
    added = Added()
    made = [_site(device, rng, done_before + i) for i in range(sites)]
    added.sites = len(made)
    if not device.settings.current().inspector_name:
        device.settings.update(inspector_name="演示网格员", inspector_id="WG-0001")
    pool = list(made or device.sites.search(limit=200))
    budget = [photos]
    real_today = device.today
    try:
        for n in range(inspections):
            site = _free_site(device, rng, pool, done_before + added.sites)
            if site not in pool:  # every site had a draft open: a new one
                pool.append(site)
                added.sites += 1
            # A third were done weeks ago: their open hazards are overdue now.
            days_ago = rng.choice([0, 0, 3, 20, 45])
            device.today = _fixed_day(real_today() - timedelta(days=days_ago))
            _inspection(device, rng, site, n, budget, added)
    finally:
        device.today = real_today
    added.photos = photos - budget[0]
    return added


def _fixed_day(day: date) -> Any:
    return lambda: day


def _free_site(device: Device, rng: random.Random, pool: list[Any], number: int) -> Any:
    """A site of the pool with no draft of this device open (a draft would be resumed), else a new one."""
    busy = {d.site_name for d in device.inspections.drafts()}
    free = [site for site in pool if site.name not in busy]
    return rng.choice(free) if free else _site(device, rng, number)


def _demo_site(device: Device, number: int) -> Any:
    name, address, kind, grid, contact, phone = DEMO_SITES[number]
    return device.sites.create(name=name, address=address, kind=kind, grid=grid, contact_name=contact,
                               contact_phone=phone)


def _site(device: Device, rng: random.Random, number: int) -> Any:
    """The folder's site number ``number`` (from 0): ``DEMO_SITES`` first, then made-up ones."""
    if number < len(DEMO_SITES):
        return _demo_site(device, number)
    kind, name, address = SITE_KINDS[number % len(SITE_KINDS)]
    grid = GRIDS[number % len(GRIDS)]
    place = grid.split("-")[0]
    house = rng.randint(1, 199)
    return device.sites.create(name=name.format(g=place, n=house), kind=kind, grid=grid,
                               address=address.format(g=place, n=house), contact_name=rng.choice(CONTACTS),
                               contact_phone=f"138{rng.randint(0, 99_999_999):08d}")


def _inspection(device: Device, rng: random.Random, site: Any, n: int, budget: list[int], added: Added) -> None:
    checklists = device.inspections.checklists_for(site.kind)
    if not checklists:
        return
    inspection = device.inspections.start(site.id, rng.choice(checklists).id)
    added.inspections += 1
    _answer_everything(device, rng, inspection.id, budget)
    if rng.random() < 0.3:
        device.hazards.create(site_id=site.id, inspection_id=inspection.id, location=rng.choice(LOCATIONS),
                              description=rng.choice(["楼道内电动车充电", "消防栓被杂物遮挡", "疏散指示标志损坏"]))
    for hazard in device.inspections.state(inspection.id).all_hazards:
        edit = {"location": rng.choice(LOCATIONS), "rect_unit": rng.choice(UNITS)}
        device.hazards.edit(hazard.id, HazardEdit(**edit))
        if hazard.photo_required or rng.random() < 0.2:
            _photo(device, rng, budget, lambda data, h=hazard: device.evidence.add_to_hazard(h.id, data))
    state = device.inspections.state(inspection.id)
    added.hazards += len(state.all_hazards)
    if n % 4 == 3:  # every fourth stays a draft, as on a real day
        return
    device.signoff.sign(inspection.id, signer_name=rng.choice(SIGNERS), png=_signature(rng))
    try:
        device.signoff.complete(inspection.id)
    except AnXunError as exc:  # e.g. a required photo the budget did not cover: it stays a draft
        log.info("demo inspection %s left as a draft: %s", inspection.id, exc.message)
        return
    added.completed += 1
    for hazard in state.all_hazards:
        _move_on(device, rng, hazard.id, budget, added.moved % 5, added)
        added.moved += 1


def _answer_everything(device: Device, rng: random.Random, inspection_id: str, budget: list[int]) -> None:
    """Answer each visible item (skip logic shows more as answers come), a few of them as hazards."""
    tried: set[str] = set()
    while True:
        state = device.inspections.state(inspection_id)
        todo = [i for i in state.visible if i.id not in state.answers and i.id not in tried]
        if not todo:
            return
        for item in todo:
            tried.add(item.id)
            if item.kind == "photo" and item.required and budget[0] > 0:
                _photo(device, rng, budget, lambda data, i=item: device.evidence.add_to_answer(inspection_id, i.id, data))
                continue
            # A hazard whose photo the budget cannot cover would keep the inspection from completing.
            hazard_ok = budget[0] > 0 or not item.photo_required
            for value in _candidates(item, rng, device.today(), state.checklist, hazard_ok):
                try:
                    device.inspections.answer(inspection_id, item.id, value)
                    break
                except AnXunError:
                    continue
        # answering may have shown items that were hidden: look again


def _candidates(item: Item, rng: random.Random, today: date, checklist: Any, hazard_ok: bool) -> list[Any]:
    """Answers to try for an item, hazard or not as the dice say, the other kind after."""
    if item.kind == "yes_no_na":
        values: list[Any] = ["是", "否"]
    elif item.kind == "choice":
        values = list(item.options)
    elif item.kind == "multi_choice":
        values = [[], *[[o] for o in item.options]]
    elif item.kind == "number":
        low = item.min if item.min is not None else 0
        high = item.max if item.max is not None else low + 100
        values = sorted({round(low + (high - low) * f, 1) for f in (0, 0.05, 0.2, 0.5, 0.8, 1)})
    elif item.kind == "date":
        values = [(today - timedelta(days=d)).isoformat() for d in (5, 40, 120, 400)]
    elif item.kind == "photo":
        values = [[]]  # no photo taken for an optional photo item
    else:
        values = [rng.choice(["现场情况正常", "已询问负责人，情况属实", "无"])]
    rng.shuffle(values)
    hazard_wanted = hazard_ok and rng.random() < HAZARD_RATE

    def makes_hazard(value: Any) -> bool:
        try:
            parsed = date.fromisoformat(value) if item.kind == "date" else value
            return is_hazard(item, parsed, checklist, on=today)
        except (TypeError, ValueError):
            return False

    return sorted(values, key=lambda v: makes_hazard(v) != hazard_wanted)


def _move_on(device: Device, rng: random.Random, hazard_id: str, budget: list[int], steps: int,
             added: Added) -> None:
    """Take a hazard of a completed inspection ``steps`` along: 0 待整改, 1 整改中, 2 待复查, 3 复查合格
    (已销号), 4 复查不合格 (back to 整改中). Hazards take turns, so every status is there."""
    if steps >= 1:
        device.hazards.transition(hazard_id, "整改中")
    if steps >= 2:
        device.hazards.transition(hazard_id, "待复查")
    if steps >= 3:
        passed = steps == 3
        if passed and (budget[0] <= 0 or device.hazards.get(hazard_id).severity == MAJOR):
            # The closing rules: 合格 needs a photo, and a 疑似重大 hazard is closed by someone
            # other than its finder (the demo has one inspector): it waits in 待复查.
            return
        data = _jpeg(rng) if budget[0] > 0 else None
        budget[0] -= 1 if data else 0
        reviewer = device.settings.current().inspector_name or "演示网格员"
        device.reviews.record(hazard_id, reviewer=reviewer, passed=passed, note=rng.choice(NOTES),
                              photos=[data] if data else [])
        added.reviews += 1


def _photo(device: Device, rng: random.Random, budget: list[int], attach: Any) -> None:
    if budget[0] <= 0:
        return
    budget[0] -= 1
    attach(_jpeg(rng))


def _jpeg(rng: random.Random) -> bytes:
    """A photo-like JPEG: a wall, a floor, some clutter, sensor noise."""
    width, height = 1280, 960
    wall = tuple(rng.randint(150, 220) for _ in range(3))
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(height * 0.65), width, height), fill=tuple(rng.randint(60, 120) for _ in range(3)))
    for _ in range(rng.randint(3, 8)):
        x, y = rng.randint(0, width - 200), rng.randint(int(height * 0.4), height - 150)
        draw.rectangle((x, y, x + rng.randint(80, 300), y + rng.randint(60, 200)),
                       fill=tuple(rng.randint(20, 240) for _ in range(3)))
    noise = Image.effect_noise((width, height), 18).convert("RGB")
    image = Image.blend(image, noise, 0.15).filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _signature(rng: random.Random) -> bytes:
    image = Image.new("RGB", (600, 240), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 26, 120 + rng.randint(-50, 50)) for i in range(20)]
    draw.line(points, fill=(10, 10, 10), width=5)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def seed_demo(device: Device) -> int:
    """Add ``DEMO_SITES`` to an empty folder (``python -m app --demo``); returns how many were added
    (0 when it has sites already). Sites only: ``fill`` or ``app.demo_records`` add the work."""
    if device.sites.search(limit=1):
        return 0
    for number in range(len(DEMO_SITES)):
        _demo_site(device, number)
    if not device.settings.current().inspector_name:
        device.settings.update(inspector_name="演示网格员", inspector_id="WG-0001")
    log.info("seeded %d demo sites", len(DEMO_SITES))
    return len(DEMO_SITES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.demo", description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="the device data folder (created if missing)")
    parser.add_argument("--sites", type=int, default=8, help="sites to add (8)")
    parser.add_argument("--inspections", type=int, default=10, help="inspections to add (10)")
    parser.add_argument("--photos", type=int, default=10, help="photos to take in all (10)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    device = open_device(args.dir)
    try:
        added = fill(device, sites=args.sites, inspections=args.inspections, photos=args.photos, seed=args.seed)
    except AnXunError as exc:
        print(f"演示数据未完成：{exc.message}", file=sys.stderr)
        return 1
    finally:
        device.close()
    print(added.line(args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
