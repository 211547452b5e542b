"""Block effects (requests withdrawn, hidden both ways, audited) and reports to the staff queue."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from mentorloom.audit.models import AuditEvent
from mentorloom.core.errors import NotFound, PermissionDenied
from mentorloom.core.realtime import lifetime
from mentorloom.mentorships import services as mentorship_services
from mentorloom.mentorships.models import RequestStatus
from mentorloom.safety import services
from mentorloom.safety.models import Block, Report
from mentorloom.safety.selectors import hidden_user_ids, is_blocked_between
from tests.factories import MentorProfileFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
MESSAGE = "I would really value your perspective on moving from engineering into product work."


@pytest.fixture
def mentor():
    return MentorProfileFactory(
        display_name="Maya Mentor", user__email_verified_at=timezone.now()
    ).user


@pytest.fixture
def mentee():
    return ProfileFactory(display_name="Ola Mentee", user__email_verified_at=timezone.now()).user


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_block_withdraws_open_requests_hides_both_ways_and_is_audited(mentor, mentee):
    r = mentorship_services.send_request(mentee, mentor.pk, message=MESSAGE)
    services.block_user(mentor, mentee.pk)
    r.refresh_from_db()
    assert r.status == RequestStatus.WITHDRAWN
    assert hidden_user_ids(mentee.pk) == {mentor.pk} and hidden_user_ids(mentor.pk) == {mentee.pk}
    assert is_blocked_between(mentee.pk, mentor.pk)
    event = AuditEvent.objects.get(kind="block.created")
    assert (event.actor, event.target_id, event.data["withdrawn_requests"]) == (
        mentor,
        str(mentee.pk),
        1,
    )
    # And no new request can be sent either way.
    from mentorloom.mentorships.errors import MentorUnavailable

    with pytest.raises(MentorUnavailable):
        mentorship_services.send_request(mentee, mentor.pk, message=MESSAGE)


def test_blocking_twice_is_harmless_and_unblock_is_audited(mentor, mentee):
    services.block_user(mentee, mentor.pk)
    services.block_user(mentee, mentor.pk)
    assert Block.objects.count() == 1
    services.unblock_user(mentee, mentor.pk)
    assert not is_blocked_between(mentee.pk, mentor.pk)
    assert AuditEvent.objects.filter(kind="block.removed").count() == 1


def test_blocks_api(client, mentor, mentee):
    client.force_login(mentee)
    assert post(client, "/api/v1/blocks", {"user_id": mentor.pk}).status_code == 201
    assert client.get("/api/v1/blocks").json()[0]["user_id"] == mentor.pk
    me = post(client, "/api/v1/blocks", {"user_id": mentee.pk})
    assert me.status_code == 422 and me.json()["error"]["code"] == "invalid"
    assert post(client, "/api/v1/blocks", {"user_id": 999999}).status_code == 422
    assert client.delete(f"/api/v1/blocks/{mentor.pk}").status_code == 204
    assert client.get("/api/v1/blocks").json() == []


def test_report_goes_to_the_queue_and_the_audit_log(client, mentor, mentee):
    client.force_login(mentee)
    response = post(
        client,
        "/api/v1/reports",
        {
            "user_id": mentor.pk,
            "reason": "harassment",
            "details": "Rude messages",
            "context_url": "/requests/1/",
        },
    )
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.status) == (mentee, mentor, "open")
    assert AuditEvent.objects.get(kind="report.filed").data["report_id"] == report.pk


@pytest.mark.parametrize(
    ("body", "status"),
    [({"reason": "nonsense"}, 422), ({"reason": "spam", "details": "x" * 4001}, 422)],
)
def test_bad_reports_are_refused(client, mentor, mentee, body, status):
    client.force_login(mentee)
    assert post(client, "/api/v1/reports", {"user_id": mentor.pk, **body}).status_code == status
    assert not Report.objects.exists()


def test_report_about_unknown_person_or_self(client, mentee):
    client.force_login(mentee)
    assert post(client, "/api/v1/reports", {"user_id": 99999, "reason": "spam"}).status_code == 404
    assert (
        post(client, "/api/v1/reports", {"user_id": mentee.pk, "reason": "spam"}).status_code == 422
    )


def test_report_page_files_report_and_can_also_block(client, mentor, mentee):
    client.force_login(mentee)
    page = client.get(f"/people/{mentor.pk}/report/?next=/requests/")
    assert page.status_code == 200 and b"Report Maya Mentor" in page.content
    response = client.post(
        f"/people/{mentor.pk}/report/",
        {"reason": "spam", "details": "Selling courses", "also_block": "on", "next": "/requests/"},
    )
    assert response.status_code == 302 and response.url == "/requests/"
    assert Report.objects.get().details == "Selling courses"
    assert is_blocked_between(mentee.pk, mentor.pk)


def test_block_page_confirms_then_blocks(client, mentor, mentee):
    client.force_login(mentee)
    assert b"Block Maya Mentor?" in client.get(f"/people/{mentor.pk}/block/").content
    assert client.post(f"/people/{mentor.pk}/block/").status_code == 302
    assert is_blocked_between(mentee.pk, mentor.pk)
    assert client.get(f"/people/{mentee.pk}/block/").status_code == 404  # yourself


def test_report_admin_queue_lists_reports(admin_client, mentor, mentee):
    services.report_user(mentee, mentor.pk, reason="spam", details="Link farm")
    page = admin_client.get("/admin/safety/report/")
    assert page.status_code == 200 and b"Spam or scam" in page.content


# --- bans (issue 22, defect 3: a ban ends the person's open sockets) ------------------------


@pytest.mark.django_db
def test_staff_ban_deactivates_audits_and_closes_sockets(
    monkeypatch, django_capture_on_commit_callbacks
):
    closes: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        lifetime, "_send_to_sockets", lambda user_id, event: closes.append((user_id, event))
    )
    staff = UserFactory(is_staff=True)
    target = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ban_user(staff, target.pk, note="spam") is True
        assert services.ban_user(staff, target.pk) is False  # once
    target.refresh_from_db()
    assert not target.is_active
    assert [c[1]["reason"] for c in closes] == ["banned"]
    assert AuditEvent.objects.filter(kind="moderation.ban", target_id=str(target.pk)).count() == 1


@pytest.mark.django_db
def test_only_staff_can_ban_and_unknown_people_are_not_found():
    someone, target = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        services.ban_user(someone, target.pk)
    with pytest.raises(NotFound):
        services.ban_user(UserFactory(is_staff=True), 999_999)
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.django_db
def test_an_unverified_account_cannot_file_a_report(client, mentor):
    unverified = ProfileFactory(
        display_name="New Person", user=UserFactory(email_verified_at=None)
    ).user
    client.force_login(unverified)
    response = client.post(
        "/api/v1/reports",
        {"user_id": mentor.pk, "reason": "spam", "details": ""},
        content_type="application/json",
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "email_unverified"
    assert "/accounts/verify/sent/" in error["message"]
    page = client.post(f"/people/{mentor.pk}/report/", {"reason": "spam"})
    assert page.status_code == 403
    assert not Report.objects.exists()
