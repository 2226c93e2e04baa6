"""Store benchmark at district scale: ledger, Chinese search, answer writes, plus the photo figures.

    python bench/store.py

Builds, in a temp dir, a device store with 2,000 sites (40 grids), 20,000 inspections and
50,000 hazards generated from the shipped checklists, then times the calls the UI makes:

- ``ledger_query_*``: ``device.hazards.ledger(LedgerFilter(<filters>), limit=50)`` over a rotating mix of the
  隐患台账 filters (status, severity, checklist, grid, site, overdue and combinations); the UI
  shows 50 rows a page (``ledger_page_size``). ``ledger_query_baseline_ms`` is the same call on a
  copy of the data migrated only to version 1 (no m002 indexes).
- ``search_*``: ``device.sites.search(text)`` and ``device.hazards.ledger(LedgerFilter(text=...), limit=50)``
  with 2-, 3- and 4-character Chinese substrings taken from the data (street names, 消防,
  楼梯间, 电动自行车 …). ``search_baseline_ms`` is plain ``LIKE '%x%'`` over the join, no FTS.
  ``search_before_*`` is the same queries through the search as it was before the m005 index
  (a frozen copy below, on a copy of the data migrated only to version 4), timed in this run.
  ``search_common_*`` are hazard searches for words in thousands of hazards (消防 is in about
  half of them; 街道 is in every site's address), with their ``search_common_before_*``.
- ``store_open_ms``: ``Store(path)`` on the 50k-hazard file (quick_check, WAL, migration check).
- ``answer_*``: ``device.inspections.answer(...)`` on a shipped-checklist draft with synchronous=FULL,
  as the UI calls it (persist + change log + hazard reconciliation + returned state);
  ``answer_persist_*`` is the persist part alone (``device.inspections.write_answer``).
- photo figures: ``bench/photos.py``'s ``run()``.

stdout carries only ``name: value unit`` lines; progress and query plans go to stderr.
Targets: ledger and search p95 < 30 ms, answer p95 < 5 ms, photo < 300 ms, photo peak < 200 MB.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
for p in (str(REPO), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from app.domain.findings import finding_text, requirement_text  # noqa: E402
from app.domain.models import HazardRow, Site  # noqa: E402
from app.domain.rules import is_hazard  # noqa: E402
from app.services import LedgerFilter, open_device  # noqa: E402
from app.store import hazards as hazard_store  # noqa: E402
from app.store.db import DB_FILE, Store  # noqa: E402
from app.store.ids import new_id, to_text  # noqa: E402
from app.store.migrations import migrate  # noqa: E402
from app.store.search import register_functions  # noqa: E402
from checklists import Checklist, Item, load_shipped  # noqa: E402

TODAY = date(2026, 11, 29)
N_SITES, N_INSPECTIONS, N_HAZARDS = 2_000, 20_000, 50_000
MANUAL_SHARE = 0.1  # hazards raised by hand (no checklist item)
PAGE = 50  # rows per page in the ledger / site picker
RUNS = 300  # timed calls per figure (≥ 200)
SEED = 20261129

DISTRICTS = ["天宁区", "钟楼区", "新北区", "武进区"]
STREETS = ["荷花池", "南大街", "五星", "永红", "北港", "西林", "新闸", "邹区", "茶山", "红梅"]
ROADS = ["延陵西路", "和平北路", "关河东路", "青果巷", "局前街", "晋陵中路", "劳动东路", "广化街", "兰陵路",
         "通江中路", "长江北路", "龙锦路", "勤业路", "飞龙东路", "怀德南路", "博爱路", "罗汉路", "清潭路",
         "花园街", "北直街", "丽华北路", "竹林西路", "东经一二〇路", "采菱路", "白云路", "吊桥路"]
SYLLABLES = list("恒瑞华鑫泰金隆盛达源嘉新安宏德富祥和永兴明光康宁丰锦润凯佳诚信福裕顺通天龙凤翔云海星辰"
                 "阳春江湖山林溪湾")
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玲兰")
KIND_WEIGHTS = {"群租房": 25, "高层住宅": 25, "高层公共建筑": 10, "小区/单位消防车通道": 15,
                "人员密集场所": 15, "危废产生单位": 4, "危废经营单位": 2, "其他": 4}
CROWDED = ["商场", "超市", "宾馆", "网吧", "KTV", "幼儿园", "养老院", "酒店", "饭店", "菜市场"]
LOCATIONS = ["{b}号楼{u}单元楼梯间", "{b}号楼一层大厅", "地下车库", "{b}号楼{f}层东侧疏散走道", "北侧消防车道",
             "消防控制室", "配电房", "电动自行车棚", "{f}层厨房", "屋顶", "{b}号楼前室", "消防水泵房"]
STATUS_WEIGHTS = {"待整改": 25, "整改中": 20, "待复查": 15, "已销号": 40}
# 2-, 3- and 4+-character queries a 网格员 types; site queries are added from the generated names.
HAZARD_WORDS = ["消防", "楼梯", "堆放", "门禁", "楼梯间", "灭火器", "防火门", "消火栓", "电动自行车", "疏散通道",
                "安全出口", "应急照明", "消防车通道", "地下车库", "充电"]
# Words in thousands of hazards, through their own text or their site's (街道, 钟楼区: addresses).
COMMON_WORDS = ["消防", "楼梯", "楼梯间", "电动自行车", "消防车通道", "地下车库", "街道", "钟楼区", "1号楼"]

Timer = Callable[[], Any]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def time_calls(calls: list[Timer], runs: int = RUNS) -> list[float]:
    """ms per call, rotating through ``calls``, after a few warm-up calls."""
    for call in calls[:10]:
        call()
    out = []
    for i in range(runs):
        call = calls[i % len(calls)]
        t = time.perf_counter()
        call()
        out.append((time.perf_counter() - t) * 1000)
    return out


# --- data -----------------------------------------------------------------------------------

def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _brand(rng: random.Random) -> str:
    return rng.choice(SYLLABLES) + rng.choice(SYLLABLES)


def site_name(rng: random.Random, kind: str, road: str, no: int) -> str:
    brand = _brand(rng)
    return {
        "群租房": f"{road}{no}号群租房",
        "高层住宅": f"{brand}{rng.choice(['花园', '公寓', '苑', '府', '名都'])}{rng.randint(1, 30)}幢",
        "高层公共建筑": f"{brand}{rng.choice(['大厦', '国际中心', '广场', '金融中心'])}",
        "小区/单位消防车通道": f"{brand}{rng.choice(['小区', '新村', '家园'])}",
        "人员密集场所": f"{brand}{rng.choice(CROWDED)}",
        "危废产生单位": f"常州{brand}{rng.choice(['化工', '电镀', '印染', '机械'])}有限公司",
        "危废经营单位": f"常州{brand}环保科技有限公司",
        "其他": f"{brand}{rng.choice(['仓库', '厂房', '物流园'])}",
    }[kind]


def raises_on_its_own(item: Item) -> bool:
    """A 隐患 item whose rule is one condition on its own typed answer (``hazard_value`` can make
    it fire alone): not computed, not combined, not reading another item."""
    rule = item.hazard_when
    return (rule is not None and not rule.is_combined and rule.item is None and item.computed is None
            and item.level == "隐患")


def hazard_value(item: Item, checklist: Checklist, rng: random.Random) -> Any:
    """A value that makes ``item`` a hazard (best effort; checked with is_hazard by the caller)."""
    rule = item.hazard_when
    param = lambda name: checklist.parameters[name].default  # noqa: E731
    if rule.equals is not None:
        return rule.equals
    if rule.in_ is not None:
        if item.kind == "multi_choice":
            return [o for o in item.options if o in rule.in_ and rng.random() < 0.5] or [rule.in_[0]]
        return rng.choice(rule.in_)
    for key, sign in (("lt", -1), ("le", -1), ("gt", 1), ("ge", 1)):
        bound = getattr(rule, key)
        if bound is None and getattr(rule, key + "_param"):
            bound = param(getattr(rule, key + "_param"))
        if bound is not None:
            value = bound + sign * rng.choice((0.1, 0.5, 1, 2))
            lo, hi = item.min if item.min is not None else -1e9, item.max if item.max is not None else 1e9
            return round(min(max(value, lo), hi), 2)
    days = rule.older_than_days if rule.older_than_days is not None else param(rule.older_than_days_param)
    return (TODAY - timedelta(days=int(days) + rng.randint(1, 200))).isoformat()


def _ts(day: date, rng: random.Random) -> str:
    moment = datetime(day.year, day.month, day.day, rng.randint(0, 10), rng.randint(0, 59), rng.randint(0, 59),
                      rng.randint(0, 999) * 1000, tzinfo=UTC)
    return to_text(moment)


def generate(checklists: dict[str, Checklist], rng: random.Random) -> dict[str, list[tuple]]:
    grids = [f"{s}-{n:02d}" for s in STREETS for n in range(1, 5)]  # 40 grids
    kinds = list(KIND_WEIGHTS)
    sites = []
    for _ in range(N_SITES):
        kind = rng.choices(kinds, weights=[KIND_WEIGHTS[k] for k in kinds])[0]
        grid = rng.choice(grids)
        street = grid.split("-")[0]
        road, no = rng.choice(ROADS), rng.randint(1, 399)
        address = f"常州市{rng.choice(DISTRICTS)}{street}街道{road}{no}号"
        updated = _ts(TODAY - timedelta(days=rng.randint(0, 700)), rng)
        sites.append((new_id(), site_name(rng, kind, road, no), address, kind, grid, _name(rng),
                      f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                      31.7 + rng.random() * 0.2, 119.9 + rng.random() * 0.2, updated, updated))
    applicable = {s[0]: [c for c in checklists.values() if c.applies_to(s[3])] for s in sites}
    inspectable = [s for s in sites if applicable[s[0]]]

    inspections = []
    device = new_id()
    for _ in range(N_INSPECTIONS):
        site = rng.choice(inspectable)
        checklist = rng.choice(applicable[site[0]])
        started = TODAY - timedelta(days=rng.randint(0, 365))
        draft = rng.random() < 0.05
        start_ts = _ts(started, rng)
        inspections.append((new_id(), site[0], checklist.id, checklist.version, "insp-" + str(rng.randint(1, 30)),
                            _name(rng), device, "draft" if draft else "completed", checklist.items[-1].id,
                            start_ts, None if draft else start_ts, start_ts))

    site_by_id = {s[0]: s for s in sites}
    hazard_items = {c.id: [i for i in c.items if raises_on_its_own(i)] for c in checklists.values()}
    statuses = list(STATUS_WEIGHTS)
    hazards, answers, used = [], [], set()

    def common(site_id: str, severity: str) -> dict[str, Any]:
        deadline = TODAY + timedelta(days=rng.randint(-90, 90))
        created = deadline - timedelta(days=7 if severity == "一般" else 30)
        status = rng.choices(statuses, weights=[STATUS_WEIGHTS[s] for s in statuses])[0]
        created_ts = _ts(created, rng)
        location = rng.choice(LOCATIONS).format(b=rng.randint(1, 20), u=rng.randint(1, 4), f=rng.randint(1, 30))
        rect_unit = rng.choice([site_by_id[site_id][1], f"{_brand(rng)}物业管理有限公司"])
        return dict(deadline=deadline.isoformat(), created=created_ts, status=status, location=location,
                    rect_unit=rect_unit,
                    closed=_ts(min(deadline, TODAY), rng) if status == "已销号" else None)

    n_checklist = int(N_HAZARDS * (1 - MANUAL_SHARE))
    while len(hazards) < n_checklist:
        insp = rng.choice(inspections)
        checklist = checklists[insp[2]]
        item = rng.choice(hazard_items[checklist.id])
        if (insp[0], item.id) in used:
            continue
        value = hazard_value(item, checklist, rng)
        if not is_hazard(item, date.fromisoformat(value) if item.kind == "date" else value, checklist, on=TODAY):
            continue
        used.add((insp[0], item.id))
        c = common(insp[1], item.severity)
        hazards.append((new_id(), insp[0], insp[1], checklist.id, item.id, "checklist",
                        finding_text(item, value, checklist), c["location"], item.severity, c["status"],
                        c["rect_unit"], requirement_text(item, checklist), c["deadline"],
                        int(item.photo_required), c["created"], c["created"], c["closed"]))
        answers.append((insp[0], item.id, json.dumps(value, ensure_ascii=False), "", c["created"]))
    questions = [i.question for c in checklists.values() for i in c.items]
    while len(hazards) < N_HAZARDS:
        site = rng.choice(sites)
        severity = rng.choices(["一般", "重大"], weights=[9, 1])[0]
        c = common(site[0], severity)
        description = f"{c['location']}：{rng.choice(questions).rstrip('？')}（现场发现）"
        hazards.append((new_id(), None, site[0], None, None, "manual", description, c["location"], severity,
                        c["status"], c["rect_unit"], "", c["deadline"], 0, c["created"], c["created"], c["closed"]))
    return {"sites": sites, "inspections": inspections, "hazards": hazards, "answers": answers}


INSERTS = {
    "sites": "INSERT INTO sites (id, name, address, kind, grid, contact_name, contact_phone, lat, lon, created_at,"
             " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "inspections": "INSERT INTO inspections (id, site_id, checklist_id, checklist_version, inspector_id,"
                   " inspector_name, device_id, status, current_item_id, started_at, finished_at, updated_at)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "hazards": "INSERT INTO hazards (id, inspection_id, site_id, checklist_id, item_id, source, description,"
               " location, severity, status, rect_unit, requirement, deadline, photo_required, created_at,"
               " updated_at, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "answers": "INSERT INTO answers (inspection_id, item_id, value, note, answered_at) VALUES (?,?,?,?,?)",
}


def seed(conn: sqlite3.Connection, data: dict[str, list[tuple]]) -> None:
    """Bulk insert (the FTS triggers, where present, keep the indexes in sync)."""
    conn.execute("BEGIN IMMEDIATE")
    for table in ("sites", "inspections", "answers", "hazards"):
        conn.executemany(INSERTS[table], data[table])
    conn.execute("COMMIT")


def baseline_store(path: Path, data: dict[str, list[tuple]], upto: int = 1) -> Store:
    """The same rows in a database as migration ``upto`` made it (1: no ledger indexes, no FTS).

    A ``Store`` would migrate to the newest version on open, so this builds the connection by
    hand and borrows ``Store``'s query helpers.
    """
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    register_functions(conn)
    migrate(conn, upto=upto)
    seed(conn, data)
    store = Store.__new__(Store)
    store.path, store.conn, store.lock, store._depth, store._closed = path, conn, threading.RLock(), 0, False
    return store


# --- the search as it was before m005 (frozen copy, for search_before_*) ---------------------

def _matching_rowids_before(table: str, text: str) -> tuple[str, str]:
    if len(text) >= 3:
        return f"SELECT rowid FROM {table} WHERE {table} MATCH ?", '"' + text.replace('"', '""') + '"'
    if table == "hazards_fts" and text.isalnum():
        token = '"' + text + '"' + ("*" if len(text) == 1 else "")
        return "SELECT rowid FROM hazards_grams WHERE hazards_grams MATCH ?", token
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    columns = {"sites_fts": ("name", "address", "grid", "contact_name"),
               "hazards_fts": ("description", "location", "rect_unit")}[table]
    joined = " || char(31) || ".join(f"coalesce({c}, '')" for c in columns)
    return f"SELECT rowid FROM {table} WHERE ({joined}) LIKE ? ESCAPE '\\'", f"%{escaped}%"


def search_before(store: Store, target: str, text: str) -> list[Any]:
    """``search_sites`` / ``hazards(text=…)`` as they were before m005, on a version-4 database."""
    text = text.strip()
    if target == "sites":
        sub, value = _matching_rowids_before("sites_fts", text)
        rows = store.rows("SELECT id, name, address, kind, grid, contact_name, contact_phone, lat, lon,"
                          f" created_at, updated_at FROM sites WHERE rowid IN ({sub})"
                          " ORDER BY updated_at DESC LIMIT ?",
                          (value, PAGE))
        return [Site.model_validate(r) for r in rows]
    hazard_rows, hazard_value = _matching_rowids_before("hazards_fts", text)
    site_rows, site_value = _matching_rowids_before("sites_fts", text)
    where = (f"h.rowid IN ({hazard_rows} UNION ALL SELECT h2.rowid FROM hazards h2 WHERE h2.site_id IN"
             f" (SELECT id FROM sites WHERE rowid IN ({site_rows})))")
    rows: list[dict[str, Any]] = []
    for overdue, split in ((1, "h.status != ? AND h.deadline < ?"), (0, "(h.status = ? OR h.deadline >= ?)")):
        if len(rows) >= PAGE:
            break
        rows += store.rows(
            f"""SELECT h.*, s.name AS site_name, s.grid AS grid, {overdue} AS overdue,
                       i.status AS inspection_status
                FROM hazards h JOIN sites s ON s.id = h.site_id
                LEFT JOIN inspections i ON i.id = h.inspection_id
                WHERE {where} AND {split} ORDER BY h.deadline, h.created_at LIMIT ?""",
            (hazard_value, site_value, "已销号", TODAY.isoformat(), PAGE - len(rows)))
    ids = [r["id"] for r in rows]
    store.rows(f"SELECT owner_id, photo_sha256 FROM photo_links WHERE owner_kind = 'hazard' AND owner_id IN"
               f" ({','.join('?' * len(ids))}) ORDER BY created_at", tuple(ids))
    return [HazardRow.model_validate({**r, "photo_shas": []}) for r in rows]


# --- measurements ---------------------------------------------------------------------------

def ledger_filters(data: dict[str, list[tuple]], rng: random.Random) -> list[dict[str, Any]]:
    grids = sorted({s[4] for s in data["sites"]})
    busy_sites = [h[2] for h in rng.sample(data["hazards"], 50)]  # sites that have hazards
    shapes: list[dict[str, Any]] = []
    for i in range(30):
        grid = grids[i % len(grids)]
        shapes += [
            {},  # the ledger as it opens: everything, overdue first
            {"status": ["待整改", "整改中", "待复查", "已销号"][i % 4]},
            {"severity": "重大"},
            {"checklist_id": ["highrise", "lifeline"][i % 2]},
            {"grid": grid},
            {"site_id": busy_sites[i]},
            {"overdue": True},
            {"status": "待整改", "grid": grid},
            {"overdue": True, "grid": grid},
            {"severity": "重大", "status": "整改中", "checklist_id": "lifeline"},
        ]
    return shapes


def search_queries(data: dict[str, list[tuple]], rng: random.Random) -> list[tuple[str, str]]:
    """(target, text): substrings of real site names/addresses, and hazard words."""
    out: list[tuple[str, str]] = []
    for i in range(60):
        site = rng.choice(data["sites"])
        source = site[1] if i % 2 else site[2].removeprefix("常州市")
        n = 2 + i % 3  # 2, 3, 4 characters
        start = rng.randrange(0, max(1, len(source) - n))
        out.append(("sites", source[start:start + n]))
        out.append(("hazards", HAZARD_WORDS[i % len(HAZARD_WORDS)]))
    return out


def baseline_search(store: Store, target: str, text: str) -> list[Any]:
    """Plain ``LIKE '%x%'`` over the tables (no FTS), same page size and ordering as the app."""
    like = f"%{text}%"
    if target == "sites":
        rows = store.rows(
            "SELECT id, name, address, kind, grid, contact_name, contact_phone, lat, lon, created_at, updated_at"
            " FROM sites WHERE name LIKE ?1 OR address LIKE ?1 OR grid LIKE ?1 OR contact_name LIKE ?1"
            " ORDER BY updated_at DESC LIMIT ?2", (like, PAGE))
        return [Site.model_validate(r) for r in rows]
    today = TODAY.isoformat()
    rows = store.rows(
        """SELECT h.*, s.name AS site_name, s.grid AS grid, (h.status != '已销号' AND h.deadline < ?2) AS overdue
           FROM hazards h JOIN sites s ON s.id = h.site_id
           WHERE h.description LIKE ?1 OR h.location LIKE ?1 OR h.rect_unit LIKE ?1
              OR s.name LIKE ?1 OR s.address LIKE ?1 OR s.grid LIKE ?1 OR s.contact_name LIKE ?1
           ORDER BY overdue DESC, h.deadline, h.created_at LIMIT ?3""", (like, today, PAGE))
    return [HazardRow.model_validate({**r, "overdue": bool(r["overdue"]), "photo_shas": []}) for r in rows]


def answer_values(checklist: Checklist, rng: random.Random) -> list[tuple[str, Any]]:
    """(item, value) pairs rotating over the checklist: hazard and non-hazard answers alike, every
    one valid (computed items are never typed; an exclusive option such as 无上述情形 goes alone)."""
    out = []
    for _ in range(4):
        for item in checklist.items:
            if item.computed is not None:
                continue
            if item.kind == "yes_no_na":
                value = rng.choice(["是", "否", "不适用"])
            elif item.kind == "number":
                lo, hi = item.min or 0.0, item.max if item.max is not None else 100.0
                value = round(rng.uniform(lo, min(hi, lo + 100)), 1)
            elif item.kind == "choice":
                value = rng.choice(item.options)
            elif item.kind == "multi_choice":
                others = [o for o in item.options if o not in item.exclusive_options]
                value = [o for o in others if rng.random() < 0.3]
                if item.exclusive_options and (not value or rng.random() < 0.3):
                    value = [rng.choice(item.exclusive_options)]
            elif item.kind == "date":
                value = (TODAY - timedelta(days=rng.randint(0, 120))).isoformat()
            else:
                value = "现场已核实"
            out.append((item.id, value))
    rng.shuffle(out)
    return out


def explain(store: Store, sql: str, params: tuple) -> str:
    return "; ".join(r["detail"] for r in store.rows("EXPLAIN QUERY PLAN " + sql, params))


def main() -> None:
    started = time.perf_counter()
    rng = random.Random(SEED)
    loaded = load_shipped()
    checklists = loaded.checklists
    figures: list[tuple[str, float, str]] = []

    with tempfile.TemporaryDirectory(prefix="anxun-bench-") as tmp:
        tmp_path = Path(tmp)
        log("generating data …")
        data = generate(checklists, rng)
        log(f"  {len(data['sites'])} sites, {len(data['inspections'])} inspections, "
            f"{len(data['hazards'])} hazards, {len(data['answers'])} answers")

        t = time.perf_counter()
        device = open_device(tmp_path / "data", checklists=checklists, today=lambda: TODAY, synchronous="OFF")
        seed(device.store.conn, data)
        device.close()
        log(f"  seeded the store in {time.perf_counter() - t:.1f} s (synchronous=OFF)")
        t = time.perf_counter()
        base = baseline_store(tmp_path / "baseline.db", data)
        log(f"  seeded the baseline (schema version 1) in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        before = baseline_store(tmp_path / "before.db", data, upto=4)
        log(f"  seeded the search-before copy (schema version 4) in {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        Store(tmp_path / "data" / DB_FILE).close()
        figures.append(("store_open_ms", (time.perf_counter() - t) * 1000, "ms"))

        # Measure as the app runs: reopened, synchronous=FULL.
        device = open_device(tmp_path / "data", checklists=checklists, today=lambda: TODAY)
        db_mb = (tmp_path / "data" / DB_FILE).stat().st_size / 1e6
        figures += [("store_sites", len(data["sites"]), "rows"),
                    ("store_inspections", len(data["inspections"]), "rows"),
                    ("store_hazards", len(data["hazards"]), "rows"),
                    ("store_db_mb", db_mb, "MB")]

        # --- ledger -----------------------------------------------------------------------
        log("ledger …")
        filters = ledger_filters(data, rng)
        ledger = time_calls([lambda f=f: device.hazards.ledger(LedgerFilter(**f), limit=PAGE) for f in filters])
        ledger_base = time_calls([lambda f=f: hazard_store.query_hazards(base, today=TODAY, limit=PAGE, **f) for f in filters],
                                 runs=200)
        figures += [("ledger_page_size", PAGE, "rows"),
                    ("ledger_query_p50_ms", pct(ledger, 0.5), "ms"),
                    ("ledger_query_p95_ms", pct(ledger, 0.95), "ms"),
                    ("ledger_query_baseline_ms", pct(ledger_base, 0.5), "ms"),
                    ("ledger_query_baseline_p95_ms", pct(ledger_base, 0.95), "ms"),
                    ("ledger_speedup", pct(ledger_base, 0.5) / pct(ledger, 0.5), "x")]
        shapes = filters[:10]
        for f in shapes:  # per-shape detail to stderr (plans for the slow ones)
            times = time_calls([lambda f=f: device.hazards.ledger(LedgerFilter(**f), limit=PAGE)], runs=10)
            keys = ",".join(f) or "(none)"
            log(f"  ledger {keys:<40} p50 {pct(times, 0.5):6.2f} ms  p95 {pct(times, 0.95):6.2f} ms")

        # --- search -----------------------------------------------------------------------
        log("search …")
        queries = search_queries(data, rng)

        def app_search(target: str, text: str) -> list[Any]:
            if target == "sites":
                return device.sites.search(text)
            return device.hazards.ledger(LedgerFilter(text=text), limit=PAGE)

        search = time_calls([lambda q=q: app_search(*q) for q in queries])
        search_old = time_calls([lambda q=q: search_before(before, *q) for q in queries])
        search_base = time_calls([lambda q=q: baseline_search(base, *q) for q in queries], runs=200)

        def by_target(times: list[float], target: str) -> list[float]:
            return [ms for i, ms in enumerate(times) if queries[i % len(queries)][0] == target]

        common = [("hazards", w) for w in COMMON_WORDS]
        search_common = time_calls([lambda q=q: app_search(*q) for q in common])
        search_common_old = time_calls([lambda q=q: search_before(before, *q) for q in common])
        for target, word in common:  # the same rows, in the same order, as before
            now_ids, before_ids = app_search(target, word), search_before(before, target, word)
            assert [h.id for h in now_ids] == [h.id for h in before_ids], word
        figures += [("search_p50_ms", pct(search, 0.5), "ms"),
                    ("search_p95_ms", pct(search, 0.95), "ms"),
                    ("search_before_p95_ms", pct(search_old, 0.95), "ms"),
                    ("search_sites_p95_ms", pct(by_target(search, "sites"), 0.95), "ms"),
                    ("search_sites_before_p95_ms", pct(by_target(search_old, "sites"), 0.95), "ms"),
                    ("search_hazards_p95_ms", pct(by_target(search, "hazards"), 0.95), "ms"),
                    ("search_hazards_before_p95_ms", pct(by_target(search_old, "hazards"), 0.95), "ms"),
                    ("search_common_p50_ms", pct(search_common, 0.5), "ms"),
                    ("search_common_p95_ms", pct(search_common, 0.95), "ms"),
                    ("search_common_before_p95_ms", pct(search_common_old, 0.95), "ms"),
                    ("search_vs_before_p95", pct(search, 0.95) / pct(search_old, 0.95), "x"),
                    ("search_baseline_ms", pct(search_base, 0.5), "ms"),
                    ("search_baseline_p95_ms", pct(search_base, 0.95), "ms"),
                    ("search_speedup", pct(search_base, 0.5) / pct(search, 0.5), "x")]
        for word in COMMON_WORDS:
            now = time_calls([lambda w=word: app_search("hazards", w)], runs=20)
            old = time_calls([lambda w=word: search_before(before, "hazards", w)], runs=20)
            log(f"  search hazards {word!r:<12} p95 {pct(now, 0.95):6.2f} ms"
                f"  (before m005: {pct(old, 0.95):6.2f} ms)")
        for target in ("sites", "hazards"):
            for n in (2, 3, 4):
                qs = [q for q in queries if q[0] == target and (len(q[1]) == n or (n == 4 and len(q[1]) > 4))]
                if qs:
                    times = time_calls([lambda q=q: app_search(*q) for q in qs], runs=len(qs))
                    hits = sum(len(app_search(*q)) for q in qs) / len(qs)
                    log(f"  search {target:<7} {n}{'+' if n == 4 else ''} chars  p50 {pct(times, 0.5):6.2f} ms"
                        f"  p95 {pct(times, 0.95):6.2f} ms  (avg {hits:.0f} rows; e.g. {qs[0][1]!r})")

        # --- answer -----------------------------------------------------------------------
        log("answer …")
        site = device.sites.create(name="恒瑞国际中心", address="常州市天宁区荷花池街道延陵西路 88 号",
                                    kind="高层公共建筑", grid="荷花池-01")
        highrise = checklists["highrise"]
        inspection = device.inspections.start(site.id, highrise.id)
        pairs = answer_values(highrise, rng)
        calls = [lambda p=p: device.inspections.answer(inspection.id, p[0], p[1]) for p in pairs]
        answer = time_calls(calls)
        persist = time_calls([lambda p=p: device.inspections.write_answer(inspection.id, p[0], p[1], None) for p in pairs])
        state = device.inspections.answer(inspection.id, *pairs[0])
        log(f"  draft has {len(state.answers)} answers, {len(state.hazards)} hazards, {state.total} visible items")
        figures += [("answer_p50_ms", pct(answer, 0.5), "ms"),
                    ("answer_p95_ms", pct(answer, 0.95), "ms"),
                    ("answer_persist_p50_ms", pct(persist, 0.5), "ms"),
                    ("answer_persist_p95_ms", pct(persist, 0.95), "ms")]

        # --- plans for the record (stderr) ------------------------------------------------
        sql = ("SELECT h.*, s.name AS site_name, s.grid AS grid, (h.status != ? AND h.deadline < ?) AS overdue"
               " FROM hazards h JOIN sites s ON s.id = h.site_id WHERE h.status = ? AND s.grid = ?"
               " ORDER BY overdue DESC, h.deadline, h.created_at LIMIT ? OFFSET ?")
        log("  plan (status+grid): " + explain(device.store, sql, ("已销号", TODAY.isoformat(), "待整改",
                                                                       "荷花池-01", PAGE, 0)))
        device.close()
        base.conn.close()
        before.conn.close()

    for line in figures:
        emit(*line)
    log(f"store figures in {time.perf_counter() - started:.1f} s; photos …")
    try:
        import photos
    except ImportError as exc:  # bench/photos.py is someone else's; report its absence, don't die
        log(f"bench/photos.py not importable: {exc}")
    else:
        for line in photos.run():
            emit(*line)
    log(f"total {time.perf_counter() - started:.1f} s")


def emit(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.2f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}", flush=True)


if __name__ == "__main__":
    main()
