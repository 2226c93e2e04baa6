#!/usr/bin/env python3
"""Build the bundled CJK font: a subset of Noto Sans CJK SC.

    python scripts/build_font.py            # Regular -> assets/fonts/NotoSansSC-AnXun.otf
    python scripts/build_font.py --bold     # also NotoSansSC-AnXun-Bold.otf

The subset covers ASCII, Latin-1, general punctuation, CJK symbols and
punctuation, fullwidth forms, all of GB2312 (symbol rows and the 6763 hanzi),
plus every non-ASCII character found in the repo's *.py / *.yaml files under
app/, checklists/ and sync/, so any UI string renders.  Superscripts the source
lacks (⁰ ⁴-⁹ ⁺ ⁻, as in 10⁻⁷ cm/s) are drawn from the Bold face's digits.  Hinting is removed and
vertical-layout tables dropped to keep the file small.  Re-runnable: the
output is rebuilt from scratch each time.

Needs fontTools (``pip install -e .[font]``) and Debian's ``fonts-noto-cjk``
(or pass ``--source`` to point at NotoSansCJK-Regular.ttc / an SC .otf).
Run it again whenever new UI strings with uncommon hanzi are added.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTCollection, TTFont

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "assets" / "fonts"
FAMILY = "Noto Sans SC AnXun"
SCAN_DIRS = ("app", "checklists", "sync")
SCAN_GLOBS = ("*.py", "*.yaml", "*.yml")
SOURCES = {
    "Regular": [
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
    ],
    "Bold": [
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
        Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Bold.ttc"),
    ],
}
LICENSE_SRC = Path("/usr/share/doc/fonts-noto-cjk/copyright")
#: Superscripts Noto Sans CJK lacks (a checklist hint reads "10⁻⁷ cm/s"), each drawn from a glyph
#: of the Bold face, scaled and raised to match the source's own ² (Bold, so that the smaller
#: strokes weigh like the designed ¹²³).
SUPERSCRIPTS = {
    "⁰": "0", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁺": "+",
    "⁻": "\u2212",  # from the minus sign, not the hyphen
}
# Tables not needed for horizontal UI text / Pillow rendering.
DROP_TABLES = ["BASE", "VORG", "vhea", "vmtx", "DSIG", "JSTF", "MATH", "meta"]


def out_name(weight: str) -> str:
    return "NotoSansSC-AnXun.otf" if weight == "Regular" else f"NotoSansSC-AnXun-{weight}.otf"


def gb2312_chars() -> set[str]:
    """Symbol rows 0xA1-0xA9 and hanzi rows 0xB0-0xF7 of GB2312."""
    chars: set[str] = set()
    for hi in list(range(0xA1, 0xAA)) + list(range(0xB0, 0xF8)):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def range_chars(*ranges: tuple[int, int]) -> set[str]:
    return {chr(cp) for lo, hi in ranges for cp in range(lo, hi + 1)}


def repo_chars() -> tuple[set[str], int]:
    chars: set[str] = set()
    files = 0
    for d in SCAN_DIRS:
        base = REPO / d
        if not base.is_dir():
            continue
        for pattern in SCAN_GLOBS:
            for p in base.rglob(pattern):
                if any(part.startswith(".") or part == "__pycache__" for part in p.parts):
                    continue
                try:
                    text = p.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                files += 1
                chars.update(ch for ch in text if ord(ch) > 0x7E)
    return chars, files


def wanted_chars() -> tuple[set[str], dict[str, int]]:
    base = range_chars(
        (0x20, 0x7E),      # ASCII
        (0xA0, 0xFF),      # Latin-1 (°, ×, ·, ±)
        (0x2000, 0x206F),  # general punctuation (— … “ ” ‰ ※)
        (0x2070, 0x207B),  # superscripts (10⁻⁷; those the source lacks are drawn, see SUPERSCRIPTS)
        (0x2100, 0x214F),  # letterlike (℃ №)
        (0x2190, 0x2199),  # arrows
        (0x2460, 0x2473),  # ①-⑳
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
    )
    gb = gb2312_chars()
    repo, files = repo_chars()
    # Control / format characters are not glyphs.
    repo = {c for c in repo if not re.match(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]", c)}
    stats = {"base": len(base), "gb2312": len(gb), "repo_files": files,
             "repo_chars": len(repo), "repo_extra": len(repo - base - gb)}
    return base | gb | repo, stats


def find_sc_font(path: Path) -> TTFont:
    """Load the "Noto Sans CJK SC" face from a .ttc (or a plain .otf)."""
    if path.suffix.lower() in (".ttc", ".otc"):
        coll = TTCollection(str(path), lazy=False)
        for idx, font in enumerate(coll.fonts):
            if font["name"].getDebugName(1) == "Noto Sans CJK SC":
                return TTFont(str(path), fontNumber=idx, lazy=False)
        names = [f["name"].getDebugName(1) for f in coll.fonts]
        raise SystemExit(f"{path}: no 'Noto Sans CJK SC' face (found {names})")
    return TTFont(str(path), lazy=False)


def rename(font: TTFont, weight: str) -> None:
    """Name the derivative so it is not mistaken for the full upstream font."""
    name = font["name"]
    ps = f"NotoSansSC-AnXun-{weight}"
    full = f"{FAMILY} {weight}" if weight != "Regular" else FAMILY
    for rec in list(name.names):
        if rec.nameID in (16, 17, 18, 21, 22):  # typographic names: drop, keep RIBBI
            name.removeNames(nameID=rec.nameID)
    for nid, value in ((1, FAMILY), (2, weight), (3, f"{ps};AnXun subset"), (4, full), (6, ps)):
        name.setName(value, nid, 3, 1, 0x409)
        name.setName(value, nid, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        old = cff.fontNames[0]
        cff.fontNames = [ps]
        top = cff[old] if old in cff.keys() else cff.topDictIndex[0]
        for attr, value in (("FullName", full), ("FamilyName", FAMILY)):
            if hasattr(top, attr):
                setattr(top, attr, value)


def bounds(font: TTFont, glyph: str) -> tuple[float, float, float, float]:
    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[glyph].draw(pen)
    assert pen.bounds is not None, glyph
    return pen.bounds


def add_superscripts(font: TTFont, drawn_from: TTFont) -> set[str]:
    """Add the ``SUPERSCRIPTS`` that ``font`` (a CID-keyed subset) has no glyph for.

    :returns: the characters added.
    """
    cmap = font.getBestCmap()
    wanted = [c for c in sorted(SUPERSCRIPTS) if ord(c) not in cmap]
    if not wanted:
        return set()
    # The source's ² against its 2: how much smaller and how high a superscript sits.
    x0, y0, x1, y1 = bounds(font, cmap[ord("2")])
    sx0, sy0, sx1, sy1 = bounds(font, cmap[0xB2])
    scale, rise = (sy1 - sy0) / (y1 - y0), sy0 - y0 * (sy1 - sy0) / (y1 - y0)
    advance = font["hmtx"][cmap[0xB2]][0]
    top = font["CFF "].cff.topDictIndex[0]
    strings, fd_index = top.CharStrings, top.FDSelect[top.charset.index(cmap[0xB2])]
    private = top.FDArray[fd_index].Private
    used = {int(name[3:]) for name in top.charset if name.startswith("cid")}
    free_cids = (cid for cid in range(1, 65535) if cid not in used)
    source_cmap, source_glyphs = drawn_from.getBestCmap(), drawn_from.getGlyphSet()
    for char in wanted:
        base = source_cmap[ord(SUPERSCRIPTS[char])]
        bx0, _, bx1, _ = bounds(drawn_from, base)
        shift = (advance - scale * (bx1 - bx0)) / 2 - scale * bx0  # centred in the superscript's width
        pen = T2CharStringPen(advance - private.nominalWidthX, source_glyphs)
        source_glyphs[base].draw(TransformPen(pen, (scale, 0, 0, scale, shift, rise)))
        charstring = pen.getCharString(private=private, globalSubrs=strings.globalSubrs)
        name = f"cid{next(free_cids):05d}"
        strings.charStringsIndex.append(charstring)
        strings.charStrings[name] = len(strings.charStringsIndex) - 1
        top.charset.append(name)
        top.FDSelect.append(fd_index)
        font["hmtx"][name] = (advance, round(shift + scale * bx0))
        font.setGlyphOrder([*font.getGlyphOrder(), name])
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[ord(char)] = name
    font["maxp"].numGlyphs = len(font.getGlyphOrder())
    return set(wanted)


def build(weight: str, src: Path, chars: set[str], bold: Path | None) -> tuple[Path, int, int, int]:
    """:param bold: the Bold source the missing superscripts are drawn from (None: not added)."""
    font = find_sc_font(src)
    cmap = font.getBestCmap()
    unicodes = sorted(ord(c) for c in chars)
    missing = [u for u in unicodes if u not in cmap]
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = False          # subroutines keep CFF small
    options.drop_tables += DROP_TABLES
    # Horizontal-text features only.  Notably no 'locl' (its JP/KR/TC glyph
    # variants would double the glyph count) and no vertical-writing features.
    options.layout_features = ["ccmp", "liga", "calt", "kern", "palt", "halt", "mark", "mkmk"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 11, 13, 14]
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.glyph_names = False
    options.legacy_kern = False
    options.symbol_cmap = False
    options.recalc_bounds = True
    options.prune_unicode_ranges = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[u for u in unicodes if u in cmap])
    subsetter.subset(font)
    if bold is not None:
        added = add_superscripts(font, find_sc_font(bold))
        missing = [u for u in missing if chr(u) not in added]
    rename(font, weight)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / out_name(weight)
    tmp = out.with_suffix(".tmp")
    font.save(str(tmp))
    tmp.replace(out)
    glyphs = len(font.getGlyphOrder())
    return out, glyphs, len(unicodes) - len(missing), len(missing)


def write_license() -> None:
    dest = OUT_DIR / "OFL.txt"
    text = None
    if LICENSE_SRC.is_file():
        raw = LICENSE_SRC.read_text(encoding="utf-8")
        blocks = re.findall(r"^License: SIL-1\.1\n((?: .*\n?)+)", raw, re.M)
        if blocks:
            block = max(blocks, key=len)
            body = "\n".join(line[1:] for line in block.splitlines())
            text = re.sub(r"^\.$", "", body, flags=re.M).strip() + "\n"
    header = ("NotoSansSC-AnXun*.otf are subsets of Noto Sans CJK SC\n"
              "(https://github.com/notofonts/noto-cjk), Copyright 2014-2021 Adobe\n"
              "(http://www.adobe.com/), with Reserved Font Name 'Source'.\n"
              "Modified (subset, hinting removed, renamed) by scripts/build_font.py.\n"
              "Licensed under the SIL Open Font License, Version 1.1.\n\n")
    if text is None:
        if dest.exists():
            return
        text = "See https://openfontlicense.org/open-font-license-official-text/\n"
    dest.write_text(header + text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bold", action="store_true", help="also build the Bold weight")
    ap.add_argument("--source", type=Path, help="Regular source .ttc/.otf (default: Debian fonts-noto-cjk)")
    ap.add_argument("--bold-source", type=Path, help="Bold source .ttc/.otf")
    args = ap.parse_args(argv)

    chars, stats = wanted_chars()
    print(f"characters requested: {len(chars)} "
          f"(base {stats['base']}, GB2312 {stats['gb2312']}, "
          f"repo {stats['repo_chars']} from {stats['repo_files']} files, "
          f"{stats['repo_extra']} outside GB2312/base)")
    bold = args.bold_source or next((p for p in SOURCES["Bold"] if p.is_file()), None)
    if bold is None:
        print("warning: no Noto Sans CJK Bold source: superscripts such as ⁻⁷ are left out",
              file=sys.stderr)
    jobs = [("Regular", args.source)]
    if args.bold:
        jobs.append(("Bold", args.bold_source))
    for weight, src in jobs:
        if src is None:
            src = next((p for p in SOURCES[weight] if p.is_file()), None)
            if src is None:
                print(f"error: no Noto Sans CJK {weight} source found; install fonts-noto-cjk "
                      f"(apt-get install fonts-noto-cjk) or pass --source", file=sys.stderr)
                return 1
        out, glyphs, covered, missing = build(weight, src, chars, bold)
        size = out.stat().st_size
        print(f"{out.relative_to(REPO)}: {glyphs} glyphs, {covered} code points mapped "
              f"({missing} requested not in source), {size:,} bytes ({size / 1e6:.2f} MB)")
    write_license()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
