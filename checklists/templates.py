"""Finding and 整改要求 texts with placeholders, so a text follows a parameter an office changes.

A text may hold ``{value}`` (the answer, with its unit) and ``{param.NAME}`` (a checklist
parameter's current value, without unit), e.g.
``易燃易爆类危险废物贮存超过 {param.hw_storage_days_flammable} 天``. Anything else in braces is
refused when the file loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PARAM = re.compile(r"param\.([A-Za-z_][A-Za-z0-9_]*)")


def placeholders(text: str) -> list[str]:
    """The placeholders a text uses, e.g. ``["value", "param.max_per_room"]``."""
    return _PLACEHOLDER.findall(text)


def template_problem(text: str, parameters: Mapping[str, object], *, allow_value: bool = True) -> str | None:
    """Why a text cannot be filled in, or None when it can.

    :param parameters: the checklist's parameters by name, e.g. ``{"max_per_room": ...}``.
    :param allow_value: False for texts that never see an answer (a combination rule's finding).
    """
    if text.count("{") != text.count("}"):
        return f"unbalanced braces in {text!r}"
    for name in placeholders(text):
        if name == "value":
            if not allow_value:
                return "{value} is not available here"
            continue
        match = _PARAM.fullmatch(name)
        if match is None:
            return f"unknown placeholder {{{name}}} (use {{value}} or {{param.NAME}})"
        if match.group(1) not in parameters:
            return f"placeholder {{{name}}} names unknown parameter '{match.group(1)}'"
    return None


def fill(text: str, *, value: str = "", params: Mapping[str, float]) -> str:
    """The text with its placeholders replaced.

    :param value: the answer as a person reads it, e.g. ``"3.5m"`` or ``"防渗、防腐"``.
    :param params: parameter values by name, e.g. ``{"max_per_room": 2.0}``.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "value":
            return value
        param = _PARAM.fullmatch(name)
        if param is not None and param.group(1) in params:
            return f"{params[param.group(1)]:g}"
        return match.group(0)

    return _PLACEHOLDER.sub(replace, text)
