"""Stored sentence embeddings, one per profile side and model."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from mentorloom.profiles.models import Profile


class Side(models.TextChoices):
    MENTOR = "mentor", "What the mentor offers"
    MENTEE = "mentee", "What the mentee seeks"


class ProfileEmbedding(models.Model):
    """Unit-length float32 vectors of a profile's text for one side of a match: row 0 is the
    whole document, the other rows its passages (matching.documents), concatenated.

    `content_hash` covers the model name and the text, so a vector is recomputed only when
    either changes (see services.refresh_embeddings).
    """

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="embeddings")
    side = models.CharField(max_length=6, choices=Side.choices)
    model_name = models.CharField(max_length=100)
    content_hash = models.CharField(max_length=64)
    vector = models.BinaryField()  # little-endian float32, L2-normalised
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "side", "model_name"], name="one_embedding_per_profile_side"
            )
        ]

    def __str__(self) -> str:
        return f"{self.side} embedding of profile {self.profile_id} ({self.model_name})"
