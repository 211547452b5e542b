"""Weekly feedback releases: fixed periods, published once a week, and only when at least k
mentees moved against every figure published before, so no two answers a mentor (or staff)
can ever obtain differ by a single mentee's rating."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client

from mentorloom.core.periodic import enqueue_due_tasks
from mentorloom.sessions import insights, selectors, services
from mentorloom.sessions.models import FeedbackRelease, FeedbackReleaseRun, TraitFeedback
from mentorloom.sessions.releases import release_feedback
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db
K = 3
MONDAY = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # a release day, 09:00 UTC
_offsets = itertools.count()


def rate_at(mentor, when: datetime, value: int = 4, mentee=None) -> TraitFeedback:  # type: ignore[no-untyped-def]
    """A new (or the given) mentee rates a session with `mentor` that ended just before `when`."""
    with time_machine.travel(when, tick=False):
        kwargs = {"mentee": mentee} if mentee else {}
        mentorship = SchedulingMentorshipFactory(mentor=mentor, **kwargs)
        session = make_session(mentorship, days=-0.1 - next(_offsets) / 1440)
        return services.give_trait_feedback(
            session, session.mentee, ratings=dict.fromkeys(insights.TRAIT_KEYS, value), useful=True
        )


def release_at(when: datetime) -> int | None:
    with time_machine.travel(when, tick=False):
        return release_feedback()


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mentor(db):
    return ProfileFactory(is_mentor=True, display_name="Mara Mentor").user


# --- the differencing attack ----------------------------------------------------------------


def _every_answer(client: Client) -> list[tuple[str, str, int]]:
    """Every figure the mentor can reach through the API: (what, scope, ratings count), the
    scope being "all" for a period or the month for a trend point."""
    answers: list[tuple[str, str, int]] = []
    queries = ["", "period=90d", "period=12m", "period=all", "days=90", "days=365", "days=0"]
    for query in [*queries, "days=35", "days=45", "days=40", "days=1"]:
        response = client.get(f"/api/v1/me/feedback-summary?{query}")
        if query not in queries:
            # The two windows around the victim's session are not on offer at all.
            assert response.status_code == 422
            continue
        body = response.json()
        if body["enough"]:
            answers.append((f"period {body['period']}", "all", body["ratings"]))
        for point in body["trend"]:
            answers.append((f"month {point['month']}", point["month"], point["ratings"]))
    return answers


def _assert_no_pair_isolates_fewer_than_k(
    answers: list[tuple[str, str, int]], ratings: list[TraitFeedback]
) -> None:
    """The mentor knows when each mentee rated (their sessions), and nothing here leaves a
    90-day window, so a figure over n ratings of a scope covers its n earliest ratings. Any
    two figures must cover the same mentees or at least k different ones."""
    ratings = sorted(ratings, key=lambda f: f.created_at)

    def covered(scope: str, n: int) -> frozenset[int]:
        in_scope = [f for f in ratings if scope == "all" or f"{f.created_at:%Y-%m}" == scope]
        return frozenset(f.mentee_id for f in in_scope[:n])

    for (what_a, scope_a, n_a), (what_b, scope_b, n_b) in itertools.combinations(answers, 2):
        apart = len(covered(scope_a, n_a) ^ covered(scope_b, n_b))
        assert apart == 0 or apart >= K, f"{what_a} vs {what_b}: {apart} mentee(s) isolated"


def test_differencing_35_and_45_days_or_any_two_answers_never_isolates_one_mentee(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    client = as_user(mentor)
    # Three mentees rated in the last 35 days (all in March); the victim 40 days ago.
    given = [rate_at(mentor, MONDAY - timedelta(days=d), value=5) for d in (3, 8, 13)]
    given.append(rate_at(mentor, MONDAY - timedelta(days=40), value=1))  # the victim
    seen: list[tuple[str, str, int]] = []

    def look(when: datetime) -> None:
        with time_machine.travel(when, tick=False):
            seen.extend(_every_answer(client))

    look(MONDAY - timedelta(hours=1))  # before any release: nothing at all
    assert seen == []
    assert release_at(MONDAY) is not None
    look(MONDAY + timedelta(hours=1))
    # The periods are published (4 mentees); March alone (3 of those 4) is not: it would
    # differ from them by the victim only.
    assert {what for what, _, _ in seen} == {"period 90d", "period 12m", "period all"}
    assert release_at(MONDAY + timedelta(hours=2)) is None  # the same week: no second release
    # Week after week one or two new mentees rate; each release must keep every pair apart.
    for week, new_raters in ((1, 1), (2, 1), (3, 1), (4, 2), (5, 0)):
        release_day = MONDAY + timedelta(weeks=week)
        for n in range(new_raters):
            given.append(rate_at(mentor, release_day - timedelta(days=2 + n), value=4))
        look(release_day - timedelta(hours=1))
        release_at(release_day)
        look(release_day + timedelta(hours=1))
    _assert_no_pair_isolates_fewer_than_k(seen, given)
    counts = sorted({n for what, _, n in seen if what.startswith("period")})
    assert counts[0] == 4 and len(counts) == 2  # moved once, by at least k new mentees
    assert ("month 2026-04", "2026-04", 4) in seen  # April: its own 4 mentees, >= k from all


def test_staff_see_the_same_releases_and_cannot_difference_them(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    staff = ProfileFactory(display_name="Pat Admin").user
    staff.is_staff = True
    staff.save()
    for days_ago in (3, 8, 13):
        rate_at(mentor, MONDAY - timedelta(days=days_ago), value=5)
    release_at(MONDAY)
    [row] = selectors.program_aggregates("90d")
    assert row.release.ratings == 3 and row.release.averages["empathy"] == 5.0
    rate_at(mentor, MONDAY + timedelta(days=3), value=1)  # one new mentee
    release_at(MONDAY + timedelta(weeks=1))
    for period in insights.PERIODS:
        [row] = selectors.program_aggregates(period)
        assert row.release.ratings == 3 and row.release.averages["empathy"] == 5.0
    with time_machine.travel(MONDAY + timedelta(weeks=1, hours=1), tick=False):
        html = as_user(staff).get("/insights/program/?period=all").content.decode()
    assert "3 (3)" in html and "4 (4)" not in html and "Next release:" in html


# --- suppression -----------------------------------------------------------------------------


def test_a_release_waits_until_k_mentees_moved_since_the_last_one(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    for days_ago in (3, 8, 13):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    release_at(MONDAY)
    for week in (1, 2):  # one new mentee each week: 1, then 2 moved, fewer than k
        rate_at(mentor, MONDAY + timedelta(weeks=week, days=-2), value=1)
        release_at(MONDAY + timedelta(weeks=week))
        with time_machine.travel(MONDAY + timedelta(weeks=week, hours=1), tick=False):
            summary = selectors.feedback_summary(mentor, "90d")
        assert summary.release.ratings == 3 and summary.release.released_at == MONDAY
        assert summary.unchanged
    rate_at(mentor, MONDAY + timedelta(weeks=3, days=-2), value=1)  # the third mover
    release_at(MONDAY + timedelta(weeks=3))
    summary = selectors.feedback_summary(mentor, "90d")
    assert summary.release.ratings == 6 and summary.averages["empathy"] == 2.5
    assert not summary.unchanged


def test_an_edited_rating_counts_as_a_mentee_who_moved(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    feedback = [rate_at(mentor, MONDAY - timedelta(days=d)) for d in (1, 2, 3)]
    release_at(MONDAY)
    session = feedback[0].session
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        services.give_trait_feedback(
            session, session.mentee, ratings=dict.fromkeys(insights.TRAIT_KEYS, 1), useful=True
        )
    release_at(MONDAY + timedelta(weeks=1))
    assert selectors.feedback_summary(mentor, "all").averages["empathy"] == 4.0


def test_a_period_one_mentee_away_from_a_shorter_one_is_not_published(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    for days_ago in (3, 8, 13):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    rate_at(mentor, MONDAY - timedelta(days=200), value=1)  # only in 12 months and all time
    release_at(MONDAY)
    assert selectors.feedback_summary(mentor, "90d").release.ratings == 3
    assert not selectors.feedback_summary(mentor, "12m").enough
    assert not selectors.feedback_summary(mentor, "all").enough


def test_trend_months_need_k_mentees_each(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    # January and March: three mentees each; February: two (any pair of figures is >= 3 apart).
    for day in (5, 10, 15):
        rate_at(mentor, datetime(2026, 1, day, 12, tzinfo=UTC), value=5)
        rate_at(mentor, datetime(2026, 3, day, 12, tzinfo=UTC), value=3)
    for day in (5, 10):
        rate_at(mentor, datetime(2026, 2, day, 12, tzinfo=UTC), value=1)
    release_at(MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        body = as_user(mentor).get("/api/v1/me/feedback-summary?period=all").json()
        page = as_user(mentor).get("/insights/?period=all").content.decode()
    assert body["ratings"] == 8
    assert [p["month"] for p in body["trend"]] == ["2026-01", "2026-03"]
    assert "2026-02" not in page and "2026-01" in page and "2026-03" in page


# --- once a week -----------------------------------------------------------------------------


def test_release_runs_once_per_week_however_often_it_is_called(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    for days_ago in (3, 8, 13):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    assert release_at(MONDAY) == 4  # 90d, 12m, all and March
    for later in (timedelta(hours=1), timedelta(days=3), timedelta(days=6, hours=14)):
        rate_at(mentor, MONDAY + later)
        assert release_at(MONDAY + later) is None
    assert FeedbackReleaseRun.objects.count() == 1 and FeedbackRelease.objects.count() == 4
    assert release_at(MONDAY + timedelta(weeks=1)) == 4  # three new mentees by then


def test_the_periodic_scheduler_releases_exactly_once_a_week(
    mentor, settings, django_capture_on_commit_callbacks
):
    settings.MENTORLOOM_FEEDBACK_K = K
    settings.MENTORLOOM_PERIODIC_TASKS = [("mentorloom.sessions.tasks.release_feedback", 3600)]
    for days_ago in (3, 8, 13):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    start = MONDAY - timedelta(days=2)  # a Saturday: the first check releases that week
    enqueued = 0
    for hour in range(0, 16 * 24, 7):  # a check every 7 hours for 16 days, two schedulers
        when = start + timedelta(hours=hour)
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            enqueued += len(enqueue_due_tasks()) + len(enqueue_due_tasks())
    assert enqueued == len(range(0, 16 * 24, 7))  # one task per check, it decides the week
    weeks = list(FeedbackReleaseRun.objects.order_by("week").values_list("week", flat=True))
    assert [w.isoformat() for w in weeks] == [
        "2026-03-16",
        "2026-03-23",
        "2026-03-30",
        "2026-04-06",
    ]


def test_page_shows_period_choice_release_dates_and_unchanged_state(mentor, settings):
    settings.MENTORLOOM_FEEDBACK_K = K
    client = as_user(mentor)
    with time_machine.travel(MONDAY, tick=False):
        page = client.get("/insights/").content.decode()
    assert "Not enough feedback yet" in page
    assert "Next release: <time" in page and "Monday 30 Mar 2026" in page
    assert 'value="12m"' in page and 'value="all"' in page
    for days_ago in (3, 8, 13):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    release_at(MONDAY)
    rate_at(mentor, MONDAY + timedelta(days=1))
    release_at(MONDAY + timedelta(weeks=1))
    with time_machine.travel(MONDAY + timedelta(weeks=1, hours=1), tick=False):
        page = client.get("/insights/?period=12m").content.decode()
    assert "Figures released 23 Mar 2026" in page and 'id="release-unchanged"' in page
    assert "Monday 6 Apr 2026" in page and '<option value="12m" selected>' in page


# --- pure rule -------------------------------------------------------------------------------


def test_safe_pair_allows_the_same_ratings_or_k_mentees_apart():
    base = frozenset({(1, 10, "a"), (2, 11, "a"), (3, 12, "a")})
    assert insights.safe_pair(base, base, 3)
    assert not insights.safe_pair(base, base | {(4, 13, "a")}, 3)
    assert not insights.safe_pair(base, (base - {(1, 10, "a")}) | {(1, 10, "b")}, 3)  # edit
    assert insights.safe_pair(base, base | {(4, 13, "a"), (5, 14, "a"), (6, 15, "a")}, 3)
    # Two more ratings by the same two mentees are still only two mentees apart.
    assert not insights.safe_pair(base, base | {(4, 13, "a"), (5, 13, "a"), (6, 14, "a")}, 3)


def test_choose_releases_checks_every_earlier_figure_and_this_runs_choices():
    a = frozenset({(i, i, "") for i in range(3)})
    b = a | {(3, 3, "")}
    chosen = insights.choose_releases([("90d", a), ("all", b)], {}, [], 3)
    assert chosen == ["90d"]  # "all" is one mentee away from "90d" chosen just before
    assert insights.choose_releases([("90d", b)], {"90d": a}, [("90d", a)], 3) == []
    # An old figure of another key counts too, ...
    assert insights.choose_releases([("2026-03", a)], {}, [("all", b)], 3) == []
    # ... unless no one sees both: the staff's alert window and a mentor's trend month.
    assert insights.choose_releases([("2026-03", a)], {}, [("last5", b)], 3) == ["2026-03"]
    assert insights.choose_releases([("last5", a)], {}, [("12m", b)], 3) == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_releasing_at_once_publish_one_release(agenda_templates):
    mentor = ProfileFactory(is_mentor=True).user
    for days_ago in (3, 8, 13):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    barrier = threading.Barrier(3)
    outcomes: list[object] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(release_feedback(MONDAY))
        except Exception as exc:  # any error (a lock, a duplicate) fails the test below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes, key=str) == [4, None, None]
    assert FeedbackReleaseRun.objects.count() == 1 and FeedbackRelease.objects.count() == 4
