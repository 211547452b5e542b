"""IANA time-zone names: the ones we offer, and the renamed ones browsers still report.

Chromium's ICU reports some zones by their pre-rename name ("Asia/Calcutta" for India), and
zoneinfo accepts both, so without this a person could end up stored under a name that our
own pickers never show.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

# Renamed zones (tzdata "backward" file): old name -> current name.
RENAMED = {
    "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Mendoza": "America/Argentina/Mendoza",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Macao": "Asia/Macau",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Europe/Kiev": "Europe/Kyiv",
    "Europe/Uzhgorod": "Europe/Kyiv",
    "Europe/Zaporozhye": "Europe/Kyiv",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
}


@cache
def zone_names() -> frozenset[str]:
    """Zones we offer in pickers: every IANA zone except renamed ones and non-places."""
    return frozenset(zoneinfo.available_timezones() - set(RENAMED) - {"localtime", "Factory"})


def canonical_zone(name: str) -> str | None:
    """The current IANA name for `name` (renames resolved), or None if it is not a zone."""
    name = (name or "").strip()
    name = RENAMED.get(name, name)
    return name if name in zone_names() else None
