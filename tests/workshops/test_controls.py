"""The facilitator's live controls inside a room (mute all, spotlight, the mesh stage), the
hand list and the people panel: services, API permissions and what the pages are given."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from mentorloom.workshops import errors, selectors, services
from mentorloom.workshops.models import Room
from tests.factories import client_for

from .conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(workshop, facilitator):
    """Ana and Ben in Room 1, Cy in Room 2, breakouts open, the clock at the start."""
    people = [person(display_name=n) for n in ("Ana", "Ben", "Cy")]
    with time_machine.travel(workshop.starts_at + timedelta(minutes=1), tick=False):
        for p in people:
            services.register(p, workshop)
            services.join(p, workshop)
        rooms = services.create_breakouts(facilitator, workshop, 2)
        for p, room in zip(people, [rooms[0], rooms[0], rooms[1]], strict=True):
            services.assign_by_hand(facilitator, workshop, p.pk, room.pk)
        services.open_breakouts(facilitator, workshop)
        yield people, rooms


def test_people_in_room_follow_the_breakouts(workshop, facilitator, live):
    (ana, ben, cy), (room1, room2) = live
    assert selectors.people_in_room(room1) == sorted([ana.pk, ben.pk, facilitator.pk])
    assert selectors.people_in_room(room2) == sorted([cy.pk, facilitator.pk])
    main = selectors.main_room(workshop)
    assert selectors.people_in_room(main) == [facilitator.pk]


def test_only_the_facilitator_controls_a_room(workshop, facilitator, live):
    (ana, ben, _cy), (room1, _room2) = live
    for call in (
        lambda: services.mute_all(ana, room1, True),
        lambda: services.spotlight(ana, room1, ben.pk),
        lambda: services.set_stage(ana, room1, ben.pk, True),
    ):
        with pytest.raises(errors.NotFacilitator):
            call()
    room1.refresh_from_db()
    assert (room1.muted, room1.spotlight_id, room1.stage) == (False, None, [])


def test_mute_spotlight_and_stage_are_stored_and_given_to_the_pages(
    workshop, facilitator, live, django_capture_on_commit_callbacks
):
    (ana, ben, cy), (room1, room2) = live
    with django_capture_on_commit_callbacks(execute=True):
        services.mute_all(facilitator, room1, True)
    services.spotlight(facilitator, room1, ben.pk)
    services.set_stage(facilitator, room1, ana.pk, True)
    media = services.media_for(ana, Room.objects.get(pk=room1.pk))
    assert media["mode"] == "mesh"
    # The spotlit speaker went on the stage first, Ana joined it after.
    assert (media["muted"], media["spotlight"], media["stage"]) == (True, ben.pk, [ben.pk, ana.pk])
    assert media["on_stage"] is True
    assert services.media_for(ben, Room.objects.get(pk=room1.pk))["on_stage"] is True
    # Room 2 is untouched.
    other = services.media_for(cy, Room.objects.get(pk=room2.pk))
    assert (other["muted"], other["spotlight"], other["stage"]) == (False, None, [])
    # Lifting "mute all" and ending the spotlight.
    services.mute_all(facilitator, room1, False)
    services.spotlight(facilitator, room1, None)
    room1.refresh_from_db()
    assert (room1.muted, room1.spotlight_id) == (False, None)


def test_spotlight_and_stage_only_for_people_in_that_room(workshop, facilitator, live):
    (_ana, _ben, cy), (room1, _room2) = live
    with pytest.raises(errors.NotInRoom):
        services.spotlight(facilitator, room1, cy.pk)
    with pytest.raises(errors.NotInRoom):
        services.set_stage(facilitator, room1, cy.pk, True)


def test_the_stage_holds_three_speakers_besides_the_facilitator(workshop, facilitator):
    people = [person() for _ in range(5)]
    with time_machine.travel(workshop.starts_at, tick=False):
        for p in people:
            services.register(p, workshop)
            services.join(p, workshop)
        main = selectors.main_room(workshop)
        for p in people[:3]:
            services.set_stage(facilitator, main, p.pk, True)
        with pytest.raises(errors.StageFull):
            services.set_stage(facilitator, main, people[3].pk, True)
        services.set_stage(facilitator, main, people[0].pk, False)
        services.set_stage(facilitator, main, people[3].pk, True)
        # The facilitator is always on stage and never takes a speaker's place.
        services.set_stage(facilitator, main, facilitator.pk, True)
    main.refresh_from_db()
    assert main.stage == [people[1].pk, people[2].pk, people[3].pk]


def test_spotlighting_someone_off_a_full_stage_puts_them_on_it_in_the_longest_standings_place(
    workshop, facilitator, monkeypatch
):
    """Mesh beyond the video limit only the stage sends video: a spotlit speaker off stage was
    a black tile. Now spotlighting puts them on stage, dropping whoever has stood there longest,
    and every page in the room hears the new stage with the spotlight."""
    from mentorloom.workshops.services import controls

    pushed: list[tuple[int, dict]] = []
    monkeypatch.setattr(controls, "publish_to_user", lambda uid, e: pushed.append((uid, e)))
    people = [person() for _ in range(5)]
    with time_machine.travel(workshop.starts_at, tick=False):
        for p in people:
            services.register(p, workshop)
            services.join(p, workshop)
        main = selectors.main_room(workshop)
        for p in people[:3]:
            services.set_stage(facilitator, main, p.pk, True)
        pushed.clear()
        services.spotlight(facilitator, main, people[4].pk)
        main = Room.objects.get(pk=main.pk)
        assert main.spotlight_id == people[4].pk
        assert main.stage == [people[1].pk, people[2].pk, people[4].pk]
        assert services.media_for(people[4], main)["on_stage"] is True
        assert services.media_for(people[0], main)["on_stage"] is False
        events = [e for _uid, e in pushed]
        assert {e["type"] for e in events} == {"workshop.spotlight"}
        assert {uid for uid, _e in pushed} == {facilitator.pk, *(p.pk for p in people)}
        assert events[0]["stage"] == [people[1].pk, people[2].pk, people[4].pk]

        # Spotlighting someone already on stage, or the facilitator, leaves the stage as it is.
        services.spotlight(facilitator, main, people[1].pk)
        services.spotlight(facilitator, main, facilitator.pk)
        main = Room.objects.get(pk=main.pk)
        assert main.stage == [people[1].pk, people[2].pk, people[4].pk]

        # Taking the spotlit speaker off the stage ends the spotlight rather than blacking it.
        services.spotlight(facilitator, main, people[2].pk)
        services.set_stage(facilitator, main, people[2].pk, False)
        main = Room.objects.get(pk=main.pk)
        assert (main.spotlight_id, main.stage) == (None, [people[1].pk, people[4].pk])


def test_api_refuses_participants_with_a_stable_code_and_outsiders_with_404(
    workshop, facilitator, live
):
    (ana, ben, _cy), (room1, _room2) = live
    base = f"/api/v1/workshops/{workshop.pk}/rooms/{room1.pk}"
    calls = [
        ("mute", {"muted": True}),
        ("spotlight", {"user_id": ben.pk}),
        ("stage", {"user_id": ben.pk, "on": True}),
    ]
    for path, body in calls:
        r = client_for(ana).post(f"{base}/{path}", body, content_type="application/json")
        assert (r.status_code, r.json()["error"]["code"]) == (403, "not_facilitator"), path

    # A workshop the caller cannot see is 404, however the room is named.
    other_host = person()
    private = services.create_workshop(
        other_host,
        title="Private",
        starts_at=workshop.starts_at + timedelta(days=1),
        ends_at=workshop.ends_at + timedelta(days=1),
        capacity=5,
        is_public=False,
    )
    foreign_room = selectors.main_room(private)
    r = client_for(ana).post(
        f"/api/v1/workshops/{private.pk}/rooms/{foreign_room.pk}/mute",
        {"muted": True},
        content_type="application/json",
    )
    assert r.status_code == 404
    # The facilitator naming another workshop's room under theirs: 404 too.
    r = client_for(facilitator).post(
        f"/api/v1/workshops/{workshop.pk}/rooms/{foreign_room.pk}/mute",
        {"muted": True},
        content_type="application/json",
    )
    assert r.status_code == 404
    foreign_room.refresh_from_db()
    assert foreign_room.muted is False
    r = client_for(facilitator).post(
        f"/api/v1/workshops/{workshop.pk}/rooms/{2**70}/mute",
        {"muted": True},
        content_type="application/json",
    )
    assert r.status_code == 422


def test_api_facilitator_mutes_spotlights_and_stages(workshop, facilitator, live):
    (ana, ben, cy), (room1, _room2) = live
    c = client_for(facilitator)
    base = f"/api/v1/workshops/{workshop.pk}/rooms/{room1.pk}"
    r = c.post(f"{base}/mute", {"muted": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["muted"] is True
    r = c.post(f"{base}/spotlight", {"user_id": ben.pk}, content_type="application/json")
    assert (r.json()["spotlight"], r.json()["stage"]) == (ben.pk, [ben.pk])
    r = c.post(f"{base}/spotlight", {"user_id": cy.pk}, content_type="application/json")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "not_in_room")
    r = c.post(f"{base}/stage", {"user_id": ana.pk, "on": True}, content_type="application/json")
    assert r.json()["stage"] == [ben.pk, ana.pk]


def test_hand_list_in_the_order_raised_and_lowered_over_the_api(workshop, facilitator, live):
    (ana, ben, cy), _rooms = live
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for p in (cy, ana, ben):
            client_for(p).post(
                f"/api/v1/workshops/{workshop.pk}/signals",
                {"kind": "hand"},
                content_type="application/json",
            )
            clock.shift(1)
    listed = client_for(facilitator).get(f"/api/v1/workshops/{workshop.pk}/signals").json()
    assert [s["user_id"] for s in listed] == [cy.pk, ana.pk, ben.pk]
    assert listed[0]["room"] == "Room 2"
    own = client_for(ana).get(f"/api/v1/workshops/{workshop.pk}/signals").json()
    assert [s["user_id"] for s in own] == [ana.pk]
    # Ana cannot lower Cy's hand; the facilitator marks it answered; Ana lowers her own.
    r = client_for(ana).post(f"/api/v1/workshops/{workshop.pk}/signals/{listed[0]['id']}/lower")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_facilitator")
    r = client_for(facilitator).post(
        f"/api/v1/workshops/{workshop.pk}/signals/{listed[0]['id']}/lower"
    )
    assert r.status_code == 204
    client_for(ana).post(f"/api/v1/workshops/{workshop.pk}/signals/{listed[1]['id']}/lower")
    left = client_for(facilitator).get(f"/api/v1/workshops/{workshop.pk}/signals").json()
    assert [s["user_id"] for s in left] == [ben.pk]


def test_people_panel_marks_hands_in_order_and_the_own_button_toggles(workshop, facilitator, live):
    (ana, ben, _cy), (room1, _room2) = live
    with time_machine.travel(timezone.now(), tick=False) as clock:
        services.raise_signal(ben, workshop, "hand")
        clock.shift(1)
        services.raise_signal(ana, workshop, "hand")
        page = client_for(facilitator).get(f"/workshops/{workshop.pk}/live/people/?room={room1.pk}")
        html = page.content.decode()
        assert page.status_code == 200
        assert html.index("Ben · Raised hand") < html.index("Ana · Raised hand")
        assert "Mute all" in html and "Spotlight<span" in html
        own = client_for(ana).get(f"/workshops/{workshop.pk}/live/people/").content.decode()
        assert "Lower hand" in own and "Mute all" not in own
        outsider = client_for(person()).get(f"/workshops/{workshop.pk}/live/people/")
        assert outsider.status_code == 404


def test_control_form_actions_for_the_buttons(workshop, facilitator, live):
    (ana, ben, _cy), (room1, _room2) = live
    url = f"/workshops/{workshop.pk}/control/"
    c = client_for(facilitator)
    c.post(url, {"action": "mute_all", "room_id": room1.pk})
    c.post(url, {"action": "spotlight", "room_id": room1.pk, "user_id": ben.pk})
    c.post(url, {"action": "stage_on", "room_id": room1.pk, "user_id": ana.pk})
    room1.refresh_from_db()
    assert (room1.muted, room1.spotlight_id, room1.stage) == (True, ben.pk, [ben.pk, ana.pk])
    r = client_for(ana).post(
        url, {"action": "mute_all", "room_id": room1.pk}, HTTP_ACCEPT="application/json"
    )
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_facilitator")
    c.post(url, {"action": "unmute_all", "room_id": room1.pk})
    c.post(url, {"action": "spotlight", "room_id": room1.pk, "user_id": ""})
    c.post(url, {"action": "stage_off", "room_id": room1.pk, "user_id": ana.pk})
    room1.refresh_from_db()
    assert (room1.muted, room1.spotlight_id, room1.stage) == (False, None, [ben.pk])
