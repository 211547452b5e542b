from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mentorloom.workshops import selectors, services
from mentorloom.workshops.models import RoomKind
from tests.factories import client_for

from .conftest import person

pytestmark = pytest.mark.django_db


def test_schedule_form_reads_times_in_the_chosen_zone(facilitator):
    from django.utils import timezone

    year = timezone.now().year + 1  # within the two years a workshop may be scheduled ahead
    r = client_for(facilitator).post(
        "/workshops/new/",
        {
            "title": "Tokyo morning",
            "starts_at": f"{year}-03-03T09:00",
            "ends_at": f"{year}-03-03T10:00",
            "zone": "Asia/Tokyo",
            "capacity": "12",
        },
    )
    assert r.status_code == 302
    workshop = selectors.upcoming_workshops(facilitator).get(title="Tokyo morning")
    assert workshop.starts_at.isoformat() == f"{year}-03-03T00:00:00+00:00"


def test_schedule_form_shows_field_errors_not_a_500(facilitator):
    r = client_for(facilitator).post(
        "/workshops/new/",
        {"title": "", "starts_at": "x", "ends_at": "", "zone": "Mars/Base", "capacity": "0"},
    )
    assert r.status_code == 200
    assert b"Unknown time zone" in r.content


def test_detail_shows_times_in_the_viewers_zone_and_registers(workshop):
    viewer = person(time_zone="America/New_York")
    c = client_for(viewer)
    page = c.get(f"/workshops/{workshop.pk}/").content.decode()
    local = workshop.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%H:%M") in page
    assert c.post(f"/workshops/{workshop.pk}/register/").status_code == 302
    assert "You are registered" in c.get(f"/workshops/{workshop.pk}/").content.decode()
    c.post(f"/workshops/{workshop.pk}/cancel/")
    assert selectors.registration_of(viewer, workshop).status == "cancelled"


def test_live_page_for_participant_and_facilitator(workshop, facilitator):
    alice = person()
    services.register(alice, workshop)
    with time_machine.travel(workshop.starts_at):
        page = client_for(alice).get(f"/workshops/{workshop.pk}/live/")
        assert page.status_code == 200
        assert b"workshop-config" in page.content
        assert b"Facilitator controls" not in page.content
        # The room's chat is named after the room, not after one of the people in it.
        assert b"Chat in Main room" in page.content and b"Chat with" not in page.content
        fpage = client_for(facilitator).get(f"/workshops/{workshop.pk}/live/")
        assert b"Facilitator controls" in fpage.content
        # A participant posting a facilitator action gets the error, nothing changes.
        r = client_for(alice).post(
            f"/workshops/{workshop.pk}/control/",
            {"action": "create", "count": "2"},
            HTTP_ACCEPT="application/json",
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_facilitator"
        assert selectors.breakout_rooms(workshop) == []
        r = client_for(facilitator).post(
            f"/workshops/{workshop.pk}/control/", {"action": "create", "count": "abc"}
        )
        assert r.status_code == 302


def test_live_page_before_opening_redirects_with_a_message(workshop):
    alice = person()
    services.register(alice, workshop)
    r = client_for(alice).get(f"/workshops/{workshop.pk}/live/", follow=True)
    # Said once, as information: early is not an error.
    assert r.content.count(b"opens 10 minutes before") == 1
    assert b"alert--error" not in r.content


def test_after_the_workshop_the_page_shows_notes_chat_and_feedback(workshop, facilitator):
    alice = person()
    services.register(alice, workshop)
    with time_machine.travel(workshop.starts_at):
        services.join(alice, workshop)
        rooms = services.create_breakouts(facilitator, workshop, 1)
        services.assign_automatically(facilitator, workshop)
        services.save_note(alice, rooms[0], "Setbacks teach")
    with time_machine.travel(workshop.ends_at + timedelta(minutes=1)):
        c = client_for(alice)
        page = c.get(f"/workshops/{workshop.pk}/").content.decode()
        assert "Setbacks teach" in page and "Room chat" in page
        assert c.get(f"/workshops/rooms/{rooms[0].pk}/chat/").status_code == 200
        c.post(f"/workshops/{workshop.pk}/feedback/", {"rating": "4", "comment": "ok"})
        fpage = client_for(facilitator).get(f"/workshops/{workshop.pk}/").content.decode()
        # Live, one rating would be attributable: shown only after the window, from k up.
        assert "/ 5 from" not in fpage and "shown once feedback has closed" in fpage
    assert rooms[0].kind == RoomKind.BREAKOUT


def test_the_facilitator_sees_the_feedback_average_only_after_the_window_from_k_people(
    workshop, facilitator, settings
):
    settings.MENTORLOOM_FEEDBACK_K = 2
    alice, bo = person(), person()
    for p in (alice, bo):
        services.register(p, workshop)
    with time_machine.travel(workshop.starts_at):
        services.join(alice, workshop)
        services.join(bo, workshop)
    page = f"/workshops/{workshop.pk}/"
    with time_machine.travel(workshop.ends_at + timedelta(minutes=1)):
        client_for(alice).post(f"{page}feedback/", {"rating": "4"})
    closes = selectors.feedback_closes_at(workshop)
    with time_machine.travel(closes):
        one = client_for(facilitator).get(page).content.decode()
        # After the window the form is gone and a late answer is refused, not lost silently.
        bo_page = client_for(bo).get(page).content.decode()
        response = client_for(bo).post(f"{page}feedback/", {"rating": "5"}, follow=True)
    assert "Fewer than 2 people rated" in one and "/ 5 from" not in one
    assert "Send feedback" not in bo_page
    assert response.status_code == 200 and "has closed" in response.content.decode()

    # Had Bo answered in time, the two ratings are shown once the window has closed.
    with time_machine.travel(workshop.ends_at + timedelta(hours=2)):
        client_for(bo).post(f"{page}feedback/", {"rating": "5"})
    with time_machine.travel(closes):
        shown = client_for(facilitator).get(page).content.decode()
    assert "4.5 / 5 from 2 people" in shown


def test_room_chat_page_is_404_for_non_members(workshop, facilitator):
    rooms = services.create_breakouts(facilitator, workshop, 1)
    assert client_for(person()).get(f"/workshops/rooms/{rooms[0].pk}/chat/").status_code == 404


def test_detail_names_the_zone_it_was_scheduled_in_not_as_the_facilitators(workshop):
    workshop.zone = "UTC"
    workshop.save(update_fields=["zone"])
    page = client_for(person(time_zone="America/Sao_Paulo")).get(f"/workshops/{workshop.pk}/")
    html = page.content.decode()
    start = workshop.starts_at.astimezone(ZoneInfo("UTC"))
    assert f"Scheduled for {start:%a %d %b %Y, %H:%M} (UTC)" in html
    assert "(UTC)</dd>" not in html
    same_zone = client_for(person(time_zone="UTC")).get(f"/workshops/{workshop.pk}/")
    assert "Scheduled for" not in same_zone.content.decode()


def test_list_says_how_full_each_workshop_is_and_where_the_viewer_stands(workshop, facilitator):
    workshop.capacity = 1
    workshop.save(update_fields=["capacity"])
    first, second = person(), person()
    services.register(first, workshop)
    services.register(second, workshop)
    assert "full: 1 of 1 places taken, waitlist open" in client_for(person()).get(
        "/workshops/"
    ).content.decode().replace("\n", " ").replace("  ", " ")
    assert "You are registered" in client_for(first).get("/workshops/").content.decode()
    assert "You are on the waitlist" in client_for(second).get("/workshops/").content.decode()
    assert "You facilitate" in client_for(facilitator).get("/workshops/").content.decode()
