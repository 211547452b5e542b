"""Agendas: templates, ordering, carry-forward from the previous session, plain-text export."""

from __future__ import annotations

import pytest

from mentorloom.core.errors import InvalidInput, NotFound
from mentorloom.sessions import selectors, services
from mentorloom.sessions.models import AgendaTemplate
from tests.factories import SchedulingMentorshipFactory

from .conftest import live_events_during, make_session

pytestmark = pytest.mark.django_db


def test_five_builtin_templates_are_seeded_in_order():
    names = list(AgendaTemplate.objects.values_list("name", flat=True))
    assert names == [
        "First meeting",
        "Career planning",
        "CV / portfolio review",
        "Mock interview",
        "Goal check-in",
    ]


def test_applying_a_template_appends_its_topics_and_questions(upcoming):
    services.add_topic(upcoming, upcoming.mentee, title="My own topic")
    template = AgendaTemplate.objects.get(slug="career-planning")
    services.apply_template(upcoming, upcoming.mentee, template)
    agenda = selectors.agenda_for(upcoming)
    titles = [t.title for t in selectors.topics_of(agenda)]
    assert titles[0] == "My own topic"
    assert titles[1:] == [t["title"] for t in template.topics]
    assert selectors.topics_of(agenda)[1].minutes == 10
    assert "inspire you" in agenda.questions
    assert agenda.version == 2


def test_admin_added_template_is_offered(upcoming):
    AgendaTemplate.objects.create(slug="salary", name="Salary talk", topics=[{"title": "Offer"}])
    assert "Salary talk" in [t.name for t in selectors.templates()]


def test_both_participants_edit_and_topics_reorder(upcoming):
    a = services.add_topic(upcoming, upcoming.mentee, title="A", goal="g", minutes=10)
    b = services.add_topic(upcoming, upcoming.mentor, title="B")
    services.move_topic(b, upcoming.mentee, -1)
    assert [t.title for t in selectors.topics_of(selectors.agenda_for(upcoming))] == ["B", "A"]
    services.move_topic(b, upcoming.mentee, -1)  # already first: no-op
    services.update_topic(a, upcoming.mentor, done=True)
    a.refresh_from_db()
    assert a.done


@pytest.mark.parametrize(
    ("title", "minutes", "field"), [("", None, "title"), ("x", 0, "minutes"), ("x", 241, "minutes")]
)
def test_bad_topics_are_refused_with_field_errors(upcoming, title, minutes, field):
    with pytest.raises(InvalidInput) as exc:
        services.add_topic(upcoming, upcoming.mentee, title=title, minutes=minutes)
    assert field in exc.value.fields


def test_links_must_be_web_addresses(upcoming):
    with pytest.raises(InvalidInput) as exc:
        services.save_agenda_details(
            upcoming, upcoming.mentee, questions="", links="javascript:alert(1)"
        )
    assert "links" in exc.value.fields


def test_carry_forward_suggests_unfinished_topics_and_open_action_items(mentorship, past, upcoming):
    done = services.add_topic(past, past.mentee, title="Finished topic")
    services.update_topic(done, past.mentee, done=True)
    services.add_topic(past, past.mentee, title="Unfinished topic", goal="Decide")
    services.create_action_item(past, past.mentor, title="Update CV", owner_id=past.mentee_id)
    closed = services.create_action_item(past, past.mentor, title="Old", owner_id=past.mentee_id)
    services.update_action_item(closed, past.mentor, status="done")

    suggestions = selectors.carry_forward(upcoming)
    assert [(s.kind, s.title) for s in suggestions] == [
        ("topic", "Unfinished topic"),
        ("action_item", "Update CV"),
    ]


def test_accepted_suggestion_becomes_a_topic_and_is_not_offered_again(past, upcoming):
    services.create_action_item(past, past.mentor, title="Update CV", owner_id=past.mentee_id)
    suggestion = selectors.carry_forward(upcoming)[0]
    topic = services.accept_suggestion(
        upcoming, upcoming.mentee, kind=suggestion.kind, item_id=suggestion.id
    )
    assert topic.title == "Follow up: Update CV"
    assert selectors.carry_forward(upcoming) == []
    with pytest.raises(NotFound):
        services.accept_suggestion(
            upcoming, upcoming.mentee, kind=suggestion.kind, item_id=suggestion.id
        )


def test_carry_forward_skips_cancelled_sessions_and_other_mentorships(mentorship, upcoming):
    older = make_session(mentorship, days=-5)
    cancelled = make_session(mentorship, days=-1, status="cancelled")
    services.add_topic(older, older.mentee, title="From the held session")
    services.add_topic(cancelled, cancelled.mentee, title="From the cancelled one")
    other = make_session(SchedulingMentorshipFactory(), days=-1)
    services.add_topic(other, other.mentee, title="Someone else's")
    assert [s.title for s in selectors.carry_forward(upcoming)] == ["From the held session"]


