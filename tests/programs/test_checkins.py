"""Program check-ins: scheduled every N weeks to both sides; low scores reach admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.notifications.models import Notification
from mentorloom.programs import services
from mentorloom.programs.models import CheckIn
from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    admin = UserFactory()
    program = ProgramFactory(admin=admin, checkin_every_weeks=2)
    mentor = ProgramMembershipFactory(program=program, role="mentor")
    mentee = ProgramMembershipFactory(program=program, role="mentee")
    run = services.run_matching(admin, program)
    services.publish_run(admin, run)
    run.refresh_from_db()
    return admin, program, mentor, mentee, run


def test_checkins_go_to_both_sides_every_n_weeks_once(published):
    _, _, mentor, mentee, run = published
    start = run.published_at
    assert services.send_due_checkins(start + timedelta(days=13)) == 0
    assert services.send_due_checkins(start + timedelta(days=14)) == 2
    assert services.send_due_checkins(start + timedelta(days=20)) == 0
    assert services.send_due_checkins(start + timedelta(days=28)) == 2
    assert set(CheckIn.objects.values_list("membership_id", flat=True)) == {mentor.pk, mentee.pk}
    assert Notification.objects.filter(user=mentee.user, kind="program.checkin").count() == 2


def test_a_low_score_nudges_admins_and_not_the_other_side(published, client):
    admin, program, mentor, mentee, run = published
    services.send_due_checkins(run.published_at + timedelta(days=14))
    item = CheckIn.objects.get(membership=mentee)
    client.force_login(mentee.user)
    url = f"/programs/{program.pk}/checkins/{item.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"score": "2", "note": "Hard to meet"})
    item.refresh_from_db()
    assert (item.score, item.note) == (2, "Hard to meet")
    assert Notification.objects.filter(user=admin, kind="program.checkin_low").exists()
    assert not Notification.objects.filter(user=mentor.user, kind="program.checkin_low").exists()
    client.force_login(mentor.user)
    assert client.get(url).status_code == 404


def test_a_bad_score_is_a_form_error_not_a_500(published, client):
    _, program, _, mentee, run = published
    services.send_due_checkins(run.published_at + timedelta(days=14))
    item = CheckIn.objects.get(membership=mentee)
    client.force_login(mentee.user)
    response = client.post(
        f"/programs/{program.pk}/checkins/{item.pk}/", {"score": "x"}, follow=True
    )
    assert response.status_code == 200 and b"from 1 to 5" in response.content
    item.refresh_from_db()
    assert item.score is None and timezone.now()
