"""Erasure after the grace period: the person and what was only theirs go; the other side's
records stay readable, shown as "Deleted user"; reports stay for staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts.models import PersonalAccessToken
from mentorloom.mentorships.models import Goal, HistoryEvent, Mentorship
from mentorloom.messaging.models import Message
from mentorloom.notifications.models import Notification
from mentorloom.privacy import services
from mentorloom.privacy.models import AccountDeletion
from mentorloom.privacy.tasks import erase_due_accounts
from mentorloom.safety.models import Report
from mentorloom.scheduling.models import AvailabilityRule, Session
from mentorloom.sessions.insights import TRAIT_KEYS
from mentorloom.sessions.models import PrivateNote, TraitFeedback
from mentorloom.sessions.releases import release_feedback
from mentorloom.sessions.selectors import feedback_summary
from mentorloom.sessions.services import give_trait_feedback
from tests.factories import DEFAULT_PASSWORD, ProfileFactory, SchedulingMentorshipFactory

pytestmark = pytest.mark.django_db


def _erase(world, django_capture_on_commit_callbacks):
    services.request_deletion(world.mia, password=DEFAULT_PASSWORD)
    later = timezone.now() + timedelta(days=14, minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert services.erase_due_accounts() == 1
    world.mia.refresh_from_db()


def test_nothing_is_erased_before_the_grace_period_ends(world):
    services.request_deletion(world.mia, password=DEFAULT_PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert services.erase_due_accounts() == 0
    assert PrivateNote.objects.filter(author=world.mia).exists()


def test_a_cancelled_deletion_is_never_erased(world):
    services.request_deletion(world.mia, password=DEFAULT_PASSWORD)
    services.cancel_deletion(world.mia)
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert services.erase_due_accounts() == 0
    world.mia.refresh_from_db()
    assert world.mia.is_active and world.mia.email.endswith("@example.org")


def test_the_periodic_task_erases_due_accounts(world):
    services.request_deletion(world.mia, password=DEFAULT_PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        erase_due_accounts.call()
    assert AccountDeletion.objects.get(user=world.mia).erased_at is not None


def test_erasure_removes_what_was_only_hers(world, django_capture_on_commit_callbacks):
    photo = world.mia.profile.photo.name
    PersonalAccessToken.objects.create(
        user=world.mia,
        name="cli",
        token_hash="h",
        prefix="p",
        expires_at=timezone.now() + timedelta(days=30),
    )
    _erase(world, django_capture_on_commit_callbacks)

    mia = world.mia
    assert mia.email == f"deleted-{mia.pk}@deleted.invalid"
    assert not mia.has_usable_password() and not mia.is_active
    assert mia.profile.display_name == "Deleted user" and not mia.profile.photo
    assert mia.profile.bio == "" and mia.profile.headline == ""
    assert not default_storage.exists(photo)
    assert not PrivateNote.objects.filter(author=mia).exists()
    assert not Goal.objects.filter(owner=mia, is_private=True).exists()
    assert Goal.objects.filter(owner=mia, is_private=False).exists()  # shared with Max
    assert not Notification.objects.filter(user=mia).exists()
    assert not AvailabilityRule.objects.filter(mentor=mia).exists()
    assert not PersonalAccessToken.objects.filter(user=mia).exists()
    # Erasing twice is harmless.
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert services.erase_due_accounts() == 0


def test_the_other_side_still_reads_messages_sessions_and_history_as_deleted_user(
    client, world, django_capture_on_commit_callbacks
):
    _erase(world, django_capture_on_commit_callbacks)

    assert Message.objects.get(pk=world.mia_message.pk).body == "Hi Max"
    assert Session.objects.get(pk=world.session.pk).mentee_id == world.mia.pk
    assert PrivateNote.objects.filter(author=world.max).exists()
    mentorship = Mentorship.objects.get(pk=world.mentorship.pk)
    assert mentorship.status == "ended"
    assert HistoryEvent.objects.filter(mentorship=mentorship, text__contains="deleted").exists()

    client.force_login(world.max)
    detail = client.get(reverse("mentorships:detail", args=[mentorship.pk]))
    assert detail.status_code == 200 and b"Deleted user" in detail.content
    assert b"Mia Mentee" not in detail.content
    chat = client.get(reverse("messaging:conversation", args=[world.conversation.pk]))
    assert chat.status_code == 200
    assert b"Hi Max" in chat.content and b"Deleted user" in chat.content
    session = client.get(reverse("scheduling:session", args=[world.session.pk]))
    assert session.status_code == 200 and b"Deleted user" in session.content


def test_reports_by_and_about_the_erased_person_stay_for_staff(
    world, django_capture_on_commit_callbacks
):
    _erase(world, django_capture_on_commit_callbacks)
    assert set(Report.objects.values_list("details", flat=True)) == {"MIA-FILED", "ABOUT-MIA"}


def test_her_ratings_stay_in_the_aggregate_without_her_identity(
    world, django_capture_on_commit_callbacks
):
    _erase(world, django_capture_on_commit_callbacks)
    row = TraitFeedback.objects.get(session=world.session)
    assert row.mentee_id is None and row.comment == ""
    # An erased rater no longer makes up k (nobody can vouch for the account, docs/sessions.md):
    # her rating goes out beside one by a mentee of standing.
    other = ProfileFactory(user__date_joined=timezone.now() - timedelta(days=60)).user
    starts = timezone.now().replace(microsecond=0) - timedelta(days=1)
    session = Session.objects.create(
        mentorship=SchedulingMentorshipFactory(mentor=world.max, mentee=other),
        mentor=world.max, mentee=other, booked_by=other, starts_at=starts,
        ends_at=starts + timedelta(hours=1), zone="UTC",
    )  # fmt: skip
    give_trait_feedback(session, other, ratings=dict.fromkeys(TRAIT_KEYS, 4), useful=True)
    # Figures come from weekly releases of final ratings (sessions.releases).
    release_feedback(timezone.now() + timedelta(days=8), k=1)
    summary = feedback_summary(world.max, days=None, k=1)
    assert summary.enough and summary.ratings == 2 and summary.raters == 2


def test_detached_ratings_count_as_one_rater_so_k_is_never_overstated():
    from mentorloom.sessions import insights

    traits = {t: 4 for t in insights.TRAIT_KEYS}
    rows = [insights.Rating(mentee_id=None, month="2026-11", traits=traits, useful=True)] * 3
    rows.append(insights.Rating(mentee_id=7, month="2026-11", traits=traits, useful=True))
    assert insights.summarise(rows, k=3).enough is False  # 2 raters, not 4
    assert insights.summarise(rows, k=2).raters == 2


def test_an_erased_person_cannot_sign_in(client, world, django_capture_on_commit_callbacks):
    email = world.mia.email
    _erase(world, django_capture_on_commit_callbacks)
    client.post(reverse("accounts:login"), {"email": email, "password": DEFAULT_PASSWORD})
    assert "_auth_user_id" not in client.session


def test_nothing_is_mailed_to_an_erased_account(world, django_capture_on_commit_callbacks):
    from django.core import mail

    from mentorloom.notifications.services import notify

    _erase(world, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.mia, kind="k", title="Max wrote", url="/messages/")
    assert mail.outbox == []


def test_her_program_data_and_signed_in_sessions_go_and_the_rows_still_count(
    client, world, django_capture_on_commit_callbacks
):
    from mentorloom.accounts.models import UserSession
    from mentorloom.programs.models import CheckIn, MemberEmbedding, ProgramMembership
    from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory

    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    old_email = world.mia.email
    member = ProgramMembershipFactory(
        program=program,
        user=world.mia,
        name="Mia Mentee",
        role="mentee",
        team="Platform",
        department="Engineering",
        manager_email="boss@corp.example",
        answers={"track": "web", "goals": "MIA-PROGRAM-ANSWER"},
    )
    reports_to_her = ProgramMembershipFactory(
        program=program, role="mentee", manager_email=old_email.upper()
    )
    MemberEmbedding.objects.create(
        membership=member, model_name="m", content_hash="h", vector=b"\0" * 8
    )
    CheckIn.objects.create(
        program=program,
        membership=member,
        due_on=timezone.localdate(),
        score=1,
        note="MIA-CHECKIN-NOTE",
        answered_at=timezone.now(),
    )
    UserSession.objects.create(
        user=world.mia, session_key="k" * 32, ip_address="203.0.113.9", user_agent="MiaBrowser"
    )
    _erase(world, django_capture_on_commit_callbacks)

    member.refresh_from_db()
    assert member.user_id == world.mia.pk and member.role == "mentee"  # the row still counts
    assert member.email == f"deleted-{world.mia.pk}-{member.pk}@deleted.invalid"
    assert (member.name, member.answers, member.manager_email) == ("Deleted user", {}, "")
    assert (member.team, member.department) == ("", "")
    assert not MemberEmbedding.objects.filter(membership=member).exists()
    checkin = CheckIn.objects.get(membership=member)
    assert checkin.note == "" and checkin.score == 1
    reports_to_her.refresh_from_db()
    assert reports_to_her.manager_email == ""
    assert not UserSession.objects.filter(user=world.mia).exists()
    assert ProgramMembership.objects.filter(program=program).count() == 3

    client.force_login(admin)
    export = client.get(f"/api/v1/programs/{program.pk}/participants.csv").content.decode()
    dashboard = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Deleted user: 1/5" in dashboard  # the low check-in still reaches the admin, bare
    assert "Deleted user" in export
    for page in (export, dashboard):
        assert old_email not in page and "Mia Mentee" not in page
        assert "MIA-CHECKIN-NOTE" not in page and "MIA-PROGRAM-ANSWER" not in page


def test_erasure_forgets_her_ip_browser_typed_address_and_workshop_comment(
    world, django_capture_on_commit_callbacks, rf
):
    """Her audit events stay (what happened, and when) without what identifies her; a failed
    sign-in with her address keeps its event but not the address; her workshop rating stays
    in its average, her comment goes."""
    from mentorloom.audit.models import AuditEvent
    from mentorloom.audit.services import record_event
    from mentorloom.workshops import services as workshops
    from mentorloom.workshops.models import Feedback as WorkshopFeedback

    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="MiaBrowser/1.0")
    request.user = world.mia
    record_event("auth.login.succeeded", actor=world.mia, target=world.mia, request=request)
    typed = rf.get("/", REMOTE_ADDR="198.51.100.9")
    typed.user = world.max
    record_event("auth.login.failed", actor=None, request=typed, data={"email": world.mia.email})
    other = record_event("auth.login.succeeded", actor=world.max, request=typed)
    start = timezone.now() + timedelta(days=2)
    workshop = workshops.create_workshop(
        world.max, title="Setbacks", starts_at=start, ends_at=start + timedelta(hours=1), capacity=5
    )
    WorkshopFeedback.objects.create(workshop=workshop, user=world.mia, rating=2, comment="MIA-SAID")

    _erase(world, django_capture_on_commit_callbacks)

    everything = list(AuditEvent.objects.values("kind", "ip", "user_agent", "data"))
    assert "203.0.113.7" not in str(everything) and "MiaBrowser" not in str(everything)
    assert world.mia.email not in str(everything)  # the tombstone's address is not hers
    assert AuditEvent.objects.filter(kind="auth.login.failed", ip="198.51.100.9").exists()
    other.refresh_from_db()
    assert other.ip == "198.51.100.9"  # someone else's events are untouched
    feedback = WorkshopFeedback.objects.get(workshop=workshop)
    assert feedback.rating == 2 and feedback.comment == ""
