"""Organisations run mentoring as programs: a cohort of mentors and mentees, matched in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class Organisation(models.Model):
    name = models.CharField(max_length=120)
    logo = models.ImageField(upload_to="programs/logos/", blank=True)
    # Lower-case domains ("example.edu"); eligibility by domain checks a member's address.
    email_domains = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.name


class Eligibility(models.TextChoices):
    DOMAINS = "domains", "E-mail domains"
    INVITE = "invite", "Invite list"


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private"
    PUBLIC = "public", "Public"


class Program(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="programs"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=5000, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    cohort_size = models.PositiveIntegerField(default=100)
    eligibility = models.CharField(
        max_length=10, choices=Eligibility.choices, default=Eligibility.INVITE
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    # {"answers": 1.0, "zone": 0.5, "<question key>": 2.0}: criteria -> weight.
    criteria = models.JSONField(default=dict, blank=True)
    # {"shared_language": true, "exclude_same_team": true, "department": "any|same|different"}
    hard_rules = models.JSONField(default=dict, blank=True)
    # [{"key", "label", "kind": "single|multi|text", "choices": [...]}]
    questions = models.JSONField(default=list, blank=True)
    checkin_every_weeks = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(26)]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="program_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Program admin"
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"


def ordered_roles(members: Iterable[ProgramMembership]) -> list[str]:
    """The members' distinct roles in Role's order (one person listed in several roles)."""
    order = list(Role.values)
    return sorted({m.role for m in members}, key=order.index)


def roles_text(roles: Iterable[str]) -> str:
    """ "mentor and mentee": roles as a phrase for invitations and notices."""
    return " and ".join(Role(r).label.lower() for r in roles)


class ProgramMembership(models.Model):
    """One person in one program. Imported members exist before they sign up: `user` is set
    when an account with `email` exists or is created, so a re-import finds the same row."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="program_memberships",
    )
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices)
    zone = models.CharField(max_length=64, blank=True)
    languages = models.JSONField(default=list, blank=True)
    team = models.CharField(max_length=80, blank=True)
    department = models.CharField(max_length=80, blank=True)
    # An intake within the program ("2025 spring"); the dashboard compares cohorts side by side.
    cohort = models.CharField(max_length=80, blank=True)
    manager_email = models.EmailField(max_length=254, blank=True)
    capacity = models.PositiveSmallIntegerField(default=1)
    answers = models.JSONField(default=dict, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    # The person's own answer to being added (docs/programs.md). An admin adds people; only
    # they join: until then the program pairs them with nobody (a published pair waits) and
    # shows them none of its people. A declined member takes no part in matching runs.
    joined_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "email", "role"], name="one_membership_per_role"
            ),
            models.CheckConstraint(
                condition=Q(joined_at__isnull=True) | Q(declined_at__isnull=True),
                name="membership_joined_or_declined",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "role"]),
            # Rows waiting for their address's owner (selectors.same_address).
            models.Index(
                Lower("email"), condition=Q(user=None), name="membership_unlinked_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role}) in {self.program_id}"


class MatchMode(models.TextChoices):
    OPTIMAL = "optimal", "Optimal total"
    STABLE = "stable", "Stable"
    CHOICE = "choice", "Mentee choice"


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


class MatchRun(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=MatchMode.choices, default=MatchMode.OPTIMAL)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PROPOSED)
    # {"<reason code>": count} and [{"membership": id, "reasons": [codes]}]
    summary = models.JSONField(default=dict, blank=True)
    unmatched = models.JSONField(default=list, blank=True)
    total_score = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.mode} run {self.pk} of program {self.program_id} ({self.status})"


