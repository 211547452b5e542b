"""What hangs off one scheduled session: its agenda, notes, action items and feedback.

Agenda templates are admin-editable rows (seeded by a data migration). Carry-forward is not
stored: suggestions are computed from the previous session each time (selectors.py), and a
topic records what it was carried from so an accepted suggestion is not offered again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorloom.accounts.models import User

TRAITS: list[tuple[str, str]] = [
    ("empathy", "Empathy"),
    ("adaptability", "Adaptability"),
    ("active_listening", "Active listening"),
    ("encouragement", "Encouragement"),
    ("expertise", "Expertise"),
]
RATING = [MinValueValidator(1), MaxValueValidator(5)]


class AgendaTemplate(models.Model):
    """A reusable starting point: `topics` is a list of {"title", "goal", "minutes"}."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    topics = models.JSONField(default=list)
    questions = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Agenda(models.Model):
    """One per session, created on first edit. `version` grows on every change."""

    session = models.OneToOneField(
        "scheduling.Session", on_delete=models.CASCADE, related_name="structured_agenda"
    )
    questions = models.TextField(max_length=5000, blank=True)
    links = models.TextField(max_length=5000, blank=True)  # one URL per line
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"agenda of session {self.session_id}"

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


class AgendaTopic(models.Model):
    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="topics")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    goal = models.CharField(max_length=300, blank=True)
    minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    done = models.BooleanField(default=False)
    # Where a carried-forward topic came from, so the suggestion is not offered twice.
    carried_topic = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_into"
    )
    carried_action_item = models.ForeignKey(
        "ActionItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_into"
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class SharedNotes(models.Model):
    """Markdown both participants edit; `version` is the optimistic-concurrency token."""

    session = models.OneToOneField(
        "scheduling.Session", on_delete=models.CASCADE, related_name="shared_notes"
    )
    body = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"notes of session {self.session_id} v{self.version}"


class PrivateNote(models.Model):
    """Only its author ever reads it (every query filters by author)."""

    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.CASCADE, related_name="private_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "author"], name="one_private_note_each")
        ]

    def __str__(self) -> str:
        return f"private note of {self.author_id} on session {self.session_id}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ActionItemSource(models.TextChoices):
    NOTES = "notes", "Notes"
    AGENDA = "agenda", "Agenda"


class ActionItem(models.Model):
    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.CASCADE, related_name="action_items"
    )
    # Denormalised so "open items of this mentorship" is one indexed query.
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="action_items"
    )
    # SET_NULL: items in a shared session stay for the other participant.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="action_items"
    )
    title = models.CharField(max_length=300)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    source = models.CharField(
        max_length=8, choices=ActionItemSource.choices, default=ActionItemSource.NOTES
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_date", "pk"]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"]),
            models.Index(fields=["mentorship", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:  # type: ignore[no-untyped-def]
        return self.status == ActionItemStatus.OPEN and bool(
            self.due_date and self.due_date < today
        )


class TraitFeedback(models.Model):
    """The mentee's private rating of the mentor. A mentor never reads a row of this table:
    selectors.feedback_summary only hands out aggregates over >= k distinct mentees."""

    session = models.OneToOneField(
        "scheduling.Session", on_delete=models.CASCADE, related_name="trait_feedback"
    )
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # SET_NULL: an erased rater is detached but the row still counts in the aggregates; all
    # detached rows count as ONE rater for k (conservative: k is never overstated).
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    empathy = models.PositiveSmallIntegerField(validators=RATING)
    adaptability = models.PositiveSmallIntegerField(validators=RATING)
    active_listening = models.PositiveSmallIntegerField(validators=RATING)
    encouragement = models.PositiveSmallIntegerField(validators=RATING)
    expertise = models.PositiveSmallIntegerField(validators=RATING)
    useful = models.BooleanField()
    comment = models.TextField(max_length=2000, blank=True)
    share_comment = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The release batch it went out in (None until it is final and k mentees are pending).
    batch = models.ForeignKey(
        "FeedbackBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["mentor", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(empathy__gte=1, empathy__lte=5)
                & Q(adaptability__gte=1, adaptability__lte=5)
                & Q(active_listening__gte=1, active_listening__lte=5)
                & Q(encouragement__gte=1, encouragement__lte=5)
                & Q(expertise__gte=1, expertise__lte=5),
                name="trait_ratings_between_1_and_5",
            )
        ]

    def __str__(self) -> str:
        return f"trait feedback on session {self.session_id}"


class MenteeFeedback(models.Model):
    """The mentor's feedback to the mentee; the mentee sees it in full."""

    session = models.OneToOneField(
        "scheduling.Session", on_delete=models.CASCADE, related_name="mentee_feedback"
    )
    progress = models.TextField(max_length=2000, blank=True)
    strengths = models.TextField(max_length=2000, blank=True)
    next_steps = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"mentor feedback on session {self.session_id}"


class FeedbackPrompt(models.Model):
    """One row per (session, person) prompted; the unique key makes prompts go out once."""

    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.CASCADE, related_name="feedback_prompts"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_feedback_prompt_each")
        ]

    def __str__(self) -> str:
        return f"feedback prompt to {self.user_id} for session {self.session_id}"


class AgendaPrepReminder(models.Model):
    """The "please prepare your agenda" reminder went to the mentee; one row per session, so
    the periodic task sends it exactly once even with concurrent workers."""

    session = models.OneToOneField(
        "scheduling.Session", on_delete=models.CASCADE, related_name="agenda_prep_reminder"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"agenda reminder for session {self.session_id}"


class LowScoreAlert(User):
    """Admin-only view of mentors with low-score alerts (no table of its own): the changelist
    lists mentors whose trait average over their last 5 ratings is below 3 (see admin.py)."""

    class Meta:
        proxy = True
        verbose_name = "low-score feedback alert"
        verbose_name_plural = "low-score feedback alerts"


class FeedbackReleaseRun(models.Model):
    """One weekly release of feedback figures. The unique week makes the release run once per
    week even when several workers or schedulers try at the same time."""

    week = models.DateField(unique=True)  # the Monday (UTC) the week starts on
    ran_at = models.DateTimeField(default=timezone.now)
    published = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"feedback release of week {self.week}"


class FeedbackBatch(models.Model):
    """Final ratings of one mentor by >= k distinct mentees, released together by a weekly run
    and never changed afterwards. Every figure shown (periods, trend months, staff alerts) is
    a union of whole batches, so no combination of figures isolates fewer than k mentees.

    The sums are stored, not recomputed: a later deletion of one rating must not move a figure
    by that one rating. `mentee_ids` (for counting distinct raters) never leaves the server.
    Shared comments are read from the batch's rows, so erasing an account removes its text.
    """

    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    released_at = models.DateTimeField()
    newest_rated_at = models.DateTimeField()
    ratings = models.PositiveIntegerField()
    sums = models.JSONField(default=dict)  # trait → sum of its ratings
    useful = models.PositiveIntegerField()
    mentee_ids = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["mentor", "newest_rated_at"])]

    def __str__(self) -> str:
        return f"feedback batch of mentor {self.mentor_id} released {self.released_at}"
