"""Shared fixtures: the sample checklist, a real device store on disk, a movable calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checklists import Checklist
from tests.factories import SAMPLE, TODAY


@pytest.fixture
def sample_checklist() -> Checklist:
    return Checklist.model_validate(SAMPLE)


class Calendar:
    """The inspector's day in a test; ``calendar.today = date(...)`` moves it."""

    def __init__(self, day: date):
        self.today = day

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def calendar() -> Calendar:
    return Calendar(TODAY)


@pytest.fixture
def device(tmp_path: Path, sample_checklist: Checklist, calendar: Calendar):
    from app.services import open_device

    opened = open_device(tmp_path / "data", checklists={"sample": sample_checklist}, today=calendar)
    yield opened
    opened.close()


@pytest.fixture
def site(device):
    return device.sites.create(name="荷花池街道 12 号群租房", address="钟楼区荷花池街道 12 号",
                                kind="群租房", grid="荷花池-01")
