"""Feedback: only after the session, one per participant, editable 7 days, k-anonymous
aggregates for mentors, and prompts sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from mentorloom.core.errors import InvalidInput
from mentorloom.scheduling.models import Session
from mentorloom.scheduling.services import complete_past_sessions, mark_no_show
from mentorloom.sessions import selectors, services
from mentorloom.sessions.errors import FeedbackLocked, SessionNotOver
from mentorloom.sessions.models import FeedbackPrompt, TraitFeedback
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

from .conftest import make_session, release

pytestmark = pytest.mark.django_db
GOOD = dict.fromkeys(
    ("empathy", "adaptability", "active_listening", "encouragement", "expertise"), 4
)


def rate(session, value: int = 4, **kwargs):  # type: ignore[no-untyped-def]
    return services.give_trait_feedback(
        session, session.mentee, ratings=dict.fromkeys(GOOD, value), useful=True, **kwargs
    )


def test_mentee_rates_the_five_traits_after_the_session(past):
    feedback = rate(past, comment="Great", share_comment=False)
    assert feedback.mentor_id == past.mentor_id and feedback.expertise == 4
    assert not feedback.share_comment


@pytest.mark.parametrize("bad", [0, 6, -1, None])
def test_ratings_outside_1_to_5_are_refused(past, bad):
    with pytest.raises(InvalidInput) as exc:
        services.give_trait_feedback(
            past, past.mentee, ratings={**GOOD, "empathy": bad}, useful=True
        )
    assert exc.value.status == 422 and list(exc.value.fields) == ["empathy"]
    assert not TraitFeedback.objects.exists()


def test_feedback_before_the_session_ended_is_refused(upcoming):
    with pytest.raises(SessionNotOver):
        rate(upcoming)
    with pytest.raises(SessionNotOver):
        services.give_mentee_feedback(
            upcoming, upcoming.mentor, progress="x", strengths="", next_steps=""
        )


def test_feedback_on_a_cancelled_session_is_refused(mentorship):
    cancelled = make_session(mentorship, days=-1, status="cancelled")
    with pytest.raises(SessionNotOver):
        rate(cancelled)


def test_a_no_show_report_leaves_feedback_open_to_the_person_it_names_absent(past):
    # A held session, completed; two days later the mentor alone reports the mentee absent.
    complete_past_sessions()
    past.refresh_from_db()
    mark_no_show(past.mentor, past)
    past.refresh_from_db()
    assert past.status == "no_show" and past.no_show_user_id == past.mentee_id
    feedback = rate(past, 1, comment="Rude.")
    assert TraitFeedback.objects.get().pk == feedback.pk
    assert selectors.can_give_feedback(past, past.mentee)
    # The reporter's own feedback stays closed: for them nobody came.
    assert not selectors.can_give_feedback(past, past.mentor)
    with pytest.raises(SessionNotOver):
        services.give_mentee_feedback(past, past.mentor, progress="x", strengths="", next_steps="")


def test_one_feedback_per_session_and_a_second_save_edits_it(past):
    rate(past, 2)
    rate(past, 5)
    assert TraitFeedback.objects.get().empathy == 5


def test_feedback_can_be_edited_for_7_days_only(past):
    first = rate(past, 2)
    later = first.created_at + timedelta(days=7, minutes=1)
    with time_machine.travel(later), pytest.raises(FeedbackLocked):
        rate(past, 5)
    assert TraitFeedback.objects.get().empathy == 2


def test_mentor_gives_the_mentee_feedback_and_the_mentee_is_told(
    past, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.give_mentee_feedback(
            past, past.mentor, progress="Clearer goals", strengths="Curious", next_steps="Apply"
        )
    assert selectors.feedback_for_mentee(past).strengths == "Curious"
    assert past.mentee.notifications.filter(kind="feedback_received").exists()


def test_mentor_feedback_needs_some_text(past):
    with pytest.raises(InvalidInput):
        services.give_mentee_feedback(past, past.mentor, progress="", strengths="", next_steps="")


# --- k-anonymity ---------------------------------------------------------------------------


def _rated_by(mentor, n_mentees: int, value: int = 4) -> None:  # type: ignore[no-untyped-def]
    already = Session.objects.filter(mentor=mentor).count()
    for i in range(already, already + n_mentees):
        # Distinct start times: one mentor cannot have two sessions starting together.
        session = make_session(SchedulingMentorshipFactory(mentor=mentor), days=-1 - i / 24)
        rate(session, value)


def test_two_mentees_are_not_enough_for_averages():
    mentor = ProfileFactory(is_mentor=True).user
    _rated_by(mentor, 2)
    release()
    summary = selectors.feedback_summary(mentor)
    assert not summary.enough and summary.averages == {} and summary.trend == []


def test_three_mentees_show_per_trait_averages_and_trend():
    mentor = ProfileFactory(is_mentor=True).user
    _rated_by(mentor, 2, 4)
    _rated_by(mentor, 1, 1)
    release()
    summary = selectors.feedback_summary(mentor)
    assert summary.enough and summary.summary.raters == 3
    assert summary.averages["empathy"] == 3.0
    assert summary.trend == [(f"{timezone.now():%Y-%m}", 3.0)]


def test_one_mentee_rating_many_sessions_counts_once(mentorship):
    for days in (-1, -3, -5):
        rate(make_session(mentorship, days=days))
    release()
    assert not selectors.feedback_summary(mentorship.mentor).enough


def test_k_is_configurable(settings):
    settings.MENTORLOOM_FEEDBACK_K = 2
    mentor = ProfileFactory(is_mentor=True).user
    _rated_by(mentor, 2)
    release()
    assert selectors.feedback_summary(mentor).enough


def test_ratings_outside_the_period_do_not_count():
    mentor = ProfileFactory(is_mentor=True).user
    with time_machine.travel(timezone.now() - timedelta(days=130)):
        _rated_by(mentor, 3)
        release()  # a batch whose newest rating is 130 days old
    _rated_by(mentor, 1)
    release()
    assert not selectors.feedback_summary(mentor, "90d").enough
    assert selectors.feedback_summary(mentor, "12m").summary.ratings == 3


def test_only_shared_comments_reach_the_mentor(past):
    rate(past, comment="Kept private")
    other = make_session(SchedulingMentorshipFactory(mentor=past.mentor), days=-1)
    rate(other, comment="You helped a lot", share_comment=True)
    third = make_session(SchedulingMentorshipFactory(mentor=past.mentor), days=-1.5)
    rate(third)
    release()
    assert selectors.feedback_summary(past.mentor).comments == ["You helped a lot"]


# --- prompts -------------------------------------------------------------------------------


def test_both_are_prompted_once_in_app_and_by_email(past, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_feedback_prompts() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_feedback_prompts() == 0
    assert FeedbackPrompt.objects.count() == 2
    for user in (past.mentee, past.mentor):
        assert user.notifications.filter(kind="feedback_prompt").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([past.mentee.email, past.mentor.email])


def test_no_prompts_for_future_cancelled_or_already_reviewed_sessions(mentorship, upcoming):
    make_session(mentorship, days=-1, status="cancelled")
    reviewed = make_session(mentorship, days=-3)
    rate(reviewed)
    assert services.send_feedback_prompts() == 1  # only the mentor of `reviewed`
    assert FeedbackPrompt.objects.get().user_id == mentorship.mentor_id


def test_periodic_task_runs_the_prompts(past):
    from mentorloom.sessions.tasks import send_feedback_prompts

    send_feedback_prompts.call()
    assert FeedbackPrompt.objects.count() == 2
