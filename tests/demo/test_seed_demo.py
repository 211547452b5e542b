"""`manage.py seed_demo`: realistic, worldwide, idempotent demo data."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from importlib import resources
from io import StringIO
from zoneinfo import ZoneInfo, available_timezones

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.utils import timezone

from mentorloom.demo.data import MENTEES, MENTORS
from mentorloom.demo.people import DEMO_LOGINS, DEMO_PASSWORD
from mentorloom.mentorships.models import (
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    RequestStatus,
)
from mentorloom.mentorships.services import check_can_request
from mentorloom.messaging.models import Message
from mentorloom.messaging.selectors import unread_total_for
from mentorloom.profiles.models import SESSION_LENGTH_CHOICES, TAG_MODELS, Profile
from mentorloom.safety.models import Block
from mentorloom.sessions.models import ActionItem, TraitFeedback

pytestmark = pytest.mark.django_db

DEMO_DOMAIN = "@demo.mentorloom.org"
SOUTH_AMERICA = {
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/Santiago",
    "America/Bogota",
    "America/Lima",
    "America/Montevideo",
    "America/Caracas",
}
SOUTHERN_HEMISPHERE = {
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Africa/Johannesburg",
    "Pacific/Auckland",
    "America/Santiago",
}
# Career area -> words that must appear in some mentor's industries or headline.
CAREER_AREAS = {
    "software": ["software"],
    "data": ["data & analytics"],
    "design": ["design"],
    "product": ["product management"],
    "healthcare": ["healthcare"],
    "law": ["law"],
    "finance": ["finance"],
    "education": ["education"],
    "marketing": ["marketing"],
    "electrician": ["electrician"],
    "carpenter": ["carpenter"],
    "plumber": ["plumber"],
    "trades": ["skilled trades"],
    "research": ["research"],
    "entrepreneurship": ["entrepreneurship"],
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def demo_profiles():
    return Profile.objects.filter(user__email__endswith=DEMO_DOMAIN).select_related("user")


def continent(zone: str) -> str:
    if zone in SOUTH_AMERICA:
        return "South America"
    prefix = zone.split("/")[0]
    return {
        "America": "North America",
        "Australia": "Oceania",
        "Pacific": "Oceania",
    }.get(prefix, prefix)


def zone_countries() -> dict[str, str]:
    """IANA zone -> ISO 3166-1 alpha-2 country from the tz database's own zone.tab."""
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text()
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows}


def test_counts_and_summary():
    out = seed()
    user_model = get_user_model()
    profiles = demo_profiles()
    assert profiles.filter(is_mentor=True).count() == 61
    assert profiles.filter(is_mentor=False, user__is_superuser=False).count() == 20
    admin = user_model.objects.get(email="admin@demo.mentorloom.org")
    assert admin.is_staff and admin.is_superuser
    assert user_model.objects.filter(email__endswith=DEMO_DOMAIN, is_superuser=True).count() == 1
    zones = profiles.exclude(user=admin).values("time_zone").distinct().count()
    assert f"Demo data: 61 mentors, 20 mentees, 1 admin across {zones} time zones" in out
    assert not user_model.objects.filter(email__endswith=DEMO_DOMAIN, email_verified_at=None)


def test_people_are_distinct_and_well_formed():
    people = [*MENTORS, *MENTEES]
    assert len({p.email for p in people}) == len(people)
    assert len({p.name for p in people}) == len(people)
    assert len({p.bio for p in people}) == len(people)
    assert len({p.headline for p in people}) == len(people)
    for p in people:
        assert re.fullmatch(r"[a-z-]+\.[a-z-]+@demo\.mentorloom\.org", p.email), p.email
        assert 2 <= p.bio.count(". ") + p.bio.count(".\n") + 1 <= 6, p.name
        assert "English" in p.languages, p.name
        assert p.skills and p.industries and p.languages, p.name
        assert p.visibility in {"everyone", "members"}
        if p in MENTEES:
            assert p.goals and p.interests and not p.topics, p.name


