"""Program dashboard: figures from the program's mentorships, k-anonymous feedback, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.mentorships.models import MentorshipRequest
from mentorloom.programs import charts, dashboard, releases, services
from mentorloom.programs.models import CheckIn, MatchRun, ProgramMembership
from mentorloom.scheduling.models import Session
from mentorloom.sessions.models import FeedbackBatch, TraitFeedback
from tests.factories import (
    ProgramFactory,
    ProgramMembershipFactory,
    SchedulingMentorshipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory()


@pytest.fixture
def published(admin):
    program = ProgramFactory(admin=admin)
    mentor = ProgramMembershipFactory(program=program, role="mentor", capacity=2)
    mentees = [ProgramMembershipFactory(program=program, role="mentee") for _ in range(2)]
    run = services.run_matching(admin, program)
    services.publish_run(admin, run)
    # Published a month ago: the activity these tests create is the program's.
    month_ago = timezone.now() - timedelta(days=30)
    MatchRun.objects.filter(pk=run.pk).update(published_at=month_ago)
    run.pairs.update(started_at=month_ago)
    run.refresh_from_db()
    return program, mentor, mentees, run


def _batch(mentor, mentee_ids):
    return FeedbackBatch.objects.create(
        mentor=mentor.user,
        released_at=timezone.now(),
        newest_rated_at=timezone.now(),
        ratings=len(mentee_ids),
        sums={"empathy": 5 * len(mentee_ids)},
        useful=len(mentee_ids),
        mentee_ids=mentee_ids,
    )


def test_feedback_is_withheld_below_k_distinct_mentees(published, settings):
    program, mentor, (first, second), _ = published
    settings.MENTORLOOM_FEEDBACK_K = 2
    _batch(mentor, [first.user_id])
    withheld = dashboard.chart(program, "feedback_traits")
    assert withheld.points == [] and "at least 2" in withheld.note
    _batch(mentor, [second.user_id])
    shown = dashboard.chart(program, "feedback_traits")
    assert shown.points == [("Empathy", 5.0)]


def test_feedback_given_outside_the_programs_mentorships_is_not_counted(published, settings):
    program, mentor, (first, second), run = published
    settings.MENTORLOOM_FEEDBACK_K = 2
    # The mentor's ratings from elsewhere: other mentees, and a session of another mentorship
    # with one of the program's mentees (a batch counts whole or not at all).
    strangers = [UserFactory().pk for _ in range(3)]
    _batch(mentor, strangers)
    elsewhere = SchedulingMentorshipFactory(mentor=mentor.user, mentee=first.user, status="ended")
    mixed = _batch(mentor, [first.user_id, second.user_id])
    _rating(elsewhere, mixed)
    _rating(run.pairs.get(mentee=second).mentorship, mixed)
    assert dashboard.chart(program, "feedback_traits").points == []
    assert dashboard.cohort_comparison(program)[0].values["feedback"] is None

    own = _batch(mentor, [first.user_id, second.user_id])
    for pair in run.pairs.all():
        _rating(pair.mentorship, own)
    assert dashboard.chart(program, "feedback_traits").points == [("Empathy", 5.0)]
    assert dashboard.cohort_comparison(program)[0].values["feedback"] == 5.0


def test_requests_count_only_those_made_while_both_were_in_the_program(published, settings):
    program, mentor, (first, second), _ = published
    settings.MENTORLOOM_FEEDBACK_K = 2
    before = timezone.now() - timedelta(days=30)
    # X privately asked Y long before the admin imported them: not the program's business.
    _request(mentor.user, first.user, created_at=before, answered_after=timedelta(hours=5))
    assert dict(dashboard.chart(program, "requests").points) == {
        "answered": 0,
        "open or expired": 0,
    }
    _request(mentor.user, second.user, created_at=timezone.now(), answered_after=timedelta(hours=2))
    chart = dashboard.chart(program, "requests")
    assert dict(chart.points) == {"answered": 1, "open or expired": 0}
    # The median of one answered request is that mentor's response time: withheld below k.
    assert "withheld until at least 2" in chart.note and "2.0" not in chart.note
    MentorshipRequest.objects.filter(mentee=first.user).update(status="declined")
    _request(mentor.user, first.user, created_at=timezone.now(), answered_after=timedelta(hours=3))
    assert dashboard.chart(program, "requests").note == "Median first response: 2.5 h"


def test_requests_count_only_from_when_both_joined_not_when_they_were_added(published):
    program, mentor, (first, _), _ = published
    ProgramMembership.objects.filter(pk=first.pk).update(joined_at=None)
    # Added but not joined: what Y asks X is still between the two of them.
    _request(mentor.user, first.user, created_at=timezone.now(), answered_after=timedelta(hours=1))
    assert dict(dashboard.chart(program, "requests").points)["answered"] == 0
    services.join_program(first.user, program)
    assert dict(dashboard.chart(program, "requests").points)["answered"] == 0  # made before
    MentorshipRequest.objects.filter(mentee=first.user).update(status="declined")
    _request(mentor.user, first.user, created_at=timezone.now(), answered_after=timedelta(hours=1))
    assert dict(dashboard.chart(program, "requests").points)["answered"] == 1


def _request(mentor, mentee, *, created_at, answered_after):
    return MentorshipRequest.objects.create(
        mentor=mentor,
        mentee=mentee,
        message="Hello",
        created_at=created_at,
        first_response_at=created_at + answered_after,
        expires_at=created_at + timedelta(days=14),
    )


def _rating(mentorship, batch):
    start = timezone.now() - timedelta(days=2)
    session = Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        zone="UTC",
        status="completed",
    )
    return TraitFeedback.objects.create(
        session=session,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        empathy=5,
        adaptability=5,
        active_listening=5,
        encouragement=5,
        expertise=5,
        useful=True,
        batch=batch,
    )


def test_sessions_and_no_shows_count_only_the_programs_mentorships(published):
    program, _, _, run = published
    mentorship = run.pairs.first().mentorship
    outside = SchedulingMentorshipFactory()
    start = timezone.now() - timedelta(days=3)
    for where, status in (
        (mentorship, "completed"),
        (mentorship, "completed"),
        (mentorship, "no_show"),
        (outside, "no_show"),
    ):
        Session.objects.create(
            mentorship=where,
            mentor=where.mentor,
            mentee=where.mentee,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            zone="UTC",
            status=status,
        )
    assert dict(dashboard.chart(program, "no_shows").points) == {"held": 2, "no-show": 1}
    assert sum(v for _, v in dashboard.chart(program, "sessions_per_week").points) == 2
    assert dict(dashboard.chart(program, "mentorships").points) == {"active": 2}


def test_chart_svg_escapes_labels():
    svg = charts.bar_chart("<b>", [("<script>", 1)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_chart_svg_writes_each_value_above_its_bar_so_a_zero_is_visible():
    svg = charts.bar_chart("Sessions", [("held", 0), ("no-show", 3)], unit=" h")
    zero = '<text x="132.0" y="132.0" font-size="14" text-anchor="middle" class="chart__value">0 h'
    assert zero in svg  # just above the baseline of the first (empty) bar
    assert 'class="chart__value">3 h</text>' in svg


def test_dashboard_page_shows_charts_and_low_checkins_to_admins_only(
    client, admin, published, settings
):
    program, mentor, (mentee, other), _ = published
    settings.MENTORLOOM_FEEDBACK_K = 2
    CheckIn.objects.create(
        program=program, membership=mentee, due_on=timezone.localdate(), score=1, note="Stuck"
    )
    releases.release_answers(program)
    client.force_login(admin)
    page = client.get(f"/programs/{program.pk}/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b"Stuck" in page.content
    # Each figure is a card; a figure without points says so instead of an empty frame.
    assert page.content.count(b'<figure class="card program-figure">') == len(dashboard.CHARTS)
    # One answer: its histogram would be the answer itself (only low scores reach admins
    # one by one, as the note above); withheld below k answers, as the cohort average is.
    csv = client.get(f"/programs/{program.pk}/charts/checkins.csv")
    assert csv.content.decode().splitlines() == ["label,value"]
    assert "Withheld until check-ins of at least 2" in dashboard.chart(program, "checkins").note
    for member, score in ((other, 4), (mentor, 5)):
        CheckIn.objects.create(
            program=program, membership=member, due_on=timezone.localdate(), score=score
        )
    releases.release_answers(program)
    csv = client.get(f"/programs/{program.pk}/charts/checkins.csv")
    assert csv.content.decode().splitlines()[1:] == ["1,1", "2,0", "3,0", "4,1", "5,1"]
    assert "released in batches of at least 2" in client.get(f"/programs/{program.pk}/").text
    client.force_login(mentor.user)
    assert client.get(f"/programs/{program.pk}/").status_code == 403
    client.force_login(UserFactory())
    assert client.get(f"/programs/{program.pk}/").status_code == 404


def test_review_page_swaps_and_publishes(client, admin):
    program = ProgramFactory(admin=admin)
    for _ in range(2):
        ProgramMembershipFactory(program=program, role="mentor")
        ProgramMembershipFactory(program=program, role="mentee")
    client.force_login(admin)
    response = client.post(f"/programs/{program.pk}/runs/", {"mode": "optimal"})
    run = program.match_runs.get()
    assert response.url == f"/programs/{program.pk}/runs/{run.pk}/"
    a, b = run.pairs.order_by("pk")
    before = {a.pk: a.mentor_id, b.pk: b.mentor_id}
    url = f"/programs/{program.pk}/runs/{run.pk}/actions"
    client.post(url, {"action": "swap", "pairs": [a.pk, b.pk]})
    a.refresh_from_db()
    assert a.mentor_id == before[b.pk] and a.locked
    client.post(url, {"action": f"unlock:{b.pk}"})
    b.refresh_from_db()
    assert not b.locked
    assert client.post(url, {"action": "lock:nope"}).status_code == 404
    page = client.get(f"/programs/{program.pk}/runs/{run.pk}/")
    assert b"Publish and introduce" in page.content
    client.post(url, {"action": "publish"})
    run.refresh_from_db()
    assert run.status == "published" and run.pairs.exclude(mentorship=None).count() == 2


def test_outcomes_are_withheld_below_k_ended_mentorships(published, settings):
    from mentorloom.mentorships.services import end_mentorship

    program, _, _, run = published
    settings.MENTORLOOM_FEEDBACK_K = 2
    first, second = (p.mentorship for p in run.pairs.all())
    end_mentorship(first.mentee, first, outcome_reached=True)
    releases.release_answers(program)
    assert dashboard.chart(program, "outcomes").points == []
    end_mentorship(second.mentee, second, outcome_reached=False)
    assert dashboard.chart(program, "outcomes").points == []  # not released yet
    releases.release_answers(program)
    assert dict(dashboard.chart(program, "outcomes").points)["reached"] == 1


def test_goal_progress_leaves_out_private_goals(published, settings):
    """A private goal is its owner's alone (not even the other participant sees it): its
    progress reaches no chart and no cohort cell."""
    settings.MENTORLOOM_FEEDBACK_K = 2  # the cohort's two pairs show their activity
    from mentorloom.mentorships.models import Goal

    program, _, _, run = published
    mentorship = run.pairs.exclude(mentorship=None).first().mentorship
    Goal.objects.create(mentorship=mentorship, owner=mentorship.mentee, title="Shared", progress=60)
    Goal.objects.create(
        mentorship=mentorship, owner=mentorship.mentee, title="Mine", progress=5, is_private=True
    )
    assert dict(dashboard.chart(program, "goal_progress").points) == {
        "0-24%": 0,
        "25-49%": 0,
        "50-74%": 1,
        "75-100%": 0,
    }
    rows = dashboard.cohort_comparison(program)
    assert [row.values["goal_progress"] for row in rows] == [60.0]


def test_bar_labels_fit_their_bars_shrinking_wrapping_or_cutting():
    """Six weeks or five traits side by side: each label fits its bar (no label runs into the
    next), on two lines when it has a space, cut with an ellipsis only as a last resort; the
    bar's <title> keeps the whole label."""
    bar = (charts.WIDTH - 2 * charts.PAD) / 6
    for label in ("2026-W44", "Active listening", "Encouragement", "open or expired"):
        size, lines = charts.fit_label(label, bar)
        assert charts.MIN_LABEL_SIZE <= size <= charts.LABEL_SIZE
        assert max(len(line) for line in lines) * charts.CHAR_EM * size <= bar - 6 + 1e-9
    assert charts.fit_label("Active listening", bar)[1] == ["Active", "listening"]
    assert charts.fit_label("2026-W44", bar)[1] == ["2026-W44"]
    assert charts.fit_label("Encouragement", bar)[1] == ["Encouragem…"]
    svg = charts.bar_chart("Traits", [("Encouragement", 4.0)] * 6)
    assert "<title>Encouragement: 4</title>" in svg and ">Encouragem…</tspan>" in svg
