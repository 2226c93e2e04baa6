"""Validation errors as one Chinese sentence that names the field (pydantic's are English)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_KIND = {
    "int": "整数", "float": "数字", "bool": "是/否（true/false）", "string": "文字",
    "date": "日期（YYYY-MM-DD）", "datetime": "带时区的时间（如 2026-11-29T09:46:42.123Z）",
    "dict": "对象", "list": "列表", "json": "JSON",
}


def field_path(loc: Sequence[Any], drop: Sequence[str] = ("body",)) -> str:
    parts = [str(p) for p in loc if str(p) not in drop]
    return ".".join(parts) or "请求体"


def describe(error: dict[str, Any], drop: Sequence[str] = ("body",)) -> str:
    """One pydantic error, e.g. ``字段 severity 的值 '严重' 不在允许范围内（'一般'、'重大'）``."""
    field = field_path(error.get("loc", ()), drop)
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"缺少字段 {field}"
    if kind == "extra_forbidden":
        return f"不认识的字段 {field}"
    if kind == "literal_error":
        allowed = str(ctx.get("expected", "")).replace(" or ", "、").replace(", ", "、")
        return f"字段 {field} 的值 {error.get('input')!r} 不在允许范围内（{allowed}）"
    if kind == "string_too_short":
        return f"字段 {field} 不能为空"
    if kind == "string_too_long":
        return f"字段 {field} 过长（最多 {ctx.get('max_length')} 个字符）"
    if kind == "string_pattern_mismatch":
        return f"字段 {field} 的格式不对（{error.get('input')!r}）"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"字段 {field} 超出范围（{error.get('input')!r}）"
    if kind == "json_invalid":
        return "请求体不是有效的 JSON"
    for prefix, name in _KIND.items():
        if kind.startswith(prefix):
            return f"字段 {field} 应为{name}（收到 {error.get('input')!r}）"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"字段 {field} 无效：{message}"


def describe_all(errors: Sequence[dict[str, Any]], drop: Sequence[str] = ("body",)) -> str:
    """The first error in Chinese, and how many more there are."""
    if not errors:
        return "请求内容无效"
    first = describe(errors[0], drop)
    return first if len(errors) == 1 else f"{first}（另有 {len(errors) - 1} 处错误）"
