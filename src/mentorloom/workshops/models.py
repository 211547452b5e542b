"""Workshops: a facilitator, registered participants, a main room and breakout rooms.

Live state that changes during a workshop (breakouts open, timer, "bring everyone back") sits on
the Workshop row so every decision is taken under one row lock; who is in which breakout room is
RoomAssignment, and the room someone is in *now* is derived from both (selectors.current_room_for)
so a countdown that runs out needs no job to be correct.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# "Join" is live from this long before the start (the brief).
JOIN_EARLY = timedelta(minutes=10)
# "Bring everyone back" gives every room this long to finish.
RECALL_SECONDS = 60
# Mesh fallback: above this many people in a room only the stage sends video.
MESH_VIDEO_LIMIT = 6
MESH_STAGE_SIZE = 4  # facilitator + up to 3 speakers


class Workshop(models.Model):
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitated_workshops"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=4000, blank=True)
    agenda = models.TextField(max_length=4000, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    zone = models.CharField(max_length=64)  # the facilitator's IANA zone when scheduling
    capacity = models.PositiveIntegerField()
    # Public workshops are listed for everyone. One tied to a community is for that community's
    # members in good standing (and the facilitator) only; it is never public (is_public False).
    is_public = models.BooleanField(default=True)
    # SET_NULL, not PROTECT or CASCADE: deleting a community neither blocks on its workshops nor
    # takes away places people registered for. The workshop stays non-public, so it falls back to
    # what any unlisted workshop is: seen by its facilitator and registered people only.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops",
    )
    locked = models.BooleanField(default=False)
    # Breakout phase: opened_at set while rooms are open; ends_at of the timer; the prompt;
    # recall_at when "bring everyone back" was pressed (rooms close at that instant).
    breakouts_opened_at = models.DateTimeField(null=True, blank=True)
    breakouts_end_at = models.DateTimeField(null=True, blank=True)
    breakout_prompt = models.CharField(max_length=300, blank=True)
    participants_choose = models.BooleanField(default=False)
    recall_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Called off (services.cancel_workshop): by its facilitator or a moderator of its
    # community, or by a ban of its facilitator from that community.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="workshop_ends_after"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="workshop_capacity"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def joins_from(self):  # type: ignore[no-untyped-def]
        return self.starts_at - JOIN_EARLY

    def is_joinable(self, now=None) -> bool:  # type: ignore[no-untyped-def]
        now = now or timezone.now()
        return self.cancelled_at is None and self.joins_from <= now < self.ends_at

    def breakouts_live(self, now=None) -> bool:  # type: ignore[no-untyped-def]
        now = now or timezone.now()
        if self.breakouts_opened_at is None:
            return False
        return self.recall_at is None or now < self.recall_at


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    WAITLISTED = "waitlisted", "On the waitlist"
    CANCELLED = "cancelled", "Cancelled"
    REMOVED = "removed", "Removed by the facilitator"


class Registration(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_registrations"
    )
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices)
    # Waitlist order: the earliest `queued_at` is promoted first.
    queued_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_registration_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} for {self.workshop_id}"


class RoomKind(models.TextChoices):
    MAIN = "main", "Main room"
    BREAKOUT = "breakout", "Breakout room"


# Breakout rooms of earlier rounds keep their chats and notes for their members and are
# renumbered from here; only rooms numbered below it belong to the current round.
ARCHIVED_ROOM_NUMBER = 1000


class Room(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="rooms")
    kind = models.CharField(max_length=8, choices=RoomKind.choices)
    number = models.PositiveIntegerField()  # 0 for the main room, 1..N for breakouts
    name = models.CharField(max_length=60)
    # The room's chat is one more messaging conversation (members = everyone ever assigned).
    conversation = models.OneToOneField(
        "messaging.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_room",
    )
    note = models.TextField(max_length=20_000, blank=True)
    note_updated_at = models.DateTimeField(null=True, blank=True)
    # Facilitator's live controls, per room: "mute all" holds until lifted (with Janus enforced
    # by the VideoRoom's `moderate`, in mesh mode obeyed by the page), the spotlit speaker shown
    # large on every page, and the mesh stage (speakers beside the facilitator who send video
    # when the room is too big for everyone to).
    muted = models.BooleanField(default=False)
    spotlight = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stage = models.JSONField(default=list, blank=True)  # user ids, at most MESH_STAGE_SIZE - 1

    class Meta:
        ordering = ["workshop_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "number"], name="one_room_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.workshop_id}"

    @property
    def media_room_id(self) -> int:
        # Janus room numbers of workshops live above the 1:1 calls' range.
        return 25_000_000 + self.pk


class RoomAssignment(models.Model):
    """Which breakout room a person is in (at most one per workshop)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="assignments")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_assignments"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_breakout_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}"


class Attendance(models.Model):
    """One stay in the live workshop: joined, left (None while there)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_attendance"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["workshop", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.workshop_id} from {self.joined_at:%H:%M}"


class SignalKind(models.TextChoices):
    HAND = "hand", "Raised hand"
    HELP = "help", "Asked for help"


class HandSignal(models.Model):
    """A raised hand or an "ask for help" (with the room it came from); lowered when answered."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="signals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_signals"
    )
    kind = models.CharField(max_length=4, choices=SignalKind.choices)
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    lowered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.user_id}"


class MediaGrant(models.Model):
    """A participant's Janus token for this workshop and the feed id they publish with, kept so
    a move can evict exactly them from the room they leave."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="media_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_media_grants"
    )
    token = models.CharField(max_length=100)
    feed_id = models.BigIntegerField()
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True)
    # The signed-in session that asked for the token (core.realtime.lifetime.session_tag, never
    # the key itself): signing that session out evicts it, another session's sign-out does not.
    session_tag = models.CharField(max_length=32, blank=True, default="")
    # When that session's page asked (its own clock, ms): an answer it asked for earlier than
    # the grant's current one is refused, not let in over the newer room (workshop_room.js).
    asked_at = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_media_grant_per_user")
        ]

    def __str__(self) -> str:
        return f"media grant of {self.user_id} in {self.workshop_id}"


class Feedback(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_feedback"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_feedback_per_user"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 from {self.user_id}"
