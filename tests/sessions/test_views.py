"""HTML pages: agenda editor, notes autosave + conflict view, summary, feedback, insights."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from mentorloom.scheduling.services import mark_no_show
from mentorloom.sessions import selectors, services
from mentorloom.sessions.models import AgendaTopic, SharedNotes, TraitFeedback
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

from .conftest import make_session, release

pytestmark = pytest.mark.django_db
TRAITS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", ["agenda", "notes", "summary", "feedback"])
def test_session_pages_are_404_for_outsiders(past, outsider, page):
    assert as_user(outsider).get(f"/sessions/{past.pk}/{page}/").status_code == 404


def test_mentee_builds_an_agenda_from_a_template_without_javascript(upcoming):
    client = as_user(upcoming.mentee)
    response = client.post(
        f"/sessions/{upcoming.pk}/agenda/template/", {"template": "first-meeting"}, follow=True
    )
    assert response.status_code == 200
    assert "Introductions and backgrounds" in response.content.decode()
    client.post(f"/sessions/{upcoming.pk}/agenda/topics/", {"title": "Salary", "minutes": "5"})
    titles = list(AgendaTopic.objects.values_list("title", flat=True))
    assert titles[-1] == "Salary" and len(titles) == 5


def test_a_live_refresh_of_the_page_leaves_the_one_time_message_for_the_next_page(upcoming):
    """The agenda page's script re-reads the page when a change arrives live, which the
    person's own change also sends: a re-read that lands between their form post and its
    redirect must not take the "Added the topics" message the redirected page is to show."""
    client = as_user(upcoming.mentee)
    client.post(f"/sessions/{upcoming.pk}/agenda/template/", {"template": "first-meeting"})
    added = "Added the “First meeting” topics."
    refresh = client.get(f"/sessions/{upcoming.pk}/agenda/", HTTP_X_LIVE_REFRESH="1")
    assert refresh.status_code == 200
    assert "Introductions and backgrounds" in refresh.content.decode()  # the live parts
    assert added not in refresh.content.decode()
    page = client.get(f"/sessions/{upcoming.pk}/agenda/")
    assert added in page.content.decode()
    assert added not in client.get(f"/sessions/{upcoming.pk}/agenda/").content.decode()


def test_bad_topic_shows_the_error_next_to_the_field(upcoming):
    response = as_user(upcoming.mentee).post(
        f"/sessions/{upcoming.pk}/agenda/topics/", {"title": "x", "minutes": "500"}
    )
    assert response.status_code == 422
    assert 'id="id_minutes_error"' in response.content.decode()


def test_topic_buttons_reorder_and_turn_a_topic_into_an_action_item(upcoming):
    a = services.add_topic(upcoming, upcoming.mentee, title="A")
    b = services.add_topic(upcoming, upcoming.mentee, title="B")
    client = as_user(upcoming.mentor)
    client.post(f"/sessions/{upcoming.pk}/agenda/topics/{b.pk}/", {"action": "up"})
    assert [t.title for t in selectors.topics_of(selectors.agenda_for(upcoming))] == ["B", "A"]
    client.post(f"/sessions/{upcoming.pk}/agenda/topics/{a.pk}/", {"action": "action_item"})
    assert upcoming.action_items.get().title == "A"


def test_carried_forward_item_shows_on_the_next_agenda_page(past, upcoming):
    services.create_action_item(past, past.mentor, title="Call Dana", owner_id=past.mentee_id)
    page = as_user(upcoming.mentee).get(f"/sessions/{upcoming.pk}/agenda/").content.decode()
    assert "Suggested from last time" in page and "Call Dana" in page


def test_notes_autosave_returns_the_new_version(past):
    response = as_user(past.mentee).post(
        f"/sessions/{past.pk}/notes/",
        {"body": "hello", "base_version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="base_version" value="1"' in html and "Saved at" in html


def test_stale_htmx_save_answers_409_with_their_text_and_keeps_both(past):
    services.save_notes(past, past.mentor, body="mentor's lines", base_version=0)
    response = as_user(past.mentee).post(
        f"/sessions/{past.pk}/notes/",
        {"body": "mentee's lines", "base_version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "mentor&#x27;s lines" in html and 'name="merged_version" value="1"' in html
    assert SharedNotes.objects.get().body == "mentor's lines"
    merged = as_user(past.mentee).post(
        f"/sessions/{past.pk}/notes/",
        {"body": "both", "base_version": "0", "merged_version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert merged.status_code == 200 and SharedNotes.objects.get().body == "both"


def test_stale_save_without_javascript_shows_both_texts(past):
    services.save_notes(past, past.mentor, body="theirs", base_version=0)
    response = as_user(past.mentee).post(
        f"/sessions/{past.pk}/notes/", {"body": "mine", "base_version": "0"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert ">mine</textarea>" in html and ">theirs</textarea>" in html


NOTES = "# Goals\nShip the portfolio\n\n# Risks\nTime\n"


def _live_save(client: Client, session, **data):  # type: ignore[no-untyped-def]
    # What notes.js sends: the text, the version it is based on and that version's text.
    return client.post(f"/sessions/{session.pk}/notes/", data, HTTP_ACCEPT="application/json")


def test_live_editor_save_from_an_older_version_merges_and_answers_the_merged_text(past):
    services.save_notes(past, past.mentee, body=NOTES, base_version=0)
    services.save_notes(past, past.mentee, body=NOTES + "Money\n", base_version=1, base_body=NOTES)

    response = _live_save(
        as_user(past.mentor),
        past,
        body=NOTES.replace("portfolio", "portfolio by May"),
        base_version="1",
        base_body=NOTES,
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["version"] == 3
    assert answer["body"] == NOTES.replace("portfolio", "portfolio by May") + "Money\n"
    assert SharedNotes.objects.get().body == answer["body"]


def test_live_editor_true_overlap_answers_409_with_only_the_overlapping_part(past):
    base = NOTES + "\n# Next\nCall Ana\n"
    services.save_notes(past, past.mentee, body=base, base_version=0)
    services.save_notes(
        past, past.mentee, body=base.replace("Time", "Motivation"), base_version=1, base_body=base
    )

    mine = base.replace("Time", "Time and money").replace("Call Ana", "Call Ana today")
    response = _live_save(as_user(past.mentor), past, body=mine, base_version="1", base_body=base)

    assert response.status_code == 409
    answer = response.json()
    assert answer["error"]["code"] == "stale_notes"
    assert answer["current"] == {"body": base.replace("Time", "Motivation"), "version": 2}
    assert answer["draft"] == mine
    status = answer["status_html"]
    assert "You both changed the same line at once" in status
    theirs = re.search(r'id="notes-theirs"[^>]*>(.*?)</textarea>', status, re.S)
    assert theirs and theirs.group(1) == "Motivation"  # only the overlap, not their whole text
    assert 'name="merged_version" value="2"' in status
    # Saving the resolved text against the version shown stores it.
    resolved = _live_save(
        as_user(past.mentor),
        past,
        body=mine.replace("Time and money", "Motivation and money"),
        base_version="1",
        base_body=base,
        merged_version="2",
        merged_base_body=base.replace("Time", "Motivation"),
    )
    assert resolved.status_code == 200
    assert "Motivation and money" in SharedNotes.objects.get().body


def test_stale_form_post_without_javascript_merges_using_the_base_text_in_the_form(past):
    services.save_notes(past, past.mentee, body=NOTES, base_version=0)
    page = as_user(past.mentor).get(f"/sessions/{past.pk}/notes/").content.decode()
    assert '<textarea name="base_body" hidden>\n# Goals' in page
    services.save_notes(past, past.mentee, body=NOTES + "Money\n", base_version=1, base_body=NOTES)

    response = as_user(past.mentor).post(
        f"/sessions/{past.pk}/notes/",
        {
            "body": "Intro\r\n" + NOTES.replace("\n", "\r\n"),
            "base_version": "1",
            "base_body": NOTES.replace("\n", "\r\n"),
        },
    )

    assert response.status_code == 302
    assert SharedNotes.objects.get().body == "Intro\n" + NOTES + "Money\n"


def test_live_editor_gets_422_json_for_oversized_notes(past):
    response = _live_save(as_user(past.mentee), past, body="x" * (100 * 1024 + 1), base_version="0")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "notes_too_large"


def test_notes_page_loads_the_live_editor(past):
    page = as_user(past.mentee).get(f"/sessions/{past.pk}/notes/").content.decode()
    assert f'data-session-id="{past.pk}"' in page and "js/notes.js" in page
    assert 'id="notes-live"' in page


def test_oversized_notes_page_keeps_the_text_and_says_why(past):
    response = as_user(past.mentee).post(
        f"/sessions/{past.pk}/notes/",
        {"body": "y" * (100 * 1024 + 1), "base_version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422 and "100 KB" in response.content.decode()


def test_private_note_is_not_on_the_other_persons_page(past):
    as_user(past.mentee).post(f"/sessions/{past.pk}/notes/private/", {"body": "just for me"})

    def page(user, name: str) -> str:  # type: ignore[no-untyped-def]
        return as_user(user).get(f"/sessions/{past.pk}/{name}/").content.decode()

    assert "just for me" in page(past.mentee, "notes")
    assert "just for me" not in page(past.mentor, "notes")
    assert "just for me" not in page(past.mentor, "summary")


def test_summary_downloads_as_markdown(past):
    services.save_notes(past, past.mentee, body="Decided to apply.", base_version=0)
    response = as_user(past.mentor).get(f"/sessions/{past.pk}/summary.md")
    assert response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    assert "Decided to apply." in response.content.decode()


def test_feedback_form_before_the_session_says_it_opens_later(upcoming):
    page = as_user(upcoming.mentee).get(f"/sessions/{upcoming.pk}/feedback/")
    assert "Feedback opens after the session" in page.content.decode()
    post = as_user(upcoming.mentee).post(f"/sessions/{upcoming.pk}/feedback/", {"empathy": "5"})
    assert post.status_code == 409 and not TraitFeedback.objects.exists()


def test_mentee_leaves_trait_feedback_with_the_form(past):
    data = {**dict.fromkeys(TRAITS, "4"), "useful": "yes", "comment": "Thanks"}
    response = as_user(past.mentee).post(f"/sessions/{past.pk}/feedback/", data)
    assert response.status_code == 302
    saved = TraitFeedback.objects.get()
    assert saved.useful and not saved.share_comment and saved.comment == "Thanks"


def test_the_mentee_a_no_show_report_names_absent_can_still_use_the_feedback_form(past):
    mark_no_show(past.mentor, past)
    client = as_user(past.mentee)
    page = client.get(f"/sessions/{past.pk}/feedback/")
    assert "Feedback opens after the session" not in page.content.decode()
    data = {**dict.fromkeys(TRAITS, "2"), "useful": "no", "comment": "Never showed up himself"}
    response = client.post(f"/sessions/{past.pk}/feedback/", data)
    assert response.status_code == 302
    assert TraitFeedback.objects.get().comment == "Never showed up himself"


def test_out_of_range_rating_in_the_form_is_an_error_next_to_the_trait(past):
    data = {**dict.fromkeys(TRAITS, "4"), "empathy": "9", "useful": "yes"}
    response = as_user(past.mentee).post(f"/sessions/{past.pk}/feedback/", data)
    assert response.status_code == 422 and 'id="id_empathy_error"' in response.content.decode()


def test_feedback_page_after_the_edit_window_is_read_only(past):
    feedback = services.give_trait_feedback(
        past, past.mentee, ratings=dict.fromkeys(TRAITS, 3), useful=True
    )
    TraitFeedback.objects.filter(pk=feedback.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    page = as_user(past.mentee).get(f"/sessions/{past.pk}/feedback/").content.decode()
    assert "now final" in page and "Update feedback" not in page


def _rated(mentor, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for i in range(start, start + n):
        session = make_session(SchedulingMentorshipFactory(mentor=mentor), days=-1 - i / 24)
        services.give_trait_feedback(
            session, session.mentee, ratings={**dict.fromkeys(TRAITS, 4), "empathy": 2 + i},
            useful=True,
        )  # fmt: skip


def test_insights_say_not_enough_at_2_mentees_and_show_averages_at_3():
    mentor = ProfileFactory(is_mentor=True).user
    client = as_user(mentor)
    _rated(mentor, 2)
    release()
    page = client.get("/insights/").content.decode()
    assert "Not enough feedback yet" in page and "<svg" not in page
    assert "Next release:" in page
    _rated(mentor, 1, start=2)
    release(weeks_later=2)
    page = client.get("/insights/").content.decode()
    assert "Not enough feedback yet" not in page
    assert "<td>3.0</td>" in page  # empathy (2+3+4)/3: an average, never one person's 2 or 4
    assert 'class="trend-chart"' in page and "style=" not in page


def test_session_panel_and_dashboard_tags_render(past, upcoming):
    services.add_topic(upcoming, upcoming.mentee, title="Portfolio review")
    services.create_action_item(
        past, past.mentor, title="Overdue thing", owner_id=past.mentee_id,
        due_date=timezone.now().date() - timedelta(days=3),
    )  # fmt: skip
    request = RequestFactory().get("/")
    request.user = upcoming.mentee
    template = Template("{% load sessions_tags %}{% session_panel s %}{% my_action_items %}")
    html = template.render(Context({"request": request, "s": upcoming}))
    assert "Portfolio review" in html and "Edit agenda" in html
    assert "Overdue thing" in html and "Overdue</span>" in html
    ended = Template("{% load sessions_tags %}{% session_panel s %}").render(
        Context({"request": request, "s": past})
    )
    assert "leave your feedback" in ended


def test_live_agenda_save_from_an_older_version_merges_and_answers_json(upcoming):
    first = services.save_agenda_details(upcoming, upcoming.mentee, questions="A?\nB?", links="")
    services.add_topic(upcoming, upcoming.mentee, title="Portfolio")  # moves the version on
    response = as_user(upcoming.mentor).post(
        f"/sessions/{upcoming.pk}/agenda/details/",
        {
            "questions": "A?\nB?\nC?",
            "links": "",
            "base_version": str(first.version),
            "base_questions": "A?\nB?",
            "base_links": "",
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"version": first.version + 2, "questions": "A?\nB?\nC?", "links": ""}


def test_agenda_overlap_without_javascript_keeps_my_text_and_rebases_the_form(upcoming):
    first = services.save_agenda_details(upcoming, upcoming.mentee, questions="A?\nB?", links="")
    base = {"base_version": str(first.version), "base_questions": "A?\nB?", "base_links": ""}
    services.save_agenda_details(
        upcoming,
        upcoming.mentee,
        questions="A?\nB2?",
        links="",
        **{"base_version": first.version, "base_questions": "A?\nB?", "base_links": ""},
    )
    url = f"/sessions/{upcoming.pk}/agenda/details/"
    client = as_user(upcoming.mentor)
    response = client.post(url, {"questions": "A?\nB3?", "links": "", **base})
    assert response.status_code == 409
    page = response.content.decode()
    assert "You both changed the same line at once" in page and "B2?" in page
    assert f'name="base_version" value="{first.version + 1}"' in page
    # Saving again (the form as shown) keeps my wording.
    again = client.post(
        url,
        {
            "questions": "A?\nB3?",
            "links": "",
            "base_version": str(first.version + 1),
            "base_questions": "A?\nB2?",
            "base_links": "",
        },
    )
    assert again.status_code == 302
    assert selectors.agenda_for(upcoming).questions == "A?\nB3?"


def test_live_agenda_bad_link_answers_422_json(upcoming):
    response = as_user(upcoming.mentee).post(
        f"/sessions/{upcoming.pk}/agenda/details/",
        {"questions": "", "links": "javascript:alert(1)"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422
    assert "links" in response.json()["error"]["fields"]


def test_a_topic_that_is_not_on_this_agenda_is_a_404_not_an_error(upcoming):
    client = as_user(upcoming.mentee)
    client.post(f"/sessions/{upcoming.pk}/agenda/topics/", {"title": "Salary", "minutes": "5"})
    unknown = AgendaTopic.objects.order_by("-pk").first().pk + 1
    for topic_id in (unknown, 2**31 - 1):
        response = client.post(
            f"/sessions/{upcoming.pk}/agenda/topics/{topic_id}/", {"action": "done"}
        )
        assert response.status_code == 404
