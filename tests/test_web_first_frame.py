"""The web app's first frame: Chinese drawn with the bundled font from the start (the font is in the
web font manifest, downloaded before the first frame, under the family the theme uses, with a
glyph for every Chinese character the screens and the shipped checklists show), and the Flet
modules of the first screen imported before the browser asks for it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import flet as ft
from flet.messaging.session import Session
from fontTools.ttLib import TTFont

from app.ui import theme
from checklists import load_file
from checklists.loader import SHIPPED_DIR
from tests.ui_session import BrowserStandIn, run

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "assets" / "assets" / "FontManifest.json"
#: Hanzi (with extension A and compatibility forms), radicals, CJK symbols and punctuation,
#: enclosed and compatibility CJK, vertical and small forms, fullwidth forms.
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                 "\ufe30-\ufe4f\uff00-\uffef]")


def test_web_client_downloads_the_bundled_font_before_its_first_frame() -> None:
    from flet_web import get_package_web_dir

    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    ours = [e for e in manifest if e["family"] == theme.FONT_FAMILY]
    assert len(ours) == 1, f"{MANIFEST} does not preload {theme.FONT_FAMILY}: run python scripts/font_manifest.py"
    (font,) = ours[0]["fonts"]
    # The engine fetches assets/<asset>; ../ leads to the app's own fonts folder.
    assert (MANIFEST.parent / font["asset"]).resolve() == (theme.ASSETS_DIR / theme.font_file()).resolve()
    # It replaces Flet's manifest, so it must keep every font of Flet's (icons among them).
    flets = json.loads((Path(get_package_web_dir()) / "assets" / "FontManifest.json").read_text(encoding="utf-8"))
    assert [e for e in manifest if e["family"] != theme.FONT_FAMILY] == flets, \
        "Flet's own font manifest changed: run python scripts/font_manifest.py"


def test_font_manifest_script_finds_the_committed_manifest_current() -> None:
    done = subprocess.run([sys.executable, "scripts/font_manifest.py", "--check"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def shown_sources() -> list[Path]:
    """Where the text on screen comes from: the UI (strings, views, trade words) and the checklists."""
    files = sorted((REPO / "app").rglob("*.py")) + sorted((REPO / "checklists").rglob("*.yaml"))
    assert any(p.name == "strings.py" for p in files) and any(p.suffix == ".yaml" for p in files)
    return files


def test_bundled_font_has_every_chinese_character_of_the_screens_and_checklists() -> None:
    cmap = TTFont(str(theme.ASSETS_DIR / theme.font_file())).getBestCmap()
    missing: dict[str, str] = {}
    for path in shown_sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for ch in CJK.findall(line):
                if ord(ch) not in cmap:
                    missing.setdefault(ch, f"{path.relative_to(REPO)}:{n}")
    assert not missing, ("characters the bundled font cannot draw (boxes on screen): "
                         + ", ".join(f"{ch} ({where})" for ch, where in sorted(missing.items()))
                         + " — run python scripts/build_font.py")


def checklist_strings(value: object, where: str) -> Iterator[tuple[str, str]]:
    """(where, text) of every string in a checklist's data, e.g. ``("hw_storage.yaml HW-05", "…10⁻⁷…")``."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        inner = f"{where} {value['id']}" if isinstance(value.get("id"), str) else where
        for child in value.values():
            yield from checklist_strings(child, inner)
    elif isinstance(value, list):
        for child in value:
            yield from checklist_strings(child, where)


def test_bundled_font_draws_every_character_of_every_checklist_version() -> None:
    cmap = TTFont(str(theme.ASSETS_DIR / theme.font_file())).getBestCmap()
    files = sorted(SHIPPED_DIR.glob("*.yaml")) + sorted((SHIPPED_DIR / "archive").glob("*.yaml"))
    missing: dict[str, str] = {}
    for path in files:
        data = load_file(path).model_dump(mode="json", by_alias=True)
        for where, text in checklist_strings(data, path.name):
            for ch in text:
                if ord(ch) > 0x7E and ord(ch) not in cmap:
                    missing.setdefault(ch, where)
    listed = ", ".join(f"{ch} U+{ord(ch):04X} ({where})" for ch, where in sorted(missing.items()))
    assert not missing, (f"characters a checklist shows that the bundled font cannot draw (boxes on screen): {listed}"
                         " — run python scripts/build_font.py")


def test_web_page_leaves_the_font_to_the_manifest_and_a_native_page_loads_it() -> None:
    async def pages() -> tuple[ft.Page, ft.Page]:
        out = []
        for web in (True, False):
            session = Session(BrowserStandIn())
            session.apply_page_patch({"route": "/", "width": 390, "height": 844, "web": web})
            theme.apply(session.page)
            out.append(session.page)
        return out[0], out[1]

    web, native = run(pages)
    # page.fonts would make the web client fetch the font again after the first frame and redraw
    assert not web.fonts
    assert native.fonts == {theme.FONT_FAMILY: theme.font_file()}
    for page in (web, native):
        assert page.theme.font_family == theme.FONT_FAMILY
        # a text_theme style without the family falls back to Flutter's own font: boxes on web
        assert page.theme.text_theme.body_medium.font_family == theme.FONT_FAMILY


def test_warm_up_imports_the_first_screens_flet_modules_before_any_page_asks() -> None:
    # In a fresh interpreter: Flet imports a control's module on first use, and this test session
    # has long imported them all.
    code = ("import sys; from app.ui import theme; "
            "mods = ('flet.controls.theme', 'flet.controls.services.file_picker', 'flet.controls.material.container'); "
            "before = [m in sys.modules for m in mods]; theme.preload(); "
            "print(before, [m in sys.modules for m in mods])")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[False, False, False] [True, True, True]"
