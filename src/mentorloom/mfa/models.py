"""Second factors beyond django-otp's TOTP and static (recovery code) devices."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Passkey(models.Model):
    """A WebAuthn credential registered by its owner (the public half only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(max_length=60)
    # base64url of the raw credential id, as the browser reports it in `rawId`.
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class ChallengeAttempt(models.Model):
    """One second-factor attempt in flight or failed; counted to throttle guessing.

    A row is written *before* the code is checked, then the count is read, so concurrent
    guesses cannot all see "4 failures so far" (the same insert-then-count as a reservation).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"attempt by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"
