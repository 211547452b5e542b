"""Blocks in bulk matching: an admin's swap or lock never pairs two people with a block between
them, publishing never introduces them, and nothing a run reports says that a block exists."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentorloom.mentorships.errors import MentorUnavailable
from mentorloom.mentorships.models import Mentorship
from mentorloom.mentorships.services import start_introduced_mentorship
from mentorloom.notifications.models import Notification
from mentorloom.programs import services
from mentorloom.programs.assignment import CONSTRAINTS_COMBINED, REASON_TEXT
from mentorloom.programs.errors import CannotPair, InvalidLock
from mentorloom.programs.models import RunStatus
from mentorloom.safety.models import Block
from tests.factories import ProfileFactory, ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSAL = "These two people cannot be paired."


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def upload(client, program, rows):
    data = "email,role,name,capacity\n" + "".join(f"{e},{r},{n},1\n" for e, r, n in rows)
    return client.post(
        f"/api/v1/programs/{program.pk}/imports",
        data={"file": SimpleUploadedFile("m.csv", data.encode(), "text/csv")},
    )


@pytest.fixture
def admin():
    return UserFactory()


@pytest.fixture
def two_pairs(admin):
    """Two mentees and two mentors (capacity 1 each), all with accounts: (program, mentees,
    mentors), each list in membership order."""
    program = ProgramFactory(admin=admin)
    mentees = [ProgramMembershipFactory(program=program, role="mentee") for _ in range(2)]
    mentors = [
        ProgramMembershipFactory(program=program, role="mentor", capacity=1) for _ in range(2)
    ]
    return program, mentees, mentors


def _pair_of(run, mentee):
    return run.pairs.select_related("mentee", "mentor").get(mentee=mentee)


def test_a_swap_onto_a_blocked_pair_is_refused_over_http_and_publish_starts_no_such_mentorship(
    client, admin
):
    program = ProgramFactory(admin=admin)
    victim, harasser = ProfileFactory().user, ProfileFactory().user
    other_mentee, other_mentor = ProfileFactory().user, ProfileFactory().user
    Block.objects.create(blocker=victim, blocked=harasser)
    client.force_login(admin)
    rows = [
        (victim.email, "mentee", "V"),
        (other_mentee.email, "mentee", "O"),
        (harasser.email, "mentor", "H"),
        (other_mentor.email, "mentor", "M"),
    ]
    assert upload(client, program, rows).status_code == 200
    run = post(client, f"/api/v1/programs/{program.pk}/runs", {"mode": "optimal"}).json()
    by_mentee = {p["mentee"]["email"]: p for p in run["pairs"]}
    assert by_mentee[victim.email]["mentor"]["email"] == other_mentor.email

    ids = [p["id"] for p in run["pairs"]]
    swap = f"/api/v1/programs/{program.pk}/runs/{run['id']}/swap"
    swapped = post(client, swap, {"pair_ids": ids})
    assert swapped.status_code == 422
    error = swapped.json()["error"]
    assert error["code"] == "cannot_pair" and error["message"] == REFUSAL
    assert "block" not in json.dumps(error).lower()
    for person in (victim, harasser, other_mentee, other_mentor):
        services.join_program(person, program)
    after = post(client, f"/api/v1/programs/{program.pk}/runs/{run['id']}/publish")
    assert after.json() == {"started": 2, "awaiting_sign_up": 0}
    assert not Mentorship.objects.filter(mentor=harasser, mentee=victim).exists()
    assert Mentorship.objects.filter(mentor=other_mentor, mentee=victim).exists()


def test_a_swap_is_refused_whichever_side_blocked_and_nothing_changes(admin, two_pairs):
    program, mentees, _ = two_pairs
    run = services.run_matching(admin, program)
    a, b = (_pair_of(run, m) for m in mentees)
    # The swap would give a's mentee b's mentor, who blocked them (this time mentor -> mentee).
    Block.objects.create(blocker=b.mentor.user, blocked=a.mentee.user)
    before = {p.pk: (p.mentor_id, p.locked) for p in run.pairs.all()}
    with pytest.raises(CannotPair) as caught:
        services.swap_mentors(admin, a, b)
    assert caught.value.message == REFUSAL
    assert {p.pk: (p.mentor_id, p.locked) for p in run.pairs.all()} == before


def test_locking_a_pair_with_a_block_made_since_the_run_is_refused_and_unlocking_is_not(
    admin, two_pairs
):
    program, mentees, _ = two_pairs
    run = services.run_matching(admin, program)
    pair = _pair_of(run, mentees[0])
    Block.objects.create(blocker=pair.mentee.user, blocked=pair.mentor.user)
    with pytest.raises(CannotPair):
        services.set_locked(admin, pair, True)
    pair.refresh_from_db()
    assert not pair.locked
    assert not services.set_locked(admin, pair, False).locked


def test_a_rerun_refuses_a_locked_pair_blocked_since_without_naming_the_block(admin, two_pairs):
    program, mentees, _ = two_pairs
    run = services.run_matching(admin, program)
    pair = _pair_of(run, mentees[0])
    services.set_locked(admin, pair, True)
    Block.objects.create(blocker=pair.mentor.user, blocked=pair.mentee.user)
    with pytest.raises(InvalidLock) as caught:
        services.rerun_around_locks(admin, run)
    assert caught.value.fields["locks"] == [
        f"{pair.mentee.email} -> {pair.mentor.email}: cannot be paired"
    ]
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED


def test_publishing_drops_a_pair_blocked_since_the_run_and_introduces_the_others(admin, two_pairs):
    program, mentees, _ = two_pairs
    run = services.run_matching(admin, program)
    blocked, fine = (_pair_of(run, m) for m in mentees)
    Block.objects.create(blocker=blocked.mentee.user, blocked=blocked.mentor.user)
    outcome = services.publish_run(admin, run)
    assert outcome == {"started": 1, "awaiting_sign_up": 0}
    assert not Mentorship.objects.filter(
        mentor=blocked.mentor.user, mentee=blocked.mentee.user
    ).exists()
    assert Mentorship.objects.filter(mentor=fine.mentor.user, mentee=fine.mentee.user).exists()
    for person in (blocked.mentee.user, blocked.mentor.user):
        assert not Notification.objects.filter(user=person, kind="program.introduction").exists()
    run.refresh_from_db()
    assert not run.pairs.filter(pk=blocked.pk).exists()
    assert {"membership": blocked.mentee_id, "reasons": [CONSTRAINTS_COMBINED]} in run.unmatched
    assert run.summary.get(CONSTRAINTS_COMBINED) == 1
    assert "block" not in json.dumps([run.summary, run.unmatched])


def test_an_introduction_between_people_with_a_block_is_refused_either_way(admin):
    mentor, mentee = ProfileFactory().user, ProfileFactory().user
    for blocker, blocked in ((mentee, mentor), (mentor, mentee)):
        block = Block.objects.create(blocker=blocker, blocked=blocked)
        with pytest.raises(MentorUnavailable):
            start_introduced_mentorship(mentor, mentee, introduced_by=admin, context="P")
        block.delete()
    assert not Mentorship.objects.exists()
    assert not Notification.objects.filter(kind="program.introduction").exists()


def test_a_run_reports_someone_every_mentor_is_blocked_for_under_the_generic_reason(client, admin):
    program = ProgramFactory(
        admin=admin, hard_rules={"shared_language": False, "exclude_same_team": False}
    )
    a, b = ProfileFactory().user, ProfileFactory().user
    Block.objects.create(blocker=a, blocked=b)
    client.force_login(admin)
    response = upload(client, program, [(a.email, "mentee", "A"), (b.email, "mentor", "B")])
    assert response.status_code == 200
    response = post(client, f"/api/v1/programs/{program.pk}/runs", {"mode": "optimal"})
    run = response.json()
    assert run["pairs"] == []
    assert run["summary"] == {CONSTRAINTS_COMBINED: 1}
    assert [u["reasons"] for u in run["unmatched"]] == [[CONSTRAINTS_COMBINED]]
    assert "block" not in response.content.decode().lower()
    page = client.get(f"/programs/{program.pk}/runs/{run['id']}/").content.decode()
    assert REASON_TEXT[CONSTRAINTS_COMBINED] in page
    assert "blocked" not in page.lower()


def test_the_review_page_shows_the_refusal_of_a_blocked_swap(client, admin, two_pairs):
    program, mentees, _ = two_pairs
    run = services.run_matching(admin, program)
    a, b = (_pair_of(run, m) for m in mentees)
    Block.objects.create(blocker=a.mentee.user, blocked=b.mentor.user)
    mentor_before = a.mentor_id
    client.force_login(admin)
    url = f"/programs/{program.pk}/runs/{run.pk}/actions"
    response = client.post(url, {"action": "swap", "pairs": [a.pk, b.pk]}, follow=True)
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    a.refresh_from_db()
    assert a.mentor_id == mentor_before and not a.locked


def test_a_closed_account_takes_no_part_in_a_run(admin, two_pairs):
    """An erased or banned member (account inactive) is never proposed: nobody could be
    introduced to them."""
    program, _mentees, mentors = two_pairs
    type(mentors[0].user).objects.filter(pk=mentors[0].user_id).update(is_active=False)
    run = services.run_matching(admin, program)
    assert {p.mentor_id for p in run.pairs.all()} == {mentors[1].pk}
    assert run.pairs.count() == 1


def test_runs_stored_before_this_change_forget_who_blocked_whom(admin, two_pairs):
    """Migration 0007 rewrites an old run's `all_blocked` as the generic reason."""
    from importlib import import_module

    from django.apps import apps

    program, mentees, _ = two_pairs
    run = services.run_matching(admin, program)
    run.summary = {"all_blocked": 1, "mentors_full": 1}
    run.unmatched = [
        {"membership": mentees[0].pk, "reasons": ["all_blocked", "constraints_combined"]},
        {"membership": mentees[1].pk, "reasons": ["mentors_full"]},
    ]
    run.save()
    import_module("mentorloom.programs.migrations.0007_forget_all_blocked").forget_all_blocked(
        apps, None
    )
    run.refresh_from_db()
    assert run.summary == {CONSTRAINTS_COMBINED: 1, "mentors_full": 1}
    assert [row["reasons"] for row in run.unmatched] == [[CONSTRAINTS_COMBINED], ["mentors_full"]]