def test_zones_valid_worldwide_with_odd_offsets():
    seed()
    valid = available_timezones()
    zones = set(demo_profiles().values_list("time_zone", flat=True))
    assert zones <= valid
    assert len(zones) >= 15
    assert {continent(z) for z in zones} >= {
        "Africa",
        "Asia",
        "Europe",
        "North America",
        "South America",
        "Oceania",
    }
    # Offsets in January (southern summer) and July, in minutes past the hour.
    odd = set()
    for zone in zones:
        for month in (1, 7):
            offset = datetime(2025, month, 15, 12, tzinfo=ZoneInfo(zone)).utcoffset()
            odd.add(int(offset.total_seconds() // 60) % 60)
    assert {30, 45} <= odd
    assert {"Asia/Kolkata", "Australia/Adelaide", "America/St_Johns", "Asia/Tehran"} <= zones
    assert "Asia/Kathmandu" in zones
    assert zones >= SOUTHERN_HEMISPHERE


def test_profiles_match_local_norms_and_model_rules():
    seed()
    countries = zone_countries()
    for profile in demo_profiles():
        profile.full_clean()
        assert re.fullmatch(r"[A-Z]{2}", profile.country)
        if profile.time_zone in countries:
            assert countries[profile.time_zone] == profile.country, profile.name
        assert profile.work_days and set(profile.work_days) <= set(range(1, 8))
        assert profile.work_days == sorted(profile.work_days)
        assert profile.work_start < profile.work_end
        assert not profile.photo
        if profile.is_mentor:
            assert profile.topics.exists(), profile.name
            assert profile.years_experience
            assert profile.session_lengths
            assert set(profile.session_lengths) <= set(SESSION_LENGTH_CHOICES)
    by_zone = {p.time_zone: p.work_days for p in demo_profiles()}
    assert by_zone["Asia/Riyadh"] == [1, 2, 3, 4, 7]  # Sunday to Thursday
    assert by_zone["Asia/Tehran"] == [1, 2, 3, 6, 7]  # Saturday to Wednesday


def test_mentor_availability_and_visibility_vary():
    seed()
    mentors = demo_profiles().filter(is_mentor=True)
    today = timezone.localdate()
    assert mentors.filter(paused_until__gt=today).count() >= 2
    assert all(m.is_paused for m in mentors.filter(paused_until__isnull=False))
    assert mentors.filter(accepting_requests=False).count() >= 2
    everyone = mentors.filter(visibility="everyone").count()
    assert 5 <= everyone < mentors.filter(visibility="members").count()
    assert mentors.values("capacity").distinct().count() >= 4


def test_every_career_area_is_represented():
    seed()
    mentors = demo_profiles().filter(is_mentor=True).prefetch_related("industries")
    texts = [" ".join([m.headline, *(i.name for i in m.industries.all())]).lower() for m in mentors]
    for area, words in CAREER_AREAS.items():
        assert any(w in text for text in texts for w in words), area


def test_demo_logins_have_rich_profiles_and_can_sign_in():
    seed()
    emails = dict(DEMO_LOGINS)
    for email in emails.values():
        user = authenticate(email=email, password=DEMO_PASSWORD)
        assert user is not None and user.email == email
    aiko = Profile.objects.get(user__email=emails["mentor"])
    assert aiko.display_name == "Aiko Tanaka" and aiko.time_zone == "Asia/Tokyo"
    assert aiko.is_mentor and aiko.accepting_requests and not aiko.is_paused
    assert aiko.topics.count() >= 4 and aiko.skills.count() >= 5 and aiko.languages.count() >= 2
    lucas = Profile.objects.get(user__email=emails["mentee"])
    assert lucas.display_name == "Lucas Oliveira" and lucas.time_zone == "America/Sao_Paulo"
    assert not lucas.is_mentor
    assert lucas.career_goals.count() >= 2 and lucas.interests.count() >= 2
    assert {"Portuguese", "English"} <= set(lucas.languages.values_list("name", flat=True))


def test_idempotent_and_restores_edited_demo_users():
    seed()
    user_model = get_user_model()

    def snapshot():
        links = {
            attr: sum(getattr(p, attr).count() for p in demo_profiles()) for attr in TAG_MODELS
        }
        tags = {attr: model.objects.count() for attr, model in TAG_MODELS.items()}
        # A removed demo account is erased (a "Deleted user" stand-in stays for the records
        # of the people it met), so count the live accounts.
        live = user_model.objects.exclude(email__endswith="@deleted.invalid")
        return live.count(), Profile.objects.filter(user__in=live).count(), tags, links

    before = snapshot()
    aiko = Profile.objects.get(user__email="aiko.tanaka@demo.mentorloom.org")
    aiko.headline = "Edited by hand"
    aiko.save()
    aiko.topics.clear()
    aiko.user.set_password("something else")
    aiko.user.save()
    user_model.objects.create_user("zz.stale@demo.mentorloom.org", "x")

    seed()
    assert snapshot() == before
    aiko.refresh_from_db()
    assert aiko.headline != "Edited by hand" and aiko.topics.exists()
    assert authenticate(email=aiko.user.email, password=DEMO_PASSWORD) is not None
    assert not user_model.objects.filter(email="zz.stale@demo.mentorloom.org").exists()


@pytest.mark.django_db
def test_demo_mentors_have_bookable_availability_and_reseeding_does_not_duplicate_it():
    from mentorloom.scheduling.models import AvailabilityRule

    call_command("seed_demo", stdout=StringIO())
    aiko = get_user_model().objects.get(email="aiko.tanaka@demo.mentorloom.org")
    first = AvailabilityRule.objects.filter(mentor=aiko).count()
    assert first >= 5  # a window on each working day
    call_command("seed_demo", stdout=StringIO())
    assert AvailabilityRule.objects.filter(mentor=aiko).count() == first
    mentees_with_rules = AvailabilityRule.objects.filter(mentor__profile__is_mentor=False)
    assert not mentees_with_rules.exists()


def test_demo_windows_cover_morning_and_evening_without_crossing_midnight():
    from datetime import time

    from mentorloom.demo.seed import demo_windows

    assert demo_windows(time(9), time(17)) == [(time(9), time(11)), (time(17), time(18, 30))]
    assert demo_windows(time(15), time(23)) == [(time(15), time(17)), (time(23), time(23, 30))]
    assert demo_windows(time(22), time(6)) == [(time(22), time(0))]  # overnight shift


def test_each_demo_login_has_a_running_mentorship_with_a_conversation_made_once():
    seed()
    seed()  # a second run adds nothing
    mentee = get_user_model().objects.get(email="lucas.oliveira@demo.mentorloom.org")
    mentor = get_user_model().objects.get(email="aiko.tanaka@demo.mentorloom.org")
    lucas_mentorship = Mentorship.objects.get(mentee=mentee)
    assert lucas_mentorship.mentor.email == "chioma.okafor@demo.mentorloom.org"
    assert lucas_mentorship.status == MentorshipStatus.ACTIVE
    # Made through the real request: the request is accepted and an agreement drafted.
    assert lucas_mentorship.requests.get().status == RequestStatus.ACCEPTED
    assert lucas_mentorship.agreement_versions.count() == 1
    messages = Message.objects.filter(conversation__mentorship=lucas_mentorship)
    assert [m.sender_id for m in messages.order_by("id")] == [
        lucas_mentorship.mentor_id, mentee.pk, lucas_mentorship.mentor_id,
    ]  # fmt: skip
    # His reply marked the first one read; the mentor's answer waits for him.
    assert unread_total_for(mentee) == 1
    assert Mentorship.objects.filter(mentor=mentor, status=MentorshipStatus.ACTIVE).count() == 1
    # The demo mentee can still try a request to the demo mentor.
    check_can_request(mentee, mentor.pk)


def test_the_demo_mentors_feedback_insights_show_released_figures_from_the_first_run(client):
    seed()
    mentor = get_user_model().objects.get(email="aiko.tanaka@demo.mentorloom.org")
    ratings = TraitFeedback.objects.filter(mentor=mentor).count()
    ended = Mentorship.objects.filter(mentor=mentor, status=MentorshipStatus.ENDED).count()
    assert ratings >= 3 and ended >= 3
    seed()  # a second run adds no ratings, no mentorships and no second release this week
    assert TraitFeedback.objects.filter(mentor=mentor).count() == ratings
    assert Mentorship.objects.filter(mentor=mentor, status=MentorshipStatus.ENDED).count() == ended
    mentor.refresh_from_db()  # re-seeding set a new password hash; the old one signs nobody in
    client.force_login(mentor)
    page = client.get("/insights/").content.decode()
    assert "Not enough feedback yet" not in page
    shown = re.search(r"From (\d+) ratings by (\d+) mentees", page)
    assert shown and int(shown.group(2)) >= 3
    assert "Figures released" in page


def test_a_demo_mentorship_that_cannot_start_is_skipped_and_the_rest_seeded():
    seed()
    Mentorship.objects.all().delete()
    MentorshipRequest.objects.all().delete()
    # Someone using the demo blocked Lucas as Chioma: his demo mentorship cannot start.
    chioma = get_user_model().objects.get(email="chioma.okafor@demo.mentorloom.org")
    lucas = get_user_model().objects.get(email="lucas.oliveira@demo.mentorloom.org")
    Block.objects.create(blocker=chioma, blocked=lucas)
    seed()
    assert not Mentorship.objects.filter(mentee=lucas).exists()
    assert Mentorship.objects.filter(mentor__email="aiko.tanaka@demo.mentorloom.org").exists()


def test_the_demo_has_a_past_feedback_from_three_mentees_and_carry_forward():
    from mentorloom.scheduling.models import Session
    from mentorloom.sessions import selectors as sessions

    seed()
    counts = (Session.objects.count(), TraitFeedback.objects.count(), ActionItem.objects.count())
    seed()  # re-seeding changes nothing
    assert (Session.objects.count(), TraitFeedback.objects.count(), ActionItem.objects.count()) == (
        counts
    )
    for email in (
        "aiko.tanaka@demo.mentorloom.org",
        "chioma.okafor@demo.mentorloom.org",
        "arjun.mehta@demo.mentorloom.org",
    ):
        mentor = get_user_model().objects.get(email=email)
        summary = sessions.feedback_summary(mentor)
        assert summary.enough, email  # >= 3 distinct mentees rated them in the last 90 days
        assert len(summary.trend) >= 2  # a trend over months, not a single point
        assert summary.comments  # comments shared with the mentor, released with their batch
    # The demo mentee's next session suggests what was left open last time.
    lucas = get_user_model().objects.get(email="lucas.oliveira@demo.mentorloom.org")
    upcoming = Session.objects.get(mentee=lucas, status="booked")
    titles = [s.title for s in sessions.carry_forward(upcoming)]
    assert "Apply to five roles and note each reply" in titles and "Next steps" in titles
    past = Session.objects.filter(mentee=lucas, status="completed")
    assert past.count() == 4 and all(sessions.notes_for(s).body for s in past)


def test_demo_mentors_with_a_past_show_a_track_record_on_their_profile(client):
    from mentorloom.home.selectors import mentor_trust

    seed()
    for email in (
        "aiko.tanaka@demo.mentorloom.org",
        "chioma.okafor@demo.mentorloom.org",
        "arjun.mehta@demo.mentorloom.org",
    ):
        profile = Profile.objects.select_related("user").get(user__email=email)
        trust = mentor_trust(profile)
        assert trust.sessions_held >= 4 and trust.mentees_helped >= 3, email
        # Months of sessions: they joined before the first of them.
        assert trust.member_since < timezone.now() - timedelta(days=90), email
    aiko = Profile.objects.get(user__email="aiko.tanaka@demo.mentorloom.org")
    client.force_login(get_user_model().objects.get(email="lucas.oliveira@demo.mentorloom.org"))
    html = client.get(f"/people/{aiko.user_id}/").content.decode()
    assert "sessions held" in html and "mentees helped" in html
    assert "Typically responds <strong>within" in html
