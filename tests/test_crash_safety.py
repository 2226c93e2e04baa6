"""Crash safety of answer writes: SIGKILL a writer process again and again on one data folder.

The child (``tests/crash_writer.py``) opens the real store, resumes the draft of one of three
sites and writes answers as fast as it can, printing ``attempt …`` before and ``committed …``
after each ``device.inspections.answer(...)``. Each write carries a unique note ``seq=<n>``. The parent
kills it at a random moment (during start-up, after a random delay, or after a random number of
lines), ``RUNS`` times in a row on the same folder, then checks:

- ``PRAGMA integrity_check`` is ``ok`` and ``PRAGMA foreign_key_check`` is empty;
- every write reported committed is in the change log with its value, exactly once;
- every answer change in the log was reported committed, or is the one write in flight when
  its run was killed (so nothing appears that was never attempted, and nothing is lost);
- each answer row equals the newest change-log entry for it (table and log move together);
- hazards: at most one per (inspection, item), exactly the ones the answers call for, and the
  hazard rows agree with the hazard change log (inserted and not deleted ⇔ present).

Re-run with another seed: ``CRASH_SEED=123 pytest tests/test_crash_safety.py``.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from app.domain.rules import is_hazard, visible_items
from app.services import open_device
from app.store.db import DB_FILE
from checklists import Checklist
from tests.factories import SAMPLE, TODAY

ROOT = Path(__file__).resolve().parents[1]
WRITER = Path(__file__).with_name("crash_writer.py")
SEED = int(os.environ.get("CRASH_SEED", "20261129"))
RUNS = 50
SEQ_RANGE = 1_000_000  # run r uses note seqs r*SEQ_RANGE, r*SEQ_RANGE+1, ...

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


@dataclass
class Run:
    index: int
    mode: str
    inspection_id: str | None = None
    attempts: list[tuple[str, object, int]] = field(default_factory=list)
    commits: list[tuple[str, object, int]] = field(default_factory=list)
    returncode: int | None = None

    @property
    def in_flight(self) -> tuple[str, object, int] | None:
        """The write that was attempted but not reported when the kill came (it may or may not
        have committed)."""
        if self.attempts and (not self.commits or self.commits[-1][2] != self.attempts[-1][2]):
            return self.attempts[-1]
        return None


def _parse(line: str) -> tuple[str, tuple[str, object, int] | str]:
    kind, rest = line.split(" ", 1)
    if kind == "inspection":
        return kind, rest
    item_id, rest = rest.split(" ", 1)
    shown, seq = rest.rsplit(" ", 1)
    return kind, (item_id, json.loads(shown), int(seq))


def _reader(stream, lines: queue.Queue) -> None:
    for raw in stream:
        lines.put(raw)
    lines.put(None)


def _run_once(index: int, rng: random.Random, data_dir: Path, site_id: str, log_dir: Path) -> Run:
    mode = rng.choice(["delay", "delay", "lines", "lines", "startup"])
    run = Run(index, mode)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    stderr = open(log_dir / f"run{index:03d}.stderr", "wb")
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(data_dir), site_id, str(index * SEQ_RANGE), str(rng.randrange(2**31))],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1,
    )
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_reader, args=(child.stdout, lines), daemon=True)
    reader.start()

    deadline = None
    budget = None
    if mode == "startup":
        deadline = started + rng.uniform(0.05, 0.8)  # often lands in open_device/start_inspection
    elif mode == "lines":
        budget = rng.randint(1, 60)
    delay = rng.uniform(0.005, 0.150)
    hard_stop = started + 15
    received: list[str] = []
    seen = 0
    while True:
        now = time.monotonic()
        if (deadline is not None and now >= deadline) or now >= hard_stop:
            break
        timeout = max(0.0, min(deadline if deadline is not None else hard_stop, hard_stop) - now)
        try:
            raw = lines.get(timeout=timeout)
        except queue.Empty:
            continue
        if raw is None:  # the child exited by itself
            break
        received.append(raw)
        if raw.startswith("inspection ") and mode == "delay":
            deadline = time.monotonic() + delay
        elif not raw.startswith("inspection "):
            seen += 1
            if budget is not None and seen >= budget:
                break
    child.send_signal(signal.SIGKILL)
    run.returncode = child.wait(timeout=10)
    reader.join(timeout=10)
    stderr.close()
    while True:  # whatever the child printed before it died
        try:
            raw = lines.get_nowait()
        except queue.Empty:
            break
        if raw is not None:
            received.append(raw)

    for raw in received:
        if not raw.endswith("\n"):
            continue  # cut off by the kill: ignore (only weakens the check)
        kind, payload = _parse(raw.rstrip("\n"))
        if kind == "inspection":
            run.inspection_id = payload
        elif kind == "attempt":
            run.attempts.append(payload)
        elif kind == "committed":
            assert run.attempts and run.attempts[-1][2] == payload[2], f"committed without attempt: {raw!r}"
            run.commits.append((payload[0], payload[1], payload[2]))
    return run


def _fail_context(runs: list[Run], log_dir: Path) -> str:
    return f"(seed={SEED}; CRASH_SEED={SEED} reproduces the kill schedule; child stderr in {log_dir})"


def test_answers_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    checklist = Checklist.model_validate(SAMPLE)
    device = open_device(data_dir, checklists={"sample": checklist}, today=lambda: TODAY)
    site_ids = [
        device.sites.create(name=f"荷花池街道 {n} 号群租房", address=f"钟楼区荷花池街道 {n} 号",
                             kind="群租房", grid="荷花池-01").id
        for n in (12, 14, 16)
    ]
    device.close()

    runs: list[Run] = []
    for index in range(RUNS):
        run = _run_once(index, rng, data_dir, rng.choice(site_ids), log_dir)
        runs.append(run)
        ctx = _fail_context(runs, log_dir)
        assert run.returncode == -signal.SIGKILL, (
            f"run {index} ({run.mode}) ended by itself with {run.returncode}: "
            f"{(log_dir / f'run{index:03d}.stderr').read_text()[-2000:]} {ctx}"
        )
    ctx = _fail_context(runs, log_dir)
    total_commits = sum(len(r.commits) for r in runs)
    in_flight = [r.in_flight for r in runs if r.in_flight is not None]
    print(f"seed={SEED}: {RUNS} kills, {total_commits} reported commits, "
          f"{len(in_flight)} kills with a write in flight, modes "
          f"{ {m: sum(r.mode == m for r in runs) for m in ('delay', 'lines', 'startup')} }")
    assert total_commits >= RUNS, f"too few writes to mean anything: {total_commits} {ctx}"

    # --- the raw database, exactly as the last kill left it (first open replays the WAL) ------
    conn = sqlite3.connect(data_dir / DB_FILE)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], ctx
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], ctx
        for table in ("sites_fts", "hazards_fts"):
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")

        logged: dict[int, tuple[str, object, int]] = {}  # note seq -> (entity_id, value, change seq)
        for change_seq, entity_id, payload in conn.execute(
            "SELECT seq, entity_id, payload FROM changes WHERE entity = 'answer' ORDER BY seq"
        ):
            row = json.loads(payload)
            note_seq = int(row["note"].removeprefix("seq="))
            assert note_seq not in logged, f"write seq={note_seq} logged twice {ctx}"
            logged[note_seq] = (entity_id, json.loads(row["value"]), change_seq)

        # every reported commit is in the log, with its value
        reported: dict[int, tuple[str, object]] = {}
        for run in runs:
            for item_id, value, seq in run.commits:
                key = f"{run.inspection_id}/{item_id}"
                reported[seq] = (key, value)
                assert seq in logged, f"run {run.index}: reported write seq={seq} {key}={value!r} lost {ctx}"
                assert logged[seq][:2] == (key, value), f"write seq={seq}: logged {logged[seq]} {ctx}"

        # nothing in the log that was not reported, except the one write in flight at a kill
        in_flight_seqs = {
            r.in_flight[2]: (f"{r.inspection_id}/{r.in_flight[0]}", r.in_flight[1]) for r in runs if r.in_flight
        }
        for seq, (key, value, _) in logged.items():
            if seq in reported:
                continue
            assert seq in in_flight_seqs, f"write seq={seq} {key} in the log but never attempted last {ctx}"
            assert in_flight_seqs[seq] == (key, value), f"in-flight write seq={seq} logged wrongly {ctx}"
        landed = sum(1 for seq in in_flight_seqs if seq in logged)
        print(f"  of the {len(in_flight_seqs)} writes in flight at a kill, {landed} had committed, "
              f"{len(in_flight_seqs) - landed} had not (both are correct)")

        # each answer row is the newest logged write for it, and not older than the last reported
        newest: dict[str, tuple[int, object, int]] = {}
        for seq, (key, value, change_seq) in logged.items():
            if key not in newest or change_seq > newest[key][2]:
                newest[key] = (seq, value, change_seq)
        rows = {f"{r[0]}/{r[1]}": (int(r[3].removeprefix("seq=")), json.loads(r[2]))
                for r in conn.execute("SELECT inspection_id, item_id, value, note FROM answers")}
        assert set(rows) == set(newest), f"answers {sorted(rows)} vs log {sorted(newest)} {ctx}"
        for key, (seq, value) in rows.items():
            assert (seq, value) == newest[key][:2], f"answer {key} is seq={seq} {value!r}, log says {newest[key]} {ctx}"
        last_reported: dict[str, int] = {}
        for seq, (key, _) in sorted(reported.items()):
            last_reported[key] = seq
        for key, seq in last_reported.items():
            assert rows[key][0] >= seq, f"answer {key} went back from reported seq={seq} to {rows[key][0]} {ctx}"

        # hazards: one per (inspection, item), and the table agrees with the hazard log
        duplicates = conn.execute(
            "SELECT inspection_id, item_id, count(*) FROM hazards WHERE inspection_id IS NOT NULL"
            " AND item_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
        assert duplicates == [], f"duplicate hazards {duplicates} {ctx}"
        last_op = dict(conn.execute(
            "SELECT entity_id, op FROM changes WHERE entity = 'hazard' AND seq IN"
            " (SELECT max(seq) FROM changes WHERE entity = 'hazard' GROUP BY entity_id)").fetchall())
        present = {r[0] for r in conn.execute("SELECT id FROM hazards")}
        assert present == {h for h, op in last_op.items() if op != "delete"}, f"hazard log and table differ {ctx}"
        inspections = {r.inspection_id for r in runs if r.inspection_id}
        drafts = {r[0] for r in conn.execute("SELECT id FROM inspections")}
        assert inspections <= drafts, ctx
        assert len(drafts) <= len(site_ids), f"a resumed draft was started twice: {len(drafts)} drafts {ctx}"
    finally:
        conn.close()

    # --- the app reopens the folder and sees hazards exactly where the answers call for them ---
    device = open_device(data_dir, checklists={"sample": checklist}, today=lambda: TODAY)
    try:
        for inspection_id in drafts:
            state = device.inspections.state(inspection_id)
            values = {k: a.value for k, a in state.answers.items()}
            wanted = set()
            for item in visible_items(checklist, values):
                value = values.get(item.id)
                if isinstance(value, str) and item.kind == "date":
                    value = date.fromisoformat(value)
                if is_hazard(item, value, checklist, on=TODAY):
                    wanted.add(item.id)
            assert set(state.hazards) == wanted, f"inspection {inspection_id}: hazards {sorted(state.hazards)}" \
                f" but answers call for {sorted(wanted)} {ctx}"
    finally:
        device.close()
