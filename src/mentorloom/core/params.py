"""Whole numbers from query strings and form fields.

`str.isdigit()` is true for "²" and "①", which `int()` refuses (a ValueError, so a 500), and a
number beyond 64 bits overflows SQLite when it reaches a query (another 500). Views read such
parameters through `int_param`, which answers None for anything but a bounded ASCII number.
"""

from __future__ import annotations

from mentorloom.core.schemas import INT64_MAX

_MAX_DIGITS = len(str(INT64_MAX))


def int_param(value: object, *, low: int = 0, high: int = INT64_MAX) -> int | None:
    """`value` as an int when it is ASCII digits (surrounding spaces allowed) within
    [low, high]; None otherwise (missing, empty, signs, other scripts, too large)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if low <= number <= high else None
