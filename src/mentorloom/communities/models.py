"""Communities: open groups of people with topic channels, threads and weekly discussions.

A channel is a messaging `Conversation` of kind "channel": its posts are chat messages (thread
replies carry `parent`), so the send path, per-conversation order, client-id dedupe and
catch-up of messaging hold unchanged. Community membership is mirrored into the channels'
`Participant` rows by the services (join, leave, ban, a new channel), which is what messaging's
access helper and send check read.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_POST_CHARS = 4_000
# A ban "for good" is a ban until this instant (one column answers "banned now?").
FOREVER = datetime(9999, 1, 1, tzinfo=UTC)


class Visibility(models.TextChoices):
    OPEN = "open", "Open: anyone can join"
    APPROVAL = "approval", "Approval: a moderator approves requests"
    INVITE = "invite", "Invite only"


class Community(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(max_length=2_000, blank=True)
    rules = models.TextField(max_length=8_000, blank=True)  # Markdown, rendered sanitised
    topics = models.JSONField(default=list, blank=True)  # short topic names
    language = models.CharField(max_length=12, default="en")
    zone = models.CharField(max_length=64, default="UTC")  # IANA name for weekly prompts
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MODERATOR = "moderator", "Moderator"
    MEMBER = "member", "Member"


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # The member's own choice: no mention notifications or digests from this community.
    notifications_muted = models.BooleanField(default=False)
    # Set by a moderator: may read but not post until then.
    muted_until = models.DateTimeField(null=True, blank=True)
    # Set by a moderator: out of every channel until then (the row stays so a ban outlives a
    # leave-and-rejoin).
    banned_until = models.DateTimeField(null=True, blank=True)
    # A mentor open for questions from this community's members.
    open_for_questions = models.BooleanField(default=False)
    # When the last weekly digest went out (at most one per week, written with the mail).
    last_digest_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.community_id} ({self.role})"

    def is_banned(self, now: datetime | None = None) -> bool:
        return self.banned_until is not None and self.banned_until > (now or timezone.now())

    def is_muted(self, now: datetime | None = None) -> bool:
        return self.muted_until is not None and self.muted_until > (now or timezone.now())

    @property
    def moderates(self) -> bool:
        return self.role in (Role.OWNER, Role.MODERATOR)


class JoinStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class JoinRequest(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=JoinStatus.choices, default=JoinStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_join_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asks to join {self.community_id} ({self.status})"


class Invite(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=43, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"invite to {self.community_id} until {self.expires_at:%Y-%m-%d}"


class Channel(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="channels")
    conversation = models.OneToOneField(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="channel"
    )
    name = models.CharField(max_length=40)  # shown as #name
    description = models.CharField(max_length=200, blank=True)
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="one_channel_name")
        ]

    def __str__(self) -> str:
        return f"#{self.name}"


class ChannelMute(models.Model):
    """A member's choice to hear nothing from one channel (no mention notices, no digest)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "user"], name="one_channel_mute")]

    def __str__(self) -> str:
        return f"{self.user_id} muted {self.channel_id}"


class PinnedPost(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="pins")
    message = models.OneToOneField(
        "messaging.Message", on_delete=models.CASCADE, related_name="community_pin"
    )
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned_at"]

    def __str__(self) -> str:
        return f"pin of {self.message_id}"


class PostReport(models.Model):
    """A member's report of a post, for the community's moderators (staff get a safety
    report too)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="reports")
    message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(max_length=1_000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_post")
        ]

    def __str__(self) -> str:
        return f"report of {self.message_id} by {self.reporter_id}"


class PostMention(models.Model):
    """Someone a post has @mentioned, in any version of its text: they were notified then
    (unless they had muted the community or channel). An edit notifies only people without a
    row, so nobody hears twice about one post, also when an edit drops a mention and a later
    one adds it back. The unique pair is what makes it once under concurrent edits."""

    message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="one_mention_per_post")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} mentions {self.user_id}"


class WeeklyPrompt(models.Model):
    """A recurring discussion: every `weekday` at `local_time` in the community's zone, posted
    as a new thread in `channel`."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="prompts")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="prompts")
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=MAX_POST_CHARS, blank=True)
    weekday = models.PositiveSmallIntegerField()  # ISO: 1 = Monday … 7 = Sunday
    local_time = models.TimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title

    @property
    def weekday_name(self) -> str:
        return calendar.day_name[self.weekday - 1]


class PromptOccurrence(models.Model):
    """One posting of a weekly prompt. The unique (prompt, day) is what makes it exactly once
    per occurrence across restarts and several workers."""

    prompt = models.ForeignKey(WeeklyPrompt, on_delete=models.CASCADE, related_name="postings")
    day = models.DateField()  # local date in the community's zone
    message = models.ForeignKey(
        "messaging.Message", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "day"], name="one_posting_per_occurrence")
        ]

    def __str__(self) -> str:
        return f"{self.prompt_id} on {self.day}"


# A story: a mentor's longer post. Its text is the root post's body (title in bold on the first
# line, so search, digests and live inserts show it), its discussion is that post's thread.
MAX_STORY_TITLE_CHARS = 120
MAX_STORY_CHARS = 8_000


class Story(models.Model):
    """A mentor's longer post ("lessons", "my early-career failure") in a community.

    Not a second kind of content: `message` is an ordinary root post of `channel` (delivered,
    ordered, reacted to and moderated as every post), members discuss it in its thread, and
    this row adds the title and lists it on the author's profile. A deleted post (by its
    author or a moderator) takes the story off every list; the row stays for the audit trail.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="stories")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="stories")
    message = models.OneToOneField(
        "messaging.Message", on_delete=models.CASCADE, related_name="community_story"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_stories"
    )
    title = models.CharField(max_length=MAX_STORY_TITLE_CHARS)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "-created_at"], name="story_author_newest")]
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return self.title

    @property
    def body(self) -> str:
        """The story's text without its title line (services.story_text wrote both)."""
        text = self.message.body
        first, _, rest = text.partition("\n\n")
        return rest if first.startswith("**") else text


class PostSearch(models.Model):
    """One live channel post in the community full-text index (communities/fulltext.py).

    Written only by database triggers on messaging's message table (migration
    0002_post_search_and_stories), so every way a post is stored, edited or deleted (the send
    path's SQL, the socket, messaging's API, moderation, the demo seed) keeps the index in step.
    The text itself is indexed beside this row: an FTS5 table on SQLite, the `vector` tsvector
    column (GIN index) added to this table on PostgreSQL.
    """

    message = models.OneToOneField(
        "messaging.Message", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"search entry of post {self.message_id}"
