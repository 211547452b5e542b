"""The session page's "Join video call" button: enabled from 10 minutes before the start until
the end (issue #9); before that it says when it opens, in the viewer's own zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mentorloom.calls.models import Call
from mentorloom.scheduling import services

pytestmark = pytest.mark.django_db

TUE_9_BERLIN = datetime(2025, 6, 3, 7, 0, tzinfo=UTC)
JOIN_FORM = re.compile(r'<form method="post" action="/mentorships/(\d+)/call/">')


@pytest.fixture
def session(mentorship, frozen):  # type: ignore[no-untyped-def]
    booked, _ = services.book_session(
        mentorship.mentee, mentorship, starts_at=TUE_9_BERLIN, duration_minutes=30, zone="UTC"
    )
    return booked


def page(client, session) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/schedule/{session.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_before_the_window_the_button_is_disabled_and_says_when_it_opens(
    client, mentorship, session, frozen
):
    client.force_login(mentorship.mentee)
    frozen.move_to(TUE_9_BERLIN - timedelta(minutes=11))
    html = page(client, session)
    assert re.search(r"<button [^>]*disabled[^>]*>Join video call</button>", html)
    assert not JOIN_FORM.search(html)
    # The page turns the button on by itself at that instant (session.js): no reload.
    assert 'data-opens-at="2025-06-03T06:50:00+00:00"' in html
    assert "Reload this page" not in html
    # 06:50 UTC in each viewer's own zone.
    assert "The call opens at Tue 03 Jun 2025, 15:50 (Asia/Tokyo, UTC+9)" in html
    client.force_login(mentorship.mentor)
    assert "The call opens at Tue 03 Jun 2025, 08:50 (Europe/Berlin, UTC+2)" in page(
        client, session
    )


def test_from_ten_minutes_before_until_the_end_the_button_starts_the_call(
    client, mentorship, session, frozen
):
    client.force_login(mentorship.mentor)
    for moment in (
        TUE_9_BERLIN - timedelta(minutes=10),
        TUE_9_BERLIN + timedelta(minutes=29, seconds=59),
    ):
        frozen.move_to(moment)
        html = page(client, session)
        found = JOIN_FORM.search(html)
        assert found and int(found.group(1)) == mentorship.pk
        assert "The call opens at" not in html
    response = client.post(
        f"/mentorships/{mentorship.pk}/call/", {"next": f"/schedule/{session.pk}/"}
    )
    call = Call.objects.get(mentorship=mentorship)
    assert response.status_code == 302 and response["Location"] == f"/calls/{call.pk}/"


def test_no_call_button_after_the_end_or_for_a_cancelled_session(
    client, mentorship, session, frozen
):
    client.force_login(mentorship.mentee)
    frozen.move_to(TUE_9_BERLIN + timedelta(minutes=30))
    assert "Join video call" not in page(client, session)
    frozen.move_to(TUE_9_BERLIN - timedelta(hours=2))
    services.cancel_session(mentorship.mentee, session)
    assert "Join video call" not in page(client, session)
