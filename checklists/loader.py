"""Load checklist YAML files into validated `Checklist` models.

Each bad file yields one `ChecklistError` naming the file, the item id (when one is at fault)
and what is wrong; the other files in the folder still load.
"""

from __future__ import annotations

import logging
import math
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .schema import Checklist, ItemProblem, SchemaTooNew, check_consistency, check_readable

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent
# The C loader parses the shipped files about ten times faster (app start-up); same safe subset.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Office-local parameter values: ``{checklist_id: {parameter: value}}``.
OVERRIDES_FILE = "parameters.yaml"

# Files come from office PCs and downloads: bound the work before anything is built. A shipped
# checklist is ~40 KB, ~3,000 values after its &anchor/*alias references expand, nested 8 deep.
MAX_CHECKLIST_BYTES = 1024 * 1024
MAX_OVERRIDES_BYTES = 64 * 1024
MAX_VALUES = 100_000
MAX_DEPTH = 50
MAX_NUMBER_DIGITS = 30
MAX_MESSAGE_CHARS = 240
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_resolver = yaml.resolver.Resolver()
_short = reprlib.Repr()
_short.maxstring = _short.maxother = 60
_short.maxlist = _short.maxtuple = _short.maxdict = 6


class ChecklistError(Exception):
    """A checklist file that cannot be loaded."""

    def __init__(self, file: str, message: str, item_id: str | None = None, line: int | None = None):
        self.file = file
        self.item_id = item_id
        self.line = line
        # A hostile file must not make a megabyte-long error line.
        self.message = message if len(message) <= MAX_MESSAGE_CHARS else message[:MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.item_id:
            where += f": item {self.item_id}"
        return f"{where}: {self.message}"


class OverrideError(ChecklistError):
    """A ``parameters.yaml`` value that does not fit the checklist it names."""

    def __init__(self, checklist_id: str, message: str):
        super().__init__(OVERRIDES_FILE, message)
        self.checklist_id = checklist_id


@dataclass
class LoadResult:
    checklists: dict[str, Checklist] = field(default_factory=dict)
    errors: list[ChecklistError] = field(default_factory=list)
    #: The file each checklist came from, by checklist id.
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_file(
    path: Path,
    *,
    previous_versions: Mapping[str, int] | None = None,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> Checklist:
    """Load and validate one checklist file.

    :param previous_versions: versions already installed, e.g. ``{"lifeline": 2}``; a file whose
        version is lower is refused (a device must never step back to older content).
    :param overrides: office-local parameter values, e.g. ``{"group_rental": {"max_per_room": 3}}``.
    :raises ChecklistError: naming the file and, where one is at fault, the item.
    """
    text = _read_text(path, MAX_CHECKLIST_BYTES)  # bounded as it is read
    return _parse(path.name, text, previous_versions=previous_versions, overrides=overrides)


def load_text(
    name: str,
    text: str,
    *,
    previous_versions: Mapping[str, int] | None = None,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> Checklist:
    """Load and validate a checklist file's text that did not come from a file here (e.g. pulled
    by sync); the same checks and errors as ``load_file``.

    :param name: what errors call it, e.g. ``lifeline v3 (pulled)``.
    """
    if len(text.encode("utf-8")) > MAX_CHECKLIST_BYTES:
        raise _too_large(name, MAX_CHECKLIST_BYTES)
    return _parse(name, text, previous_versions=previous_versions, overrides=overrides)


def _parse(
    name: str,
    text: str,
    *,
    previous_versions: Mapping[str, int] | None,
    overrides: Mapping[str, Mapping[str, float]] | None,
) -> Checklist:
    try:
        _check_shape(name, text)
        raw = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        exc = _pure_python_error(text)  # its wording is the one office staff see documented
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ChecklistError(name, f"invalid YAML: {problem}", line=line) from exc
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else f"a {type(raw).__name__}"
        raise ChecklistError(name, f"the file must be a mapping with id, title, version, sections, got {got}")

    try:
        newer = check_readable(raw)
    except SchemaTooNew as exc:
        line = _line_at(text, (exc.field,))
        raise ChecklistError(name, f"cannot be read by this app: {exc.message}", line=line) from exc
    if newer:
        log.warning("%s is written for a newer schema (%s); reading it without the fields this app "
                    "does not know", name, raw.get("schema_version"))
    try:
        checklist = Checklist.model_validate(raw, context={"ignore_unknown": newer})
    except ValidationError as exc:
        first = exc.errors()[0]
        item_id = _item_id_at(raw, first["loc"])
        line = _item_line(text, item_id) if item_id else _line_at(text, first["loc"])
        raise ChecklistError(name, _describe(first, raw), item_id=item_id, line=line) from exc
    try:
        check_consistency(checklist)
    except ItemProblem as exc:
        line = _item_line(text, exc.item_id) if exc.item_id else None
        raise ChecklistError(name, exc.message, item_id=exc.item_id, line=line) from exc

    if previous_versions and checklist.id in previous_versions:
        before = previous_versions[checklist.id]
        if checklist.version < before:
            raise ChecklistError(
                name, f"version went down: {checklist.version} is older than installed version {before}"
            )
    if overrides and checklist.id in overrides:
        checklist = _apply_overrides(name, checklist, overrides[checklist.id])
    return checklist


def load_dir(
    directory: Path,
    *,
    previous_versions: Mapping[str, int] | None = None,
) -> LoadResult:
    """Load every ``*.yaml`` checklist in a folder (``parameters.yaml`` holds overrides)."""
    result = LoadResult()
    overrides: dict[str, dict[str, float]] = {}
    refused_overrides: set[str] = set()
    override_path = directory / OVERRIDES_FILE
    if override_path.exists():
        try:
            overrides = _read_overrides(override_path)
        except ChecklistError as exc:
            result.errors.append(exc)
    for path in sorted(directory.glob("*.yaml")):
        if path.name == OVERRIDES_FILE:
            continue
        try:
            checklist = load_file(path, previous_versions=previous_versions, overrides=overrides)
        except ChecklistError as exc:
            log.warning("checklist not loaded: %s", exc)
            result.errors.append(exc)
            if isinstance(exc, OverrideError):
                refused_overrides.add(exc.checklist_id)
            continue
        if checklist.id in result.checklists:
            result.errors.append(ChecklistError(path.name, f"checklist id '{checklist.id}' is used by another file"))
            continue
        result.checklists[checklist.id] = checklist
        result.paths[checklist.id] = path
    for checklist_id in overrides:
        # A misspelt id would otherwise leave the office's local values silently unused.
        if checklist_id not in result.checklists and checklist_id not in refused_overrides:
            named = _short.repr(checklist_id)
            message = f"no checklist with id {named} was loaded from this folder"
            result.errors.append(ChecklistError(OVERRIDES_FILE, message))
    return result


def load_shipped() -> LoadResult:
    """The checklists that ship inside the app."""
    return load_dir(SHIPPED_DIR)


def _read_overrides(path: Path) -> dict[str, dict[str, float]]:
    text = _read_text(path, MAX_OVERRIDES_BYTES)
    try:
        _check_shape(path.name, text)
        raw = yaml.load(text, Loader=_SafeLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ChecklistError(path.name, f"invalid YAML: {problem}",
                             line=mark.line + 1 if mark is not None else None) from exc
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ChecklistError(path.name, "expected {checklist_id: {parameter: value}}")
    return raw


def _too_large(name: str, limit: int) -> ChecklistError:
    return ChecklistError(name, f"file is larger than {limit // 1024} KB, the most a checklist file may be")


def _read_text(path: Path, limit: int) -> str:
    """The file's UTF-8 text, read no further than ``limit`` bytes.

    :param limit: the largest size accepted, e.g. ``MAX_CHECKLIST_BYTES``.
    :raises ChecklistError: unreadable, larger than ``limit``, or not UTF-8 (naming the line).
    """
    try:
        if not path.is_file():  # a FIFO named *.yaml would block the read forever
            raise ChecklistError(path.name, "not a regular file")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ChecklistError(path.name, f"cannot read file: {exc}") from exc
    if len(data) > limit:
        raise _too_large(path.name, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ChecklistError(path.name,
                             f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                             line=line) from exc


def _check_shape(name: str, text: str) -> None:
    """Refuse alias bombs, deep nesting and giant numbers from the event stream, before any object exists.

    Each ``*alias`` counts as the values its anchor expands to, so ``MAX_VALUES`` bounds what
    validation and error messages would walk; nesting depth bounds recursion further on.

    :raises ChecklistError: naming the line where a limit was crossed.
    :raises yaml.YAMLError: the text is not YAML (the caller reports it as usual).
    """
    expanded: dict[str, int] = {}
    open_collections: list[tuple[str | None, int]] = []
    values = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            values += expanded.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            values += 1
            if event.anchor:
                expanded[event.anchor] = 1
            if len(event.value) > MAX_NUMBER_DIGITS and _scalar_tag(event) in _NUMBER_TAGS:
                raise ChecklistError(name, f"a number with {len(event.value)} digits is too long "
                                           f"(at most {MAX_NUMBER_DIGITS})", line=line)
        elif isinstance(event, yaml.CollectionStartEvent):
            values += 1
            open_collections.append((event.anchor, values))
            if len(open_collections) > MAX_DEPTH:
                raise ChecklistError(name, f"values nested more than {MAX_DEPTH} levels deep", line=line)
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, start = open_collections.pop()
            if anchor:
                expanded[anchor] = values - start + 1
        if values > MAX_VALUES:
            raise ChecklistError(name, f"aliases expand to more than {MAX_VALUES:,} values "
                                       "(an alias bomb?); write the values out instead", line=line)


def _scalar_tag(event: yaml.ScalarEvent) -> str:
    """The tag the loader will give a scalar, e.g. ``tag:yaml.org,2002:int`` for ``42``."""
    if event.tag not in (None, "!"):
        return event.tag
    return _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)


def _apply_overrides(name: str, checklist: Checklist, values: Mapping[str, Any]) -> Checklist:
    params = dict(checklist.parameters)
    for key, value in values.items():
        if key not in params:
            raise OverrideError(checklist.id,
                                f"checklist '{checklist.id}' has no parameter {_short.repr(key)}")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise OverrideError(checklist.id,
                                f"parameter '{checklist.id}.{key}' must be a number, "
                                f"got {_short.repr(value)}")
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            # NaN compares false with everything: the hazard rule would silently never fire.
            raise OverrideError(checklist.id,
                                f"parameter '{checklist.id}.{key}' must be a finite number, "
                                f"got {_short.repr(value)}")
        old = params[key]
        note = f"{old.note}（本地设定 {value:g}{old.unit}，原默认 {old.default:g}{old.unit}）".strip()
        params[key] = old.model_copy(update={"default": float(value), "note": note})
    log.info("applied %d parameter override(s) to %s from %s", len(values), checklist.id, name)
    return checklist.model_copy(update={"parameters": params})


def _describe(error: Mapping[str, Any], raw: Any = None) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    loc = [str(p) for p in error["loc"]]
    where = ""
    # Drop the path down to the item or section: the item id is reported separately, and an item
    # or section without a usable id is named by its position instead.
    if len(loc) >= 4 and loc[0] == "sections" and loc[2] == "items":
        item = _node_at(raw, error["loc"][:4])
        if not (isinstance(item, dict) and isinstance(item.get("id"), str)):
            where = f"item {int(loc[3]) + 1} of section {_section_name(raw, error['loc'][1])}: "
        loc = loc[4:]
    elif len(loc) >= 2 and loc[0] == "sections" and loc[1].isdigit():
        where = f"section {_section_name(raw, error['loc'][1])}: "
        loc = loc[2:]
    field_path = ".".join(p for p in loc if not p.isdigit() and p != "in_")
    if error["type"] == "literal_error" and "input" in error:
        msg = f"{msg}, got {_short.repr(error['input'])}"
    if error["type"] == "missing":
        return f"{where}missing field '{field_path}'"
    if error["type"] == "extra_forbidden":
        return f"{where}unknown field '{field_path}'"
    return f"{where}{field_path}: {msg}" if field_path else f"{where}{msg}"


def _pure_python_error(text: str) -> yaml.YAMLError:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return exc
    return yaml.YAMLError("the C parser refused the file")


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _line_at(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node an error location reaches."""
    node, line = _compose(text), None
    for part in loc:
        key = "in" if part == "in_" else part
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _item_line(text: str, item_id: str) -> int | None:
    """The line of ``id: <item_id>`` (the last one, which is the culprit of a duplicate)."""
    found = None
    for section in _children(_compose(text), "sections"):
        for item in _children(section, "items"):
            if isinstance(item, yaml.MappingNode):
                for key, value in item.value:
                    if key.value == "id" and value.value == item_id:
                        found = value.start_mark.line + 1
    return found


def _children(node: yaml.Node | None, key: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return []
    value = next((v for k, v in node.value if k.value == key), None)
    return value.value if isinstance(value, yaml.SequenceNode) else []


def _node_at(raw: Any, loc: tuple[Any, ...]) -> Any:
    node = raw
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _section_name(raw: Any, index: Any) -> str:
    """``'stairs'`` for a section with an id, else its position, e.g. ``2``."""
    section = _node_at(raw, ("sections", index))
    if isinstance(section, dict) and isinstance(section.get("id"), str):
        return f"'{section['id']}'"
    return str(int(index) + 1) if isinstance(index, int) else str(index)


def _item_id_at(raw: Any, loc: tuple[Any, ...]) -> str | None:
    """The ``id`` of the item a pydantic error location points into, if any."""
    if len(loc) < 4 or loc[0] != "sections" or loc[2] != "items":
        return None
    item = _node_at(raw, loc[:4])
    item_id = item.get("id") if isinstance(item, dict) else None
    return item_id if isinstance(item_id, str) else None
