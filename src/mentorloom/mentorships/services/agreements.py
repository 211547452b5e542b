"""The mentorship agreement: proposing a version and confirming it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from mentorloom.core.errors import InvalidInput
from mentorloom.notifications.services import notify

from ..errors import InvalidTransition, StaleAgreementVersion
from ..models import AGREEMENT_FIELDS, AgreementVersion, HistoryEvent, Mentorship, MentorshipStatus
from ._common import _locked_mentorship, _other_user, _record_and_tell, _require_participant, _url


def _clean_agreement(values: dict[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, _label in AGREEMENT_FIELDS:
        value = str(values.get(name) or "").strip()
        limit = AgreementVersion._meta.get_field(name).max_length or 2000
        if len(value) > limit:
            errors[name] = [f"Please keep it under {limit} characters."]
        cleaned[name] = value
    if errors:
        raise InvalidInput(fields=errors)
    return cleaned


def propose_agreement(
    user,  # type: ignore[no-untyped-def]
    mentorship: Mentorship,
    values: dict[str, Any],
    *,
    base_number: int,
) -> AgreementVersion:
    """A change to the agreement: a new version, confirmed by its proposer only.

    `base_number` is the version the proposer edited; if someone changed it meanwhile we refuse
    (StaleAgreementVersion) rather than silently overwrite their proposal.
    """
    _require_participant(user, mentorship)
    cleaned = _clean_agreement(values)
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        if mentorship.status == MentorshipStatus.ENDED:
            raise InvalidTransition("This mentorship has ended.")
        latest = mentorship.agreement_versions.order_by("-number").first()
        latest_number = latest.number if latest else 0
        if base_number != latest_number:
            raise StaleAgreementVersion()
        if latest is not None and latest.values() == cleaned:
            raise InvalidInput("Nothing changed.", fields={"__all__": ["Nothing changed."]})
        now = timezone.now()
        confirmed = {
            "mentor_confirmed_at" if user.pk == mentorship.mentor_id else "mentee_confirmed_at": now
        }
        version = AgreementVersion.objects.create(
            mentorship=mentorship,
            number=latest_number + 1,
            proposed_by=user,
            created_at=now,
            **cleaned,
            **confirmed,
        )
        _record_and_tell(
            user,
            mentorship,
            history=f"{user.get_full_name()} proposed agreement version {version.number}.",
            kind="agreement.changed",
            title=f"{user.get_full_name()} proposed a change to your agreement",
            body="Review the changes and confirm them; until then the last confirmed version "
            "stays in force.",
            anchor="#agreement",
        )
    return version


def confirm_agreement(user, mentorship: Mentorship, number: int) -> AgreementVersion:  # type: ignore[no-untyped-def]
    """Confirm version `number`; only the newest version can be confirmed (else 409)."""
    _require_participant(user, mentorship)
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship)
        latest = mentorship.agreement_versions.order_by("-number").first()
        if latest is None or latest.number != number:
            raise StaleAgreementVersion()
        field = "mentor_confirmed_at" if user.pk == mentorship.mentor_id else "mentee_confirmed_at"
        if getattr(latest, field) is None:
            setattr(latest, field, timezone.now())
            latest.save(update_fields=[field])
            if latest.is_confirmed:
                HistoryEvent.objects.create(
                    mentorship=mentorship,
                    actor=user,
                    text=f"Agreement version {latest.number} confirmed by both.",
                )
            notify(
                _other_user(user, mentorship),
                kind="agreement.confirmed",
                title=(
                    f"Your agreement (version {latest.number}) is confirmed by both of you"
                    if latest.is_confirmed
                    else f"{user.get_full_name()} confirmed agreement version {latest.number}"
                ),
                url=_url("mentorships:detail", mentorship.pk) + "#agreement",
            )
    return latest
