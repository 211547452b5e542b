"""Erasing an account after its grace period, keeping the other side's records coherent.

The account row stays as an anonymous tombstone (no e-mail, no password, no profile content,
shown as "Deleted user") so that every record the other person keeps — messages, sessions,
mentorship history, shared notes — still points at someone and renders without special cases.
What was only the erased person's is deleted: profile content and photo, private notes,
private goals, reflections, tokens, signed-in sessions (with their IP addresses and browsers),
availability, calendars, notifications, exports.

Program memberships stay as tombstones (pairs, check-in scores and cohort figures count the
rows): address, name, answers, zone, languages, team, department and manager's address go,
so do the embedding of their answers and the notes of their check-ins; their address is also
taken off other members' rows that name them as manager.

Trait feedback they gave stays only in aggregates: the rater is detached (mentee = NULL)
and the free-text comment removed. feedback_summary counts distinct mentee ids, so all
detached rows of a mentor count as ONE rater: k is never overstated (a conservative
undercount), and no aggregate appears because of an erasure that would not have appeared
with the rater still counted once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentorloom.audit.services import forget_person, record_event

from .models import AccountDeletion, DataExport

logger = logging.getLogger(__name__)
DELETED_NAME = "Deleted user"


def tombstone_email(user_id: int, *row: int) -> str:
    """The address left on an erased account (and, with the row's id, on each of its program
    memberships: (program, email, role) is unique)."""
    local = "-".join(str(part) for part in (user_id, *row))
    return f"deleted-{local}@deleted.invalid"  # RFC 2606: .invalid never resolves


def erase_account(user_id: int, now: datetime | None = None) -> bool:
    """Erase one account whose deletion is pending and due; returns False if it is not
    (cancelled meanwhile, already erased). Idempotent and safe to run twice."""
    from mentorloom.accounts.models import LoginFailure
    from mentorloom.accounts.sessions import end_sessions
    from mentorloom.discovery.models import SearchDocument
    from mentorloom.matching.models import ProfileEmbedding
    from mentorloom.mentorships.models import (
        Goal,
        HistoryEvent,
        Mentorship,
        MentorshipStatus,
        Reflection,
        WaitlistEntry,
    )
    from mentorloom.notifications.models import Notification
    from mentorloom.profiles.models import TAG_MODELS, Profile
    from mentorloom.programs.models import CheckIn, MemberEmbedding, ProgramMembership
    from mentorloom.safety.models import Block
    from mentorloom.scheduling.models import (
        AvailabilityOverride,
        AvailabilityRule,
        SchedulingSettings,
        Session,
        SessionStatus,
    )
    from mentorloom.scheduling.services import delete_calendars_of
    from mentorloom.sessions.models import FeedbackPrompt, PrivateNote, TraitFeedback
    from mentorloom.workshops.models import Feedback as WorkshopFeedback

    from .services import export_dir

    now = now or timezone.now()
    files: list[str] = []
    with transaction.atomic():
        deletion = (
            AccountDeletion.objects.select_for_update()
            .filter(user_id=user_id, cancelled_at__isnull=True, erased_at__isnull=True)
            .first()
        )
        if deletion is None or deletion.erase_after > now:
            return False
        # Before the user's row lock (see delete_calendars_of): a fetch storing busy times
        # right now is waited for, and its rows go with the calendar.
        delete_calendars_of(user_id)
        user = get_user_model().objects.select_for_update().get(pk=user_id)
        old_email = user.email

        # The other side's records stay; live mentorships end with a system note.
        live = Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user)).exclude(
            status=MentorshipStatus.ENDED
        )
        for m in live:
            HistoryEvent.objects.create(
                mentorship=m, actor=None, text="The mentorship ended: the account was deleted."
            )
        live.update(status=MentorshipStatus.ENDED, ended_at=now, paused_until=None)
        Session.objects.filter(
            Q(mentor=user) | Q(mentee=user), status=SessionStatus.BOOKED, starts_at__gt=now
        ).update(status=SessionStatus.CANCELLED, cancel_reason="The account was deleted.")

        # What was only theirs.
        PrivateNote.objects.filter(author=user).delete()
        Goal.objects.filter(owner=user, is_private=True).delete()
        Reflection.objects.filter(author=user).delete()
        TraitFeedback.objects.filter(mentee=user).update(
            mentee=None, comment="", share_comment=False
        )
        FeedbackPrompt.objects.filter(user=user).delete()
        # A workshop rating stays in its average (the row keeps the tombstone); its words go.
        WorkshopFeedback.objects.filter(user=user).update(comment="")
        Notification.objects.filter(user=user).delete()
        user.access_tokens.all().delete()
        AvailabilityRule.objects.filter(mentor=user).delete()
        AvailabilityOverride.objects.filter(mentor=user).delete()
        SchedulingSettings.objects.filter(user=user).delete()
        WaitlistEntry.objects.filter(Q(mentor=user) | Q(mentee=user)).delete()
        Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
        LoginFailure.objects.filter(email=old_email).delete()
        forget_person(user.pk, old_email)  # the audit log's IPs, browsers and typed address
        end_sessions(user, reason="account_erased")  # their UserSession rows: IP, browser

        # Program memberships stay (pairs, check-in scores and cohorts count them), blanked.
        memberships = list(ProgramMembership.objects.filter(user=user))
        MemberEmbedding.objects.filter(membership__in=memberships).delete()
        CheckIn.objects.filter(membership__in=memberships).update(note="")
        for member in memberships:
            member.email = tombstone_email(user.pk, member.pk)
            member.name, member.zone, member.languages = DELETED_NAME, "", []
            member.team, member.department, member.manager_email = "", "", ""
            member.answers, member.updated_at = {}, now
        ProgramMembership.objects.bulk_update(
            memberships,
            [
                "email",
                "name",
                "zone",
                "languages",
                "team",
                "department",
                "manager_email",
                "answers",
                "updated_at",
            ],
        )
        ProgramMembership.objects.filter(manager_email__iexact=old_email).update(manager_email="")
        for export in DataExport.objects.filter(user=user):
            if export.file_name:
                (export_dir() / export.file_name).unlink(missing_ok=True)
        DataExport.objects.filter(user=user).delete()

        profile = Profile.objects.filter(user=user).first()
        if profile is not None:
            if profile.photo:
                files.append(profile.photo.name)
            for field in TAG_MODELS:
                getattr(profile, field).clear()
            SearchDocument.objects.filter(profile=profile).delete()
            ProfileEmbedding.objects.filter(profile=profile).delete()
            blank = Profile(user=user)  # the model's defaults
            for field in Profile._meta.concrete_fields:
                if field.name not in ("id", "user", "created_at"):
                    setattr(profile, field.attname, getattr(blank, field.attname))
            profile.display_name = DELETED_NAME
            profile.is_mentor = False
            profile.accepting_requests = False
            profile.updated_at = now
            profile.save()

        # The tombstone: nothing left to sign in with or to identify the person by.
        user.email = tombstone_email(user.pk)
        user.set_unusable_password()
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.email_verified_at = None
        user.last_login = None
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        # Signed out everywhere: both auth backends refuse an inactive, non-pending account.

        deletion.erased_at = now
        deletion.save(update_fields=["erased_at"])
        record_event("account.erased", target=("accounts.user", user.pk))

        def _remove_files() -> None:
            for name in files:
                try:
                    default_storage.delete(name)
                except OSError:
                    logger.warning("could not delete an erased person's file")

        transaction.on_commit(_remove_files)
    return True