class ProposedPair(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="pairs")
    mentee = models.ForeignKey(ProgramMembership, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(ProgramMembership, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    locked = models.BooleanField(default=False)
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the program started (or linked) the pair's mentorship: at publication, or later when
    # the second of the two joined. The program's part of the mentorship is read from here.
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "mentee"], name="one_pair_per_mentee_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} with {self.mentor_id} ({self.score:.2f})"


class ShortlistOption(models.Model):
    """Mentee-choice mode: one of the (up to 3) mentors offered to a mentee in a run. The
    mentee's pick becomes the run's ProposedPair for them (one per mentee, by constraint)."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="options")
    mentee = models.ForeignKey(ProgramMembership, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(ProgramMembership, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()  # 1 = best score
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "mentee", "mentor"], name="one_option_per_mentor_per_mentee"
            ),
            models.UniqueConstraint(fields=["run", "mentee", "rank"], name="one_option_per_rank"),
        ]
        indexes = [models.Index(fields=["run", "mentee"])]

    def __str__(self) -> str:
        return f"option {self.rank} for {self.mentee_id}: {self.mentor_id} ({self.score:.2f})"


class CheckIn(models.Model):
    """A pulse ("how is your mentorship going?") every N weeks to both sides of a program pair.
    Low scores surface to program admins only."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="checkins")
    membership = models.ForeignKey(
        ProgramMembership, on_delete=models.CASCADE, related_name="checkins"
    )
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, null=True, related_name="+"
    )
    due_on = models.DateField()
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.TextField(max_length=2000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "mentorship", "due_on"], name="one_checkin_per_due_date"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="checkin_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.membership_id} due {self.due_on}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A large CSV imported by the worker; `done_rows` / `total_rows` drives the progress bar.
    The file is kept only until the job finishes."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    data = models.BinaryField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"import {self.pk} into program {self.program_id} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else round(100 * self.done_rows / self.total_rows)


class MemberEmbedding(models.Model):
    """Unit-length float32 vector of what an imported member wrote in the program's free-text
    questions (their goals as a mentee, what they help with as a mentor). It scores meaning for
    members who have no account (or no profile vector) yet, so a cohort can be matched on the
    day it is imported. `content_hash` covers the model name and the text."""

    membership = models.OneToOneField(
        ProgramMembership, on_delete=models.CASCADE, related_name="embedding"
    )
    model_name = models.CharField(max_length=100)
    content_hash = models.CharField(max_length=64)
    vector = models.BinaryField()  # little-endian float32, L2-normalised
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"embedding of membership {self.membership_id} ({self.model_name})"


class CohortMove(models.Model):
    """A member's cohort label before a re-import changed it, and when. Releases put an answer
    in the label its member had when it was recorded (`batches.cohort_at`): moving a member
    into a cohort of the admin's own accounts takes none of their earlier answers along."""

    membership = models.ForeignKey(
        ProgramMembership, on_delete=models.CASCADE, related_name="cohort_moves"
    )
    cohort = models.CharField(max_length=80, blank=True)  # the label until `moved_at`
    moved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["membership", "moved_at"])]

    def __str__(self) -> str:
        return f"membership {self.membership_id} left cohort {self.cohort!r} at {self.moved_at}"


class AnswerKind(models.TextChoices):
    OUTCOME = "outcome", "End-of-mentorship outcome"
    CHECKIN = "checkin", "Check-in score"


class AnswerBatch(models.Model):
    """Private answers (reflection outcomes, check-in scores) of >= k distinct people of one
    cohort, released together and never changed afterwards. Every dashboard figure drawn from
    such answers is a sum of whole batches, so no difference of figures (program minus cohorts,
    a member moved between cohorts, before and after one more answer) isolates one person.

    `cohort` is the label when released ("" for none): moving a member later changes nothing
    released. `counts` is stored, not recomputed: outcome {"reached", "not_reached",
    "not_said"} -> n; check-in {"1".."5"} -> n."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="answer_batches")
    cohort = models.CharField(max_length=80, blank=True)
    kind = models.CharField(max_length=10, choices=AnswerKind.choices)
    counts = models.JSONField(default=dict)
    size = models.PositiveIntegerField()
    released_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["program", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} batch of {self.size} in program {self.program_id} ({self.cohort!r})"


class ReleasedAnswer(models.Model):
    """Which answer went out in which batch, so none is counted twice. `answer_id` is a
    mentorships.Reflection (outcome) or a CheckIn (check-in) id: no foreign key, so the lower
    mentorships app knows nothing of programs and an erased answer leaves its batch whole."""

    batch = models.ForeignKey(AnswerBatch, on_delete=models.CASCADE, related_name="answers")
    kind = models.CharField(max_length=10, choices=AnswerKind.choices)
    answer_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "answer_id"], name="one_release_per_answer")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.answer_id} in batch {self.batch_id}"
