"""1:1 video calls inside a mentorship. Media flows peer-to-peer; only the record is ours."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorloom.mentorships.models import Mentorship


class CallStatus(models.TextChoices):
    RINGING = "ringing", "Ringing"
    ACTIVE = "active", "In progress"
    ENDED = "ended", "Ended"
    DECLINED = "declined", "Declined"
    MISSED = "missed", "Missed"


LIVE_STATUSES = (CallStatus.RINGING, CallStatus.ACTIVE)


class Call(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="calls")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.RINGING)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the last open socket of the call closed (or, before anyone connected, when it was
    # created); None while someone is connected. The sweep ends calls empty for too long.
    empty_since = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One click from either side joins the same live call instead of ringing twice.
            models.UniqueConstraint(
                fields=["mentorship"],
                condition=Q(status__in=["ringing", "active"]),
                name="one_live_call_per_mentorship",
            )
        ]

    def __str__(self) -> str:
        return f"Call {self.pk} in mentorship {self.mentorship_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def duration_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return max(0, int((self.ended_at - self.answered_at).total_seconds()))
        return None


class CallConnection(models.Model):
    """One open call socket (a person may have two tabs). Deleted when the socket closes or the
    page's unload beacon says the person left, so "is anyone still in the call?" is a lookup."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="connections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200)
    connected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["call", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} in call {self.call_id}"
