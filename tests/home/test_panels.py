from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorloom.calls import services as call_services
from mentorloom.home import panels
from mentorloom.mentorships.views import space_panels
from mentorloom.scheduling.models import Session
from tests.factories import SchedulingMentorshipFactory

pytestmark = pytest.mark.django_db


def test_home_fills_the_mentorship_space_with_sessions_and_calls():
    assert panels.mentorship_space_panels in space_panels._listeners


def test_mentorship_space_shows_upcoming_sessions_and_recent_calls(client):
    mentorship = SchedulingMentorshipFactory()
    starts = timezone.now() + timedelta(days=1)
    later = Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        zone="Europe/Berlin",
    )
    call, _ = call_services.start_call(mentorship.mentor, mentorship.pk)
    call_services.end_call(mentorship.mentor, call)
    client.force_login(mentorship.mentee)
    response = client.get(reverse("mentorships:detail", args=[mentorship.pk]))
    html = response.content.decode()
    assert [row["session"] for row in response.context["upcoming_sessions"]] == [later]
    assert reverse("scheduling:session", args=[later.pk]) in html
    assert "No sessions booked yet" not in html
    assert list(response.context["recent_calls"]) == [call]
    assert "Recent calls" in html
    assert "home/_mentorship_space_panels.html" in [t.name for t in response.templates]


def test_public_profile_of_an_open_mentor_shows_messagings_badge(client):
    from mentorloom.messaging.models import ChatPresence
    from tests.factories import MentorProfileFactory, ProfileFactory

    badge = "Open for a quick chat</span>"
    open_mentor, closed_mentor = MentorProfileFactory(), MentorProfileFactory()
    ChatPresence.objects.create(
        user=open_mentor.user, open_until=timezone.now() + timedelta(minutes=30)
    )
    client.force_login(ProfileFactory().user)
    page = client.get(reverse("profiles:public", args=[open_mentor.user_id]))
    assert page.status_code == 200 and badge in page.content.decode()
    assert (
        badge
        not in client.get(reverse("profiles:public", args=[closed_mentor.user_id])).content.decode()
    )


def _agreement(mentorship, quiet_hours):  # type: ignore[no-untyped-def]
    from mentorloom.mentorships.models import AgreementVersion

    AgreementVersion.objects.create(mentorship=mentorship, number=1, quiet_hours=quiet_hours)


def test_agreement_points_out_quiet_hours_that_leave_no_common_time(client):
    mentorship = SchedulingMentorshipFactory()
    mentor, mentee = mentorship.mentor.profile.name, mentorship.mentee.profile.name
    _agreement(
        mentorship,
        f"{mentor}: no messages expected outside Mon–Fri 09:00–18:00 (America/Mexico_City)\n"
        f"{mentee}: no messages expected outside Mon–Fri 09:30–18:30 (Asia/Tokyo)",
    )
    client.force_login(mentorship.mentee)
    html = client.get(reverse("mentorships:detail", args=[mentorship.pk])).content.decode()
    assert "Your quiet hours leave no common time." in html
    assert f"{mentor} is quiet 18:00–09:00 (America/Mexico_City)" in html


def test_agreement_says_nothing_when_quiet_hours_leave_common_time(client):
    mentorship = SchedulingMentorshipFactory()
    mentor, mentee = mentorship.mentor.profile.name, mentorship.mentee.profile.name
    _agreement(
        mentorship,
        f"{mentor}: no messages expected outside Mon–Fri 09:00–17:00 (Europe/Berlin)\n"
        f"{mentee}: no messages expected outside Mon–Fri 08:30–18:00 (Asia/Tokyo)",
    )
    client.force_login(mentorship.mentee)
    html = client.get(reverse("mentorships:detail", args=[mentorship.pk])).content.decode()
    assert "leave no common time" not in html
