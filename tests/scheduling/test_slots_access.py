"""GET /api/v1/mentors/{id}/slots answers only for a mentor the directory would show the viewer:
anyone else (no account, a deactivated one, not a mentor, private to a program, blocked) is the
same 404, so the endpoint cannot tell which accounts exist or what their time zone is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.services import join_program
from mentorloom.safety.models import Block
from tests.factories import (
    ProfileFactory,
    ProgramFactory,
    ProgramMembershipFactory,
    UserFactory,
    client_for,
)

pytestmark = pytest.mark.django_db

QUERY = {"start": "2030-06-03", "end": "2030-06-03", "duration": 30}


def slots(viewer, mentor_id: int):  # type: ignore[no-untyped-def]
    return client_for(viewer).get(f"/api/v1/mentors/{mentor_id}/slots", QUERY)


def mentor(**profile):  # type: ignore[no-untyped-def]
    return ProfileFactory(is_mentor=True, time_zone="Pacific/Auckland", **profile).user


def test_a_missing_account_and_a_deactivated_mentor_look_the_same():
    gone = mentor()
    gone.is_active = False
    gone.save()
    viewer = ProfileFactory().user
    missing = slots(viewer, 999_999)
    probe = slots(viewer, gone.pk)
    assert probe.status_code == missing.status_code == 404
    assert probe.json() == missing.json()
    assert "Auckland" not in probe.content.decode()


def test_someone_who_is_not_a_mentor_and_a_blocked_mentor_are_not_found():
    viewer = ProfileFactory().user
    member = ProfileFactory(is_mentor=False, time_zone="Pacific/Auckland").user
    blocked, blocker = mentor(), mentor()
    Block.objects.create(blocker=viewer, blocked=blocked)
    Block.objects.create(blocker=blocker, blocked=viewer)
    assert slots(viewer, member.pk).status_code == 404
    assert slots(viewer, blocked.pk).status_code == 404
    assert slots(viewer, blocker.pk).status_code == 404
    assert slots(viewer, mentor().pk).status_code == 200


def test_a_mentor_private_to_a_program_is_found_only_by_its_members_and_mentees():
    program = ProgramFactory(admin=UserFactory())
    member = ProgramMembershipFactory(
        program=program, user=None, email="ivy@example.org", role="mentor"
    )
    ivy = mentor(user=UserFactory(email="ivy@example.org"))
    ivy.date_joined = member.created_at + timedelta(minutes=5)  # signed up from the invitation
    ivy.save()
    insider = ProgramMembershipFactory(program=program, role="mentee").user
    outsider = ProfileFactory().user
    assert slots(outsider, ivy.pk).status_code == 404
    # Shared only once both joined the program: until Ivy says yes, nobody there finds her.
    assert slots(insider, ivy.pk).status_code == 404
    join_program(ivy, program)
    insider_sees = slots(insider, ivy.pk)
    assert insider_sees.status_code == 200
    assert insider_sees.json()["mentor_tz"] == "Pacific/Auckland"
    assert slots(ivy, ivy.pk).status_code == 200  # their own
    # Someone already in a mentorship with her books through it, program or not.
    Mentorship.objects.create(mentor=ivy, mentee=outsider, status="active")
    assert slots(outsider, ivy.pk).status_code == 200


def test_a_mentee_still_sees_their_own_mentors_times_after_the_mentor_stops_listing():
    mine = mentor()
    mentee = ProfileFactory().user
    Mentorship.objects.create(mentor=mine, mentee=mentee)
    mine.profile.is_mentor = False
    mine.profile.save()
    assert slots(mentee, mine.pk).status_code == 200
    assert slots(ProfileFactory().user, mine.pk).status_code == 404


def test_a_former_mentee_no_longer_sees_an_unlisted_mentors_times():
    mine = mentor()
    mentee = ProfileFactory().user
    Mentorship.objects.create(mentor=mine, mentee=mentee, status="ended")
    mine.profile.is_mentor = False
    mine.profile.save()
    assert slots(mentee, mine.pk).status_code == 404
