"""In-app notifications: one row per person per event; e-mail is decided by the service."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=50)  # e.g. "request.received", "agreement.changed"
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Waiting for the person's daily digest e-mail (their preference for this kind's group).
    in_digest = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"


class EmailDelivery(models.TextChoices):
    INSTANT = "instant", "Each one by e-mail"
    DIGEST = "digest", "A daily digest"
    OFF = "off", "No e-mail"


class NotificationPreference(models.Model):
    """How one person wants one group of notifications (notifications.kinds.GROUPS). No row
    means the defaults: in-app on, e-mail instantly."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    group = models.CharField(max_length=20)
    in_app = models.BooleanField(default=True)
    email = models.CharField(
        max_length=8, choices=EmailDelivery.choices, default=EmailDelivery.INSTANT
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="one_preference_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.group}: in-app {self.in_app}, e-mail {self.email}"
