"""Nobody is in a program without saying yes (docs/programs.md): an admin adds people, and
each joins or declines. Until they join, the program pairs them with nobody (a published pair
waits and starts when the second of its two people joins), lists them nowhere and shows them
none of its people; who declined takes no part in matching runs."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.core import mail

from mentorloom.mentorships.models import Mentorship
from mentorloom.notifications.models import Notification
from mentorloom.programs import assignment, imports, selectors, services
from mentorloom.programs.errors import AlreadyJoined
from mentorloom.programs.models import MatchRun, ProgramMembership, ProposedPair
from mentorloom.safety.models import Block
from tests.concurrency import race
from tests.factories import ProfileFactory, ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory()


@pytest.fixture
def program(admin):
    return ProgramFactory(admin=admin, name="Alumni circle")


def _added(program, user, role: str) -> ProgramMembership:
    """`user` added by an admin (an import with an account): linked, not joined."""
    return ProgramMembershipFactory(program=program, user=user, role=role, joined_at=None)


def _pair(program, admin):
    mentee, mentor = ProfileFactory().user, ProfileFactory().user
    _added(program, mentee, "mentee")
    _added(program, mentor, "mentor")
    run = services.run_matching(admin, program)
    return mentee, mentor, run


def test_an_imported_account_is_asked_and_is_no_member_until_it_joins(
    client, admin, program, django_capture_on_commit_callbacks
):
    someone = ProfileFactory().user
    insider = ProgramMembershipFactory(program=program, role="mentor")  # joined already
    data = f"email,role,name\n{someone.email},mentee,Sam\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        report = imports.import_members(admin, program, data)
    assert (report.invited, report.asked_to_join) == (0, 1)
    (notice,) = Notification.objects.filter(user=someone, kind="program.invitation")
    assert notice.url == "/programs/" and "join or decline" in notice.body
    assert [m.to for m in mail.outbox] == [[someone.email]]

    client.force_login(someone)
    # The program itself is theirs to see (what they are asked to join), its people are not.
    assert client.get(f"/api/v1/programs/{program.pk}").json()["status"] == "invited"
    assert client.get(f"/api/v1/programs/{program.pk}/members").status_code == 404
    assert client.get(f"/api/v1/programs/{program.pk}/members/{insider.pk}").status_code == 404
    assert client.get("/api/v1/mentors", {"program": program.pk}).status_code == 404
    assert not selectors.is_member(someone, program)

    assert client.post(f"/api/v1/programs/{program.pk}/join").status_code == 200
    assert selectors.is_member(someone, program)
    assert client.get(f"/api/v1/programs/{program.pk}/members").status_code == 200


def test_a_published_pair_waits_and_starts_when_the_second_person_joins(admin, program):
    mentee, mentor, run = _pair(program, admin)
    assert services.publish_run(admin, run) == {"started": 0, "awaiting_sign_up": 1}
    assert not Mentorship.objects.exists()

    services.join_program(mentee, program)
    assert not Mentorship.objects.exists()  # the mentor has not said yes
    services.join_program(mentor, program)
    started = Mentorship.objects.get(mentor=mentor, mentee=mentee)
    assert ProposedPair.objects.get(run=run).mentorship == started
    introductions = Notification.objects.filter(kind="program.introduction")
    assert sorted(introductions.values_list("user_id", flat=True)) == sorted([mentee.pk, mentor.pk])

    # Joining again changes nothing: no second mentorship, no second introduction.
    services.join_program(mentor, program)
    services.join_program(mentee, program)
    assert Mentorship.objects.count() == 1 and introductions.count() == 2


def test_pairs_whose_people_joined_start_at_publication(admin, program):
    mentee, mentor, run = _pair(program, admin)
    services.join_program(mentee, program)
    services.join_program(mentor, program)
    assert services.publish_run(admin, run) == {"started": 1, "awaiting_sign_up": 0}
    assert Mentorship.objects.filter(mentor=mentor, mentee=mentee).exists()


def test_only_the_latest_published_run_starts_on_joining(admin, program):
    mentee, mentor, run = _pair(program, admin)
    services.publish_run(admin, run)
    other_mentor = ProfileFactory().user
    ProgramMembershipFactory(program=program, user=other_mentor, role="mentor")
    ProgramMembership.objects.filter(user=mentor).update(capacity=0)
    later = services.run_matching(admin, program)
    assert later.pairs.get().mentor.user == other_mentor
    services.publish_run(admin, later)

    services.join_program(mentor, program)
    services.join_program(mentee, program)
    # The old run's pair stays a plan: the program re-matched this mentee since.
    assert not Mentorship.objects.filter(mentor=mentor).exists()
    assert Mentorship.objects.filter(mentor=other_mentor, mentee=mentee).exists()


def test_a_waiting_pair_with_a_block_between_them_does_not_start_on_joining(admin, program):
    mentee, mentor, run = _pair(program, admin)
    services.publish_run(admin, run)
    Block.objects.create(blocker=mentee, blocked=mentor)
    services.join_program(mentor, program)
    services.join_program(mentee, program)
    assert not Mentorship.objects.exists()


def test_who_declines_takes_no_part_and_a_run_made_before_drops_their_pair(admin, program):
    mentee, mentor, run = _pair(program, admin)
    services.join_program(mentee, program)
    services.decline_program(mentor, program)

    outcome = services.publish_run(admin, run)
    assert outcome == {"started": 0, "awaiting_sign_up": 0}
    run.refresh_from_db()
    assert not run.pairs.exists()
    assert run.unmatched[-1]["reasons"] == [assignment.DECLINED]
    assert run.summary[assignment.DECLINED] == 1
    assert assignment.REASON_TEXT[assignment.DECLINED].startswith("Declined")
    # The next run leaves the mentor out, and joining after all brings them back.
    with pytest.raises(Exception, match="at least one mentee and one mentor"):
        services.run_matching(admin, program)
    services.join_program(mentor, program)
    member = ProgramMembership.objects.get(user=mentor)
    assert member.joined_at is not None and member.declined_at is None
    assert services.run_matching(admin, program).pairs.count() == 1


def test_who_joined_cannot_decline_and_a_stranger_cannot_answer(admin, program):
    mentee, _, _ = _pair(program, admin)
    services.join_program(mentee, program)
    with pytest.raises(AlreadyJoined):
        services.decline_program(mentee, program)
    stranger = ProfileFactory().user
    for answer in (services.join_program, services.decline_program):
        with pytest.raises(Exception, match="not added"):
            answer(stranger, program)
    assert not ProgramMembership.objects.filter(user=stranger).exists()


def test_a_new_role_after_joining_is_asked_separately(admin, program):
    person = ProfileFactory().user
    ProgramMembershipFactory(program=program, user=person, role="mentor")  # joined
    _added(program, person, "mentee")
    (invitation,) = selectors.invitations_for(person)
    assert invitation.roles == ["mentee"] and not invitation.declined
    (declined,) = services.decline_program(person, program)
    assert declined.role == "mentee"
    mentor_row = ProgramMembership.objects.get(user=person, role="mentor")
    assert mentor_row.joined_at is not None and mentor_row.declined_at is None
    assert selectors.viewer_status(person, program) == "joined"


def test_an_unlinked_verified_address_joins_and_is_linked_then(admin, program):
    member = ProgramMembershipFactory(
        program=program, user=None, email="late@example.org", role="mentee"
    )
    owner = UserFactory(email="Late@Example.org")  # verified, mixed case
    assert [i.program for i in selectors.invitations_for(owner)] == [program]
    services.join_program(owner, program)
    member.refresh_from_db()
    assert member.user == owner and member.joined_at is not None


def test_an_unlinked_verified_address_sees_the_private_program_but_not_its_people(
    client, admin, program
):
    ProgramMembershipFactory(program=program, user=None, email="late@example.org", role="mentee")
    owner = UserFactory(email="late@example.org", email_verified_at=None)
    client.force_login(owner)
    url = f"/api/v1/programs/{program.pk}"
    assert client.get(url).status_code == 404  # an unverified address names nobody
    owner.email_verified_at = owner.date_joined
    owner.save(update_fields=["email_verified_at"])
    answer = client.get(url)
    assert answer.status_code == 200 and answer.json()["status"] == "invited"
    assert [p["id"] for p in client.get("/api/v1/programs").json()] == [program.pk]
    assert client.get(f"{url}/members").status_code == 404  # its people: members only
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_a_look_alike_address_matches_nobody_s_imported_rows(client, admin, program):
    """On PostgreSQL a case-insensitive match is UPPER(), which folds the dotless ı into I: who
    verifies alice@gıthub.example (a look-alike domain anyone may register) must not match,
    link or join the rows imported for alice@github.example."""
    member = ProgramMembershipFactory(
        program=program, user=None, email="alice@github.example", role="mentee"
    )
    mimic = UserFactory(email="alice@g\u0131thub.example")  # verified: they own that mailbox
    assert selectors.invitations_for(mimic) == []
    assert services.link_verified_address(mimic) == 0
    assert selectors.verified_owner(member) is None
    client.force_login(mimic)
    assert client.get(f"/api/v1/programs/{program.pk}").status_code == 404  # private
    assert client.post(f"/api/v1/programs/{program.pk}/join").status_code == 404
    member.refresh_from_db()
    assert member.user is None and member.joined_at is None
    # The real owner still matches exactly.
    owner = UserFactory(email="alice@github.example")
    assert [i.program for i in selectors.invitations_for(owner)] == [program]


def test_mentee_choice_offers_only_joined_mentors_and_waits_for_mentees_to_join(
    client, admin, program
):
    joined_mentor = ProgramMembershipFactory(program=program, role="mentor", name="Jo Joined")
    _added(program, ProfileFactory().user, "mentor")
    mentee = ProfileFactory().user
    _added(program, mentee, "mentee")
    run = services.run_matching(admin, program, mode="choice")
    assert list(run.options.values_list("mentor_id", flat=True)) == [joined_mentor.pk]
    assert not Notification.objects.filter(user=mentee, kind="program.choose").exists()

    client.force_login(mentee)
    choose = f"/programs/{program.pk}/runs/{run.pk}/choose/"
    assert client.get(choose).status_code == 404
    services.join_program(mentee, program)
    assert client.get(choose).status_code == 200
    assert list(selectors.open_choices_for(mentee)) == [run]


def test_the_programs_page_asks_and_takes_the_answer(client, admin, program):
    mentee = ProfileFactory().user
    _added(program, mentee, "mentee")
    client.force_login(mentee)
    page = client.get("/programs/").content.decode()
    assert "Waiting for your answer" in page and f"Join {program.name}" in page
    assert "Find a mentor in this program" not in page  # not joined: no way in yet

    answer = f"/programs/{program.pk}/answer"
    assert client.get(answer).status_code == 405
    bad = client.post(answer, {"answer": "maybe"}, follow=True)
    assert bad.status_code == 200 and "Choose whether to join or decline." in bad.content.decode()
    declined = client.post(answer, {"answer": "decline"}, follow=True).content.decode()
    assert "You declined" in declined and "Decline</button>" not in declined
    joined = client.post(answer, {"answer": "join"}, follow=True).content.decode()
    assert f"You joined {program.name}" in joined
    assert "Waiting for your answer" not in joined and "Find a mentor in this program" in joined
    again = client.post(answer, {"answer": "decline"}, follow=True).content.decode()
    assert "You have joined this program already" in again

    other = ProgramFactory(admin=UserFactory())
    assert client.post(f"/programs/{other.pk}/answer", {"answer": "join"}).status_code == 404
    assert not other.memberships.filter(user=mentee).exists()


def test_admins_see_who_has_joined(client, admin, program):
    mentee, mentor, run = _pair(program, admin)
    services.join_program(mentee, program)
    ProgramMembershipFactory(program=program, user=None, email="new@example.org", role="mentee")
    client.force_login(admin)
    members = client.get(f"/api/v1/programs/{program.pk}/members").json()
    status = {m["email"]: m["status"] for m in members}
    assert status[mentee.email] == "joined" and status[mentor.email] == "invited"
    assert status["new@example.org"] == "not_signed_up" and status[admin.email] == "joined"
    dashboard = client.get(f"/programs/{program.pk}/").content.decode()
    assert (
        "Mentors added: 1 — <strong>0 joined</strong>, 1 not answered yet, 0 not signed up, "
        "0 declined."
    ) in dashboard
    assert (
        "Mentees added: 2 — <strong>1 joined</strong>, 0 not answered yet, 1 not signed up, "
        "0 declined."
    ) in dashboard
    services.publish_run(admin, run)
    review = client.get(f"/programs/{program.pk}/runs/{run.pk}/").content.decode()
    assert "Not joined yet" in review and "Starts when both have joined" in review
    export = client.get(f"/api/v1/programs/{program.pk}/participants.csv").content.decode()
    assert export.splitlines()[0].endswith(",status") and f"{mentor.email}," in export


def test_member_counts_are_per_role_and_someone_in_both_counts_once_in_each(client, admin, program):
    client.force_login(admin)
    assert "Nobody added yet" in client.get(f"/programs/{program.pk}/").content.decode()
    both = ProfileFactory().user
    ProgramMembershipFactory(program=program, user=both, role="mentor")  # joined as a mentor
    _added(program, both, "mentee")  # asked again for the new role
    gone = ProgramMembershipFactory(program=program, role="mentee", joined_at=None)
    services.decline_program(gone.user, program)
    mentors, mentees = selectors.member_counts(program)
    assert (mentors.label, mentors.total, mentors.joined) == ("Mentors", 1, 1)
    assert (mentees.label, mentees.total, mentees.invited, mentees.declined) == (
        "Mentees",
        2,
        1,
        1,
    )
    assert mentees.joined == mentees.not_signed_up == 0


@pytest.mark.django_db(transaction=True)
def test_the_two_people_of_a_waiting_pair_joining_at_once_start_it(monkeypatch):
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    mentee, mentor, run = _pair(program, admin)
    services.publish_run(admin, run)
    # Force the bad interleaving: each join, once it has written its own row and read the
    # pair, waits (up to three seconds) for the other to have done the same, so neither has
    # committed when both decide. Only timing changes. Unordered, each would see the other
    # not joined yet and nothing would start; the program's lock makes the second wait for
    # the first instead (the first's wait then times out).
    both_read = threading.Barrier(2)
    pair_state = services._pair_state

    def pair_state_when_both_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=3)
        return pair_state(*args, **kwargs)

    monkeypatch.setattr(services, "_pair_state", pair_state_when_both_read)
    people = [mentee, mentor]
    outcomes = race(lambda i: services.join_program(people[i], program), 2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Mentorship.objects.filter(mentor=mentor, mentee=mentee).count() == 1
    assert MatchRun.objects.get(pk=run.pk).pairs.filter(mentorship=None).count() == 0


def test_a_closed_partner_account_is_never_introduced_on_joining(admin, program):
    mentee, mentor, run = _pair(program, admin)
    services.join_program(mentor, program)
    services.publish_run(admin, run)
    mentor.is_active = False  # erased or banned since (erasure also drops their blocks)
    mentor.save(update_fields=["is_active"])
    services.join_program(mentee, program)
    assert not Mentorship.objects.exists()
    assert not Notification.objects.filter(kind="program.introduction").exists()


def test_a_late_start_counts_for_the_program_from_the_join_not_the_publication(
    admin, program, time_machine
):
    time_machine.move_to("2026-03-02 09:00:00+00:00")
    mentee, mentor, run = _pair(program, admin)
    # The two already mentor each other privately: the program links that mentorship later.
    private = Mentorship.objects.create(mentor=mentor, mentee=mentee, status="active")
    services.join_program(mentor, program)
    services.publish_run(admin, run)
    time_machine.move_to("2026-04-06 09:00:00+00:00")  # five weeks later
    services.join_program(mentee, program)
    pair = ProposedPair.objects.get(run=run)
    assert pair.mentorship == private and pair.started_at.date().isoformat() == "2026-04-06"
    # Sessions, goals and reflections of the five weeks before are not the program's ...
    since = selectors.published_mentorships(program)[private.pk].since
    assert since == pair.started_at
    # ... and the first check-in is due four weeks after the start, not the publication.
    assert services.send_due_checkins() == 0
    time_machine.move_to("2026-05-04 09:00:00+00:00")
    assert services.send_due_checkins() == 2


def test_joining_or_declining_a_public_program_alone_does_not_list_a_private_person(admin, program):
    from datetime import timedelta

    member = ProgramMembershipFactory(
        program=program, user=None, email="ivy@example.org", role="mentor"
    )
    ivy = ProfileFactory(is_mentor=True, user__email="ivy@example.org").user
    ivy.date_joined = member.created_at + timedelta(minutes=5)  # came through the invitation
    ivy.save(update_fields=["date_joined"])
    outsider = ProfileFactory().user
    assert ivy.pk in selectors.private_only_user_ids(outsider)
    public = ProgramFactory(admin=UserFactory(), visibility="public")
    _added(public, ivy, "mentor")
    assert ivy.pk in selectors.private_only_user_ids(outsider)  # added only
    services.decline_program(ivy, public)
    assert ivy.pk in selectors.private_only_user_ids(outsider)  # declined
    services.join_program(ivy, public)
    assert ivy.pk not in selectors.private_only_user_ids(outsider)  # joined: public now


def test_decline_over_http(client, admin, program):
    mentee, _, _ = _pair(program, admin)
    client.force_login(mentee)
    declined = client.post(f"/api/v1/programs/{program.pk}/decline")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert client.post(f"/api/v1/programs/{program.pk}/join").json()["status"] == "joined"
    again = client.post(f"/api/v1/programs/{program.pk}/decline")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_joined"
    other = ProgramFactory(admin=UserFactory())
    for answer in ("join", "decline"):
        refused = client.post(f"/api/v1/programs/{other.pk}/{answer}")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert not other.memberships.filter(user=mentee).exists()


def test_migration_0008_asks_those_it_cannot_count_as_joined(admin, program):
    """Rows linked before joining existed: admins and people whose published pair started
    count as joined; the others are asked (an in-app notice) instead of joined silently."""
    from importlib import import_module

    from django.apps import apps

    mentee, mentor, run = _pair(program, admin)
    services.join_program(mentee, program)
    services.join_program(mentor, program)
    services.publish_run(admin, run)
    pending = ProfileFactory().user
    _added(program, pending, "mentee")
    ProgramMembership.objects.update(joined_at=None)
    ProposedPair.objects.update(started_at=None)
    import_module("mentorloom.programs.migrations.0008_membership_consent").grandfather_started(
        apps, None
    )
    joined = set(
        ProgramMembership.objects.exclude(joined_at=None).values_list("user_id", flat=True)
    )
    assert joined == {admin.pk, mentee.pk, mentor.pk}
    assert (
        ProposedPair.objects.get(run=run).started_at == MatchRun.objects.get(pk=run.pk).published_at
    )
    (notice,) = Notification.objects.filter(user=pending, kind="program.invitation")
    assert notice.url == "/programs/" and program.name in notice.title


def test_a_partner_closed_between_the_run_and_publication_drops_the_pair_generically(
    admin, program
):
    mentee, mentor, run = _pair(program, admin)
    services.join_program(mentee, program)
    services.join_program(mentor, program)
    mentor.is_active = False  # banned after the run
    mentor.save(update_fields=["is_active"])
    assert services.publish_run(admin, run) == {"started": 0, "awaiting_sign_up": 0}
    run.refresh_from_db()
    assert not run.pairs.exists() and not Mentorship.objects.exists()
    # Listed unmatched under the reason that names no block and no ban.
    assert run.unmatched[-1]["reasons"] == [assignment.CONSTRAINTS_COMBINED]


def test_a_shortlist_from_before_joining_existed_offers_only_mentors_who_joined(
    client, admin, program
):
    joined_mentor = ProgramMembershipFactory(program=program, role="mentor", name="Jo Joined")
    other = ProgramMembershipFactory(program=program, role="mentor", name="Nat Notyet")
    mentee = ProfileFactory().user
    ProgramMembershipFactory(program=program, user=mentee, role="mentee")
    run = services.run_matching(admin, program, mode="choice")
    assert run.options.count() == 2
    ProgramMembership.objects.filter(pk=other.pk).update(joined_at=None)  # as after 0008
    client.force_login(mentee)
    page = client.get(f"/programs/{program.pk}/runs/{run.pk}/choose/").content.decode()
    assert "Jo Joined" in page and "Nat Notyet" not in page
    membership = ProgramMembership.objects.get(user=mentee)
    with pytest.raises(Exception, match="not on your shortlist"):
        services.pick_mentor(mentee, run, membership, other.pk)
    assert services.pick_mentor(mentee, run, membership, joined_mentor.pk).mentor == joined_mentor
