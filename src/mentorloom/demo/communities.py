"""Demo communities: lively groups with channels, threads spread over the past weeks, a weekly
prompt each and members across time zones. Idempotent: communities are found by slug, posts
by client ids derived from the data, so a second run adds nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from mentorloom.communities import services
from mentorloom.communities.models import (
    Channel,
    Community,
    Membership,
    Role,
    Story,
    WeeklyPrompt,
)
from mentorloom.core.errors import DomainError
from mentorloom.messaging.models import Message
from mentorloom.messaging.services import send_message

from .data import MENTEES, MENTORS


@dataclass(frozen=True)
class DemoThread:
    channel: str
    days_ago: int
    body: str
    replies: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoStory:
    """A mentor's story (the community's first member who mentors tells it)."""

    channel: str
    days_ago: int
    title: str
    body: str
    replies: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoCommunity:
    slug: str
    name: str
    description: str
    rules: str
    topics: list[str]
    zone: str
    visibility: str
    channels: list[tuple[str, str]]
    prompt: tuple[str, str, str, int, str]  # channel, title, body, ISO weekday, local time
    threads: list[DemoThread]
    language: str = "en"
    stories: list[DemoStory] = field(default_factory=list)


RULES = """1. Be kind and specific: critique the work, never the person.
2. No recruiting or selling without a moderator's OK.
3. What is shared here stays here unless the author says otherwise."""

COMMUNITIES = [
    DemoCommunity(
        "design-crit",
        "Design Crit Circle",
        "Product and UX designers trading honest feedback on real work.",
        RULES,
        ["Design", "UX", "Portfolio"],
        "Europe/Berlin",
        "open",
        [
            ("portfolio-review", "Share a case study, get two pieces of feedback"),
            ("job-search", "Openings, interviews, offers"),
        ],
        (
            "portfolio-review",
            "Portfolio Tuesday",
            "Share one piece of work, ask for one piece of feedback.",
            2,
            "18:00",
        ),
        [
            DemoThread(
                "portfolio-review",
                20,
                "My onboarding redesign case study: is the problem statement too long?",
                [
                    "Cut the first paragraph; start with the metric you moved.",
                    "Agree, and show the before screens earlier.",
                ],
            ),
            DemoThread(
                "general",
                12,
                "Which design-systems talks from this year are worth watching?",
                ["The one on tokens at scale was great."],
            ),
            DemoThread(
                "job-search",
                3,
                "Got to the final round at a fintech. Any tips for the whiteboard exercise?",
                ["Talk through constraints before sketching.", "Ask who the user is, twice."],
            ),
        ],
        stories=[
            DemoStory(
                "general",
                12,
                "The portfolio that got me zero interviews",
                "In 2016 I sent the same portfolio to forty studios and heard back from none.\n\n"
                "What was wrong: twelve projects, all final screens, no problem, no process, no "
                "result. Nobody could tell what *I* did.\n\n"
                "What changed it:\n\n"
                "1. Three case studies instead of twelve projects.\n"
                "2. Each one opens with the problem and the outcome, in two sentences.\n"
                "3. One honest section on what I would do differently.\n\n"
                "The next round got me six interviews. Designing the story of the work matters "
                "as much as designing the work.",
                [
                    "The 'what I would do differently' section is such good advice.",
                    "Cutting to three case studies hurts, but it works.",
                ],
            )
        ],
    ),
    DemoCommunity(
        "data-folks",
        "Data Folks",
        "Analysts, data scientists and engineers learning from each other.",
        RULES,
        ["Data", "Machine learning", "SQL"],
        "America/New_York",
        "open",
        [("sql-help", "Stuck on a query? Post it here"), ("career", "Moving into data roles")],
        ("general", "Weekly wins", "What did you ship or learn this week?", 5, "12:00"),
        [
            DemoThread(
                "sql-help",
                17,
                "Window functions vs self-joins for running totals: which do you reach for?",
                ["Window functions, every time.", "Self-joins only on engines without them."],
            ),
            DemoThread(
                "career",
                9,
                "From Excel-heavy finance to analytics: what should I learn first?",
                ["SQL, then one BI tool, then Python.", "Build one project with public data."],
            ),
            DemoThread("general", 1, "Our dbt migration finally landed. Ask me anything."),
        ],
    ),
    DemoCommunity(
        "career-changers",
        "Career Changers",
        "People switching careers into tech, and those who did it before them.",
        RULES,
        ["Career switch", "Bootcamps"],
        "Europe/London",
        "open",
        [("first-job", "Landing the first role"), ("stories", "How I switched")],
        ("stories", "Switch story Sunday", "Tell us one thing you wish you had known.", 7, "17:00"),
        [
            DemoThread(
                "stories",
                25,
                "Teacher to QA engineer in 14 months: lessons and failures.",
                ["Thank you for sharing the failures too.", "The part about networking helped me."],
            ),
            DemoThread(
                "first-job",
                6,
                "Is a bootcamp certificate worth putting on my CV?",
                ["Projects matter more than the certificate."],
            ),
        ],
        stories=[
            DemoStory(
                "stories",
                9,
                "Lessons from my early-career failure: the job I quit after six weeks",
                "My first tech job was at a startup I had not researched at all. Six weeks in I "
                "realised I had no mentor, no onboarding and no idea what good looked like.\n\n"
                "I quit, and for a month felt like the switch had failed. It had not: I had "
                "learned which questions to ask in interviews.\n\n"
                "- Who will review my work in the first three months?\n"
                "- What does a good first quarter look like here?\n"
                "- Can I talk to someone who joined last year?\n\n"
                "Ask them. The answers tell you more than the salary does.",
                ["Saving these three questions for my next interview."],
            )
        ],
    ),
    DemoCommunity(
        "founders",
        "Early-stage Founders",
        "First-time founders comparing notes on customers, hiring and fundraising.",
        RULES,
        ["Startups", "Fundraising"],
        "America/Los_Angeles",
        "approval",
        [("fundraising", "Decks, intros, term sheets"), ("hiring", "First ten hires")],
        (
            "general",
            "Monday metrics",
            "Share one number you are watching this week and why.",
            1,
            "09:00",
        ),
        [
            DemoThread(
                "fundraising",
                15,
                "Pre-seed deck feedback wanted: is our market slide believable?",
                ["Bottom-up sizing would be more convincing."],
            ),
            DemoThread(
                "hiring",
                4,
                "First engineer: generalist or specialist?",
                ["Generalist who likes talking to customers."],
            ),
        ],
        stories=[
            DemoStory(
                "general",
                20,
                "We raised too early, and what it cost us",
                "We closed a pre-seed round before we had ten paying customers. The money "
                "bought us a team and a deadline, not an answer to whether anyone needed the "
                "product.\n\n"
                "Eighteen months later we pivoted with half the runway left. If I started "
                "again I would sell by hand until the numbers were boring, then raise.",
                ["Boring numbers first. Noted."],
            )
        ],
    ),
    DemoCommunity(
        "health-tech",
        "Healthcare in Tech",
        "Clinicians and technologists building safer digital health products.",
        RULES,
        ["Healthcare", "Regulation"],
        "Asia/Kolkata",
        "open",
        [("regulation", "HIPAA, GDPR, MDR"), ("clinicians", "Clinicians moving into product")],
        ("clinicians", "Thursday case", "Bring one workflow that software made worse.", 4, "19:00"),
        [
            DemoThread(
                "regulation",
                19,
                "How do you explain MDR class IIa to a product team?",
                ["A one-page decision tree worked for us."],
            ),
            DemoThread(
                "clinicians",
                8,
                "Nurse here, curious about product roles. Where to start?",
                ["Start with a side project with your hospital's IT team.", "Happy to chat!"],
            ),
        ],
    ),
    DemoCommunity(
        "women-in-engineering",
        "Women in Engineering",
        "A supportive space for women and non-binary engineers at every stage.",
        RULES,
        ["Leadership", "Engineering"],
        "Australia/Sydney",
        "open",
        [("leadership", "Leading teams and projects"), ("wins", "Celebrate your wins")],
        ("wins", "Friday wins", "Share a win, however small.", 5, "16:00"),
        [
            DemoThread(
                "leadership",
                22,
                "First time leading a team of five. How do you run 1:1s?",
                ["Their agenda first, yours second.", "Keep notes they can see."],
            ),
            DemoThread(
                "wins",
                2,
                "Promoted to staff engineer today!",
                ["Congratulations!", "So well deserved."],
            ),
        ],
    ),
    DemoCommunity(
        "frontend-guild",
        "Frontend Guild",
        "Accessible, fast web front ends: code reviews and weekly reading.",
        RULES,
        ["Frontend", "Accessibility"],
        "America/Sao_Paulo",
        "invite",
        [("a11y", "Accessibility questions"), ("reading", "Articles worth discussing")],
        ("reading", "Wednesday reading", "One article, three takeaways.", 3, "20:00"),
        [
            DemoThread(
                "a11y",
                11,
                "Is aria-live polite enough for chat messages?",
                ["Polite plus a visible status works well."],
            )
        ],
    ),
]


def _client_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "demo:community:" + ":".join(str(p) for p in parts))


def _post(user, channel: Channel, client_id: uuid.UUID, body: str, when, parent=None):  # type: ignore[no-untyped-def]
    message, created = send_message(
        user, channel.conversation_id, client_id, body, parent_id=parent.pk if parent else None
    )
    if created:
        # Backdated so the channel looks lived-in (ids still give the order).
        Message.objects.filter(pk=message.pk).update(created_at=when)
    return message


def seed_communities() -> int:
    """Create or complete the demo communities; returns how many exist."""
    users = get_user_model().objects
    mentors = list(users.filter(email__in=[p.email for p in MENTORS]).order_by("email"))
    mentees = list(users.filter(email__in=[p.email for p in MENTEES]).order_by("email"))
    people = mentors + mentees
    if len(people) < 6:
        return 0
    now = timezone.now()
    for index, data in enumerate(COMMUNITIES):
        owner = mentors[index % len(mentors)]
        community = Community.objects.filter(slug=data.slug).first()
        if community is None:
            community = services.create_community(
                owner,
                name=data.name,
                slug=data.slug,
                description=data.description,
                rules=data.rules,
                topics=data.topics,
                language=data.language,
                zone=data.zone,
                visibility="open",
            )
        else:
            owner = Membership.objects.filter(community=community, role=Role.OWNER).first().user
        # Members from everywhere: a rotating slice of mentors and mentees.
        members = [people[(index * 7 + n * 3) % len(people)] for n in range(14)]
        for person in members:
            if (
                person.pk != owner.pk
                and not Membership.objects.filter(community=community, user=person).exists()
            ):
                services.join_community(person, community)
        moderator = members[0] if members[0].pk != owner.pk else members[1]
        target = Membership.objects.get(community=community, user=moderator)
        if target.role == Role.MEMBER:
            services.set_role(owner, target, Role.MODERATOR)
        for name, description in data.channels:
            if not Channel.objects.filter(community=community, name=name).exists():
                services.create_channel(owner, community, name=name, description=description)
        channels = {c.name: c for c in Channel.objects.filter(community=community)}
        for t, thread in enumerate(data.threads):
            when = now - timedelta(days=thread.days_ago, hours=t)
            author = members[(t * 2 + 1) % len(members)]
            root = _post(
                author, channels[thread.channel], _client_id(data.slug, t), thread.body, when
            )
            for r, body in enumerate(thread.replies):
                replier = members[(t * 2 + r + 2) % len(members)]
                _post(
                    replier,
                    channels[thread.channel],
                    _client_id(data.slug, t, r),
                    body,
                    when + timedelta(hours=r + 1),
                    parent=root,
                )
        _seed_stories(data, community, members, channels, now)
        channel, title, body, weekday, local_time = data.prompt
        if not WeeklyPrompt.objects.filter(community=community, title=title).exists():
            prompt = services.schedule_prompt(
                owner,
                channels[channel],
                title=title,
                body=body,
                weekday=weekday,
                local_time=local_time,
            )
            # The demo's prompts have been running for weeks (no backfill of missed ones).
            WeeklyPrompt.objects.filter(pk=prompt.pk).update(created_at=now - timedelta(days=42))
        if community.visibility != data.visibility:
            Community.objects.filter(pk=community.pk).update(visibility=data.visibility)
        newest = (
            Message.objects.filter(conversation__channel__community=community)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        Community.objects.filter(pk=community.pk).update(last_activity_at=newest)
    return Community.objects.filter(slug__in=[c.slug for c in COMMUNITIES]).count()


def _seed_stories(data: DemoCommunity, community: Community, members, channels, now) -> None:  # type: ignore[no-untyped-def]
    """The community's stories, told by its first member who mentors (idempotent by the
    client ids derived from the data), backdated like the threads."""
    teller = next((m for m in members if getattr(m.profile, "is_mentor", False)), None)
    if teller is None:
        return
    others = [m for m in members if m.pk != teller.pk]
    for s, demo in enumerate(data.stories):
        channel = channels[demo.channel]
        when = now - timedelta(days=demo.days_ago, hours=s)
        story, created = services.publish_story(
            teller,
            channel,
            title=demo.title,
            body=demo.body,
            client_id=_client_id(data.slug, "story", s),
        )
        if created:
            Message.objects.filter(pk=story.message_id).update(created_at=when)
            Story.objects.filter(pk=story.pk).update(created_at=when)
        for r, body in enumerate(demo.replies):
            _post(
                others[(s * 3 + r + 5) % len(others)],
                channel,
                _client_id(data.slug, "story", s, r),
                body,
                when + timedelta(hours=r + 2),
                parent=story.message,
            )


def seed_communities_safely() -> int:
    try:
        return seed_communities()
    except DomainError:  # a demo database people have used (bans, blocks ...)
        import logging

        logging.getLogger(__name__).warning("demo communities partly skipped", exc_info=True)
        return Community.objects.filter(slug__in=[c.slug for c in COMMUNITIES]).count()
