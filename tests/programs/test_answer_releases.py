"""Private answers (reflection outcomes, check-in scores) reach a program's dashboard only in
released batches of one cohort and >= k distinct people, each answer once. Read live, per
figure, an admin recovered one person's answer by differencing: program-wide minus the cohorts
shown, a cohort with and without a member moved in, a figure before and after one answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from mentorloom.mentorships.models import Goal, Mentorship, Reflection
from mentorloom.mentorships.services import end_mentorship
from mentorloom.programs import batches, dashboard, imports, releases, services
from mentorloom.programs.models import AnswerBatch, CheckIn, ProgramMembership, ReleasedAnswer
from mentorloom.scheduling.models import Session
from mentorloom.sessions.models import FeedbackBatch, TraitFeedback
from tests.concurrency import race
from tests.factories import (
    ProgramFactory,
    ProgramMembershipFactory,
    SchedulingMentorshipFactory,
    UserFactory,
)


def _program(k_setting, *, a: int = 3, b: int = 1):
    """k = 3; cohort A with `a` mentees, cohort B with `b`, one mentor (no cohort). Published."""
    k_setting.MENTORLOOM_FEEDBACK_K = 3
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    ProgramMembershipFactory(program=program, role="mentor", capacity=a + b)
    cohorts = {
        label: [
            ProgramMembershipFactory(program=program, role="mentee", cohort=label) for _ in range(n)
        ]
        for label, n in (("A", a), ("B", b))
    }
    run = services.run_matching(admin, program)
    services.publish_run(admin, run)
    mentorships = {p.mentee_id: p.mentorship for p in run.pairs.all()}
    assert len(mentorships) == a + b
    return program, cohorts, mentorships


def _end(member: ProgramMembership, mentorships, reached: bool | None) -> None:
    end_mentorship(member.user, mentorships[member.pk], outcome_reached=reached)


def _checkin(member: ProgramMembership, score: int, days: int = 0) -> CheckIn:
    now = timezone.now()
    return CheckIn.objects.create(
        program=member.program,
        membership=member,
        due_on=timezone.localdate() + timedelta(days=days),
        score=score,
        answered_at=now,
    )


def _figures(program):
    rows = dashboard.cohort_comparison(program)
    return (
        dashboard.chart(program, "outcomes").points,
        dashboard.chart(program, "checkins").points,
        {r.label: (r.values["outcomes"], r.values["checkins"]) for r in rows},
    )


@pytest.mark.django_db
def test_program_wide_minus_the_cohorts_shown_never_isolates_one_answer(settings):
    program, cohorts, mentorships = _program(settings)
    (a1, a2, a3), (b1,) = cohorts["A"], cohorts["B"]
    for member, reached, score in ((a1, True, 5), (a2, True, 4), (a3, False, 3), (b1, True, 4)):
        _end(member, mentorships, reached)
        _checkin(member, score)
    releases.release_answers(program)

    outcomes, checkins, rows = _figures(program)
    # The program-wide figures hold only released batches: A's three answers, not B's one,
    # so program-wide minus A leaves nothing of B to read.
    assert dict(outcomes) == {"reached": 2, "not reached": 1, "not said": 0}
    assert sum(v for _, v in checkins) == 3
    assert rows["A"] == (66.7, 4.0) and rows["B"] == (None, None)
    released = {b.cohort: b.size for b in AnswerBatch.objects.filter(program=program)}
    for kind in ("outcome", "checkin"):
        shown = sum(b.size for b in AnswerBatch.objects.filter(program=program, kind=kind))
        cohort_sum = sum(
            b.size for b in AnswerBatch.objects.filter(program=program, kind=kind, cohort="A")
        )
        assert shown - cohort_sum == 0  # the complement of the shown cohorts is empty
    assert released == {"A": 3}


@pytest.mark.django_db
def test_moving_a_member_between_cohorts_after_release_changes_no_figure(settings):
    program, cohorts, mentorships = _program(settings, a=3, b=3)
    victim = cohorts["A"][2]
    for member, reached, score in zip(cohorts["A"], (True, True, False), (5, 5, 3), strict=True):
        _end(member, mentorships, reached)
        _checkin(member, score)
    releases.release_answers(program)
    before = _figures(program)
    assert before[2]["A"] == (66.7, 4.33)

    # The admin re-imports the CSV with the victim's cohort changed (the import's own write).
    ProgramMembership.objects.filter(pk=victim.pk).update(cohort="B")
    assert _figures(program) == before
    assert releases.release_answers(program) == 0
    assert _figures(program) == before
    # And back again: still the same (nothing recomputed from live answers).
    ProgramMembership.objects.filter(pk=victim.pk).update(cohort="A")
    assert _figures(program) == before


@pytest.mark.django_db
def test_one_new_answer_changes_nothing_until_a_batch_of_k_is_released(settings):
    program, cohorts, mentorships = _program(settings)
    a1, a2, a3 = cohorts["A"]
    for member, reached, score in ((a1, True, 5), (a2, False, 4), (a3, True, 3)):
        _end(member, mentorships, reached)
        _checkin(member, score)
    releases.release_answers(program)
    before = _figures(program)

    _end(cohorts["B"][0], mentorships, False)  # one more outcome, in B
    _checkin(a1, 3, days=28)  # one more check-in, in A
    assert _figures(program) == before
    assert releases.release_answers(program) == 0
    assert _figures(program) == before

    # Two more people in A answer: three distinct people pending, released together.
    _checkin(a2, 3, days=28)
    assert releases.release_answers(program) == 0  # two people so far
    _checkin(a3, 3, days=28)
    assert releases.release_answers(program) == 1
    assert _figures(program)[2]["A"] == (66.7, 3.5)  # (5 + 4 + 3 + 3 + 3 + 3) / 6
    assert _figures(program)[2]["B"] == (None, None)


@pytest.mark.django_db
def test_low_check_in_scores_go_into_the_batch_but_do_not_make_up_k(settings):
    settings.MENTORLOOM_FEEDBACK_K = 3
    program = ProgramFactory(admin=UserFactory())
    people = [
        ProgramMembershipFactory(program=program, role="mentee", cohort="C") for _ in range(6)
    ]
    # Three low scores reached the admin one by one with their notes; one above 2.
    for member, score in zip(people[:4], (1, 2, 1, 5), strict=True):
        _checkin(member, score)
    assert releases.release_answers(program) == 0
    assert dashboard.chart(program, "checkins").points == []
    _checkin(people[4], 4)
    assert releases.release_answers(program) == 0  # two people above 2 so far
    _checkin(people[5], 3)
    assert releases.release_answers(program) == 1
    assert dashboard.chart(program, "checkins").points == [
        ("1", 2),
        ("2", 1),
        ("3", 1),
        ("4", 1),
        ("5", 1),
    ]


@pytest.mark.django_db
def test_one_persons_many_answers_do_not_make_up_k(settings):
    settings.MENTORLOOM_FEEDBACK_K = 3
    program = ProgramFactory(admin=UserFactory())
    member = ProgramMembershipFactory(program=program, role="mentee")
    for week in range(3):
        _checkin(member, 4, days=7 * week)
    assert releases.release_answers(program) == 0
    assert dashboard.chart(program, "checkins").points == []


@pytest.mark.django_db
def test_releasing_twice_in_a_row_releases_each_answer_once(settings):
    program, cohorts, mentorships = _program(settings)
    for member in cohorts["A"]:
        _end(member, mentorships, True)
        _checkin(member, 4)
    assert releases.release_answers(program) == 2
    assert releases.release_answers(program) == 0
    assert ReleasedAnswer.objects.count() == 6
    assert dict(dashboard.chart(program, "outcomes").points)["reached"] == 3


@pytest.mark.django_db(transaction=True)
def test_releasing_concurrently_releases_each_answer_once(settings):
    program, cohorts, mentorships = _program(settings)
    for member in cohorts["A"]:
        _end(member, mentorships, True)
        _checkin(member, 4)

    outcomes = race(lambda _: releases.release_answers(program), 2)

    assert sorted(outcomes) == [0, 2]  # no IntegrityError: the second waited for the lock
    assert AnswerBatch.objects.count() == 2 and ReleasedAnswer.objects.count() == 6
    assert dict(dashboard.chart(program, "outcomes").points)["reached"] == 3


@pytest.mark.django_db
def test_the_hourly_periodic_task_releases_every_programs_answers(settings):
    assert ("mentorloom.programs.tasks.release_answers", 3600) in (
        django_settings.MENTORLOOM_PERIODIC_TASKS
    )
    task = import_string("mentorloom.programs.tasks.release_answers")
    assert callable(task.enqueue)
    program, cohorts, mentorships = _program(settings)
    for member in cohorts["A"]:
        _end(member, mentorships, True)
    assert releases.release_all_answers() == 1
    assert AnswerBatch.objects.get().program == program


@pytest.mark.django_db
def test_a_linked_mentorships_activity_before_publication_is_not_counted(settings):
    settings.MENTORLOOM_FEEDBACK_K = 1  # any single item counted would show
    earlier = timezone.now() - timedelta(days=10)
    existing = SchedulingMentorshipFactory(started_at=earlier)
    old_session = _session(existing, earlier)
    Goal.objects.create(
        mentorship=existing, owner=existing.mentee, title="Old", progress=80, created_at=earlier
    )
    Reflection.objects.create(
        mentorship=existing, author=existing.mentee, outcome_reached=False, created_at=earlier
    )
    batch = FeedbackBatch.objects.create(
        mentor=existing.mentor,
        released_at=earlier,
        newest_rated_at=earlier,
        ratings=1,
        sums={"empathy": 2},
        useful=0,
        mentee_ids=[existing.mentee_id],
    )
    _rating(old_session, batch)

    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    for role, user in (("mentor", existing.mentor), ("mentee", existing.mentee)):
        ProgramMembershipFactory(program=program, role=role, user=user, email=user.email)
    run = services.run_matching(admin, program)
    services.publish_run(admin, run)
    assert run.pairs.get().mentorship == existing  # the live mentorship was linked

    assert dashboard.chart(program, "sessions_per_week").points == []
    assert dict(dashboard.chart(program, "no_shows").points) == {"held": 0, "no-show": 0}
    assert sum(v for _, v in dashboard.chart(program, "goal_progress").points) == 0
    assert dashboard.chart(program, "feedback_traits").points == []
    assert releases.release_answers(program) == 0
    row = dashboard.cohort_comparison(program)[0].values
    assert row["sessions"] == 0 and row["goal_progress"] is None and row["feedback"] is None

    # From the publication on, it is the program's.
    _session(existing, timezone.now() + timedelta(minutes=1))
    Goal.objects.create(mentorship=existing, owner=existing.mentee, title="New", progress=30)
    end_mentorship(existing.mentee, Mentorship.objects.get(pk=existing.pk), outcome_reached=True)
    assert dict(dashboard.chart(program, "no_shows").points)["held"] == 1
    assert dashboard.cohort_comparison(program)[0].values["goal_progress"] == 30
    assert releases.release_answers(program) == 1
    assert dict(dashboard.chart(program, "outcomes").points) == {
        "reached": 1,
        "not reached": 0,
        "not said": 0,
    }


def _session(mentorship, start) -> Session:
    return Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        zone="UTC",
        status="completed",
    )


def _rating(session: Session, batch: FeedbackBatch) -> TraitFeedback:
    return TraitFeedback.objects.create(
        session=session,
        mentor=session.mentor,
        mentee=session.mentee,
        empathy=2,
        adaptability=2,
        active_listening=2,
        encouragement=2,
        expertise=2,
        useful=False,
        batch=batch,
    )


def test_releasable_needs_k_distinct_people_above_the_low_scores_per_cohort():
    def answer(i: int, cohort: str, person: int, counts: bool = True) -> batches.Answer:
        return batches.Answer(i, cohort, person, "4", counts)

    pending = [
        answer(1, "A", 1),
        answer(2, "A", 1),
        answer(3, "A", 2, counts=False),
        answer(4, "B", 3),
        answer(5, "B", 4),
    ]
    assert batches.releasable(pending, 2) == {"B": pending[3:]}
    assert batches.releasable([*pending, answer(6, "A", 5)], 2)["A"] == [
        *pending[:3],
        answer(6, "A", 5),
    ]
    assert batches.total([{"1": 2}, {"1": 1, "5": "x"}]) == {"1": 3}  # type: ignore[list-item]
    assert batches.score_mean({"1": 1, "5": 1}) == 3.0 and batches.score_mean({}) is None


def _answer(member: ProgramMembership, score: int) -> CheckIn:
    checkin = CheckIn.objects.create(
        program=member.program, membership=member, due_on=timezone.localdate()
    )
    return services.answer_checkin(member.user, checkin, score)


@pytest.mark.django_db
def test_an_admins_own_memberships_and_plus_addresses_do_not_make_up_k(settings):
    # The admin imports themself as a mentor and their own "+tag" account as a mentee, puts
    # both in the target's cohort and answers with known scores: 3 people, but only the
    # target's answer is unknown to the admin, so nothing is released.
    settings.MENTORLOOM_FEEDBACK_K = 3
    admin = UserFactory(email="boss@org.example")
    program = ProgramFactory(admin=admin)
    target = ProgramMembershipFactory(program=program, role="mentee", cohort="X")
    own = ProgramMembershipFactory(program=program, user=admin, role="mentor", cohort="X")
    puppet = ProgramMembershipFactory(
        program=program, user=UserFactory(email="boss+p@org.example"), cohort="X"
    )
    _answer(target, 4)
    for member in (own, puppet):
        _answer(member, 5)

    assert releases.release_answers(program) == 0
    assert not AnswerBatch.objects.filter(program=program).exists()
    assert dashboard.cohort_comparison(program)[0].values["checkins"] is None

    # Two more members the admin does not control answer: now the batch goes out, with the
    # admin's answers in it (never lost) but three unknown answers behind the figure.
    for _ in range(2):
        _answer(ProgramMembershipFactory(program=program, role="mentee", cohort="X"), 3)
    assert releases.release_answers(program) == 1
    assert AnswerBatch.objects.get(program=program).size == 5


@pytest.mark.django_db
def test_re_importing_a_member_into_another_cohort_leaves_their_answers_where_given(settings):
    settings.MENTORLOOM_FEEDBACK_K = 3
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    target = ProgramMembershipFactory(program=program, role="mentee", cohort="A")
    others = [
        ProgramMembershipFactory(program=program, role="mentee", cohort="X") for _ in range(2)
    ]
    answer = _answer(target, 4)
    for member in others:
        _answer(member, 5)
    # The admin re-imports the CSV with the target moved into cohort X (the real import).
    rows = "\n".join(
        f"{m.email},mentee,{'X' if m == target else m.cohort}" for m in [target, *others]
    )
    imports.import_members(admin, program, f"email,role,cohort\n{rows}\n".encode())
    target.refresh_from_db()
    assert target.cohort == "X"

    # X holds two answers given in X; the target's stays in A, where it waits for k.
    assert releases.release_answers(program) == 0
    assert not ReleasedAnswer.objects.filter(kind="checkin", answer_id=answer.pk).exists()
    assert dashboard.cohort_comparison(program)[-1].values["checkins"] is None
