"""Random interleavings of offline work on three devices, syncs that lose requests, replies or the
whole process halfway, then a final sync: the server holds the union of every edit, each device
holds exactly the server's records, and no acknowledged change is missing or doubled.

The default run tries ``EXAMPLES`` interleavings (about half a minute); ``-m slow`` runs the
``slow`` variant with many more: ``python -m pytest tests/sync/test_client_property.py -m slow``.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from client_support import Fault, FaultyTransport, device_records, make_device, push_log, server_records
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sync_support import PASSWORD, LiveServer, jpeg, settings_for

from app.services import AnXunError, HazardEdit
from sync.client.engine import SyncEngine
from sync.client.errors import Transient

EXAMPLES = 40
SLOW_EXAMPLES = 150
DEVICES = 3
GRID = "荷花池-01"


class Killed(BaseException):
    """The process died here (not an error the engine may handle)."""


class KillingTransport(FaultyTransport):
    """``kill`` faults: the request reaches the server, then the device process "dies"."""

    def send(self, request):
        fault = next((f for f in self.faults if f.kind == "kill" and f.matches(request)), None)
        if fault is None:
            return super().send(request)
        fault.times -= 1
        self.inner.send(request)
        raise Killed(f"killed after {request.method} {request.url}")


FAULTS = [None] + [(kind, method, path) for kind in ("drop", "lose", "kill")
                   for method, path in (("POST", "/v1/push"), ("GET", "/v1/pull"), ("PUT", "/v1/photos/"))]
TEXTS = ["一楼楼梯间", "二楼走廊", "三楼", "地下室", "物业服务中心", "房东 王某"]

device_no = st.integers(0, DEVICES - 1)
index = st.integers(0, 6)
sync_step = st.tuples(st.just("sync"), device_no, st.sampled_from(FAULTS))
step = st.one_of(
    st.tuples(st.just("site"), device_no),
    st.tuples(st.just("hazard"), device_no, index),
    st.tuples(st.just("edit"), device_no, index, st.sampled_from(["location", "rect_unit", "requirement"]),
              st.sampled_from(TEXTS)),
    st.tuples(st.just("move"), device_no, index),
    st.tuples(st.just("review"), device_no, index, st.booleans()),
    st.tuples(st.just("photo"), device_no, index),
    st.tuples(st.just("inspect"), device_no, index),
    sync_step, sync_step, sync_step,  # syncs as often as edits: interleavings are the point
)
colours = itertools.count()


def act(device, op: tuple) -> None:
    """One worker's action, offline; a refusal (e.g. a hazard already closed here) is a no-op."""
    kind, _, *args = op
    sites = [r["id"] for r in device.store.rows("SELECT id FROM sites ORDER BY id")]
    hazards = [r["id"] for r in device.store.rows("SELECT id FROM hazards ORDER BY id")]

    def pick(items: list[str], n: int) -> str | None:
        return items[n % len(items)] if items else None

    try:
        if kind == "site":
            device.sites.create(name=f"场所 {next(colours)}", kind="群租房", grid=GRID)
        elif kind == "hazard" and (site := pick(sites, args[0])):
            device.hazards.create(site_id=site, description="疏散通道堆放杂物")
        elif kind == "edit" and (hazard := pick(hazards, args[0])):
            device.hazards.edit(hazard, HazardEdit(**{args[1]: args[2]}))
        elif kind == "move" and (hazard := pick(hazards, args[0])):
            actions = device.hazards.actions(hazard)
            if actions:
                device.hazards.transition(hazard, actions[0][0])
        elif kind == "review" and (hazard := pick(hazards, args[0])):
            for _ in range(2):  # 整改 first where needed, so hazards often close
                actions = device.hazards.actions(hazard)
                if device.hazards.get(hazard).status != "待复查" and actions:
                    device.hazards.transition(hazard, actions[-1][0])
            device.reviews.record(hazard, reviewer="李四", passed=args[1], note="复查")
        elif kind == "photo" and (hazard := pick(hazards, args[0])):
            c = next(colours)
            device.evidence.add_to_hazard(hazard, jpeg((64, 48), (c * 37 % 256, c * 11 % 256, 90)))
        elif kind == "inspect" and (site := pick(sites, args[0])):
            # Each answer flips the last: 是 raises a hazard, 否 withdraws it (a corrected answer).
            inspection = device.inspections.start(site, "sample")
            raised = "A1" in device.inspections.state(inspection.id).hazards
            device.inspections.answer(inspection.id, "A1", "否" if raised else "是")
    except AnXunError:
        pass


