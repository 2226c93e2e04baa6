"""Full-text conditions over the trigram FTS tables, and the bigram tokens for short queries."""

from __future__ import annotations

import sqlite3


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
    conn.create_function("search_grams", 3, search_grams, deterministic=True)


def matching_rowids(table: str, text: str) -> tuple[str, str]:
    """A subquery selecting the rowids of ``table`` whose text contains ``text``, and its parameter.

    The trigram tokenizer indexes 3-character windows, so 3+ characters use MATCH. Hazards
    answer 1–2 alphanumeric characters (e.g. ``消防``) from their bigram index; anything else
    short uses LIKE over the FTS table, which is fine for the few thousand sites.
    """
    if len(text) >= 3:
        return f"SELECT rowid FROM {table} WHERE {table} MATCH ?", '"' + text.replace('"', '""') + '"'
    if table == "hazards_fts" and text.isalnum():
        token = '"' + text + '"' + ("*" if len(text) == 1 else "")
        return "SELECT rowid FROM hazards_grams WHERE hazards_grams MATCH ?", token
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    columns = {
        "sites_fts": ("name", "address", "grid", "contact_name"),
        "hazards_fts": ("description", "location", "rect_unit"),
    }[table]
    joined = " || char(31) || ".join(f"coalesce({c}, '')" for c in columns)
    return f"SELECT rowid FROM {table} WHERE ({joined}) LIKE ? ESCAPE '\\'", f"%{escaped}%"
