"""The directory's "has free slots in the next N days": each mentor's next free slot, cached.

Discovery sits below scheduling, so it offers the filter through discovery.freeslots and
SchedulingConfig.ready() plugs this module in (`provide`) and connects the calendar signals
below (`connect`).

Scheduling's `selectors.slots_for` is the only definition of a free slot (rules, overrides, the
mentor's sessions as mentor and as mentee, imported busy times, buffers, notice, horizon and
daily/weekly limits). Running it costs a handful of queries per mentor, far too much for 20,000
mentors per request, so the directory keeps, per mentor, the first free slot in the next
`LOOKAHEAD` (one value answers every N) in the Django cache (shared by all processes when it
is Redis), and:

* decides mentors with no availability at all (no weekly rule, no "available" date override
  from today on) with one query per chunk of candidates, without running slots_for;
* runs slots_for only for mentors that pass every other filter, in the order they are shown,
  at most `COMPUTE_BUDGET` per request; the rest count as "still checking" (`pending`) and are
  left out until a later request has checked them, so the first page is exact and the count
  can grow on reload;
* forgets a mentor's value when their availability, sessions, settings or imported busy times
  are saved or deleted (`connect`), and after `TTL` seconds in any case: bulk writes
  (`bulk_create`, `QuerySet.update()`) send no signals, and time passing changes notice and
  horizon. So a value can be up to `TTL` old after such writes — the booking page is always
  exact.

The value ignores the viewer's own calendar (it is per mentor, not per pair): a mentor shown as
free may be free only when the viewer is busy. The booking page checks both people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from mentorloom.discovery.filters import FREE_WITHIN_DAYS

from . import selectors
from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    ExternalBusy,
    SchedulingSettings,
    Session,
)

# One look-ahead serves every N; an hour more so a value cached up to TTL ago still covers N=14.
LOOKAHEAD = timedelta(days=max(FREE_WITHIN_DAYS), hours=1)
TTL = 10 * 60
COMPUTE_BUDGET = 40  # slots_for calls per request (~5-10 ms each)
CHUNK = 2000  # candidates per "has any availability" query
KEY = "discovery:next-slot:{}"


@dataclass(frozen=True)
class NextSlot:
    at: datetime | None  # first free slot start (UTC); None = none before checked_until
    checked_until: datetime

    def free_within(self, now: datetime, days: int) -> bool:
        return self.at is not None and now <= self.at < now + timedelta(days=days)

    def usable(self, now: datetime) -> bool:
        """Still answers questions asked `now`: the slot has not started and the range checked
        reaches the longest N."""
        covers = self.checked_until >= now + timedelta(days=max(FREE_WITHIN_DAYS))
        # Age checked here too, not only by the cache's own expiry (whose clock we do not own).
        computed_at = self.checked_until - LOOKAHEAD
        if not now - timedelta(seconds=TTL) < computed_at <= now:
            return False
        return (self.at is None and covers) or (self.at is not None and self.at > now)


def _encode(value: NextSlot) -> tuple[float | None, float]:
    return (value.at.timestamp() if value.at else None, value.checked_until.timestamp())


def _decode(raw: object) -> NextSlot | None:
    try:
        at, until = raw  # type: ignore[misc]
        return NextSlot(
            datetime.fromtimestamp(at, UTC) if at is not None else None,
            datetime.fromtimestamp(until, UTC),
        )
    except (TypeError, ValueError):
        return None


def known(user_ids: Iterable[int], now: datetime) -> dict[int, NextSlot]:
    """Cached values still usable at `now` (one cache round trip)."""
    ids = list(user_ids)
    if not ids:
        return {}
    found = cache.get_many([KEY.format(u) for u in ids])
    out: dict[int, NextSlot] = {}
    for user_id in ids:
        value = _decode(found.get(KEY.format(user_id)))
        if value is not None and value.usable(now):
            out[user_id] = value
    return out


def forget(user_ids: Iterable[int]) -> None:
    """Drop cached values (after the surrounding transaction commits, so a request running in
    between cannot cache the old calendar again)."""
    keys = [KEY.format(u) for u in set(user_ids) if u]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))


def with_availability(user_ids: Sequence[int], today: date) -> set[int]:
    """Mentors with a weekly rule or an "available" date override from `today` on: the only
    ones that can have a free slot at all."""
    found: set[int] = set()
    for i in range(0, len(user_ids), CHUNK):
        chunk = user_ids[i : i + CHUNK]
        found.update(
            AvailabilityRule.objects.filter(mentor_id__in=chunk)
            .values_list("mentor_id", flat=True)
            .distinct()
        )
        found.update(
            AvailabilityOverride.objects.filter(
                mentor_id__in=chunk, kind="available", date__gte=today - timedelta(days=1)
            )
            .values_list("mentor_id", flat=True)
            .distinct()
        )
    return found


def compute(user_ids: Sequence[int], now: datetime) -> dict[int, NextSlot]:
    """Run scheduling's slot engine for each mentor (shortest session length they offer) and
    cache the first free slot."""
    users = get_user_model().objects.filter(pk__in=list(user_ids)).select_related("profile")
    out: dict[int, NextSlot] = {}
    until = now + LOOKAHEAD
    for mentor in users:
        slots = selectors.slots_for(
            mentor,
            duration=timedelta(minutes=selectors.session_lengths(mentor)[0]),
            range_start=now,
            range_end=until,
            now=now,
        )
        out[mentor.pk] = NextSlot(min(slots) if slots else None, until)
    _store(out)
    return out


def _store(values: dict[int, NextSlot]) -> None:
    if values:
        cache.set_many({KEY.format(u): _encode(v) for u, v in values.items()}, timeout=TTL)


@dataclass(frozen=True)
class Check:
    free: set[int]  # user ids with a free slot within the days asked
    unchecked: set[int]  # candidates not checked yet (left out of the results for now)


def check(user_ids: Sequence[int], days: int, now: datetime, *, budget: int | None = None) -> Check:
    """Which of `user_ids` (in priority order: the order they are shown) have a free slot in
    the next `days` days. Uses cached values, decides mentors without availability in bulk,
    then computes at most `budget` of the rest, in order."""
    values = known(user_ids, now)
    unknown = [u for u in user_ids if u not in values]
    if unknown:
        available = with_availability(unknown, now.date())
        nothing = {u: NextSlot(None, now + LOOKAHEAD) for u in unknown if u not in available}
        _store(nothing)
        values.update(nothing)
        limit = COMPUTE_BUDGET if budget is None else budget
        to_compute = [u for u in unknown if u in available][:limit]
        values.update(compute(to_compute, now))
    free = {u for u, v in values.items() if v.free_within(now, days)}
    return Check(free, {u for u in user_ids if u not in values})


def _calendar_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A mentor's next free slot depends on their availability, settings and every booked
    session or imported busy time of theirs, as mentor or as mentee."""
    people = [getattr(instance, f, None) for f in ("mentor_id", "mentee_id", "user_id")]
    forget(p for p in people if p)


def connect() -> None:
    """Forget cached values on every write to a person's calendar (signals, not calls in the
    services, because admin, factories and the seeding commands write these rows too)."""
    calendar = (AvailabilityRule, AvailabilityOverride, Session, SchedulingSettings, ExternalBusy)
    for model in calendar:
        name = model.__name__
        post_save.connect(_calendar_changed, sender=model, dispatch_uid=f"discovery-slots-{name}")
        post_delete.connect(
            _calendar_changed, sender=model, dispatch_uid=f"discovery-slots-{name}-del"
        )