def orphans(records: dict) -> dict:
    """Photo records no photo link refers to."""
    linked = {fields["photo_sha256"] for (entity, _), fields in records.items() if entity == "photo_link"}
    return {k: v for k, v in records.items() if k[0] == "photo" and k[1] not in linked}


def linked_only(records: dict) -> dict:
    """The records in a grid user's scope: all but unlinked photos (a photo is scoped by its links)."""
    unlinked = orphans(records)
    return {k: v for k, v in records.items() if k not in unlinked}


def pushed_photos(device, log: list[dict]) -> set[str]:
    """The photos (SHA-256) this device sent the server."""
    return {r["entity_id"] for r in log if r["device_id"] == device.device_id and r["entity"] == "photo"}


def sync(device, fault: tuple | None) -> None:
    faults = [] if fault is None else [Fault(fault[0], fault[1], fault[2], times=1)]
    transport = KillingTransport(faults)
    engine = SyncEngine(device.store, device.photo_files, device.data_dir, transport, sleep=lambda s: None)
    try:
        engine.run(20)
    except (Transient, Killed):
        pass  # tried again later: nothing done so far may be lost
    finally:
        transport.close()


def check(steps: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(settings_for(Path(tmp) / "server")).start()
        devices = []
        try:
            for n in range(DEVICES):
                server.add_user(f"user{n}", "网格员", (GRID,))
                device = make_device(Path(tmp) / f"device{n}")
                device.sync.sign_in(server.url, f"user{n}", PASSWORD)
                devices.append(device)
            # Common ground: two sites and a hazard every device has pulled.
            first = devices[0]
            for name in ("荷花池街道 12 号群租房", "荷花池街道 14 号群租房"):
                site = first.sites.create(name=name, kind="群租房", grid=GRID)
            first.hazards.create(site_id=site.id, description="楼道堆物")
            for device in devices:
                device.sync.run(30)
            for op in steps:
                if op[0] == "sync":
                    sync(devices[op[1]], op[2])
                else:
                    act(devices[op[1]], op)
            for _ in range(2):  # everyone sends, then everyone has pulled everyone's
                for device in devices:
                    device.sync.run(60)
            on_server = server_records(server)
            log = push_log(server)
            in_scope, unlinked = linked_only(on_server), orphans(on_server)
            for device in devices:
                held = device_records(device)
                assert linked_only(held) == in_scope
                # A photo whose links were all refused (its hazard was withdrawn on another device) is
                # in no grid's scope: only the device that took it keeps it, and it must.
                my_photos = pushed_photos(device, log)
                assert {k for k in unlinked if k[1] in my_photos} <= held.keys()
                assert device.sync.status().pending == 0
                written = device.store.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'changes'") or 0
                mine = sorted(r["seq"] for r in log if r["device_id"] == device.device_id)
                assert mine == list(range(1, written + 1))  # every change acknowledged, exactly once
                rejected = {r["seq"] for r in log if r["device_id"] == device.device_id and r["status"] == "rejected"}
                kept = {r["seq"] for r in device.store.rows("SELECT seq FROM sync_rejected WHERE seq IS NOT NULL")}
                assert rejected == kept  # a rejection is shown to the worker, never dropped silently
            for row in log:
                event(f"entry {row['status']}" + (f" {row['code']}" if row["code"] else ""))
            if any(r["op"] == "delete" for r in log):
                event("a withdrawn hazard")
            if unlinked:
                event("a photo whose hazard was withdrawn elsewhere")
        finally:
            for device in devices:
                device.close()
            server.stop()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=6, max_size=30))
# Found by a CI run: a photo added on one device to a hazard another device withdrew meanwhile.
@example([("inspect", 2, 0), ("sync", 2, None), ("sync", 1, None), ("photo", 1, 1), ("inspect", 2, 0),
          ("sync", 2, None)])
# A hazard withdrawn by a corrected answer on a device that had not seen another device's 复查.
@example([("inspect", 2, 0), ("sync", 2, None), ("sync", 1, None), ("review", 1, 1, False), ("sync", 1, None),
          ("inspect", 2, 0), ("sync", 2, None)])
def test_random_offline_work_and_faulty_syncs_on_three_devices_converge_without_loss(steps):
    check(steps)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=6, max_size=50))
def test_random_offline_work_converges_without_loss_many_interleavings(steps):
    check(steps)
