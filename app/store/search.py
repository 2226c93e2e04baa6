"""Full-text conditions over the trigram FTS tables, and the bigram tokens for short queries.

A search means "contains this text" (ASCII letters in either case). The FTS tables only make
that fast: a query they can answer narrows the rows first, and the same ``contains`` test decides.
"""

from __future__ import annotations

import sqlite3
import unicodedata

#: Characters no stored text can hold (lone surrogates cannot be UTF-8) or that a search box
#: never means (control characters, NUL): dropped from a query before it reaches SQLite.
_UNSEARCHABLE = ("Cc", "Cs")


def search_grams(*fields: str | None) -> str:
    """Every 2-character window of each field, and each field's last character, as tokens.

    ``楼梯间`` → ``楼梯 梯间 间``: a 2-character query is one token; a 1-character query is a
    prefix (``楼*``) that every position of the text starts.
    """
    tokens: list[str] = []
    for text in fields:
        text = (text or "").strip()
        tokens.extend(text[i:i + 2] for i in range(len(text) - 1))
        if text:
            tokens.append(text[-1])
    return " ".join(tokens)


def register_functions(conn: sqlite3.Connection) -> None:
    """Functions the search triggers call; every connection that writes hazards needs them."""
    # Any number of fields: the hazard triggers pass 3, the site triggers 4.
    conn.create_function("search_grams", -1, search_grams, deterministic=True)


def clean_query(text: str) -> str:
    """The query without characters stored text cannot contain, trimmed.

    :param text: what the user typed, e.g. ``"楼梯\\x00间 "`` → ``"楼梯间"``.
    """
    return "".join(ch for ch in text if unicodedata.category(ch) not in _UNSEARCHABLE).strip()


def contains(columns: tuple[str, ...], text: str) -> tuple[str, list[str]]:
    """A condition true when any of ``columns`` contains ``text``, ASCII letters in either case.

    ``instr`` compares bytes; ``LIKE '%…%'`` (same meaning) steps through Chinese text one
    character at a time and is several times slower.

    :param columns: SQL column expressions, e.g. ``("h.description", "h.location")``.
    :param text: a cleaned query, e.g. ``KTV`` (also finds ``ktv``).
    """
    needle, fold = _needle(text)
    tests = [f"instr(lower({c}), ?)" if fold else f"instr({c}, ?)" for c in columns]
    return "(" + " OR ".join(tests) + ")", [needle] * len(columns)


def _needle(text: str) -> tuple[str, bool]:
    """The text to look for, and whether the haystack must be lower-cased (ASCII letters only)."""
    if not any(ch.isascii() and ch.isalpha() for ch in text):
        return text, False
    # SQLite's lower() folds ASCII letters only: fold the same ones in the query.
    return "".join(ch.lower() if ch.isascii() else ch for ch in text), True


def fts_query(table: str, text: str) -> tuple[str, str] | None:
    """The FTS query selecting rowids of ``table`` whose text contains ``text``, or None if no index can.

    The trigram tokenizer indexes 3-character windows, so 3+ characters use MATCH on it;
    1–2 alphanumeric characters (e.g. ``消防``) use the bigram index (``*_grams``, m003/m005).
    """
    if len(text) >= 3:
        return f"SELECT rowid FROM {table} WHERE {table} MATCH ?", '"' + text.replace('"', '""') + '"'
    if text.isalnum():
        grams = table.removesuffix("_fts") + "_grams"
        token = '"' + text + '"' + ("*" if len(text) == 1 else "")
        return f"SELECT rowid FROM {grams} WHERE {grams} MATCH ?", token
    return None


#: The searched columns of each FTS table, and the table holding their text.
SEARCHED = {
    "sites_fts": ("sites", ("name", "address", "grid", "contact_name")),
    "hazards_fts": ("hazards", ("description", "location", "rect_unit")),
}


def matching_rowids(table: str, text: str) -> tuple[str, str]:
    """A subquery selecting the rowids of ``table`` whose text contains ``text``, and its parameter.

    Short text no index answers is tested row by row on the content table, which is fine for
    the few thousand sites. Text that is nothing but unsearchable characters matches no row.
    """
    text = clean_query(text)
    content, columns = SEARCHED[table]
    if not text:
        return f"SELECT rowid FROM {content} WHERE ? IS NULL", ""  # '' IS NULL: no row
    indexed = fts_query(table, text)
    if indexed is not None:
        return indexed
    needle, fold = _needle(text)
    # One parameter for all columns: char(31) never occurs in a cleaned query, so no match spans two.
    joined = " || char(31) || ".join(f"coalesce({c}, '')" for c in columns)
    haystack = f"lower({joined})" if fold else joined
    return f"SELECT rowid FROM {content} WHERE instr({haystack}, ?)", needle
