"""Program services on the real database: matching runs, locks, swaps, publishing, check-ins."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404
from django.utils import timezone

from mentorloom.audit.models import AuditEvent
from mentorloom.mentorships.models import AgreementVersion, Mentorship
from mentorloom.notifications.models import Notification
from mentorloom.programs import selectors, services
from mentorloom.programs.assignment import MENTORS_FULL, NO_SHARED_LANGUAGE
from mentorloom.programs.errors import InvalidLock, NotProgramAdmin, RunNotEditable
from mentorloom.programs.models import CheckIn, RunStatus
from mentorloom.safety.models import Block
from tests.factories import (
    OrganisationFactory,
    ProfileFactory,
    ProgramFactory,
    ProgramMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(email_verified_at=timezone.now())


@pytest.fixture
def cohort(admin):
    program = ProgramFactory(admin=admin)
    mentors = [
        ProgramMembershipFactory(program=program, role="mentor", capacity=1, answers={"track": t})
        for t in ("web", "data")
    ]
    mentees = [
        ProgramMembershipFactory(program=program, role="mentee", answers={"track": t})
        for t in ("data", "web", "web")
    ]
    return program, mentors, mentees


def test_create_program_makes_the_creator_its_admin_and_is_audited(admin):
    program = services.create_program(admin, OrganisationFactory(), "Women in engineering")
    assert selectors.is_admin(admin, program)
    assert AuditEvent.objects.filter(kind="programs.created", actor=admin).exists()


def test_run_pairs_by_answers_within_capacity_and_explains_the_unmatched(admin, cohort):
    program, (web, data), (m_data, _, _) = cohort
    run = services.run_matching(admin, program)
    pairs = {p.mentee_id: p for p in run.pairs.all()}
    assert pairs[m_data.pk].mentor_id == data.pk
    assert pairs[m_data.pk].reasons[0] == "Track: both chose data"
    assert len(pairs) == 2 and {p.mentor_id for p in pairs.values()} == {web.pk, data.pk}
    assert run.summary == {MENTORS_FULL: 1}
    assert run.unmatched[0]["reasons"] == [MENTORS_FULL]


def test_no_shared_language_is_named_for_the_infeasible_mentee(admin, cohort):
    program, _, (m_data, _, _) = cohort
    m_data.languages = ["ja"]
    m_data.save()
    run = services.run_matching(admin, program)
    assert {"membership": m_data.pk, "reasons": [NO_SHARED_LANGUAGE]} in run.unmatched


def test_blocked_people_are_never_paired(admin, cohort):
    program, (_, data), (m_data, _, _) = cohort
    Block.objects.create(blocker=data.user, blocked=m_data.user)
    run = services.run_matching(admin, program)
    assert not run.pairs.filter(mentee=m_data, mentor=data).exists()


def test_a_member_who_is_not_admin_cannot_run_matching_and_an_outsider_gets_404(cohort):
    program, (web, _), _ = cohort
    with pytest.raises(NotProgramAdmin):
        services.run_matching(web.user, program)
    with pytest.raises(NotProgramAdmin):
        selectors.get_admin_program_for(web.user, program.pk)
    with pytest.raises(Http404):
        selectors.get_admin_program_for(UserFactory(), program.pk)


def test_swap_locks_both_pairs_and_a_rerun_keeps_them(admin, cohort):
    program, _, _ = cohort
    run = services.run_matching(admin, program)
    a, b = run.pairs.order_by("pk")
    services.swap_mentors(admin, a, b)
    swapped = {p.mentee_id: p.mentor_id for p in run.pairs.all()}
    rerun = services.rerun_around_locks(admin, run)
    assert {p.mentee_id: p.mentor_id for p in rerun.pairs.all()} == swapped
    assert all(p.locked for p in rerun.pairs.all())
    run.refresh_from_db()
    assert run.status == RunStatus.SUPERSEDED
    with pytest.raises(RunNotEditable):
        services.swap_mentors(admin, a, b)


def test_a_lock_beyond_capacity_is_refused_and_nothing_saved_is_lost(admin, cohort):
    program, (web, _), (m_data, m_web, _) = cohort
    first = services.run_matching(admin, program)
    with pytest.raises(InvalidLock) as caught:
        services.run_matching(admin, program, locks={m_data.pk: web.pk, m_web.pk: web.pk})
    assert "mentor over capacity" in caught.value.fields["locks"][0]
    first.refresh_from_db()
    assert first.status == RunStatus.PROPOSED


def test_publish_introduces_the_pairs_and_starts_mentorships_with_an_agreement(admin, cohort):
    program, _, (m_data, _, _) = cohort
    program.memberships.filter(role="mentor").update(capacity=2)
    ProgramMembershipFactory(program=program, role="mentee", user=None, email="x@example.org")
    run = services.run_matching(admin, program)
    assert run.pairs.count() == 4
    outcome = services.publish_run(admin, run)
    started = run.pairs.exclude(mentorship=None)
    assert outcome == {"started": 3, "awaiting_sign_up": 1} and started.count() == 3
    mentorship = run.pairs.get(mentee=m_data).mentorship
    assert AgreementVersion.objects.filter(mentorship=mentorship, number=1).exists()
    assert Notification.objects.filter(user=m_data.user, kind="program.introduction").exists()
    with pytest.raises(RunNotEditable):
        services.publish_run(admin, run)
    assert Mentorship.objects.count() == 3


def test_checkin_takes_one_answer_from_the_person_asked(admin, cohort):
    program, _, (member, _, _) = cohort
    checkin = CheckIn.objects.create(program=program, membership=member, due_on=date.today())
    with pytest.raises(Http404):
        services.answer_checkin(ProfileFactory().user, checkin, 4)
    with pytest.raises(services.InvalidInput):
        services.answer_checkin(member.user, checkin, 6)
    services.answer_checkin(member.user, checkin, 1, "Not going well")
    checkin.refresh_from_db()
    assert checkin.score == 1


def test_private_program_people_are_404_for_members_of_another_program(admin, cohort):
    program, (web, _), _ = cohort
    other = ProgramFactory(admin=UserFactory())
    stranger = ProgramMembershipFactory(program=other, role="mentee")
    with pytest.raises(Http404):
        selectors.get_membership_for(stranger.user, program.pk, web.pk)
    with pytest.raises(Http404):
        selectors.directory_scope(stranger.user, program.pk)
    assert web.user_id in selectors.directory_scope(web.user, program.pk).only_user_ids
    assert selectors.directory_scope(web.user, None).only_user_ids is None


def test_publish_does_not_start_a_mentorship_with_an_unverified_sign_up(admin):
    program = ProgramFactory(admin=admin)
    mentor = ProgramMembershipFactory(program=program, role="mentor", capacity=1)
    mentee = ProgramMembershipFactory(program=program, role="mentee", user=None, email="v@x.org")
    squatter = UserFactory(email="V@x.org", email_verified_at=None)
    run = services.run_matching(admin, program)
    assert run.pairs.count() == 1

    outcome = services.publish_run(admin, run)

    assert outcome == {"started": 0, "awaiting_sign_up": 1}
    mentee.refresh_from_db()
    assert mentee.user is None
    assert not Mentorship.objects.filter(mentee=squatter).exists()
    assert not Notification.objects.filter(user=squatter).exists()
    # Once the address is verified the membership is linked (and the owner is that account).
    squatter.email_verified_at = timezone.now()
    squatter.save(update_fields=["email_verified_at"])
    assert services.link_verified_address(squatter) == 1
    mentee.refresh_from_db()
    assert mentee.user == squatter and mentor.user is not None


def test_publish_links_the_verified_owner_of_the_address_who_starts_it_by_joining(admin):
    program = ProgramFactory(admin=admin)
    ProgramMembershipFactory(program=program, role="mentor", capacity=1)
    mentee = ProgramMembershipFactory(program=program, role="mentee", user=None, email="v@x.org")
    owner = UserFactory(email="V@x.org")
    run = services.run_matching(admin, program)

    assert services.publish_run(admin, run) == {"started": 0, "awaiting_sign_up": 1}
    mentee.refresh_from_db()
    assert mentee.user == owner and mentee.joined_at is None
    assert not Mentorship.objects.filter(mentee=owner).exists()
    services.join_program(owner, program)
    assert Mentorship.objects.filter(mentee=owner).exists()
