"""Weekly feedback releases: fixed periods, ratings released in immutable batches of final
ratings by >= k mentees, every figure a union of whole batches — so no sum or difference of
answers a mentor (or staff) can ever obtain isolates fewer than k mentees."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import time_machine
from django.db import connection
from django.test import Client

from mentorloom.core.errors import InvalidInput
from mentorloom.core.periodic import enqueue_due_tasks
from mentorloom.sessions import insights, selectors, services
from mentorloom.sessions.errors import FeedbackLocked
from mentorloom.sessions.models import FeedbackBatch, FeedbackReleaseRun, TraitFeedback
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


@pytest.fixture(autouse=True)
def _k(settings):
    settings.MENTORLOOM_FEEDBACK_K = K


# --- the differencing attack ----------------------------------------------------------------


def _every_answer(client: Client) -> list[tuple[str, int, float]]:
    """Every figure the mentor can reach through the API: (what, ratings count, mean)."""
    answers: list[tuple[str, int, float]] = []
    queries = ["", "period=90d", "period=12m", "period=all", "days=90", "days=365", "days=0"]
    for query in [*queries, "days=35", "days=45", "days=40", "days=1"]:
        response = client.get(f"/api/v1/me/feedback-summary?{query}")
        if query not in queries:
            # The windows around the victim's session are not on offer at all.
            assert response.status_code == 422
            continue
        body = response.json()
        if body["enough"]:
            mean = round(sum(body["averages"].values()) / len(body["averages"]), 2)
            answers.append((f"period {body['period']}", body["ratings"], mean))
        for point in body["trend"]:
            answers.append((f"month {point['month']}", point["ratings"], point["average"]))
    return answers


def _covered(what: str, n: int, ratings: list[TraitFeedback]) -> list[TraitFeedback]:
    """The ratings a figure is over. Periods: nothing leaves the 90 days here, and batches
    take every final rating, so a period over n ratings holds the n earliest. A month holds
    the batches whose newest rating falls in it, released so far: its first n in batch order."""
    if what.startswith("period"):
        return ratings[:n]
    month = what.removeprefix("month ")
    in_month = [f for f in ratings if f.batch and f"{f.batch.newest_rated_at:%Y-%m}" == month]
    return sorted(in_month, key=lambda f: f.batch_id)[:n]


def _smallest_isolated(sets: list[frozenset[int]], universe: list[int]) -> tuple[int, ...] | None:
    """Mentees (fewer than K) some linear combination of the figures' rating sums isolates:
    the figures' row space meets the span of those mentees' unit vectors."""
    matrix = np.array([[1.0 if m in s else 0.0 for m in universe] for s in sets])
    rank = np.linalg.matrix_rank(matrix)
    for size in range(1, K):
        for combo in itertools.combinations(range(len(universe)), size):
            units = np.eye(len(universe))[list(combo)]
            if np.linalg.matrix_rank(np.vstack([matrix, units])) < rank + size:
                return tuple(universe[i] for i in combo)
    return None


def test_no_sum_or_difference_of_any_answers_isolates_fewer_than_k_mentees(mentor):
    # Three mentees rated 10-14 days before the first release; the victim 40 days before:
    # days=35 vs days=45 used to give 3 and 4 ratings, the victim's by subtraction.
    for days_ago, value in ((10, 5), (12, 4), (14, 5), (40, 1)):
        rate_at(mentor, MONDAY - timedelta(days=days_ago), value=value)
    # Then new mentees week after week (value 2 or 3), rated 5 days before a release.
    schedule = {1: 1, 2: 1, 3: 1, 4: 2, 5: 0, 6: 1, 7: 3}
    seen: list[tuple[str, int, float]] = []

    def look(when: datetime) -> None:
        # Signed in afresh each time: weeks apart, a browser session would have timed out.
        with time_machine.travel(when, tick=False):
            seen.extend(_every_answer(as_user(mentor)))

    look(MONDAY - timedelta(hours=1))
    assert seen == []  # before any release: nothing at all
    assert release_at(MONDAY) == 1
    look(MONDAY + timedelta(hours=1))
    for week, new_mentees in schedule.items():
        release_day = MONDAY + timedelta(weeks=week)
        for n in range(new_mentees):
            rate_at(mentor, release_day - timedelta(days=5, hours=n), value=2 + n % 2)
        look(release_day - timedelta(hours=1))
        release_at(release_day)
        look(release_day + timedelta(hours=1))

    ratings = list(
        TraitFeedback.objects.filter(mentor=mentor).select_related("batch").order_by("created_at")
    )
    distinct = sorted(set(seen))
    sets = []
    for what, n, mean in distinct:
        covered = _covered(what, n, ratings)
        # Each answer really is the mean over exactly these ratings ...
        assert len(covered) == n and mean == round(sum(f.empathy for f in covered) / n, 2), what
        sets.append(frozenset(f.mentee_id for f in covered))
    # ... and no two answers differ by 1..k-1 mentees, nor does any combination of them.
    for a, b in itertools.combinations(sets, 2):
        assert len(a ^ b) == 0 or len(a ^ b) >= K
    assert _smallest_isolated(sets, sorted({f.mentee_id for f in ratings})) is None
    periods = sorted({n for what, n, _ in distinct if what.startswith("period")})
    assert periods == [4, 7, 10]  # three batches: 4, then 3 and 3 more mentees


def test_the_old_month_partition_attack_is_caught_by_the_isolation_check():
    # all time = {1..8}, January {1,2,3}, March {6,7,8}: all - Jan - Mar = {4, 5}.
    sets = [frozenset(range(1, 9)), frozenset({1, 2, 3}), frozenset({6, 7, 8})]
    assert _smallest_isolated(sets, list(range(1, 9))) == (4, 5)
    assert _smallest_isolated(sets[:2], list(range(1, 9))) is None


def test_staff_see_the_same_batches_and_cannot_difference_them(mentor):
    staff = ProfileFactory(display_name="Pat Admin").user
    staff.is_staff = True
    staff.save()
    for days_ago in (10, 12, 14):
        rate_at(mentor, MONDAY - timedelta(days=days_ago), value=5)
    release_at(MONDAY)
    rate_at(mentor, MONDAY - timedelta(days=9), value=1)  # one more mentee, final next week
    release_at(MONDAY + timedelta(weeks=1))
    for period in insights.PERIODS:
        with time_machine.travel(MONDAY + timedelta(weeks=1, hours=1), tick=False):
            [row] = selectors.program_aggregates(period)
        assert row.summary.ratings == 3 and row.summary.averages["empathy"] == 5.0
    with time_machine.travel(MONDAY + timedelta(weeks=1, hours=1), tick=False):
        html = as_user(staff).get("/insights/program/?period=all").content.decode()
    assert "3 (3)" in html and "4 (4)" not in html and "Next release:" in html


# --- batches -----------------------------------------------------------------------------------


def test_a_batch_waits_until_k_mentees_have_final_ratings(mentor):
    for days_ago in (10, 12, 14):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    release_at(MONDAY)
    for week in (1, 2):  # one new mentee each week: 1, then 2 waiting, fewer than k
        rate_at(mentor, MONDAY + timedelta(weeks=week - 1, days=-1), value=1)
        release_at(MONDAY + timedelta(weeks=week))
        with time_machine.travel(MONDAY + timedelta(weeks=week, hours=1), tick=False):
            summary = selectors.feedback_summary(mentor, "90d")
        assert summary.summary.ratings == 3 and summary.released_at == MONDAY
        assert summary.unchanged
    rate_at(mentor, MONDAY + timedelta(weeks=2, days=-1), value=1)  # the third
    release_at(MONDAY + timedelta(weeks=3))
    with time_machine.travel(MONDAY + timedelta(weeks=3, hours=1), tick=False):
        summary = selectors.feedback_summary(mentor, "90d")
    assert summary.summary.ratings == 6 and summary.averages["empathy"] == 2.5
    assert not summary.unchanged


def test_ratings_are_released_only_once_final_so_an_edit_never_shows(mentor):
    feedback = [rate_at(mentor, MONDAY - timedelta(days=d)) for d in (1, 2, 3)]
    assert release_at(MONDAY) == 0  # all three still editable
    session = feedback[0].session
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        services.give_trait_feedback(
            session, session.mentee, ratings=dict.fromkeys(insights.TRAIT_KEYS, 1), useful=True
        )
    release_at(MONDAY + timedelta(weeks=1))
    # (4 + 4 + 1) / 3: only the final value was ever released
    assert selectors.feedback_summary(mentor, "all").averages["empathy"] == 3.0
    with pytest.raises(FeedbackLocked):
        services.give_trait_feedback(
            session, session.mentee, ratings=dict.fromkeys(insights.TRAIT_KEYS, 5), useful=True
        )


def test_an_edit_racing_the_release_never_unreleases_the_rating(mentor, monkeypatch):
    """The edit used to read the rating unlocked and save the whole row: an edit that read it
    just before the weekly release committed wrote `batch` back to empty, and the rating went
    out again in a later batch. Now the edit locks the row and finds it released."""
    feedback = [rate_at(mentor, MONDAY - timedelta(days=d)) for d in (8, 9, 10)]
    session = feedback[0].session
    # The release lands between the edit's window check and its write (as if committed then).
    batch = FeedbackBatch.objects.create(
        mentor=mentor, released_at=MONDAY, newest_rated_at=MONDAY, ratings=3, sums={}, useful=3
    )
    TraitFeedback.objects.filter(pk__in=[f.pk for f in feedback]).update(batch=batch)
    within_window = feedback[0].created_at + timedelta(days=6)
    with time_machine.travel(within_window, tick=False), pytest.raises(FeedbackLocked):
        services.give_trait_feedback(
            session, session.mentee, ratings=dict.fromkeys(insights.TRAIT_KEYS, 1), useful=True
        )
    assert TraitFeedback.objects.filter(batch=batch).count() == 3


def test_periods_differ_by_whole_batches(mentor):
    for days_ago in (200, 201, 202):  # an older batch: in 12 months and all time only
        rate_at(mentor, MONDAY - timedelta(days=days_ago), value=1)
    release_at(MONDAY - timedelta(days=190))
    for days_ago in (10, 12, 14):
        rate_at(mentor, MONDAY - timedelta(days=days_ago), value=5)
    release_at(MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        figures = {p: selectors.feedback_summary(mentor, p).summary for p in insights.PERIODS}
    assert figures["90d"].ratings == 3 and figures["90d"].averages["empathy"] == 5.0
    assert figures["12m"].ratings == figures["all"].ratings == 6


def test_a_deleted_rating_does_not_move_released_figures(mentor):
    feedback = [rate_at(mentor, MONDAY - timedelta(days=d), value=v) for d, v in
                ((10, 5), (12, 4), (14, 3))]  # fmt: skip
    release_at(MONDAY)
    feedback[0].mentee.delete()  # the account goes, and its rating with it
    summary = selectors.feedback_summary(mentor, "all")
    assert summary.summary.ratings == 3 and summary.averages["empathy"] == 4.0


def test_shared_comments_come_with_their_batch_and_go_when_a_rater_is_erased(mentor):
    feedback = [rate_at(mentor, MONDAY - timedelta(days=d)) for d in (10, 12)]
    feedback[0].comment, feedback[0].share_comment = "Kind and clear", True
    feedback[0].save()
    release_at(MONDAY)  # two mentees: no batch, no comment
    assert selectors.feedback_summary(mentor, "all").comments == []
    rate_at(mentor, MONDAY - timedelta(days=1))
    release_at(MONDAY + timedelta(weeks=1))
    assert selectors.feedback_summary(mentor, "all").comments == ["Kind and clear"]
    # What privacy erasure does to a rater's rows: the figure stays, the text goes.
    TraitFeedback.objects.filter(pk=feedback[0].pk).update(comment="", share_comment=False)
    summary = selectors.feedback_summary(mentor, "all")
    assert summary.comments == [] and summary.ratings == 3


def test_the_older_days_keyword_maps_to_the_fixed_periods(mentor):
    for days_ago in (10, 12, 14):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    release_at(MONDAY)
    assert selectors.feedback_summary(mentor, days=None).period == "all"
    assert selectors.feedback_summary(mentor, days=365, k=1).ratings == 3
    with pytest.raises(InvalidInput):
        selectors.feedback_summary(mentor, days=35)


def test_trend_months_need_k_mentees_each(mentor):
    # January and March: three mentees each, released in their month.
    for month, value in ((1, 5), (3, 3)):
        for day in (2, 3, 4):
            rate_at(mentor, datetime(2026, month, day, 12, tzinfo=UTC), value=value)
        release_at(datetime(2026, month, 16, 9, tzinfo=UTC))
    with time_machine.travel(MONDAY, tick=False):
        body = as_user(mentor).get("/api/v1/me/feedback-summary?period=all").json()
        page = as_user(mentor).get("/insights/?period=all").content.decode()
    assert body["ratings"] == 6
    assert [(p["month"], p["ratings"]) for p in body["trend"]] == [("2026-01", 3), ("2026-03", 3)]
    assert "2026-01" in page and "2026-03" in page


def test_a_trend_month_below_k_mentees_is_left_off():
    def batch(mentees: set[int], month: int) -> insights.Batch:
        return insights.Batch(
            mentee_ids=frozenset(mentees), ratings=len(mentees),
            sums=dict.fromkeys(insights.TRAIT_KEYS, 4 * len(mentees)), useful=0,
            newest_rated_at=datetime(2026, month, 10, tzinfo=UTC),
        )  # fmt: skip

    points = insights.trend([batch({1, 2, 3}, 1), batch({4, 5}, 2), batch({6}, 3)], 3)
    assert [p.month for p in points] == ["2026-01"]
    assert insights.combine([batch({4, 5}, 2)], 3).enough is False
    traits = dict.fromkeys(insights.TRAIT_KEYS, 4)
    erased = [insights.Rating(None, "2026-03", traits, True)] * 2
    assert insights.summarise([*erased, insights.Rating(7, "2026-03", traits, True)], 3).raters == 2


# --- once a week -----------------------------------------------------------------------------


def test_release_runs_once_per_week_however_often_it_is_called(mentor):
    for days_ago in (10, 12, 14):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    assert release_at(MONDAY) == 1
    for later in (timedelta(hours=1), timedelta(days=3), timedelta(days=6, hours=14)):
        for days_ago in (8, 9, 10):
            rate_at(mentor, MONDAY + later - timedelta(days=days_ago))
        assert release_at(MONDAY + later) is None
    assert FeedbackReleaseRun.objects.count() == 1 and FeedbackBatch.objects.count() == 1
    assert release_at(MONDAY + timedelta(weeks=1)) == 1  # the nine waiting ones, one batch
    assert FeedbackBatch.objects.latest("pk").ratings == 9


def test_the_periodic_scheduler_releases_exactly_once_a_week(
    mentor, settings, django_capture_on_commit_callbacks
):
    settings.MENTORLOOM_PERIODIC_TASKS = [("mentorloom.sessions.tasks.release_feedback", 3600)]
    for days_ago in (10, 12, 14):
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
    assert FeedbackBatch.objects.count() == 1


def test_page_shows_period_choice_release_dates_and_unchanged_state(mentor):
    with time_machine.travel(MONDAY, tick=False):
        page = as_user(mentor).get("/insights/").content.decode()
    assert "Not enough feedback yet" in page
    assert "Next release: <time" in page and "Monday 30 Mar 2026" in page
    assert 'value="12m"' in page and 'value="all"' in page
    for days_ago in (10, 12, 14):
        rate_at(mentor, MONDAY - timedelta(days=days_ago))
    release_at(MONDAY)
    rate_at(mentor, MONDAY - timedelta(days=9))
    release_at(MONDAY + timedelta(weeks=1))
    with time_machine.travel(MONDAY + timedelta(weeks=1, hours=1), tick=False):
        page = as_user(mentor).get("/insights/?period=12m").content.decode()
    assert "Figures released 23 Mar 2026" in page and 'id="release-unchanged"' in page
    assert "Monday 6 Apr 2026" in page and '<option value="12m" selected>' in page


@pytest.mark.django_db(transaction=True)
def test_two_workers_releasing_at_once_publish_one_release(agenda_templates):
    mentor = ProfileFactory(is_mentor=True).user
    for days_ago in (10, 12, 14):
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
    assert sorted(outcomes, key=str) == [1, None, None]
    assert FeedbackReleaseRun.objects.count() == 1 and FeedbackBatch.objects.count() == 1