def test_agenda_text_lists_topics_questions_and_links(upcoming):
    services.add_topic(upcoming, upcoming.mentee, title="Portfolio", goal="Pick 3", minutes=20)
    services.save_agenda_details(
        upcoming, upcoming.mentee, questions="How to start?\n\nWho to ask?",
        links="https://example.org/cv",
    )  # fmt: skip
    assert selectors.agenda_text(upcoming) == (
        "Agenda:\n1. Portfolio (20 min) — goal: Pick 3\n"
        "Questions:\n- How to start?\n- Who to ask?\nLinks:\n- https://example.org/cv"
    )


def test_agenda_text_is_empty_without_an_agenda(upcoming):
    assert selectors.agenda_text(upcoming) == ""


def test_the_agenda_typed_while_booking_becomes_the_sessions_agenda(mentorship):
    session = make_session(mentorship, days=2)
    session.agenda = "Moving into product\n\nMy portfolio\n" + "x" * 250
    services.seed_agenda_from_booking(session)
    agenda = selectors.agenda_for(session)
    assert [t.title for t in selectors.topics_of(agenda)] == ["Moving into product", "My portfolio"]
    assert agenda.questions == "x" * 250  # too long for a topic title: kept, not cut
    # One source of truth: the text is not listed twice in invitations.
    assert selectors.agenda_text(session).count("Moving into product") == 1
    services.seed_agenda_from_booking(session)  # a second call never duplicates
    assert len(selectors.topics_of(selectors.agenda_for(session))) == 2


def test_a_session_booked_before_seeding_still_shows_its_booking_text(upcoming):
    upcoming.agenda = "Moving into product"
    assert selectors.agenda_text(upcoming) == "Moving into product"
    assert selectors.panel_context(upcoming, upcoming.mentee)["panel_booking_agenda"] == (
        "Moving into product"
    )


QUESTIONS = "How do I pick a role?\nIs a bootcamp worth it?"


def _with_questions(session):  # type: ignore[no-untyped-def]
    return services.save_agenda_details(
        session, session.mentee, questions=QUESTIONS, links="https://a.example", base_version=None
    )


def test_two_stale_agenda_saves_of_different_lines_are_both_kept(upcoming):
    first = _with_questions(upcoming)
    common = {"base_version": first.version, "base_questions": QUESTIONS}
    services.save_agenda_details(
        upcoming,
        upcoming.mentee,
        questions=QUESTIONS.replace("a role", "a first role"),
        links="https://a.example",
        base_links="https://a.example",
        **common,
    )
    merged = services.save_agenda_details(
        upcoming,
        upcoming.mentor,
        questions=QUESTIONS + "\r\nWhat about visas?",
        links="https://a.example\nhttps://b.example",
        base_links="https://a.example",
        **common,
    )
    assert merged.questions == (
        "How do I pick a first role?\nIs a bootcamp worth it?\nWhat about visas?"
    )
    assert merged.links == "https://a.example\nhttps://b.example"


def test_the_same_question_changed_differently_conflicts_with_that_line(upcoming):
    from mentorloom.sessions.errors import StaleAgenda

    first = _with_questions(upcoming)
    common = {
        "links": "https://a.example",
        "base_version": first.version,
        "base_questions": QUESTIONS,
        "base_links": "https://a.example",
    }
    services.save_agenda_details(
        upcoming, upcoming.mentee, questions=QUESTIONS.replace("worth it", "worth €9k"), **common
    )
    with pytest.raises(StaleAgenda) as exc:
        services.save_agenda_details(
            upcoming, upcoming.mentor, questions=QUESTIONS.replace("worth it", "useful"), **common
        )
    assert exc.value.status == 409
    assert [o.theirs for o in exc.value.overlaps] == ["Is a bootcamp worth €9k?"]
    assert exc.value.current_version == first.version + 1
    assert "worth €9k" in exc.value.message


def test_a_stale_agenda_save_without_base_texts_is_still_refused(upcoming):
    from mentorloom.sessions.errors import StaleAgenda

    first = _with_questions(upcoming)
    services.add_topic(upcoming, upcoming.mentor, title="Portfolio")
    with pytest.raises(StaleAgenda):
        services.save_agenda_details(
            upcoming, upcoming.mentee, questions="x", links="", base_version=first.version
        )


def test_every_agenda_change_reaches_both_participants_live(upcoming):
    def change() -> None:
        _with_questions(upcoming)
        services.add_topic(upcoming, upcoming.mentor, title="Portfolio")

    events = live_events_during((upcoming.mentor, upcoming.mentee), change, per_user=2)

    for first, second in events.values():
        assert first["type"] == second["type"] == "agenda.changed"
        assert (first["session_id"], first["questions"]) == (upcoming.pk, QUESTIONS)
        assert second["version"] == first["version"] + 1
