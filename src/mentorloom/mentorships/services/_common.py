"""Private helpers shared by the mentorship services: names, links, capacity and the
locked-row checks every transition starts with."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from mentorloom.core.errors import InvalidInput, PermissionDenied
from mentorloom.notifications.services import notify
from mentorloom.profiles.models import Profile
from mentorloom.safety.selectors import is_blocked_between

from ..errors import BlockedPair, MentorUnavailable, SelfRequest
from ..models import MESSAGE_MAX, HistoryEvent, Mentorship, MentorshipStatus


def expiry_days() -> int:
    return int(getattr(settings, "MENTORLOOM_REQUEST_EXPIRY_DAYS", 7))


def _url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def live_mentorship_count(mentor_id: int) -> int:
    # Paused mentorships still hold their place: the pair intends to resume.
    return (
        Mentorship.objects.filter(mentor_id=mentor_id).exclude(status=MentorshipStatus.ENDED)
    ).count()


def free_places(profile: Profile) -> int:
    return max(0, profile.capacity - live_mentorship_count(profile.user_id))


def _mentor_profile(mentee, mentor_id: int, *, lock: bool = False) -> Profile:  # type: ignore[no-untyped-def]
    """The mentor's profile if the mentee may address them at all (else 404-like errors)."""
    if mentee.pk == mentor_id:
        raise SelfRequest(fields={"mentor_id": ["That is you."]})
    qs = Profile.objects.select_related("user")
    if lock:
        qs = qs.select_for_update()
    profile = qs.filter(user_id=mentor_id, is_mentor=True, user__is_active=True).first()
    # A block hides the two people from each other, so a blocked mentor looks like no mentor.
    if profile is None or is_blocked_between(mentee.pk, mentor_id):
        raise MentorUnavailable()
    return profile


def _clean_short(text: str, field: str, *, limit: int = MESSAGE_MAX) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={field: ["Please write something."]})
    if len(text) > limit:
        raise InvalidInput(fields={field: [f"Please keep it under {limit} characters."]})
    return text


def _locked_mentorship(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentor__profile", "mentee__profile")
        .get(pk=mentorship.pk)
    )


def _require_participant(user, mentorship: Mentorship, *, reaches_other: bool = True) -> None:  # type: ignore[no-untyped-def]
    """PermissionDenied for an outsider; BlockedPair when the write reaches the other person
    (a notice, an e-mail, the shared page) and either of the two blocked the other. A block
    must end contact, not leave a pause/resume loop that notifies the blocker."""
    if user.pk not in mentorship.participant_ids():
        raise PermissionDenied()
    if reaches_other and is_blocked_between(mentorship.mentor_id, mentorship.mentee_id):
        raise BlockedPair()


def _other_user(user, mentorship: Mentorship):  # type: ignore[no-untyped-def]
    return mentorship.mentee if user.pk == mentorship.mentor_id else mentorship.mentor


def _record_and_tell(
    user,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    *,
    history: str,
    kind: str,
    title: str,
    body: str = "",
    anchor: str = "",
    tell: bool = True,
) -> None:
    """What `user` did goes into the mentorship's history, and (unless `tell` is False) the
    other person is notified with a link to the mentorship page (at `anchor`)."""
    HistoryEvent.objects.create(mentorship=mentorship, actor=user, text=history)
    if not tell:
        return
    notify(
        _other_user(user, mentorship),
        kind=kind,
        title=title,
        body=body,
        url=_url("mentorships:detail", mentorship.pk) + anchor,
    )
