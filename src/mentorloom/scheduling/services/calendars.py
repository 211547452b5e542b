"""External busy calendars (ICS feeds, CalDAV): adding, deleting and refreshing them.

Every fetch runs in the worker: adding a calendar or "Fetch now" queues one (`request_fetch`,
the task `fetch_calendar`), the periodic task refreshes the others. Downloading a calendar
someone else wrote and expanding its rules can take seconds of CPU (a 5 MB file about ten);
that must not hold up a web process, nor the page of the person waiting for it."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.core import ratelimit
from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.core.errors import InvalidInput

from .. import credentials, external, ics, selectors
from ..errors import CalendarFetchesTooFast
from ..models import CalendarKind, ExternalBusy, ExternalCalendar, SchedulingSettings

MAX_CALENDARS_PER_USER = 10
REFRESH_EVERY = timedelta(minutes=15)
# Fetches someone asks for (adding a calendar, "Fetch now"); the periodic refresh is not counted.
FETCHES_PER_HOUR = 20
FETCH_TASK = "mentorloom.scheduling.tasks.fetch_calendar"
# A fetch queued longer ago than this is taken as lost (a worker stopped): asking again queues
# another. Until then, asking again queues nothing more and counts nothing.
QUEUED_FOR = timedelta(minutes=10)


def _allow_private_urls() -> bool:
    return bool(getattr(settings, "MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS", False))


def count_fetch(user) -> None:  # type: ignore[no-untyped-def]
    """Count one fetch asked for by `user`; raises CalendarFetchesTooFast past the limit.

    Each fetch downloads and expands a calendar someone else wrote, so it is not free."""
    if not ratelimit.allow(
        "calendar.fetch", str(user.pk), limit=FETCHES_PER_HOUR, window_seconds=3600
    ):
        raise CalendarFetchesTooFast()


def add_calendar(
    user,  # type: ignore[no-untyped-def]
    *,
    kind: str,
    url: str,
    username: str = "",
    password: str = "",
    name: str = "",
    now: datetime | None = None,
) -> ExternalCalendar:
    """Saves an ICS URL or CalDAV account and queues its first fetch (`fetch_queued_at`).

    The URL is checked first (http(s) only, no private addresses): InvalidInput on `url`.
    A failed first fetch is not an error here — it is stored in last_error and shown.
    The fetch counts against the user's limit (count_fetch): CalendarFetchesTooFast.
    EmailUnverified before anything: our server fetches the address for them, which a
    throwaway unverified account should not be able to make it do.
    """
    require_verified(user)
    url = url.strip()
    if kind not in CalendarKind.values:
        raise InvalidInput(fields={"kind": ["Choose an ICS address or a CalDAV account."]})
    if len(url) > 1000:
        raise InvalidInput(fields={"url": ["That address is too long."]})
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    try:
        external.check_url(url, allow_private=_allow_private_urls())
    except external.FetchError as exc:
        raise InvalidInput(str(exc), fields={"url": [str(exc)]}) from exc
    if user.external_calendars.count() >= MAX_CALENDARS_PER_USER:
        raise InvalidInput(fields={"url": [f"At most {MAX_CALENDARS_PER_USER} calendars."]})
    count_fetch(user)
    now = now or timezone.now()
    with transaction.atomic():
        calendar = ExternalCalendar.objects.create(
            user=user,
            kind=kind,
            url=url,
            name=name.strip()[:80],
            username=username.strip()[:200],
            password_encrypted=credentials.encrypt(password),
            created_at=now,
            fetch_queued_at=now,
        )
        enqueue_on_commit(FETCH_TASK, calendar.pk)
    calendar.refresh_from_db()  # fetched already when tasks run at once (tests, no worker)
    return calendar


def request_fetch(user, calendar_id: int, *, now: datetime | None = None) -> ExternalCalendar:  # type: ignore[no-untyped-def]
    """Queues a fetch of one of `user`'s calendars ("Fetch now"; Http404 for anyone else's).
    Counts against their hourly limit (CalendarFetchesTooFast), unless a fetch is waiting
    already: then nothing more is queued or counted."""
    now = now or timezone.now()
    mine = ExternalCalendar.objects.filter(user=user, pk=calendar_id)
    if not mine.exists():
        raise Http404("No such calendar.")
    with transaction.atomic():
        # One conditional write: of two requests at once, only one queues (and counts).
        queued = mine.filter(
            Q(fetch_queued_at__isnull=True) | Q(fetch_queued_at__lte=now - QUEUED_FOR)
        ).update(fetch_queued_at=now)
        if queued:
            count_fetch(user)  # over the limit: raises, and the write above rolls back
            enqueue_on_commit(FETCH_TASK, calendar_id)
    return mine.get()


def fetch_calendar(calendar_id: int) -> bool:
    """The worker's half of `request_fetch` / `add_calendar`. False when the fetch failed or
    the calendar was removed meanwhile."""
    calendar = (
        ExternalCalendar.objects.select_related("user__profile").filter(pk=calendar_id).first()
    )
    return calendar is not None and refresh_calendar(calendar)


def delete_calendar(user, calendar_id: int) -> None:  # type: ignore[no-untyped-def]
    """Http404 unless it is one of the user's calendars. Takes the calendar's row lock first:
    a fetch storing its busy times holds it, and the removal must see (and delete) the rows
    that fetch wrote, not delete the calendar from under them."""
    with transaction.atomic():
        mine = ExternalCalendar.objects.select_for_update().filter(user=user, pk=calendar_id)
        if not mine.exists():
            raise Http404("No such calendar.")
        mine.delete()


def delete_calendars_of(user_id: int) -> int:
    """Removes every calendar of one account (erasure), each under its row lock, as
    `delete_calendar` does: a fetch storing busy times meanwhile is waited for and its rows go
    too, instead of failing the erasure at commit.

    Call it before locking the user's row: a fetch's commit checks its busy rows' foreign key
    to the user (a share lock on that row), so holding the user's row while waiting here for
    that fetch would deadlock."""
    with transaction.atomic():
        mine = ExternalCalendar.objects.select_for_update().filter(user_id=user_id)
        ids = list(mine.order_by("pk").values_list("pk", flat=True))
        ExternalCalendar.objects.filter(pk__in=ids).delete()
    return len(ids)


def refresh_calendar(calendar: ExternalCalendar, *, now: datetime | None = None) -> bool:
    """Fetches one calendar and replaces its busy times; True on success.

    Never raises for a remote problem: the message goes to last_error (shown on the settings
    page) and the previous busy times stay, so a flaky server does not open up booked hours.
    """
    now = now or timezone.now()
    start, end = external.window(now)
    allow_private = _allow_private_urls()
    try:
        password = credentials.decrypt(calendar.password_encrypted)
        if password is None:
            raise external.FetchError("The saved password can no longer be read; enter it again.")
        auth = (
            external.Credentials(calendar.username, password)
            if calendar.username or password
            else None
        )
        if calendar.kind == CalendarKind.CALDAV:
            documents = external.fetch_caldav(
                calendar.url, credentials=auth, start=start, end=end, allow_private=allow_private
            )
        else:
            documents = [
                external.fetch_ics(calendar.url, allow_private=allow_private, credentials=auth)
            ]
        intervals = external.busy_intervals(
            documents,
            start=start,
            end=end,
            zone=selectors.zone_of(calendar.user),
            skip_uid_suffix=f"@{ics._host()}",
        )
    except external.FetchError as exc:
        ExternalCalendar.objects.filter(pk=calendar.pk).update(
            last_fetched_at=now, last_error=str(exc)[:300], fetch_queued_at=None
        )
        return False
    with transaction.atomic():
        # Removed while it was being fetched (a fetch can take seconds): nothing to store. The
        # row lock makes a removal from now on wait for this write, then take its rows along.
        if not ExternalCalendar.objects.select_for_update().filter(pk=calendar.pk).exists():
            return False
        ExternalBusy.objects.filter(calendar=calendar).delete()
        ExternalBusy.objects.bulk_create(
            ExternalBusy(calendar=calendar, user_id=calendar.user_id, starts_at=s, ends_at=e)
            for s, e in intervals
        )
        ExternalCalendar.objects.filter(pk=calendar.pk).update(
            last_fetched_at=now,
            last_success_at=now,
            last_error="",
            busy_count=len(intervals),
            fetch_queued_at=None,
        )
    return True


def refresh_due_calendars(*, now: datetime | None = None, limit: int = 200) -> int:
    """Refreshes calendars not fetched in the last 15 minutes (oldest first); returns count."""
    now = now or timezone.now()
    due = (
        ExternalCalendar.objects.filter(
            Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lte=now - REFRESH_EVERY)
        )
        # A fetch someone asked for is on its way (a lost one is taken as lost after QUEUED_FOR).
        .exclude(fetch_queued_at__gt=now - QUEUED_FOR)
        .select_related("user__profile")
    )
    done = 0
    for calendar in due.order_by(F("last_fetched_at").asc(nulls_first=True))[:limit]:
        refresh_calendar(calendar, now=now)
        done += 1
    return done


def forget_links_of(user) -> None:  # type: ignore[no-untyped-def]
    """accounts' account_reclaimed hook: the calendar feed link and the connected calendars
    someone may have set up before the address was verified stop working. The feed link goes
    now; the calendars after commit (delete_calendars_of must not run under the user's row
    lock, which the reclaiming transaction holds)."""
    SchedulingSettings.objects.filter(user=user).update(feed_token="")
    transaction.on_commit(partial(delete_calendars_of, user.pk))
