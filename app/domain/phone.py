"""Contact phone numbers as a 网格员 writes them: an 11-digit mobile number or a landline with its
area code (``0519-86681234``, an extension after a second hyphen)."""

from __future__ import annotations

import re
import unicodedata

from .errors import InvalidAnswer

__all__ = ["check_phone", "phone_problem"]

MOBILE = re.compile(r"^1[3-9]\d{9}$")
#: 区号 0 + 2–3 digits (010, 021, 0519), then a 7–8 digit number, optionally ``-`` and an extension.
LANDLINE = re.compile(r"^0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?$")
MESSAGE = "联系电话应为 11 位手机号（如 13812345678）或带区号的固定电话（如 0519-86681234）"


def check_phone(text: str, field: str = "contact_phone") -> str:
    """The number as stored, e.g. ``"0519-86681234"``; ``""`` when none was given.

    Full-width digits and spaces are tidied; a leading +86 on a mobile number is dropped.

    :raises InvalidAnswer: neither a mobile nor a landline number.
    """
    tidy = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("－", "-").replace("—", "-")
    if not tidy:
        return ""
    if tidy.startswith("+86"):
        tidy = tidy[3:].lstrip("-")
    if MOBILE.match(tidy) or LANDLINE.match(tidy):
        return tidy
    raise InvalidAnswer(field, MESSAGE)


def phone_problem(text: str) -> str | None:
    """What is wrong with a typed number, in Chinese; None when it is fine (or empty)."""
    try:
        check_phone(text)
    except InvalidAnswer as exc:
        return exc.message
    return None
