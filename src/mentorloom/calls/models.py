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
