"""Recurring coffee chats against the real database and through the API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from django.core import mail

from mentorloom.notifications.models import Notification
from mentorloom.scheduling import services
from mentorloom.scheduling.errors import InvalidSeries, SeriesConflict
from mentorloom.scheduling.models import Session, SessionSeries
from tests.factories import UserFactory
from tests.scheduling.ics_check import both_readings

pytestmark = pytest.mark.django_db
TUE = date(2025, 6, 3)  # the conftest mentor (Berlin) is open 09:00–17:00 every day


def weekly(mentorship, actor=None, **overrides):  # type: ignore[no-untyped-def]
    fields = {
        "frequency": "weekly",
        "first_date": TUE,
        "wall_time": time(9),
        "count": 4,
        "until": None,
        "alt_time": None,
        "nth": None,
        "duration_minutes": 30,
        "zone": "Europe/Berlin",
    }
    fields.update(overrides)
    return services.create_series(actor or mentorship.mentor, mentorship, **fields)


def test_weekly_series_books_each_date_as_its_own_session(mentorship, frozen):
    series, created, skipped = weekly(mentorship)
    assert skipped == []
    assert [s.starts_at for s in created] == [
        datetime(2025, 6, 3 + 7 * i, 7, tzinfo=UTC) for i in range(4)
    ]
    assert [s.series_index for s in created] == [0, 1, 2, 3]
    assert all(s.series_id == series.pk and s.zone == "Europe/Berlin" for s in created)


def test_series_keeps_the_organisers_wall_time_across_the_autumn_change(mentorship, frozen):
    # Past the 60-day booking horizon on purpose: a series may run beyond it.
    _, created, _ = weekly(mentorship, first_date=date(2025, 10, 21), wall_time=time(10), count=2)
    assert [s.starts_at for s in created] == [
        datetime(2025, 10, 21, 8, tzinfo=UTC),  # 10:00 CEST
        datetime(2025, 10, 28, 9, tzinfo=UTC),  # 10:00 CET
    ]


def test_clashing_date_is_shown_in_the_preview_and_skipped_on_creation(mentorship, frozen):
    services.book_session(
        mentorship.mentee,
        mentorship,
        starts_at=datetime(2025, 6, 10, 7, tzinfo=UTC),
        duration_minutes=30,
        zone="Asia/Tokyo",
    )
    preview = services.preview_series(
        mentorship.mentee,
        mentorship,
        frequency="weekly",
        first_date=TUE,
        wall_time=time(9),
        count=3,
        until=None,
        alt_time=None,
        nth=None,
        duration_minutes=30,
        zone="Europe/Berlin",
    )
    assert [p["problem"] for p in preview] == ["", "busy", ""]
    _, created, skipped = weekly(mentorship, count=3)
    assert [s.series_index for s in created] == [0, 2]
    assert skipped == [{"index": 1, "date": date(2025, 6, 10), "wall": time(9), "problem": "busy"}]


def test_series_refused_when_asked_not_to_skip_and_a_date_clashes(mentorship, frozen):
    # Tuesday 3 June 09:00 Berlin is 07:00 UTC — inside the 12 h notice from 06:00 UTC? No:
    # notice ends at 18:00 UTC, so the first date is too soon.
    with pytest.raises(SeriesConflict) as caught:
        weekly(mentorship, first_date=date(2025, 6, 2), skip_conflicts=False)
    assert "occurrences.0" in caught.value.fields
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_series_entirely_outside_availability_is_refused(mentorship, frozen):
    with pytest.raises(SeriesConflict):
        weekly(mentorship, wall_time=time(18))
    assert not Session.objects.exists()


def test_invalid_rule_names_its_fields(mentorship, frozen):
    with pytest.raises(InvalidSeries) as caught:
        weekly(mentorship, count=None, until=None)
    assert "count" in caught.value.fields


def test_fairness_rotation_alternates_and_shows_each_sides_hour(mentorship, frozen):
    preview = services.preview_series(
        mentorship.mentor,
        mentorship,
        frequency="weekly",
        first_date=TUE,
        wall_time=time(9),
        alt_time=time(16),
        count=2,
        until=None,
        nth=None,
        duration_minutes=30,
        zone="Europe/Berlin",
    )
    # 09:00 Berlin = 16:00 Tokyo; 16:00 Berlin = 23:00 Tokyo (late for the mentee).
    assert [p["mentee_local"].strftime("%H:%M") for p in preview] == ["16:00", "23:00"]
    assert [p["mentee_hour"] for p in preview] == ["", "late"]
    assert [p["mentor_local"].strftime("%H:%M") for p in preview] == ["09:00", "16:00"]


def test_new_series_sends_one_email_each_with_every_session(
    mentorship, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        weekly(mentorship, count=3)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [mentorship.mentor.email, mentorship.mentee.email]
    )
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "sessions.ics" and "method=PUBLISH" in mimetype
    cal = icalendar.Calendar.from_ical(content)
    # One recurring event (RRULE with TZID) whose instances are exactly the booked sessions.
    master = cal.walk("VEVENT")[0]
    assert "RRULE" in master and master["DTSTART"].params["TZID"] == "Europe/Berlin"
    sessions = Session.objects.order_by("starts_at")
    assert both_readings(content) == [(s.starts_at, s.ends_at) for s in sessions]
    assert Notification.objects.filter(user=mentorship.mentee, kind="session.series").count() == 1


def test_cancel_this_and_following_leaves_earlier_dates_booked(mentorship, frozen):
    _, created, _ = weekly(mentorship)
    cancelled = services.cancel_following(mentorship.mentee, created[1], reason="Moving abroad")
    assert [s.series_index for s in cancelled] == [1, 2, 3]
    statuses = dict(Session.objects.values_list("series_index", "status"))
    assert statuses == {0: "booked", 1: "cancelled", 2: "cancelled", 3: "cancelled"}


def test_cancel_this_one_leaves_the_rest_of_the_series(mentorship, frozen):
    _, created, _ = weekly(mentorship)
    services.cancel_session(mentorship.mentee, created[1])
    statuses = dict(Session.objects.values_list("series_index", "status"))
    assert statuses == {0: "booked", 1: "cancelled", 2: "booked", 3: "booked"}


def test_move_this_and_following_applies_the_same_wall_change_to_each(mentorship, frozen):
    _, created, _ = weekly(mentorship)
    # Tue 10 June 09:00 → Wed 11 June 10:30 Berlin.
    moved = services.move_following(
        mentorship.mentee, created[1], starts_at=datetime(2025, 6, 11, 8, 30, tzinfo=UTC)
    )
    assert [s.starts_at for s in moved] == [
        datetime(2025, 6, 11 + 7 * i, 8, 30, tzinfo=UTC) for i in range(3)
    ]
    first = Session.objects.get(series_index=0)
    assert first.starts_at == datetime(2025, 6, 3, 7, tzinfo=UTC)
    assert all(s.ics_sequence == 1 for s in Session.objects.filter(series_index__gte=1))


def test_move_this_and_following_is_refused_whole_when_one_date_clashes(mentorship, frozen):
    _, created, _ = weekly(mentorship)
    services.book_session(
        mentorship.mentee,
        mentorship,
        starts_at=datetime(2025, 6, 25, 8, 30, tzinfo=UTC),
        duration_minutes=30,
        zone="Asia/Tokyo",
    )
    with pytest.raises(SeriesConflict) as caught:
        services.move_following(
            mentorship.mentee, created[1], starts_at=datetime(2025, 6, 11, 8, 30, tzinfo=UTC)
        )
    assert list(caught.value.fields) == ["occurrences.3"]
    assert Session.objects.get(pk=created[1].pk).starts_at == created[1].starts_at


def test_moving_one_occurrence_beyond_the_booking_horizon_works(mentorship, frozen):
    _, created, _ = weekly(mentorship, first_date=date(2025, 9, 2), count=2)
    moved = services.reschedule_session(
        mentorship.mentee,
        created[0],
        starts_at=datetime(2025, 9, 3, 7, tzinfo=UTC),
        zone="Asia/Tokyo",
    )
    assert moved.starts_at == datetime(2025, 9, 3, 7, tzinfo=UTC) and moved.series_index == 0


# --- API ------------------------------------------------------------------------------------


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


SERIES_BODY = {
    "frequency": "weekly",
    "first_date": "2025-06-03",
    "time": "16:00",
    "count": 3,
    "duration": 30,
    "tz": "Asia/Tokyo",
}


def test_api_preview_and_create_a_series_in_the_organisers_zone(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    url = f"/api/v1/mentorships/{mentorship.pk}/series"
    preview = _post(client, f"{url}/preview", SERIES_BODY)
    assert preview.status_code == 200
    first = preview.json()["occurrences"][0]
    assert first["mentor_local"].startswith("2025-06-03T09:00:00+02:00")
    response = _post(client, url, SERIES_BODY)
    assert response.status_code == 201
    body = response.json()
    assert body["zone"] == "Asia/Tokyo" and body["summary"].startswith("every week at 16:00")
    assert [s["start_local"][:16] for s in body["sessions"]] == [
        "2025-06-03T16:00",
        "2025-06-10T16:00",
        "2025-06-17T16:00",
    ]
    got = client.get(f"/api/v1/series/{body['id']}")
    assert got.status_code == 200 and len(got.json()["sessions"]) == 3


def test_api_series_conflict_is_409_with_the_error_shape(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    response = _post(
        client,
        f"/api/v1/mentorships/{mentorship.pk}/series",
        {**SERIES_BODY, "time": "03:00", "skip_conflicts": False},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "series_conflict"


def test_api_invalid_series_is_422(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    response = _post(
        client,
        f"/api/v1/mentorships/{mentorship.pk}/series",
        {**SERIES_BODY, "frequency": "daily", "count": 99},
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) >= {"frequency", "count"}


def test_api_series_of_someone_elses_mentorship_is_404(client, mentorship, frozen):
    series, _, _ = weekly(mentorship)
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/series/{series.pk}").status_code == 404
    response = _post(client, f"/api/v1/mentorships/{mentorship.pk}/series", SERIES_BODY)
    assert response.status_code == 404


def test_api_cancel_with_scope_following(client, mentorship, frozen):
    _, created, _ = weekly(mentorship)
    client.force_login(mentorship.mentee)
    response = _post(
        client, f"/api/v1/sessions/{created[2].pk}/cancel", {"scope": "following", "reason": ""}
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Session.objects.filter(status="booked").count() == 2


def test_api_unknown_scope_is_422(client, mentorship, frozen):
    _, created, _ = weekly(mentorship)
    client.force_login(mentorship.mentee)
    response = _post(client, f"/api/v1/sessions/{created[0].pk}/cancel", {"scope": "all"})
    assert response.status_code == 422
    assert "scope" in response.json()["error"]["fields"]


def test_api_move_following_reports_the_moved_session(client, mentorship, frozen):
    _, created, _ = weekly(mentorship)
    client.force_login(mentorship.mentee)
    new_start = created[1].starts_at + timedelta(hours=1)
    response = _post(
        client,
        f"/api/v1/sessions/{created[1].pk}/reschedule",
        {"start": new_start.isoformat(), "tz": "Asia/Tokyo", "scope": "following"},
    )
    assert response.status_code == 200
    assert Session.objects.get(series_index=3).starts_at == created[3].starts_at + timedelta(
        hours=1
    )
