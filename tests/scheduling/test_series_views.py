"""The recurring-series pages: preview, create, the series page and "this and following"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentorloom.scheduling.models import Session, SessionSeries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "frequency": "weekly",
    "first_date": "2025-06-03",
    "time": "16:00",  # the mentee's Tokyo wall time = 09:00 Berlin
    "alt_time": "",
    "duration": "30",
    "count": "3",
    "until": "",
    "agenda": "",
}


def test_preview_lists_each_date_with_both_local_times_and_books_nothing(
    client, mentorship, frozen
):
    client.force_login(mentorship.mentee)
    response = client.post(
        f"/mentorships/{mentorship.pk}/series/new/", {**FORM, "action": "preview"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 of 3 dates are free" in html
    assert "Tue 09:00" in html and "Tue 16:00" in html
    assert not Session.objects.exists()


def test_preview_marks_dates_outside_availability(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    response = client.post(
        f"/mentorships/{mentorship.pk}/series/new/",
        {**FORM, "time": "03:00", "action": "preview"},  # 20:00 Berlin: outside 09–17
    )
    assert "0 of 3 dates are free" in response.content.decode()
    assert "Outside the mentor" in response.content.decode()


def test_create_books_the_series_and_shows_its_page(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    response = client.post(
        f"/mentorships/{mentorship.pk}/series/new/", {**FORM, "action": "create"}
    )
    series = SessionSeries.objects.get()
    assert response.status_code == 302 and response.url == f"/schedule/series/{series.pk}/"
    page = client.get(response.url)
    assert page.status_code == 200 and "Every week at 16:00 (Asia/Tokyo)" in page.content.decode()
    assert series.sessions.count() == 3


def test_invalid_form_is_422_with_errors_next_to_fields(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    response = client.post(
        f"/mentorships/{mentorship.pk}/series/new/",
        {**FORM, "count": "", "until": "", "action": "create"},
    )
    assert response.status_code == 422
    assert "Give a number of sessions or an end date." in response.content.decode()
    assert not SessionSeries.objects.exists()


def test_series_pages_are_404_for_outsiders(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    client.post(f"/mentorships/{mentorship.pk}/series/new/", {**FORM, "action": "create"})
    series = SessionSeries.objects.get()
    client.force_login(UserFactory())
    assert client.get(f"/schedule/series/{series.pk}/").status_code == 404
    assert client.get(f"/mentorships/{mentorship.pk}/series/new/").status_code == 404


def test_cancel_this_and_following_from_the_session_page(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    client.post(f"/mentorships/{mentorship.pk}/series/new/", {**FORM, "action": "create"})
    second = Session.objects.get(series_index=1)
    page = client.get(f"/schedule/{second.pk}/").content.decode()
    assert "This and all following" in page and "Move this and following" in page
    client.post(f"/schedule/{second.pk}/cancel/", {"reason": "", "scope": "following"})
    assert list(Session.objects.order_by("series_index").values_list("status", flat=True)) == [
        "booked",
        "cancelled",
        "cancelled",
    ]


def test_move_this_and_following_from_the_booking_page(client, mentorship, frozen):
    client.force_login(mentorship.mentee)
    client.post(f"/mentorships/{mentorship.pk}/series/new/", {**FORM, "action": "create"})
    second = Session.objects.get(series_index=1)
    url = f"/mentorships/{mentorship.pk}/book/?reschedule={second.pk}&scope=following"
    assert "Every later session of the series moves" in client.get(url).content.decode()
    new_start = datetime(2025, 6, 11, 7, tzinfo=UTC)  # Wed 09:00 Berlin
    response = client.post(
        f"/mentorships/{mentorship.pk}/book/",
        {"reschedule": second.pk, "scope": "following", "start": new_start.isoformat()},
    )
    assert response.status_code == 302
    assert Session.objects.get(series_index=2).starts_at == datetime(2025, 6, 18, 7, tzinfo=UTC)
    assert Session.objects.get(series_index=0).starts_at == datetime(2025, 6, 3, 7, tzinfo=UTC)
