"""What goes into "Download my data": one JSON document per domain plus the person's files.

Reads across every domain, so it lives in the top layer. Includes what the person wrote or
received; excludes other people's private data (their private notes and goals), individual
feedback about them as a mentor (only the k-anonymous aggregate) and reports about them.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet

# Never exported, whoever owns the row: credentials and hashes.
SECRET_FIELDS = {"password", "token_hash", "password_encrypted", "username", "url", "key"}


def _row(obj: Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = SECRET_FIELDS | set(exclude)
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip or field.attname in skip:
            continue
        value = getattr(obj, field.attname)
        if hasattr(value, "name") and not isinstance(value, str):  # FieldFile
            value = value.name or ""
        out[field.attname] = value
    return out


def _rows(qs: QuerySet[Any] | Iterable[Model], **kw: Any) -> list[dict[str, Any]]:
    return [_row(obj, **kw) for obj in qs]


def _name(user: Any) -> str:
    if user is None:
        return "Deleted user"
    profile = getattr(user, "profile", None)
    return (getattr(profile, "name", "") or "") or "Member"


def account_data(user: Any) -> dict[str, Any]:
    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_verified_at": user.email_verified_at,
        },
        "access_tokens": _rows(user.access_tokens.all()),
    }


def profile_data(user: Any) -> dict[str, Any]:
    from mentorloom.profiles.models import TAG_MODELS, Profile

    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return {"profile": None}
    data = _row(profile)
    for field in TAG_MODELS:
        data[field] = sorted(t.name for t in getattr(profile, field).all())
    return {"profile": data}


def mentorships_data(user: Any) -> dict[str, Any]:
    from mentorloom.mentorships.models import (
        AgreementVersion,
        Goal,
        HistoryEvent,
        Mentorship,
        Milestone,
        ProgressUpdate,
        Reflection,
    )

    mine = Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user)).select_related(
        "mentor__profile", "mentee__profile"
    )
    ids = [m.pk for m in mine]
    # Other people's private goals stay theirs; mine are all included.
    goals = Goal.objects.filter(mentorship_id__in=ids).filter(Q(owner=user) | Q(is_private=False))
    goal_ids = list(goals.values_list("pk", flat=True))
    return {
        "mentorships": [
            {
                **_row(m),
                "my_role": "mentor" if m.mentor_id == user.pk else "mentee",
                "mentor_name": _name(m.mentor),
                "mentee_name": _name(m.mentee),
            }
            for m in mine
        ],
        "agreement_versions": _rows(AgreementVersion.objects.filter(mentorship_id__in=ids)),
        "history": _rows(HistoryEvent.objects.filter(mentorship_id__in=ids)),
        "goals": _rows(goals),
        "milestones": _rows(Milestone.objects.filter(goal_id__in=goal_ids)),
        "progress_updates": _rows(ProgressUpdate.objects.filter(goal_id__in=goal_ids)),
        # A reflection is private to its author.
        "my_reflections": _rows(Reflection.objects.filter(author=user)),
    }


def requests_data(user: Any) -> dict[str, Any]:
    from mentorloom.mentorships.models import MentorshipRequest, RequestMessage, WaitlistEntry

    reqs = MentorshipRequest.objects.filter(Q(mentor=user) | Q(mentee=user))
    return {
        "requests": _rows(reqs),
        "request_messages": _rows(RequestMessage.objects.filter(request__in=reqs)),
        "waitlist": _rows(WaitlistEntry.objects.filter(mentee=user)),
    }


def sessions_data(user: Any) -> dict[str, Any]:
    from mentorloom.scheduling.models import Session
    from mentorloom.sessions.models import (
        ActionItem,
        Agenda,
        AgendaTopic,
        MenteeFeedback,
        PrivateNote,
        SharedNotes,
        TraitFeedback,
    )
    from mentorloom.sessions.selectors import feedback_summary

    sessions = Session.objects.filter(Q(mentor=user) | Q(mentee=user))
    ids = list(sessions.values_list("pk", flat=True))
    agendas = Agenda.objects.filter(session_id__in=ids)
    summary = feedback_summary(user, days=None)
    return {
        "sessions": _rows(sessions),
        "agendas": _rows(agendas),
        "agenda_topics": _rows(AgendaTopic.objects.filter(agenda__in=agendas)),
        "shared_notes": _rows(SharedNotes.objects.filter(session_id__in=ids)),
        "my_private_notes": _rows(PrivateNote.objects.filter(author=user)),
        "action_items": _rows(ActionItem.objects.filter(session_id__in=ids)),
        # Feedback GIVEN by me: my ratings of mentors, my feedback to my mentees.
        "trait_feedback_given": _rows(TraitFeedback.objects.filter(mentee=user)),
        "mentee_feedback_given": _rows(MenteeFeedback.objects.filter(session__mentor=user)),
        "mentee_feedback_received": _rows(MenteeFeedback.objects.filter(session__mentee=user)),
        # About me as a mentor: only the k-anonymous aggregate the mentor page shows.
        "feedback_about_me_summary": {
            "enough": summary.enough,
            "k": summary.k,
            "averages": getattr(summary, "averages", None) if summary.enough else None,
        },
    }


def messages_data(user: Any) -> dict[str, Any]:
    from mentorloom.messaging.models import GROUP_KINDS, Attachment, Conversation, Message
    from mentorloom.safety.selectors import hidden_user_ids

    conversations = Conversation.objects.filter(memberships__user=user)
    # In channels and workshops, posts by someone blocked either way stay hidden, as on their
    # pages (exporting them would also tell who blocked the person).
    messages = (
        Message.objects.filter(conversation__in=conversations)
        .exclude(conversation__kind__in=GROUP_KINDS, sender_id__in=hidden_user_ids(user.pk))
        .select_related("sender__profile")
    )
    return {
        "conversations": _rows(conversations),
        "messages": [
            {**_row(m), "sender_name": _name(m.sender), "sent_by_me": m.sender_id == user.pk}
            for m in messages
        ],
        "my_attachments": _rows(Attachment.objects.filter(message__sender=user)),
    }


def notifications_data(user: Any) -> dict[str, Any]:
    return {"notifications": _rows(user.notifications.all())}


def scheduling_data(user: Any) -> dict[str, Any]:
    from mentorloom.scheduling.models import (
        AvailabilityOverride,
        AvailabilityRule,
        ExternalCalendar,
        SchedulingSettings,
        SessionSeries,
    )

    return {
        "settings": _rows(SchedulingSettings.objects.filter(user=user)),
        "availability_rules": _rows(AvailabilityRule.objects.filter(mentor=user)),
        "availability_overrides": _rows(AvailabilityOverride.objects.filter(mentor=user)),
        "series": _rows(
            SessionSeries.objects.filter(Q(mentorship__mentor=user) | Q(mentorship__mentee=user))
        ),
        # Name and state only: the address and credentials are secrets (SECRET_FIELDS).
        "calendars": _rows(ExternalCalendar.objects.filter(user=user), exclude={"last_error"}),
    }


def safety_data(user: Any) -> dict[str, Any]:
    from mentorloom.safety.models import Block, Report

    # Reports I filed, without staff's notes; never reports about me.
    return {
        "reports_filed": _rows(Report.objects.filter(reporter=user), exclude={"staff_notes"}),
        "blocks": _rows(Block.objects.filter(blocker=user)),
    }


DOMAINS = {
    "account.json": account_data,
    "profile.json": profile_data,
    "mentorships.json": mentorships_data,
    "requests.json": requests_data,
    "sessions.json": sessions_data,
    "messages.json": messages_data,
    "notifications.json": notifications_data,
    "scheduling.json": scheduling_data,
    "safety.json": safety_data,
}


def _files(user: Any) -> list[tuple[str, str]]:
    """(storage name, name inside the zip) of the person's own files."""
    from mentorloom.messaging.models import Attachment
    from mentorloom.profiles.models import Profile

    out: list[tuple[str, str]] = []
    profile = Profile.objects.filter(user=user).first()
    if profile and profile.photo:
        out.append((profile.photo.name, f"files/photo{PurePosixPath(profile.photo.name).suffix}"))
    for a in Attachment.objects.filter(message__sender=user):
        safe = PurePosixPath(a.name).name or "file"
        out.append((a.file.name, f"files/attachments/{a.pk}-{safe}"))
    return out


def write_export_zip(user: Any, target: Any) -> None:
    """Write the zip to `target` (a path or binary file object)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, collect in DOMAINS.items():
            zf.writestr(name, json.dumps(collect(user), cls=DjangoJSONEncoder, indent=2))
        for stored, inside in _files(user):
            if default_storage.exists(stored):
                with default_storage.open(stored, "rb") as fh:
                    zf.writestr(inside, fh.read())
