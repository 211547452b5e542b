"""Fetches someone asks for (adding a calendar, "Fetch now") run in the worker, never in the
web process: a calendar someone else wrote can take seconds to download and read. Asking
again while a fetch waits queues nothing more, and the page follows the fetch until it lands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorloom.scheduling import services
from mentorloom.scheduling.errors import CalendarFetchesTooFast
from mentorloom.scheduling.models import ExternalCalendar
from tests.factories import UserFactory, client_for

pytestmark = pytest.mark.django_db

# Private addresses are refused before any connection: each fetch fails at once, and says so.
REFUSED_URL = "http://127.0.0.1/x.ics"


def _calendar(user) -> ExternalCalendar:  # type: ignore[no-untyped-def]
    return ExternalCalendar.objects.create(user=user, kind="ics", url=REFUSED_URL)


def test_adding_a_calendar_queues_its_fetch_for_the_worker(settings, database_tasks):
    settings.MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = True
    user = UserFactory()
    calendar = services.add_calendar(user, kind="ics", url="http://127.0.0.1:9/x.ics")
    # Nothing was fetched in this process: the fetch waits in the task table.
    assert calendar.fetch_queued_at is not None and calendar.last_fetched_at is None
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "mentorloom.scheduling.tasks.fetch_calendar"
    assert task.args_kwargs["args"] == [calendar.pk]
    # The worker's half: the fetch runs, says what went wrong, and clears the queued mark.
    assert services.fetch_calendar(calendar.pk) is False
    calendar.refresh_from_db()
    assert calendar.fetch_queued_at is None and calendar.last_error


def test_asking_again_while_a_fetch_waits_queues_and_counts_nothing(database_tasks):
    user = UserFactory()
    calendar = _calendar(user)
    first = services.request_fetch(user, calendar.pk)
    for _ in range(services.FETCHES_PER_HOUR + 5):
        again = services.request_fetch(user, calendar.pk)
    assert again.fetch_queued_at == first.fetch_queued_at
    assert DBTaskResult.objects.count() == 1
    # Only one fetch was counted: the hour's other fetches are still there to ask for.
    for _ in range(services.FETCHES_PER_HOUR - 1):
        services.count_fetch(user)
    # A fetch queued so long ago that its worker was lost is queued again.
    later = first.fetch_queued_at + services.QUEUED_FOR + timedelta(seconds=1)
    other = _calendar(UserFactory())
    assert services.request_fetch(other.user, other.pk, now=later).fetch_queued_at == later
    ExternalCalendar.objects.filter(pk=calendar.pk).update(
        fetch_queued_at=timezone.now() - services.QUEUED_FOR - timedelta(seconds=1)
    )
    with pytest.raises(CalendarFetchesTooFast):  # counted, and over the limit now
        services.request_fetch(user, calendar.pk)


def test_someone_else_s_calendar_cannot_be_fetched(client):
    theirs = _calendar(UserFactory())
    client.force_login(UserFactory())
    assert client.post(f"/api/v1/calendars/{theirs.pk}/refresh").status_code == 404
    assert client.post(f"/schedule/calendar/busy/{theirs.pk}/refresh/").status_code == 404
    assert client.get(f"/schedule/calendar/busy/{theirs.pk}/status/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.fetch_queued_at is None


def test_a_calendar_removed_before_its_fetch_ran_is_skipped():
    calendar = _calendar(UserFactory())
    pk = calendar.pk
    calendar.delete()
    assert services.fetch_calendar(pk) is False


def test_the_page_follows_a_waiting_fetch_until_it_lands(client):
    user = UserFactory()
    calendar = _calendar(user)
    client.force_login(user)
    answer = client.post(f"/schedule/calendar/busy/{calendar.pk}/refresh/", follow=True)
    page = answer.content.decode()
    assert "Its busy times are being fetched" in page  # the fetch waits for the worker
    status_url = f"/schedule/calendar/busy/{calendar.pk}/status/"
    assert f'hx-get="{status_url}"' in page and "Fetching its busy times" in page
    polled = client.get(status_url).content.decode()
    assert 'hx-trigger="every 2s"' in polled
    services.fetch_calendar(calendar.pk)  # the worker's turn
    landed = client.get(status_url).content.decode()
    assert "hx-get" not in landed and "Fetching" not in landed
    assert "Last fetch failed" in landed  # the refused address, said plainly


def test_the_api_says_whether_a_fetch_waits(database_tasks):
    user = UserFactory()
    calendar = _calendar(user)
    client = client_for(user)
    answer = client.post(f"/api/v1/calendars/{calendar.pk}/refresh")
    assert answer.status_code == 202 and answer.json()["fetching"] is True
    services.fetch_calendar(calendar.pk)
    (listed,) = client.get("/api/v1/calendars").json()
    assert listed["fetching"] is False and listed["last_error"]


def test_a_calendar_removed_while_it_was_being_fetched_stores_nothing(monkeypatch):
    from mentorloom.scheduling import external
    from mentorloom.scheduling.models import ExternalBusy

    calendar = _calendar(UserFactory())
    now = timezone.now()

    def read_while_removed(*args, **kwargs):  # type: ignore[no-untyped-def]
        ExternalCalendar.objects.filter(pk=calendar.pk).delete()  # "Remove", meanwhile
        return [(now + timedelta(days=1), now + timedelta(days=1, hours=1))]

    monkeypatch.setattr(external, "fetch_ics", lambda *a, **k: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR")
    monkeypatch.setattr(external, "busy_intervals", read_while_removed)
    assert services.fetch_calendar(calendar.pk) is False
    assert not ExternalBusy.objects.exists()
