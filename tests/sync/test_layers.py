"""The server and the protocol keep to their layer: they use the protocol, checklists and the
domain, never the device's store, services, photo pipeline or Flet (the device engine in
``sync/client`` may use the services; no part of ``sync`` imports Flet)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("app.store", "app.services", "app.photos", "app.ui", "flet")


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def offenders(paths, forbidden) -> list[str]:
    found = []
    for path in paths:
        for module in imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in forbidden):
                found.append(f"{path.relative_to(ROOT)}: {module}")
    return found


def test_the_server_and_the_protocol_never_import_the_device_side():
    shared = [ROOT / "sync" / name for name in ("__init__.py", "protocol.py", "hlc.py")]
    assert offenders([*shared, *sorted((ROOT / "sync" / "server").rglob("*.py"))], FORBIDDEN) == []


def test_nothing_in_sync_imports_flet():
    assert offenders(sorted((ROOT / "sync").rglob("*.py")), ("flet",)) == []
