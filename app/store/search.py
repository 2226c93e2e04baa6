"""Full-text conditions over the trigram FTS tables."""

from __future__ import annotations


def match_clause(table: str, text: str) -> tuple[str, str]:
    """A WHERE clause on ``table`` finding rows containing ``text``, and its parameter.

    The trigram tokenizer indexes 3-character windows, so MATCH needs 3+ characters; a
    1–2 character query (e.g. ``消防``) uses LIKE, which FTS5 still answers from the table
    without touching the base rows.
    """
    if len(text) >= 3:
        quoted = '"' + text.replace('"', '""') + '"'
        return f"{table} MATCH ?", quoted
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    columns = {
        "sites_fts": ("name", "address", "grid", "contact_name"),
        "hazards_fts": ("description", "location", "rect_unit"),
    }[table]
    joined = " || char(31) || ".join(f"coalesce({c}, '')" for c in columns)
    return f"({joined}) LIKE ? ESCAPE '\\'", f"%{escaped}%"
