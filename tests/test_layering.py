"""The layers import only downwards. The rules, once:

    checklists/       nothing from app/ or sync/ (the office validates files without the app)
    app/domain/       no store, photos, services, ui, flet; of checklists only the schema (its
                      modules, not the loader, which reads files, nor the command line)
    app/store/        no services, ui, flet
    app/photos/       no services, ui, flet
    app/services/     no ui, flet
    app/ui/           services, not store, photos or domain (views get everything from services)
    app/reports/      services and domain only: no store, photos, ui, sync, flet
    sync/             no flet; only sync/client touches the device (store, photos, services, ui):
                      the protocol and the server never do
    everywhere        flet only in app/ui and the entry points (main.py, app/main.py, app/__main__.py)

Imports inside functions and under ``TYPE_CHECKING`` count too: a lazy import is still a
dependency.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "checklists", "sync")
ENTRY_POINTS = ("main", "app.main", "app.__main__")
#: The checklist schema: every module of checklists/ but the loader, the command line and the
#: package (whose ``__init__`` re-exports the loader).
CHECKLIST_SCHEMA = tuple(f"checklists.{p.stem}" for p in sorted((REPO / "checklists").glob("*.py"))
                         if p.stem not in ("__init__", "__main__", "loader"))


@dataclass(frozen=True)
class Rule:
    """Modules under ``layer`` (``""`` = every module) may not import ``forbidden`` prefixes,
    except the ``allowed`` ones; modules in ``exempt`` are outside the rule."""

    layer: str
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()


RULES = (
    Rule("checklists", ("app", "sync")),
    Rule("app.domain", ("app.store", "app.photos", "app.services", "app.ui", "flet", "checklists"),
         allowed=CHECKLIST_SCHEMA),
    Rule("app.store", ("app.services", "app.ui", "flet")),
    Rule("app.photos", ("app.services", "app.ui", "flet")),
    Rule("app.services", ("app.ui", "flet")),
    Rule("app.ui", ("app.store", "app.photos", "app.domain")),
    Rule("app.reports", ("app.store", "app.photos", "app.ui", "sync", "flet")),
    Rule("sync", ("flet",)),
    Rule("sync", ("app.store", "app.photos", "app.services", "app.ui"), exempt=("sync.client",)),
    Rule("", ("flet",), exempt=("app.ui", *ENTRY_POINTS)),
)


def _within(module: str, prefix: str) -> bool:
    return prefix == "" or module == prefix or module.startswith(prefix + ".")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # ``from app import services`` depends on app.services, not just on app.
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def violations(root: Path, rules: tuple[Rule, ...] = RULES) -> list[str]:
    """One line per forbidden import, e.g. ``app/domain/x.py:3 app.domain.x imports flet``."""
    files = [p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))]
    files += [p for p in (root / "main.py",) if p.exists()]
    problems = []
    for path in files:
        module = module_name(root, path)
        for line, target in imported_modules(path, module):
            for rule in rules:
                if not _within(module, rule.layer) or any(_within(module, e) for e in rule.exempt):
                    continue
                if any(_within(target, f) for f in rule.forbidden) and not any(
                        _within(target, a) for a in rule.allowed):
                    where = path.relative_to(root).as_posix()
                    problems.append(f"{where}:{line} {module} imports {target} "
                                    f"(rule for {rule.layer or 'every module'})")
    return problems


def test_the_code_keeps_its_layers():
    assert violations(REPO) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_forbidden_import_is_reported_with_file_and_line(tmp_path):
    root = _tree(tmp_path, {
        "app/__init__.py": "",
        "app/domain/__init__.py": "",
        "app/domain/rules.py": "from checklists.schema import Item\n\nimport flet as ft\n",
        "app/store/__init__.py": "",
        "app/store/db.py": "def f():\n    from ..services import context\n",
        "app/ui/__init__.py": "",
        "app/ui/home.py": "import flet\nfrom app.store.db import Store\n",
        "checklists/__init__.py": "",
        "checklists/schema.py": "from app.domain import vocab\n",
        "sync/__init__.py": "",
        "sync/server/__init__.py": "",
        "sync/server/routes.py": "from app.domain import lifecycle\nfrom app.store import hazards\n",
    })
    assert violations(root) == [
        "app/domain/rules.py:3 app.domain.rules imports flet (rule for app.domain)",
        "app/domain/rules.py:3 app.domain.rules imports flet (rule for every module)",
        "app/store/db.py:2 app.store.db imports app.services.context (rule for app.store)",
        "app/ui/home.py:2 app.ui.home imports app.store.db.Store (rule for app.ui)",
        "checklists/schema.py:1 checklists.schema imports app.domain.vocab (rule for checklists)",
        "sync/server/routes.py:2 sync.server.routes imports app.store.hazards (rule for sync)",
    ]


def test_allowed_imports_pass(tmp_path):
    root = _tree(tmp_path, {
        "app/domain/rules.py": "from checklists.schema import Item\nfrom .errors import AnXunError\n",
        "app/ui/home.py": "import flet as ft\nfrom app.services import Device\n",
        "app/main.py": "import flet as ft\n",
        "sync/server/routes.py": "from app.domain import lifecycle\nimport sync.protocol\n",
        "sync/client/engine.py": "from app.services import Device\n",
    })
    assert violations(root) == []
