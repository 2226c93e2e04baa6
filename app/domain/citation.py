"""How a checklist's sources read in front of a site owner: a citation (《中华人民共和国消防法》
第二十八条), without the notes the checklist keeps for its editors — how sure a clause is
(二手来源, 条号未读到, 待确认), line numbers of the campaign plan, where a text was found. A rule
taken from another city's practice stays marked 参考, so it is never passed off as binding."""

from __future__ import annotations

import re
from collections.abc import Iterable

from checklists.base import LegalBasis as Basis

__all__ = ["citation", "citations", "field_hint"]

#: Words that mark a parenthesis as an editor's note rather than part of the title or clause.
_NOTE_WORDS = ("种子文件", "条号", "二手", "待确认", "未检索到", "原文未读到", "凭记忆", "发文机关", "参考", "非常州")
_PAREN = re.compile(r"（[^（）]*）")
#: A line of the campaign plan's source file, e.g. ``L545`` or ``L873–L875``.
_LINE_REF = re.compile(r"^L\d+(?:[–-]L?\d+)?")


def _drop_notes(text: str) -> str:
    return _PAREN.sub(lambda m: "" if any(w in m.group(0) for w in _NOTE_WORDS) else m.group(0), text).strip()


def _title(doc: str) -> str:
    """``常州市租赁住房安全管理条例（2023-07-01施行）`` → ``《常州市租赁住房安全管理条例》（2023-07-01施行）``."""
    if "《" in doc:
        return doc
    head, paren, rest = doc.partition("（")
    return f"《{head.strip()}》" + (paren + rest if paren else "")


def citation(basis: Basis) -> str:
    """One source as a citation, e.g. ``《中华人民共和国消防法》（2021修正）第二十八条``,
    ``GB 18597-2023《危险废物贮存污染控制标准》11.2``, ``参考：《北京市出租房屋消防安全要求》…``."""
    reference = any(w in basis.doc for w in ("参考", "非常州"))
    doc = _title(_drop_notes(basis.doc))
    article = basis.article or ""
    if _LINE_REF.match(article):  # the plan's line numbers: what the line says, if the checklist gave it
        inner = _PAREN.search(article)
        article = inner.group(0)[1:-1] if inner else ""
    article = _drop_notes(article)
    text = f"{doc}{' ' if article and not article.startswith('第') else ''}{article}"
    return f"参考：{text}" if reference else text


def citations(bases: Iterable[Basis]) -> list[str]:
    """The item's sources as citations, each once, in the checklist's order."""
    out: list[str] = []
    for b in bases:
        c = citation(b)
        if c not in out:
            out.append(c)
    return out


def field_hint(hint: str) -> str:
    """An item's hint without editors' notes: sentences about a threshold still to be confirmed
    (``默认值待常州确认``) go, and so do parentheses such as ``（本地参数）``."""
    sentences = [s for s in re.split(r"(?<=[。；])", hint) if s.strip()]
    kept = [s for s in sentences if "待常州确认" not in s and "待确认" not in s and "参考苏州" not in s]
    cleaned = "".join(kept).rstrip("；")
    cleaned = re.sub(r"（本地参数）|（参考[^（）]*）", "", cleaned)
    cleaned = re.sub(r"[；，]?\s*默认值待[^。；]*", "", cleaned)
    return cleaned.strip()
