"""Mentorships between two people, the connection requests that create them, the living
agreement (versioned), goals with milestones and progress, and end/pause reflections.

Other apps rely on `Mentorship` (mentor, mentee, status, started_at, paused_until, ended_at).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorloom.profiles.models import CareerGoal


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Mentorship(models.Model):
    # SET_NULL: the mentorship (and its sessions, chat, history) stays for the other person.
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="mentorships_as_mentor",
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="mentorships_as_mentee",
    )
    status = models.CharField(
        max_length=10, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    started_at = models.DateTimeField(default=timezone.now)
    paused_until = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live mentorship per pair; an ended one may be followed by a new one.
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=~Q(status="ended"),
                name="one_live_mentorship_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(mentor=models.F("mentee")), name="no_self_mentorship"
            ),
        ]
        indexes = [
            models.Index(fields=["mentor", "status"]),
            models.Index(fields=["mentee", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} mentors {self.mentee} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == MentorshipStatus.ACTIVE

    def participant_ids(self) -> tuple[int, int]:
        return (self.mentor_id, self.mentee_id)

    def other(self, user_id: int) -> int:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id


# --- Connection requests ------------------------------------------------------------------


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the mentor"
    INFO_REQUESTED = "info_requested", "Mentor asked for more information"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


OPEN_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.INFO_REQUESTED)


class MeetingFormat(models.TextChoices):
    CHAT = "chat", "Chat"
    VIDEO = "video", "Video"
    BOTH = "both", "Chat and video"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Once a month"
    AD_HOC = "ad_hoc", "When needed"


MESSAGE_MIN = 50
MESSAGE_MAX = 2000


class MentorshipRequest(models.Model):
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="requests_sent"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="requests_received"
    )
    message = models.TextField(max_length=MESSAGE_MAX)
    goals = models.ManyToManyField(CareerGoal, blank=True, related_name="requests")
    preferred_format = models.CharField(
        max_length=10, choices=MeetingFormat.choices, default=MeetingFormat.BOTH
    )
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.FORTNIGHTLY)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The mentor's first answer of any kind (ask-info, accept, decline): feeds responsiveness.
    first_response_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(max_length=1000, blank=True)
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per mentee–mentor pair, enforced by the database so two quick
            # submits cannot both slip through.
            models.UniqueConstraint(
                fields=["mentee", "mentor"],
                condition=Q(status__in=["pending", "info_requested"]),
                name="one_open_request_per_pair",
            ),
            models.CheckConstraint(condition=~Q(mentor=models.F("mentee")), name="no_self_request"),
        ]
        indexes = [
            models.Index(fields=["mentor", "status"]),
            models.Index(fields=["mentee", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"request {self.pk}: {self.mentee_id} → {self.mentor_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class RequestMessage(models.Model):
    """One message of the short "more information" thread on a request."""

    request = models.ForeignKey(MentorshipRequest, on_delete=models.CASCADE, related_name="thread")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    body = models.TextField(max_length=MESSAGE_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"message {self.pk} on request {self.request_id}"


class WaitlistEntry(models.Model):
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlisted_with"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the mentee is told a place is free; a told entry leaves the queue.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(notified_at__isnull=True),
                name="one_waiting_entry_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} waits for {self.mentor_id}"


# --- Agreement ----------------------------------------------------------------------------


AGREEMENT_FIELDS = [
    ("goals", "Goals for this mentorship"),
    ("cadence", "Cadence"),
    ("session_length", "Session length"),
    ("review_date", "Duration or review date"),
    ("channels", "Preferred channels"),
    ("response_times", "Expected response times"),
    ("quiet_hours", "Quiet hours"),
    ("boundaries", "Topics off-limits and boundaries"),
    ("confidentiality", "Confidentiality"),
    ("feedback", "How we give feedback"),
]


class AgreementVersion(models.Model):
    """One version of a mentorship's agreement. The newest version confirmed by both people is
    the one in force; a newer unconfirmed one is a proposal."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="agreement_versions"
    )
    number = models.PositiveIntegerField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    goals = models.TextField(max_length=2000, blank=True)
    cadence = models.CharField(max_length=200, blank=True)
    session_length = models.CharField(max_length=100, blank=True)
    review_date = models.CharField(max_length=200, blank=True)
    channels = models.CharField(max_length=200, blank=True)
    response_times = models.CharField(max_length=200, blank=True)
    quiet_hours = models.TextField(max_length=500, blank=True)
    boundaries = models.TextField(max_length=2000, blank=True)
    confidentiality = models.TextField(max_length=2000, blank=True)
    feedback = models.TextField(max_length=2000, blank=True)
    mentor_confirmed_at = models.DateTimeField(null=True, blank=True)
    mentee_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "number"], name="one_agreement_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"agreement v{self.number} of mentorship {self.mentorship_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.mentor_confirmed_at is not None and self.mentee_confirmed_at is not None

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name, _ in AGREEMENT_FIELDS}


# --- Goals ---------------------------------------------------------------------------------


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class Goal(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Private goals are visible only to their owner (not even to the other participant).
    is_private = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="goal_progress_max_100")
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "created_at", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    progress = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.progress}% on goal {self.goal_id}"


# --- Pause / end -----------------------------------------------------------------------------


class Reflection(models.Model):
    """Written when ending a mentorship; private to its author and program admins."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="reflections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    went_well = models.TextField(max_length=2000, blank=True)
    outcome_reached = models.BooleanField(null=True)
    would_recommend = models.BooleanField(null=True)
    text = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"reflection by {self.author_id} on mentorship {self.mentorship_id}"


class HistoryEvent(models.Model):
    """The mentorship's visible history: accepted, agreement confirmed, paused, ended…"""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text
