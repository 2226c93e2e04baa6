"""Hazard and site search: what a 网格员 types finds the same rows in ledger order, whatever the path.

A search for a common word walks the ledger order on index entries; a rare word reads its few
candidates and sorts them. Both must give exactly "the first page of the ledger, keeping the
hazards whose text or whose site's text contains the words", which is what these tests compute
in plain Python over a generated store and compare.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.store import DB_FILE, Store
from app.store import hazards as hazard_store
from app.store.hazards import query_hazards
from app.store.migrations import migrate
from app.store.sites import find_sites

TODAY = date(2026, 11, 29)
CLOSED = "已销号"
STATUSES = ["待整改", "整改中", "待复查", CLOSED]
PHRASES = ["消防通道堆放杂物", "楼梯间电动自行车充电", "灭火器过期", "防火门常开", "消火栓无水",
           "KTV 安全出口锁闭", "疏散指示标志损坏", "应急照明不亮", "门禁无法从内开启", "ktv 包厢内吸烟",
           "消防车通道被占用"]
LOCATIONS = ["1号楼楼梯间", "地下车库", "11号楼一层大厅", "北侧消防车道", "配电房", "屋顶", "3 号楼#2 单元"]
SITE_NAMES = ["荷花池街道 12 号群租房", "星港大厦", "西林苑 3 幢", "红梅KTV", "钟楼区幼儿园",
              "茶山 100% 物流园"]


def fill(store: Store, n_hazards: int, seed: int = 7) -> None:
    """Sites and hazards with deadlines around TODAY, every status, words common and rare."""
    rng = random.Random(seed)
    now = "2026-11-01T00:00:00.000Z"
    with store.atomic() as conn:
        for i, name in enumerate(SITE_NAMES):
            conn.execute("INSERT INTO sites (id, name, address, kind, grid, contact_name, created_at,"
                         " updated_at) VALUES (?, ?, ?, '群租房', ?, ?, ?, ?)",
                         (f"s{i}", name, f"钟楼区{['新闸', '西林'][i % 2]}街道 {i} 号", f"网格-{i % 3:02d}",
                          ["张伟", "李娜", "王强"][i % 3], now, now))
        for i in range(n_hazards):
            deadline = TODAY + timedelta(days=rng.randint(-60, 60))
            # unique, as real timestamps are (to the millisecond)
            created = f"2026-10-{rng.randint(1, 28):02d}T0{rng.randint(0, 9)}:00:00.{i:04d}Z"
            text = rng.choice(PHRASES) if rng.random() < 0.9 else f"其他问题 {i}"
            conn.execute(
                "INSERT INTO hazards (id, site_id, source, description, location, rect_unit, severity,"
                " status, deadline, created_at, updated_at) VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, ?, ?, ?)",
                (f"h{i:04d}", f"s{rng.randrange(len(SITE_NAMES))}", text, rng.choice(LOCATIONS),
                 rng.choice(["", "恒瑞物业管理有限公司", "Abc 物业"]), rng.choice(["一般", "重大"]),
                 rng.choice(STATUSES), deadline.isoformat(), created, now))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    store = Store(tmp_path_factory.mktemp("search") / DB_FILE)
    fill(store, 1200)
    yield store
    store.close()


def expected(store: Store, text: str, limit: int = 50, **filters: str | bool) -> list[str]:
    """The ledger's first ``limit`` ids whose own or whose site's text contains ``text`` (ASCII folded)."""
    sites = {r["id"]: r for r in store.rows("SELECT * FROM sites")}
    needle = text.strip().lower()

    def holds(*values: str) -> bool:
        return any(needle in (v or "").lower() for v in values)

    rows = []
    for h in store.rows("SELECT * FROM hazards"):
        site = sites[h["site_id"]]
        overdue = h["status"] != CLOSED and h["deadline"] < TODAY.isoformat()
        if not (holds(h["description"], h["location"], h["rect_unit"])
                or holds(site["name"], site["address"], site["grid"], site["contact_name"])):
            continue
        if any(h.get(k, site.get(k)) != v for k, v in filters.items() if k != "overdue"):
            continue
        if "overdue" in filters and filters["overdue"] != overdue:
            continue
        # the ledger's groups: overdue, open 疑似重大, other open, 已销号; each by deadline
        group = 0 if overdue else 3 if h["status"] == CLOSED else 1 if h["severity"] == "重大" else 2
        rows.append((group, h["deadline"], h["created_at"], h["id"]))
    return [r[3] for r in sorted(rows)[:limit]]


WORDS = [
    "消防",          # in most hazards: the ledger order is walked
    "楼梯间",        # common, 3 characters (trigram index)
    "防火门常开",    # rare phrase: candidates are read and sorted
    "KTV", "ktv", "Ktv",  # ASCII in either case, in hazards and in a site name
    "abc 物业",      # 整改单位, mixed case
    "新闸",          # only in site addresses: found through the site
    "张伟",          # a site contact
    "网格-01",       # a grid, with a non-alphanumeric character
    "#", "#2",       # short text no index answers
    "100%", "_",     # LIKE wildcards are plain characters
    "楼",            # one character
    "不存在的词",    # nothing
]


@pytest.mark.parametrize("strategy", ["as configured", "always walk", "always gather"])
@pytest.mark.parametrize("text", WORDS)
def test_search_shows_the_ledger_order_of_the_matching_hazards(store, monkeypatch, strategy, text):
    limit = {"as configured": hazard_store.GATHER_LIMIT, "always walk": -1, "always gather": 10**9}[strategy]
    monkeypatch.setattr(hazard_store, "GATHER_LIMIT", limit)
    found = [h.id for h in query_hazards(store, today=TODAY, text=text, limit=50)]
    assert found == expected(store, text)


@pytest.mark.parametrize("strategy", ["always walk", "always gather"])
@pytest.mark.parametrize("filters", [
    {"status": "待整改"}, {"grid": "网格-01"}, {"overdue": True}, {"overdue": False},
    {"severity": "重大", "status": CLOSED}, {"site_id": "s3"},
])
def test_search_combines_with_the_ledger_filters(store, monkeypatch, strategy, filters):
    monkeypatch.setattr(hazard_store, "GATHER_LIMIT", -1 if strategy == "always walk" else 10**9)
    for text in ["消防", "KTV", "新闸"]:
        found = [h.id for h in query_hazards(store, today=TODAY, text=text, limit=30, **filters)]
        assert found == expected(store, text, limit=30, **filters), (text, filters)


def test_search_pages_continue_where_the_last_ended(store):
    first = [h.id for h in query_hazards(store, today=TODAY, text="消防", limit=50)]
    second = [h.id for h in query_hazards(store, today=TODAY, text="消防", limit=50, offset=50)]
    assert first + second == expected(store, "消防", limit=100)


@pytest.mark.parametrize("text", ["楼梯\x00间", "\x00\x00\x00", "a\x00", "\ud800", "楼梯\udfff间",
                                  "\udc80消防", "\x00"])
def test_search_with_nul_or_lone_surrogates_does_not_crash(store, text):
    cleaned = "".join(ch for ch in text if ch != "\x00" and not 0xD800 <= ord(ch) <= 0xDFFF)
    found = [h.id for h in query_hazards(store, today=TODAY, text=text, limit=50)]
    assert found == (expected(store, cleaned) if cleaned.strip() else [])
    sites = [s.name for s in find_sites(store, text)]
    assert sites == ([s.name for s in find_sites(store, cleaned)] if cleaned.strip() else [])


@pytest.mark.parametrize("text,names", [
    ("星港", ["星港大厦"]),
    ("KT", ["红梅KTV"]), ("kt", ["红梅KTV"]),
    ("0%", ["茶山 100% 物流园"]),                # short, not alphanumeric: tested row by row
    ("新闸", ["钟楼区幼儿园", "西林苑 3 幢", "荷花池街道 12 号群租房"]),  # in the address
])
def test_two_character_site_search(store, text, names):
    assert sorted(s.name for s in find_sites(store, text)) == sorted(names)


def test_short_site_search_follows_renames(tmp_path: Path):
    store = Store(tmp_path / DB_FILE)
    fill(store, 0)
    with store.atomic() as conn:
        conn.execute("UPDATE sites SET name = '恒瑞国际中心' WHERE name = '星港大厦'")
    assert [s.name for s in find_sites(store, "恒瑞")] == ["恒瑞国际中心"]
    assert find_sites(store, "星港") == []
    with store.atomic() as conn:
        conn.execute("DELETE FROM sites WHERE name = '恒瑞国际中心'")
    assert find_sites(store, "恒瑞") == []
    store.close()


def test_a_store_from_before_the_short_site_index_finds_old_sites(tmp_path: Path):
    path = tmp_path / DB_FILE
    old = sqlite3.connect(path, isolation_level=None)
    migrate(old, upto=4)
    old.execute("INSERT INTO sites (id, name, address, kind, grid, created_at, updated_at) VALUES"
                " ('s1', '西林苑出租屋', '西林街道 3 幢', '群租房', '西林-02', '2026-11-01', '2026-11-01')")
    old.execute("INSERT INTO hazards (id, site_id, source, description, severity, status, deadline,"
                " created_at, updated_at) VALUES ('h1', 's1', 'manual', '楼梯间堆放杂物', '一般', '待整改',"
                " '2026-12-01', '2026-11-01', '2026-11-01')")
    old.close()
    store = Store(path)
    assert [s.id for s in find_sites(store, "西林")] == ["s1"]
    assert [h.id for h in query_hazards(store, today=TODAY, text="出租")] == ["h1"]  # via the site's name
    store.close()
