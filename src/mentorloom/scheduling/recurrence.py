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
* Wall times become instants as calendars expand an RRULE (RFC 5545 §3.3.10 → §3.3.5): an
  ambiguous fall-back time means its first occurrence; a wall time in a spring-forward gap is
  read with the UTC offset from before the gap, so the occurrence is *kept* and moved forward
  by the gap (02:30 → 03:30), and ``Occurrence.shift`` says by how much. (Single-slot offers in
  slots.py differ on purpose: a free slot inside a gap is never offered.)
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
    wall: time  # the rule's wall time (what was asked for)
    start: datetime  # aware UTC
    shift: timedelta = timedelta(0)  # > 0: `wall` fell in a spring-forward gap, moved by this

    @property
    def moved_by_clock_change(self) -> bool:
        return self.shift > timedelta(0)


def resolve(wall: datetime, zone: ZoneInfo) -> tuple[datetime, timedelta]:
    """(UTC instant, forward shift) of a naive wall time as RFC 5545 §3.3.5 reads it.

    Ambiguous → the first occurrence (fold=0); non-existent → the offset from before the
    gap, which zoneinfo also gives for fold=0, so the instant lands after the gap by exactly
    the time the wall was into it (NY 02:30 → 03:30 EDT; Lord Howe 02:15 → 02:45).
    """
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    shift = instant.astimezone(zone).replace(tzinfo=None) - wall
    return instant, shift


def is_ambiguous_or_missing(instant: datetime, zone: ZoneInfo) -> bool:
    """True when the local wall time of `instant` alone does not name it: it is repeated
    (fall-back fold) or it names a wall time that was skipped. Calendar files write these
    in UTC so no reader can pick the wrong one."""
    local = instant.astimezone(zone).replace(tzinfo=None)
    early = local.replace(tzinfo=zone, fold=0)
    late = local.replace(tzinfo=zone, fold=1)
    return early.utcoffset() != late.utcoffset()


def clock_note(occ: Occurrence, zone_name: str) -> str:
    """The sentence shown (preview, session page, e-mail, .ics) for an occurrence moved by a
    spring-forward change; '' otherwise."""
    if not occ.moved_by_clock_change:
        return ""
    local = occ.start.astimezone(ZoneInfo(zone_name))
    return (
        f"Moved by the clock change: {occ.wall:%H:%M} does not exist on "
        f"{occ.day:%a %d %b %Y} in {zone_name} (the clocks go forward), "
        f"so this session is at {local:%H:%M}."
    )


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
    """Every occurrence with its UTC start; none is dropped (a gap shifts it, see `resolve`)."""
    out = []
    for index, day in enumerate(occurrence_dates(rule)):
        wall = wall_time_for(rule, index)
        start, shift = resolve(datetime.combine(day, wall), zone)
        out.append(Occurrence(index, day, wall, start, shift))
    return out


def shifted(start: datetime, old_wall: datetime, new_wall: datetime, zone: ZoneInfo) -> datetime:
    """`start` moved by the same wall-clock change that took `old_wall` to `new_wall`.

    "Move this and following" applies one local change (e.g. Tue 09:00 → Wed 10:30) to every
    later occurrence, so each keeps its wall time in the series' zone whatever its DST offset;
    a wall time landing in a gap is read as a series occurrence is (`resolve`).
    """
    local = start.astimezone(zone).replace(tzinfo=None, fold=0)
    return resolve(local + (new_wall - old_wall), zone)[0]


def hour_quality(instant: datetime, zone: ZoneInfo) -> str:
    """'early', 'late' or '' for how an instant feels on the local clock of `zone`."""
    clock = instant.astimezone(zone).time()
    if clock < SOCIABLE_FROM:
        return "early"
    if clock >= SOCIABLE_UNTIL:
        return "late"
    return ""
