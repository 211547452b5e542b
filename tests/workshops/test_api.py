from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from mentorloom.workshops import selectors, services
from tests.factories import client_for

from .conftest import person

pytestmark = pytest.mark.django_db


def test_facilitator_schedules_and_people_register_with_waitlist(facilitator):
    start = timezone.now() + timedelta(days=2)
    r = client_for(facilitator).post(
        "/api/v1/workshops",
        {
            "title": "Career stories",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "capacity": 1,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    wid = r.json()["id"]
    a, b = person(), person()
    assert client_for(a).post(f"/api/v1/workshops/{wid}/registration").json()["status"] == (
        "registered"
    )
    assert client_for(b).post(f"/api/v1/workshops/{wid}/registration").json()["status"] == (
        "waitlisted"
    )
    assert client_for(a).delete(f"/api/v1/workshops/{wid}/registration").status_code == 204
    assert client_for(b).get(f"/api/v1/workshops/{wid}").json()["my_status"] == "registered"


def test_bad_schedule_is_422_with_fields(facilitator):
    r = client_for(facilitator).post(
        "/api/v1/workshops",
        {
            "title": "",
            "starts_at": "2020-01-01T10:00:00Z",
            "ends_at": "2020-01-01T09:00:00Z",
            "capacity": 0,
        },
        content_type="application/json",
    )
    assert r.status_code == 422
    assert {"title", "capacity"} <= set(r.json()["error"]["fields"])


def test_join_refusals_have_stable_codes(workshop, facilitator):
    alice, outsider = person(), person()
    services.register(alice, workshop)
    c = client_for(alice)
    with time_machine.travel(workshop.starts_at - timedelta(hours=1)):
        r = c.post(f"/api/v1/workshops/{workshop.pk}/join")
        assert (r.status_code, r.json()["error"]["code"]) == (409, "workshop_not_open")
    with time_machine.travel(workshop.starts_at):
        r = client_for(outsider).post(f"/api/v1/workshops/{workshop.pk}/join")
        assert (r.status_code, r.json()["error"]["code"]) == (403, "not_registered")
        services.set_locked(facilitator, workshop, True)
        r = c.post(f"/api/v1/workshops/{workshop.pk}/join")
        assert (r.status_code, r.json()["error"]["code"]) == (409, "workshop_locked")
    with time_machine.travel(workshop.ends_at):
        r = c.post(f"/api/v1/workshops/{workshop.pk}/join")
        assert r.json()["error"]["code"] == "workshop_over"


def test_full_workshop_puts_a_new_registration_on_the_waitlist_not_in_the_room(workshop):
    workshop.capacity = 1
    workshop.save()
    a, b = person(), person()
    services.register(a, workshop)
    services.register(b, workshop)
    with time_machine.travel(workshop.starts_at):
        r = client_for(b).post(f"/api/v1/workshops/{workshop.pk}/join")
    assert r.json()["error"]["code"] == "not_registered"


def test_facilitator_actions_by_a_participant_are_403(workshop):
    alice = person()
    services.register(alice, workshop)
    c = client_for(alice)
    base = f"/api/v1/workshops/{workshop.pk}"
    for path, body in [
        ("/breakouts", {"count": 2}),
        ("/breakouts/assign", {"mode": "auto"}),
        ("/breakouts/open", {}),
        ("/breakouts/recall", None),
        ("/broadcast", {"text": "hi"}),
        ("/lock", {"locked": True}),
        (f"/participants/{alice.pk}/remove", None),
    ]:
        r = c.post(base + path, body or {}, content_type="application/json")
        assert r.status_code == 403, path
        assert r.json()["error"]["code"] == "not_facilitator"
    assert c.get(base + "/summary").status_code == 403


def test_room_media_only_for_the_assigned_room_and_404_for_forged_ids(workshop, facilitator):
    a, b = person(), person()
    for p in (a, b):
        services.register(p, workshop)
    with time_machine.travel(workshop.starts_at):
        for p in (a, b):
            services.join(p, workshop)
        r = client_for(facilitator).post(
            f"/api/v1/workshops/{workshop.pk}/breakouts",
            {"count": 2},
            content_type="application/json",
        )
        rooms = [room["id"] for room in r.json()]
        fc = client_for(facilitator)
        for p, room in ((a, rooms[0]), (b, rooms[1])):
            fc.post(
                f"/api/v1/workshops/{workshop.pk}/breakouts/assign",
                {"mode": "hand", "user_id": p.pk, "room_id": room},
                content_type="application/json",
            )
        assert (
            fc.post(
                f"/api/v1/workshops/{workshop.pk}/breakouts/open",
                {"minutes": 5},
                content_type="application/json",
            ).status_code
            == 204
        )
        ca = client_for(a)
        assert ca.get(f"/api/v1/workshops/{workshop.pk}/room").json()["id"] == rooms[0]
        media = ca.get(f"/api/v1/workshops/rooms/{rooms[0]}/media")
        assert media.status_code == 200 and media.json()["mode"] == "mesh"
        # No Janus configured: mesh is the mode, nothing to ask for again.
        assert media.json()["retry_after"] is None
        assert ca.get(f"/api/v1/workshops/rooms/{rooms[1]}/media").status_code == 404
        assert ca.get("/api/v1/workshops/rooms/99999999/media").status_code == 404
        assert ca.get("/api/v1/workshops/rooms/abc/media").status_code == 404
        # Notes: members only
        ok = ca.put(
            f"/api/v1/workshops/rooms/{rooms[0]}/note",
            {"note": "ours"},
            content_type="application/json",
        )
        assert ok.status_code == 200
        assert (
            ca.put(
                f"/api/v1/workshops/rooms/{rooms[1]}/note",
                {"note": "x"},
                content_type="application/json",
            ).status_code
            == 404
        )


def test_summary_shows_attendance_and_feedback_average(workshop, facilitator, settings):
    settings.MENTORLOOM_FEEDBACK_K = 2
    a, b = person(), person()
    for p in (a, b):
        services.register(p, workshop)
    with time_machine.travel(workshop.starts_at, tick=False) as clock:
        services.join(a, workshop)
        services.join(b, workshop)
        clock.shift(1800)
        services.leave(a, workshop)
    url = f"/api/v1/workshops/{workshop.pk}/summary"
    with time_machine.travel(workshop.ends_at + timedelta(minutes=5)):
        for p, rating in ((a, 5), (b, 4)):
            r = client_for(p).post(
                f"/api/v1/workshops/{workshop.pk}/feedback",
                {"rating": rating},
                content_type="application/json",
            )
            assert r.status_code == 201
        summary = client_for(facilitator).get(url).json()
    assert summary["attendance"][0]["minutes"] == 30
    assert selectors.attended(a, workshop)
    # Two ratings (k) but feedback is still open: withheld, so no rating can be differenced.
    assert (summary["feedback_average"], summary["feedback_count"]) == (None, None)
    assert summary["feedback_withheld"] == "window_open" and summary["feedback_k"] == 2
    closes = selectors.feedback_closes_at(workshop)
    with time_machine.travel(closes):
        summary = client_for(facilitator).get(url).json()
        late = client_for(a).post(
            f"/api/v1/workshops/{workshop.pk}/feedback",
            {"rating": 1},
            content_type="application/json",
        )
    assert (summary["feedback_average"], summary["feedback_count"]) == (4.5, 2)
    assert summary["feedback_withheld"] is None
    assert late.status_code == 409 and late.json()["error"]["code"] == "feedback_closed"


def test_summary_withholds_a_single_rating_after_the_window(workshop, facilitator, settings):
    settings.MENTORLOOM_FEEDBACK_K = 2
    a = person()
    services.register(a, workshop)
    with time_machine.travel(workshop.starts_at):
        services.join(a, workshop)
    with time_machine.travel(workshop.ends_at + timedelta(minutes=5)):
        services.submit_feedback(a, workshop, 2)
    with time_machine.travel(selectors.feedback_closes_at(workshop) + timedelta(days=30)):
        r = client_for(facilitator).get(f"/api/v1/workshops/{workshop.pk}/summary")
    assert r.status_code == 200
    body = r.json()
    assert (body["feedback_average"], body["feedback_count"]) == (None, None)
    assert body["feedback_withheld"] == "fewer_than_k"


def test_private_workshop_is_404_for_outsiders(facilitator):
    start = timezone.now() + timedelta(days=1)
    private = services.create_workshop(
        facilitator,
        title="Cohort only",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=5,
        is_public=False,
    )
    r = client_for(person()).get(f"/api/v1/workshops/{private.pk}")
    assert r.status_code == 404
