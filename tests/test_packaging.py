"""The project stays buildable as an APK: [tool.flet] is complete and flet packages are pinned."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_flet_build_finds_its_entry_module_and_assets():
    app = PYPROJECT["tool"]["flet"]["app"]
    app_dir = REPO / app["path"]
    assert (app_dir / f"{app['module']}.py").is_file()
    assert list((app_dir / "assets" / "fonts").glob("*.otf")) or list((app_dir / "assets" / "fonts").glob("*.ttf"))
    for excluded in app["exclude"]:
        assert excluded not in ("app", "checklists", "assets", "sync"), "the packaged app needs it"


def test_flet_build_has_identity_and_permissions():
    flet = PYPROJECT["tool"]["flet"]
    assert flet["org"] and flet["product"] and PYPROJECT["project"]["version"]
    assert {"camera", "location"} <= set(flet["permissions"])
    android = flet["android"]["permission"]
    assert android["android.permission.INTERNET"] is True
    assert android["android.permission.CAMERA"] is True
    assert android["android.permission.ACCESS_BACKGROUND_LOCATION"] is False


def test_the_apk_boot_screen_speaks_chinese():
    """flet-cli 1.0.5 (``build_base.py``, ``_resolve_boot_screen``) takes ``[tool.flet.boot_screen]``
    ``name`` and the options table named by it; the built-in "flet" screen shows these messages."""
    boot = PYPROJECT["tool"]["flet"]["boot_screen"]
    options = boot[boot["name"]]
    assert boot["name"] == "flet"
    for key in ("prepare_message", "startup_message"):
        assert re.search(r"[\u4e00-\u9fff]", options[key]), key


def test_every_flet_package_is_pinned_to_one_exact_version():
    deps = PYPROJECT["project"]["dependencies"]
    for group in PYPROJECT["project"].get("optional-dependencies", {}).values():
        deps = deps + group
    flet = [d for d in deps if re.match(r"flet([-_][a-z]+)?\b", d)]
    assert flet, "flet must be a dependency"
    versions = set()
    for dep in flet:
        match = re.fullmatch(r"flet(?:[-_][a-z]+)?(?:\[[a-z,]+\])?==(\d+\.\d+\.\d+)", dep)
        assert match, f"{dep} is not pinned with =="
        versions.add(match.group(1))
    assert len(versions) == 1, f"flet packages pinned to different versions: {versions}"


def test_the_apk_carries_only_what_the_phone_runs():
    # `flet build apk` packages [project].dependencies; web mode and the server are extras.
    names = {re.split(r"[<>=\[ ;]", dep, maxsplit=1)[0].lower() for dep in PYPROJECT["project"]["dependencies"]}
    assert not names & {"flet-web", "fastapi", "uvicorn", "sqlalchemy"}, names
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(d.startswith("flet-web==") for d in extras["web"])
    assert {"fastapi", "uvicorn", "sqlalchemy"} <= {re.split(r"[<>=]", d)[0] for d in extras["server"]}
