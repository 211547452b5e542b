"""Recurring coffee chats: expand a series rule into real instants. Pure: zoneinfo + stdlib.

Definitions (tested in tests/scheduling/test_recurrence.py):

* A series is anchored on a local *date* and a *wall time* in the organiser's zone, so a
  weekly 09:00 stays 09:00 for the organiser across DST changes (its UTC instant moves).
* Frequencies: ``weekly`` (every 7 days), ``biweekly`` (every 14 days) and ``monthly`` on the
  n-th weekday of the month (n = 1..4, or -1 for the last one), as RFC 5545's ``BYDAY=2TU``.
* It ends after ``count`` occurrences or on the last date ``<= until`` (both may be given:
  whichever comes first). ``MAX_OCCURRENCES`` caps every series.
* Fairness rotation: with ``alt_time`` the wall time alternates (even occurrences ``time``,
  odd ones ``alt_time``), so the inconvenient hour moves between the two people's zones.
* Wall times are turned into instants as slots.py does: a wall time in a spring-forward gap
  does not exist, so that occurrence is reported as ``start=None`` (it is skipped, never
  shifted); an ambiguous fall-back time means its first occurrence (fold=0).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .slots import to_instant

WEEKLY = "weekly"
BIWEEKLY = "biweekly"
MONTHLY = "monthly"
FREQUENCIES = (WEEKLY, BIWEEKLY, MONTHLY)
MAX_OCCURRENCES = 52
LAST = -1
# Local hours people find fine for a call; outside them the hour is "early" or "late".
SOCIABLE_FROM = time(8, 0)
SOCIABLE_UNTIL = time(20, 0)


@dataclass(frozen=True)
class SeriesRule:
    frequency: str
    first_date: date  # local date of the first occurrence in the organiser's zone
    time: time
    count: int | None = None
    until: date | None = None
    alt_time: time | None = None
    nth: int | None = None  # monthly only; None = derived from first_date


@dataclass(frozen=True)
class Occurrence:
    index: int  # 0-based position in the series (counts skipped ones too)
    day: date  # local date in the organiser's zone
    wall: time
    start: datetime | None  # aware UTC; None if the wall time does not exist that day


def nth_of(day: date) -> int:
    """Which weekday-of-the-month `day` is: 1..4, or LAST for a fifth one."""
    n = (day.day - 1) // 7 + 1
    return LAST if n == 5 else n


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The `nth` (1..4 or LAST) ISO `weekday` of a month."""
    if nth == LAST:
        last_day = calendar.monthrange(year, month)[1]
        day = date(year, month, last_day)
        return day - timedelta(days=(day.isoweekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (nth - 1))


def validate(rule: SeriesRule) -> dict[str, str]:
    """Field → message for everything wrong with `rule` (empty when it is usable)."""
    errors: dict[str, str] = {}
    if rule.frequency not in FREQUENCIES:
        errors["frequency"] = "Choose weekly, every two weeks or monthly."
    if rule.count is None and rule.until is None:
        errors["count"] = "Give a number of sessions or an end date."
    if rule.count is not None and not 1 <= rule.count <= MAX_OCCURRENCES:
        errors["count"] = f"Between 1 and {MAX_OCCURRENCES} sessions."
    if rule.until is not None and rule.until < rule.first_date:
        errors["until"] = "The end date is before the first session."
    if rule.nth is not None and rule.nth not in (1, 2, 3, 4, LAST):
        errors["nth"] = "Use 1 to 4, or -1 for the last."
    if rule.alt_time is not None and rule.alt_time == rule.time:
        errors["alt_time"] = "The alternate time must differ from the first."
    return errors


def occurrence_dates(rule: SeriesRule) -> list[date]:
    """The local dates of the series, in order, respecting count, until and the cap."""
    limit = min(rule.count or MAX_OCCURRENCES, MAX_OCCURRENCES)
    out: list[date] = []
    if rule.frequency in (WEEKLY, BIWEEKLY):
        step = timedelta(days=7 if rule.frequency == WEEKLY else 14)
        day = rule.first_date
        while len(out) < limit and (rule.until is None or day <= rule.until):
            out.append(day)
            day += step
        return out
    nth = rule.nth if rule.nth is not None else nth_of(rule.first_date)
    weekday = rule.first_date.isoweekday()
    year, month = rule.first_date.year, rule.first_date.month
    while len(out) < limit:
        day = nth_weekday(year, month, weekday, nth)
        if rule.until is not None and day > rule.until:
            break
        # The first month may hold its n-th weekday before the anchor date: start after it.
        if day >= rule.first_date:
            out.append(day)
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def wall_time_for(rule: SeriesRule, index: int) -> time:
    if rule.alt_time is not None and index % 2 == 1:
        return rule.alt_time
    return rule.time


def occurrences(rule: SeriesRule, zone: ZoneInfo) -> list[Occurrence]:
    """Every occurrence with its UTC start (None in a spring-forward gap)."""
    out = []
    for index, day in enumerate(occurrence_dates(rule)):
        wall = wall_time_for(rule, index)
        out.append(Occurrence(index, day, wall, to_instant(datetime.combine(day, wall), zone)))
    return out


def shifted(
    start: datetime, old_wall: datetime, new_wall: datetime, zone: ZoneInfo
) -> datetime | None:
    """`start` moved by the same wall-clock change that took `old_wall` to `new_wall`.

    "Move this and following" applies one local change (e.g. Tue 09:00 → Wed 10:30) to every
    later occurrence, so each keeps its own DST offset; None if it lands in a gap.
    """
    local = start.astimezone(zone).replace(tzinfo=None, fold=0)
    return to_instant(local + (new_wall - old_wall), zone)


def hour_quality(instant: datetime, zone: ZoneInfo) -> str:
    """'early', 'late' or '' for how an instant feels on the local clock of `zone`."""
    clock = instant.astimezone(zone).time()
    if clock < SOCIABLE_FROM:
        return "early"
    if clock >= SOCIABLE_UNTIL:
        return "late"
    return ""
