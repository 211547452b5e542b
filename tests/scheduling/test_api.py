"""The scheduling API through the test client: slots, availability, booking and changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mentorloom.safety.models import Block
from mentorloom.scheduling.models import AvailabilityRule, Session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TUE_9_BERLIN = "2025-06-03T07:00:00Z"


@pytest.fixture
def mentee_client(client, mentorship):
    client.force_login(mentorship.mentee)
    return client


def slots(client, mentorship, **params):  # type: ignore[no-untyped-def]
    query = {"start": "2025-06-03", "end": "2025-06-03", "duration": 60, "tz": "Asia/Tokyo"}
    query.update(params)
    return client.get(f"/api/v1/mentors/{mentorship.mentor_id}/slots", query)


def test_slots_are_listed_in_the_requested_zone_with_utc_and_mentor_time(
    mentee_client, mentorship, frozen
):
    response = slots(mentee_client, mentorship, start="2025-06-03", end="2025-06-04")
    assert response.status_code == 200
    body = response.json()
    assert body["tz"] == "Asia/Tokyo" and body["mentor_tz"] == "Europe/Berlin"
    first = body["slots"][0]
    # Tokyo's Tuesday 3 June starts at Mon 15:00 UTC, still inside the 12 h notice; the first
    # free hour is Berlin Tue 09:00 = Tokyo 16:00.
    assert first == {
        "start": "2025-06-03T16:00:00+09:00",
        "end": "2025-06-03T17:00:00+09:00",
        "start_utc": "2025-06-03T07:00:00Z",
        "mentor_local": "2025-06-03T09:00:00+02:00",
    }
    starts = [s["start"] for s in body["slots"]]
    assert all(s.endswith("+09:00") for s in starts)
    # The range is whole Tokyo dates: nothing at or after 5 June 00:00 Tokyo.
    assert max(starts) < "2025-06-05T00:00:00+09:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"start": "2025-06-05", "end": "2025-06-03"}, "end"),
        ({"start": "2025-06-01", "end": "2025-09-01"}, "end"),
        ({"duration": 45}, "duration"),
        ({"start": "03/06/2025"}, "start"),
    ],
)
def test_bad_slot_queries_get_the_error_shape(mentee_client, mentorship, frozen, params, field):
    response = slots(mentee_client, mentorship, **params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"] and field in error["fields"]


def test_slots_of_someone_who_blocked_you_are_not_found(mentee_client, mentorship, frozen):
    Block.objects.create(blocker=mentorship.mentor, blocked=mentorship.mentee)
    assert slots(mentee_client, mentorship).status_code == 404


def test_slots_need_sign_in(client, mentorship):
    assert slots(client, mentorship).status_code == 401


def post_booking(client, mentorship, key=None, **body):  # type: ignore[no-untyped-def]
    payload = {"start": TUE_9_BERLIN, "duration": 30, "tz": "Asia/Tokyo", **body}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/mentorships/{mentorship.pk}/sessions",
        json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def test_booking_through_the_api_and_the_conflict_answer(mentee_client, mentorship, frozen):
    created = post_booking(mentee_client, mentorship)
    assert created.status_code == 201
    assert created.json()["start_local"] == "2025-06-03T16:00:00+09:00"
    again = post_booking(mentee_client, mentorship)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "slot_taken"


def test_idempotency_key_replays_the_first_booking(mentee_client, mentorship, frozen):
    first = post_booking(mentee_client, mentorship, key="k-1")
    second = post_booking(mentee_client, mentorship, key="k-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Session.objects.count() == 1


def test_reusing_a_key_with_a_different_body_is_a_conflict(mentee_client, mentorship, frozen):
    # The one rule for every create (issue 22.7): 409 `idempotency_key_reused`, nothing booked.
    post_booking(mentee_client, mentorship, key="k-1")
    reused = post_booking(mentee_client, mentorship, key="k-1", start="2025-06-03T08:00:00Z")
    assert reused.status_code == 409
    error = reused.json()["error"]
    assert error["code"] == "idempotency_key_reused" and "Idempotency-Key" in error["fields"]
    assert Session.objects.count() == 1


def test_an_overlong_idempotency_key_is_invalid_input(mentee_client, mentorship, frozen):
    response = post_booking(mentee_client, mentorship, key="k" * 256)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"start": "2025-06-03T06:00:00Z"}, 422, "outside_availability"),
        ({"duration": 45}, 422, "duration_not_offered"),
        ({"tz": "Nowhere/Town"}, 422, "invalid"),
        ({"start": "2025-06-03T07:00:00"}, 422, "invalid"),
        ({"duration": -(10**20)}, 422, "invalid"),
        ({"duration": 10**20}, 422, "invalid"),
    ],
)
def test_bad_bookings_are_refused(mentee_client, mentorship, frozen, body, status, code):
    response = post_booking(mentee_client, mentorship, **body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_booking_in_an_ended_mentorship_is_forbidden(mentee_client, mentorship, frozen):
    mentorship.status = "ended"
    mentorship.save()
    response = post_booking(mentee_client, mentorship)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mentorship_not_active"


def test_outsiders_get_404_for_mentorships_and_sessions(client, mentorship, frozen):
    session_id = None
    client.force_login(mentorship.mentee)
    session_id = post_booking(client, mentorship).json()["id"]
    client.force_login(UserFactory())
    assert post_booking(client, mentorship).status_code == 404
    assert client.get(f"/api/v1/sessions/{session_id}").status_code == 404
    assert (
        client.post(
            f"/api/v1/sessions/{session_id}/cancel", "{}", content_type="application/json"
        ).status_code
        == 404
    )


def test_cancel_reschedule_and_no_show_routes(mentee_client, mentorship, frozen):
    session_id = post_booking(mentee_client, mentorship).json()["id"]
    moved = mentee_client.post(
        f"/api/v1/sessions/{session_id}/reschedule",
        json.dumps({"start": "2025-06-03T09:00:00Z", "tz": "Asia/Tokyo"}),
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["ics_sequence"] == 1
    early = mentee_client.post(f"/api/v1/sessions/{session_id}/no-show")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "too_early_for_no_show"
    cancelled = mentee_client.post(
        f"/api/v1/sessions/{session_id}/cancel",
        json.dumps({"reason": "Travel"}),
        content_type="application/json",
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["late_cancel"] is False  # 27 h ahead: outside the 24 h window
    twice = mentee_client.post(
        f"/api/v1/sessions/{session_id}/cancel", "{}", content_type="application/json"
    )
    assert twice.status_code == 409


def test_availability_api_replaces_rules_and_rejects_overlaps(client, frozen):
    user = UserFactory()
    client.force_login(user)
    ok = client.put(
        "/api/v1/availability/rules",
        json.dumps(
            {
                "rules": [
                    {"weekday": 2, "start": "07:00", "end": "09:00"},
                    {"weekday": 2, "start": "19:00", "end": "21:30"},
                ]
            }
        ),
        content_type="application/json",
    )
    assert ok.status_code == 200 and len(ok.json()) == 2
    overlap = client.post(
        "/api/v1/availability/rules",
        json.dumps({"weekday": 2, "start": "08:00", "end": "10:00"}),
        content_type="application/json",
    )
    assert overlap.status_code == 422
    assert overlap.json()["error"]["code"] == "rule_overlap"
    backwards = client.post(
        "/api/v1/availability/rules",
        json.dumps({"weekday": 3, "start": "10:00", "end": "09:00"}),
        content_type="application/json",
    )
    assert backwards.status_code == 422 and "end" in backwards.json()["error"]["fields"]
    assert AvailabilityRule.objects.filter(mentor=user).count() == 2
    settings = client.patch(
        "/api/v1/availability/settings",
        json.dumps({"buffer_before_minutes": 10, "max_per_day": 3}),
        content_type="application/json",
    )
    assert settings.status_code == 200 and settings.json()["max_per_day"] == 3
    bad = client.patch(
        "/api/v1/availability/settings",
        json.dumps({"horizon_days": 0}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "horizon_days" in bad.json()["error"]["fields"]
    blocked = client.post(
        "/api/v1/availability/overrides",
        json.dumps({"date": "2025-12-24", "kind": "blocked"}),
        content_type="application/json",
    )
    assert blocked.status_code == 201
    body = client.get("/api/v1/availability").json()
    assert body["overrides"][0]["kind"] == "blocked"
    assert body["settings"]["buffer_before_minutes"] == 10
    assert datetime.now(UTC) - timedelta(days=1)  # frozen clock sanity


def test_booking_needs_a_verified_email(mentee_client, mentorship, frozen):
    mentee = mentorship.mentee
    mentee.email_verified_at = None
    mentee.save(update_fields=["email_verified_at"])
    response = post_booking(mentee_client, mentorship)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_unverified"
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "rule",
    [
        {"weekday": 2, "start": "00:00:00Z", "end": "09:00"},
        {"weekday": 2, "start": "07:00", "end": "09:00+02:00"},
        {"weekday": 10**20, "start": "07:00", "end": "09:00"},
    ],
)
def test_rules_with_zoned_times_or_huge_numbers_are_422_not_500(client, rule):
    client.force_login(UserFactory())
    for method in (client.post, client.put):
        body = rule if method is client.post else {"rules": [rule]}
        response = method(
            "/api/v1/availability/rules", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid"
    assert not AvailabilityRule.objects.exists()


def test_ids_beyond_64_bits_are_422_not_500(mentee_client, mentorship):
    huge = 2**63
    assert mentee_client.get(f"/api/v1/sessions/{huge}").status_code == 422
    assert mentee_client.get(f"/api/v1/mentorships/{huge}/agreement").status_code == 422
    assert mentee_client.get(f"/api/v1/sessions/{huge - 1}").status_code == 404


def test_moving_a_session_needs_a_verified_email(mentee_client, mentorship, frozen):
    session_id = post_booking(mentee_client, mentorship).json()["id"]
    mentee = mentorship.mentee
    mentee.email_verified_at = None
    mentee.save(update_fields=["email_verified_at"])
    moved = mentee_client.post(
        f"/api/v1/sessions/{session_id}/reschedule",
        json.dumps({"start": "2025-06-03T09:00:00Z", "tz": "Asia/Tokyo"}),
        content_type="application/json",
    )
    assert moved.status_code == 403
    assert moved.json()["error"]["code"] == "email_unverified"
    assert Session.objects.get().starts_at == datetime(2025, 6, 3, 7, tzinfo=UTC)
