"""URL path converters.

`<id:…>` is `<id:…>` bounded to 18 digits: every such number fits a 64-bit integer, so a
giant id in a page URL is a plain 404 instead of an OverflowError (a 500) in SQLite. The API
bounds its ids the same way in its schemas (core.schemas.Id)."""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))
