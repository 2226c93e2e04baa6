#!/usr/bin/env python3
"""Write ``assets/assets/FontManifest.json``: Flet's web font manifest plus the bundled CJK font.

    python scripts/font_manifest.py           # rewrite it
    python scripts/font_manifest.py --check   # exit 1 if it is out of date (e.g. after a Flet upgrade)

Why: Flutter web downloads every font in ``assets/FontManifest.json`` while the engine starts, before
the app's first frame. A font given through ``page.fonts`` is fetched only after that frame, so
Chinese shows as boxes until it arrives (and, with ``no_cdn``, Flutter's own CJK fallback 404s).
Flet's web server (``no_cdn=True``) serves ``<assets_dir>/assets/FontManifest.json`` in place of
its packaged one, so this file keeps Flet's entries (Material icons, …) and adds ours.

The font's asset path is ``../fonts/…``: the engine asks for ``assets/<asset>``, and
``assets/../fonts/…`` is the app's own ``fonts/`` folder (the file the photo watermark uses too).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Served by Flet's web server in place of its own manifest (``no_cdn=True``).
MANIFEST = REPO / "assets" / "assets" / "FontManifest.json"


def flet_manifest() -> list[dict]:
    """The font manifest packaged with the installed flet-web client."""
    from flet_web import get_package_web_dir

    return json.loads((Path(get_package_web_dir()) / "assets" / "FontManifest.json").read_text(encoding="utf-8"))


def wanted() -> list[dict]:
    """Flet's manifest with the theme's font family (``AnXunCJK``) added at the end."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from app.ui import theme

    font = theme.font_file()
    if font is None:
        raise SystemExit(f"no bundled font in {theme.ASSETS_DIR / 'fonts'}: run scripts/build_font.py first")
    ours = {"family": theme.FONT_FAMILY, "fonts": [{"asset": f"../{font}"}]}
    return [e for e in flet_manifest() if e.get("family") != theme.FONT_FAMILY] + [ours]


def render(manifest: list[dict]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the committed file is current")
    args = ap.parse_args(argv)
    manifest = wanted()
    text = render(manifest)
    name = MANIFEST.relative_to(REPO)
    if args.check:
        if not MANIFEST.exists() or MANIFEST.read_text(encoding="utf-8") != text:
            print(f"{name} is out of date: run python scripts/font_manifest.py", file=sys.stderr)
            return 1
        return 0
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    MANIFEST.write_text(text, encoding="utf-8")
    print(f"{name}: {len(manifest)} font families, the last one preloads {manifest[-1]['fonts'][0]['asset']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
