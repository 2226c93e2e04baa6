"""Fixtures for the central endpoint: a live server per test, on a free loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sync_support import LiveServer, settings_for


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start a server on ``tmp_path/server`` (settings overridable); stopped after the test."""
    started: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        server = LiveServer(settings_for(tmp_path / "server", **overrides)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A server with a 网格员 (wang, grid 荷花池-01), a 消防员 (zhao, grid 青果巷-02) and a 管理员 (li)."""
    live = start_server()
    live.add_user("wang", "网格员", ("荷花池-01",))
    live.add_user("zhao", "消防员", ("青果巷-02",))
    live.add_user("li", "管理员", ())
    return live


@pytest.fixture
def new_device(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``new_device("a")``: a real device store in ``tmp_path/a`` with the sample checklist; closed after."""
    from client_support import make_device

    opened: list[Any] = []

    def make(name: str = "device", **kwargs: Any) -> Any:
        device = make_device(tmp_path / name, **kwargs)
        opened.append(device)
        return device

    yield make
    for device in opened:
        device.sync.transport and device.sync.transport.close()
        device.close()
