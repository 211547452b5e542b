"""Program admins (staff) see per-mentor aggregates over >= k raters and low-score alerts
("a trait average below 3 over the last 5 ratings"); nobody else sees the page."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mentorloom.mentorships.models import Mentorship
from mentorloom.sessions import insights, selectors
from mentorloom.sessions.models import TraitFeedback
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

from .conftest import make_session, release

pytestmark = pytest.mark.django_db
TRAITS = insights.TRAIT_KEYS
_offsets = itertools.count()


def add_rating(mentor, mentee=None, *, days_ago: float = 1, **values):  # type: ignore[no-untyped-def]
    """One trait rating of `mentor` (all traits 4 unless given) on a fresh past session."""
    mentorship = Mentorship.objects.filter(mentor=mentor, mentee=mentee).first() if mentee else None
    if mentorship is None:
        kwargs = {"mentee": mentee} if mentee else {}
        mentorship = SchedulingMentorshipFactory(mentor=mentor, **kwargs)
    # distinct start times: a mentor has one booked session per instant
    session = make_session(mentorship, days=-days_ago - 0.1 - next(_offsets) / 1440)
    ratings = {t: values.get(t, 4) for t in TRAITS}
    return TraitFeedback.objects.create(
        session=session,
        mentor=mentor,
        mentee=mentorship.mentee,
        useful=True,
        created_at=timezone.now() - timedelta(days=days_ago),
        **ratings,
    )


@pytest.fixture
def mentor(db):
    return ProfileFactory(is_mentor=True, display_name="Mara Mentor").user


@pytest.fixture
def staff_client(client, db):
    staff = ProfileFactory(display_name="Pat Admin").user
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    return client


# --- pure alert rule ---------------------------------------------------------------------------


def _batch(*empathy: int, day: int = 1) -> insights.Batch:
    """A released batch whose ratings give these empathy values (other traits 5)."""
    n = len(empathy)
    return insights.Batch(
        mentee_ids=frozenset(range(day * 100, day * 100 + n)), ratings=n,
        sums={t: (sum(empathy) if t == "empathy" else 5 * n) for t in TRAITS}, useful=n,
        newest_rated_at=datetime(2026, 3, day, tzinfo=UTC),
    )  # fmt: skip


def _alerts(*newest_first: insights.Batch) -> list[insights.Alert]:
    window = insights.alert_window(list(newest_first), insights.ALERT_WINDOW)
    summary = insights.combine(window, 3)
    if not summary.enough:
        return []
    return insights.alerts_from_window_averages({7: summary.averages}, windows={7: summary.ratings})


def test_alert_when_a_trait_averages_below_3_over_the_last_5_ratings():
    # 3+3+3+3+2 = 14 / 5 = 2.8
    [alert] = _alerts(_batch(3, 3, 3, 3, 2))
    assert (alert.mentor_id, alert.trait, alert.average, alert.window) == (7, "empathy", 2.8, 5)


def test_no_alert_at_exactly_3():
    assert _alerts(_batch(3, 3, 3, 3, 3)) == []
    assert _alerts(_batch(1, 5, 3, 3, 3)) == []


def test_the_window_is_the_newest_whole_batches_holding_5_ratings():
    # newest first: five good ratings hide older bad ones
    assert _alerts(_batch(4, 4, 4, 4, 4, day=2), _batch(1, 1, 1)) == []
    # three bad ones are too few alone: the next batch joins whole (8 ratings, 18 / 8)
    [alert] = _alerts(_batch(1, 1, 1, day=2), _batch(3, 3, 3, 3, 3))
    assert (alert.average, alert.window) == (2.25, 8)


def test_no_alert_with_fewer_than_5_ratings():
    assert _alerts(_batch(1, 1, 1, 1)) == []


# --- selectors -------------------------------------------------------------------------------


def test_alerts_use_the_mentors_newest_ratings(mentor):
    for days_ago in (30, 31, 32, 33, 34):
        add_rating(mentor, days_ago=days_ago, expertise=1)
    assert selectors.program_alerts() == []  # nothing before the weekly release
    release()
    [alert] = selectors.program_alerts()
    assert alert.mentor.pk == mentor.pk and alert.trait == "expertise" and alert.average == 1.0
    assert alert.text == "Expertise average 1.0 (below 3) over the last 5 ratings"
    for days_ago in (1, 2, 3, 4, 5):
        add_rating(mentor, days_ago=days_ago, expertise=5)
    assert len(selectors.program_alerts()) == 1  # still the released window
    release(weeks_later=2)
    # the newest released batch holds five ratings of 5: the window is those
    assert selectors.program_alerts() == []


def test_alert_window_takes_whole_batches_until_it_holds_5_ratings(mentor):
    for days_ago in (30, 31, 32, 33, 34):
        add_rating(mentor, days_ago=days_ago, expertise=1)
    release()
    for days_ago in (1, 2, 3):
        add_rating(mentor, days_ago=days_ago, expertise=5)
    release(weeks_later=2)
    [alert] = selectors.program_alerts()  # 3 fives + 5 ones over 8 ratings: 2.5
    assert alert.text == "Expertise average 2.5 (below 3) over the last 8 ratings"


def test_alerts_move_only_when_k_mentees_moved(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = 3
    for days_ago in (30, 31, 32, 33, 34):
        add_rating(mentor, days_ago=days_ago, expertise=2)
    release()
    add_rating(mentor, days_ago=1, expertise=5)  # one new mentee shifts the window by one
    release(weeks_later=2)
    [alert] = selectors.program_alerts()
    assert alert.average == 2.0  # not 2.6 nor 2.5: one new mentee waits for k-1 more


def test_aggregates_list_only_mentors_with_k_distinct_raters(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = 3
    other = ProfileFactory(is_mentor=True, display_name="Otto Other").user
    repeat_mentee = ProfileFactory().user
    for _ in range(4):  # four ratings, but only two different mentees
        add_rating(other, mentee=repeat_mentee)
    add_rating(other)
    add_rating(mentor, empathy=2)
    add_rating(mentor, empathy=3)
    release()
    assert selectors.program_aggregates() == []
    add_rating(mentor, empathy=4)  # third distinct mentee
    assert selectors.program_aggregates() == []  # not before the next weekly release
    release(weeks_later=2)
    [row] = selectors.program_aggregates()
    assert row.mentor.pk == mentor.pk and row.summary.raters == 3
    assert row.summary.averages["empathy"] == 3.0


def test_aggregates_respect_the_period(mentor):
    for _ in range(3):
        add_rating(mentor, days_ago=200)
    release()
    assert selectors.program_aggregates("90d") == []
    assert len(selectors.program_aggregates("12m")) == 1
    assert len(selectors.program_aggregates("all")) == 1


# --- page ------------------------------------------------------------------------------------


def test_staff_page_shows_averages_and_alerts(staff_client, mentor):
    ratings: list[TraitFeedback] = []
    for value in (2, 2, 3, 2, 2):  # empathy 2.2
        ratings.append(add_rating(mentor, empathy=value, comment="secret words"))
    release()
    response = staff_client.get("/insights/program/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mara Mentor" in html
    assert "Empathy average 2.2 (below 3) over the last 5 ratings" in html
    assert 'id="program-averages"' in html and "2.2" in html
    # The table scrolls sideways on a phone: its region takes keyboard focus (axe: serious).
    assert '<div class="program-table-wrap" tabindex="0" role="region"' in html
    # aggregates only: no comment text, no individual mentee
    assert "secret words" not in html
    for feedback in ratings:
        assert feedback.mentee.email not in html


def test_staff_page_empty_states(staff_client, mentor):
    add_rating(mentor, empathy=1)
    html = staff_client.get("/insights/program/?days=0").content.decode()
    assert 'id="program-empty"' in html and "No alerts" in html


def test_bad_period_falls_back_to_90_days(staff_client):
    assert staff_client.get("/insights/program/?days=abc").status_code == 200
    assert staff_client.get("/insights/program/?days=7").status_code == 200


def test_program_page_is_404_for_non_staff(client, mentor):
    assert client.get("/insights/program/").status_code == 404  # anonymous
    client.force_login(mentor)
    assert client.get("/insights/program/").status_code == 404


def test_admin_changelist_lists_low_score_alerts(client, mentor):
    admin = ProfileFactory().user
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    fine = ProfileFactory(is_mentor=True, display_name="Fine Mentor").user
    for _ in range(5):
        add_rating(mentor, adaptability=2)
        add_rating(fine)
    release()
    url = "/admin/mentoring_sessions/lowscorealert/"
    html = client.get(url).content.decode()
    assert "Mara Mentor" in html and "Fine Mentor" not in html
    assert "Adaptability average 2.0 (below 3) over the last 5 ratings" in html
    # rows never open the user record
    assert client.get(f"{url}{mentor.pk}/change/").status_code in (302, 403, 404)


def test_admin_alerts_need_staff(client, mentor):
    client.force_login(mentor)
    response = client.get("/admin/mentoring_sessions/lowscorealert/")
    assert response.status_code == 302 and "/login" in response["Location"]
