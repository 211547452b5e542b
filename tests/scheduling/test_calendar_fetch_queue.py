"""Fetches someone asks for (adding a calendar, "Fetch now") run in the worker, never in the
web process: a calendar someone else wrote can take seconds to download and read. Asking
again while a fetch waits queues nothing more, and the page follows the fetch until it lands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorloom.accounts.errors import EmailUnverified
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
    assert task.args_kwargs["args"] == [calendar.pk] and task.queue_name == "calendars"
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


def _remove_one(calendar: ExternalCalendar) -> None:
    services.delete_calendar(calendar.user, calendar.pk)


def _erase_its_owner(calendar: ExternalCalendar) -> None:
    from mentorloom.privacy.services import erase_now

    erase_now(calendar.user)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("remove_it", [_remove_one, _erase_its_owner], ids=["remove", "erasure"])
def test_removing_a_calendar_while_its_fetch_stores_busy_times_takes_them_along(
    monkeypatch, remove_it
):
    """The fetch holds the calendar's row lock while it writes; "Remove" (or erasing the
    account) waits for it and then deletes what it wrote. Without the lock, on PostgreSQL, the
    removal read the busy rows before the fetch's commit, deleted the calendar after it, and
    failed at its own commit (IntegrityError: busy rows left pointing at no calendar)."""
    import threading
    import time

    from django.db import connections

    from mentorloom.scheduling import external
    from mentorloom.scheduling.models import ExternalBusy

    calendar = _calendar(UserFactory())
    now = timezone.now()
    written = threading.Event()
    store = ExternalBusy.objects.bulk_create

    def store_then_linger(rows, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = store(rows, *args, **kwargs)
        written.set()
        time.sleep(0.5)  # still inside the fetch's transaction: the removal comes now
        return result

    monkeypatch.setattr(external, "fetch_ics", lambda *a, **k: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR")
    monkeypatch.setattr(
        external,
        "busy_intervals",
        lambda *a, **k: [(now + timedelta(days=1), now + timedelta(days=1, hours=1))],
    )
    monkeypatch.setattr(ExternalBusy.objects, "bulk_create", store_then_linger)
    outcome: dict[str, object] = {}

    def remove() -> None:
        written.wait(timeout=10)
        try:
            remove_it(calendar)
            outcome["removed"] = True
        except Exception as exc:  # the failure this test is about
            outcome["removed"] = exc
        finally:
            connections.close_all()

    remover = threading.Thread(target=remove)
    remover.start()
    assert services.fetch_calendar(calendar.pk) is True
    remover.join(timeout=30)
    assert outcome["removed"] is True
    assert not ExternalCalendar.objects.exists() and not ExternalBusy.objects.exists()


def test_the_page_stops_following_a_fetch_that_waited_too_long_or_a_calendar_gone(client):
    user = UserFactory()
    calendar = _calendar(user)
    ExternalCalendar.objects.filter(pk=calendar.pk).update(
        fetch_queued_at=timezone.now() - services.QUEUED_FOR - timedelta(seconds=1)
    )
    client.force_login(user)
    status_url = f"/schedule/calendar/busy/{calendar.pk}/status/"
    stalled = client.get(status_url).content.decode()
    assert "taking longer than usual" in stalled and "hx-get" not in stalled
    # Removed in another tab, or signed out meanwhile: htmx gets a note and "stop polling"
    # (286) rather than an error or the sign-in page, which it would ask for again and again.
    calendar.delete()
    gone = client.get(status_url, headers={"HX-Request": "true"})
    assert gone.status_code == 286 and "Removed." in gone.content.decode()
    assert client.get(status_url).status_code == 404  # not polled: a plain 404
    client.logout()
    out = client.get(status_url, headers={"HX-Request": "true"})
    assert out.status_code == 286 and "signed out" in out.content.decode()
    assert client.get(status_url).status_code == 302  # not polled: to the sign-in page


def test_the_periodic_refresh_leaves_a_calendar_whose_fetch_is_on_its_way(database_tasks):
    user = UserFactory()
    calendar = services.request_fetch(user, _calendar(user).pk)  # never fetched, queued now
    assert services.refresh_due_calendars() == 0  # its own fetch will do
    ExternalCalendar.objects.filter(pk=calendar.pk).update(
        fetch_queued_at=timezone.now() - services.QUEUED_FOR - timedelta(seconds=1)
    )
    assert services.refresh_due_calendars() == 1  # that fetch seems lost: refreshed after all


@pytest.mark.django_db(transaction=True)
def test_fetches_wait_for_the_calendars_worker_not_in_front_of_e_mail(database_tasks):
    """`make run` starts a worker per queue: the default one (e-mail, reminders) never picks a
    calendar fetch up, however slow, and the calendars worker runs it."""
    from django.core.management import call_command

    user = UserFactory()
    calendar = _calendar(user)
    services.request_fetch(user, calendar.pk)
    call_command("db_worker", "--batch", "--no-startup-delay")  # the default queue's worker
    calendar.refresh_from_db()
    assert calendar.fetch_queued_at is not None and calendar.last_fetched_at is None
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "calendars")
    calendar.refresh_from_db()
    assert calendar.fetch_queued_at is None and calendar.last_error  # fetched (and refused)


def test_an_unverified_account_cannot_make_the_server_fetch_an_address(client):
    """Adding a calendar makes our server fetch an address of the person's choosing; a fresh,
    unverified sign-up is refused with the usual "verify first" message, page and API."""
    user = UserFactory(email_verified_at=None)
    with pytest.raises(EmailUnverified):
        services.add_calendar(user, kind="ics", url="https://calendar.example/x.ics")
    api = client_for(user).post(
        "/api/v1/calendars",
        {"kind": "ics", "url": "https://calendar.example/x.ics"},
        content_type="application/json",
    )
    assert api.status_code == 403 and api.json()["error"]["code"] == "email_unverified"
    assert not ExternalCalendar.objects.exists()
