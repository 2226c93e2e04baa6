"""Check a folder of checklist files before it goes to devices.

Usage::

    python -m checklists DIR [--installed DIR2]

Prints one ``OK`` line per checklist that loads, one ``ERROR`` line per problem (naming the
file and, where one is at fault, the item), then a summary. ``--installed`` names the folder
of checklists already on devices (default: the shipped checklists) so that a version that
went down is reported.

Exit status: 0 when every file loads, 1 on any error, 2 on a usage error (e.g. missing folder).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .kinds import RECORD, WARNING
from .loader import OVERRIDES_FILE, SHIPPED_DIR, LoadResult, load_dir
from .schema import Checklist


def summarise(checklist: Checklist) -> str:
    """One line about a good checklist, e.g. ``lifeline v1 生命通道: 25 项 / 5 部分 / 2 参数``; a
    checklist with findings below a hazard or with combination rules says how many, e.g.
    ``… / 9 项记录并报告 / 3 条综合判定规则``."""
    line = (
        f"{checklist.id} v{checklist.version} {checklist.title}: "
        f"{len(checklist.items)} 项 / {len(checklist.sections)} 部分 / {len(checklist.parameters)} 参数"
    )
    for level in (WARNING, RECORD):
        count = sum(1 for item in checklist.items if item.is_hazard_item and item.level == level)
        if count:
            line += f" / {count} 项{level}"
    if checklist.combination is not None:
        line += f" / {len(checklist.combination.rules)} 条综合判定规则"
    return line


def installed_versions(directory: Path) -> dict[str, int]:
    """Versions of the checklists in ``directory`` that load, e.g. ``{"lifeline": 2}``."""
    return {cid: c.version for cid, c in load_dir(directory).checklists.items()}


def report(result: LoadResult, directory: Path) -> list[str]:
    """The lines to print for a folder's load result, summary last."""
    lines = [
        f"OK  {result.paths[cid].name}  {summarise(checklist)}"
        for cid, checklist in sorted(result.checklists.items(), key=lambda kv: result.paths[kv[0]].name)
    ]
    lines += [f"ERROR  {error}" for error in result.errors]
    lines.append(
        f"{directory}: {len(result.checklists)} 个清单通过, {len(result.errors)} 个错误 "
        f"({len(result.checklists)} ok, {len(result.errors)} error(s))"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        # Office PCs and CI often run with a C locale; titles and messages are Chinese.
        sys.stdout.reconfigure(encoding="utf-8")
    # The loader logs each bad file as a warning; this command prints them itself.
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(
        prog="python -m checklists", description="Validate a folder of checklist YAML files."
    )
    parser.add_argument("dir", type=Path, help="folder holding *.yaml checklists (and parameters.yaml)")
    parser.add_argument(
        "--installed",
        type=Path,
        default=None,
        help="folder of the checklists already installed, to catch versions that went down "
        "(default: the shipped checklists)",
    )
    args = parser.parse_args(argv)

    directory: Path = args.dir
    if not directory.is_dir():
        parser.error(f"not a folder: {directory}")
    installed: Path | None = args.installed
    if installed is not None and not installed.is_dir():
        parser.error(f"--installed is not a folder: {installed}")
    if installed is None and directory.resolve() != SHIPPED_DIR.resolve():
        installed = SHIPPED_DIR

    files = [p for p in directory.glob("*.yaml") if p.name != OVERRIDES_FILE]
    if not files:
        print(f"ERROR  {directory}: no checklist files (*.yaml) found")
        return 1

    previous = installed_versions(installed) if installed is not None else None
    result = load_dir(directory, previous_versions=previous)
    for line in report(result, directory):
        print(line)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
