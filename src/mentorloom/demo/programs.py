"""Demo program: one organisation with a private program, its admin (the demo admin), a few
mentors and mentees from the demo people, a match published six weeks ago with the weeks since
(sessions, a no-show, goals, feedback, requests: demo/program_history.py), the mentees' first
check-ins and three finished pairs' reflections, released so every dashboard chart has figures
on the first run. A second program, starting next year, has added the demo mentee, who has not
answered yet: the Programs page asks them to join or decline. Idempotent: the past is seeded
once, when the match is published."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.mentorships.services import end_mentorship
from mentorloom.programs import imports, releases, services
from mentorloom.programs.models import (
    CheckIn,
    Organisation,
    Program,
    ProgramMembership,
    ProposedPair,
    RunStatus,
)

from .data import ADMIN_EMAIL, MENTEES, MENTORS
from .people import DEMO_LOGINS
from .program_history import backdate_publication, seed_program_history

ORGANISATION = "Northwind University"
PROGRAM = "Alumni mentoring 2026"
TRACKS = ("web", "data", "product")
# Each member's track, by name. Leilani is the one product mentor, with three places (her
# profile's capacity), so she is rated by three program mentees: k, enough for her feedback to
# be released and shown on the dashboard.
TRACK_OF = {
    "Tunde Bakare": "data",
    "Linh Nguyen": "web",
    "Alejandro Ruiz": "web",
    "Leilani Kahale": "product",
    "Amara Diallo": "product",
    "Isla Campbell": "data",
    "Ji-woo Choi": "web",
    "Megan Clarke": "product",
    "Tariq Hosseini": "product",
    "Valeria Rojas": "web",
}
QUESTIONS = [
    {"key": "track", "label": "Track", "kind": "single", "choices": list(TRACKS)},
]
# Each mentee's first check-in, in pair order (a 2 reaches the admin one by one, with its note).
CHECKINS = [(4, ""), (5, ""), (3, ""), (4, ""), (2, "We keep missing each other."), (5, "")]
# The first three pairs finished early; each mentee's reflection says whether they got there.
OUTCOMES = [True, True, False]


def seed_program_demo() -> Program | None:
    users = get_user_model().objects.select_related("profile")
    admin = users.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        return None
    organisation, _ = Organisation.objects.get_or_create(
        name=ORGANISATION, defaults={"email_domains": ["northwind.example"]}
    )
    program, _ = Program.objects.get_or_create(
        organisation=organisation,
        name=PROGRAM,
        defaults={
            "description": "Alumni mentor this year's graduates for six months.",
            "questions": QUESTIONS,
            "criteria": {"track": 2.0, "zone": 0.5},
        },
    )
    people = [("admin", admin)]
    people += [("mentor", u) for u in users.filter(email__in=[p.email for p in MENTORS[-4:]])]
    people += [("mentee", u) for u in users.filter(email__in=[p.email for p in MENTEES[-6:]])]
    for role, user in people:
        profile = getattr(user, "profile", None)
        fields = {
            "user": user,
            "name": user.get_full_name(),
            "zone": profile.time_zone if profile else "",
            "capacity": profile.capacity if role == "mentor" and profile else 2,
            "answers": {} if role == "admin" else {"track": _track(user)},
        }
        ProgramMembership.objects.update_or_create(
            program=program,
            email=user.email,
            role=role,
            defaults=fields,
            create_defaults={**fields, "joined_at": timezone.now()},  # they joined long ago
        )
    if not program.match_runs.filter(status=RunStatus.PUBLISHED).exists():
        run = services.run_matching(admin, program)
        services.publish_run(admin, run)
        published = backdate_publication(run, timezone.now())
        seed_program_history(run, published)
    _seed_answers(program)
    _seed_invitation(admin, organisation)
    return program


NEXT_PROGRAM = "Career changers 2027"


def _seed_invitation(admin, organisation: Organisation) -> None:  # type: ignore[no-untyped-def]
    """Next year's program: its admin and two mentors joined; the demo mentee was added and
    has not answered (nothing is matched until they join)."""
    mentee = get_user_model().objects.filter(email=dict(DEMO_LOGINS)["mentee"]).first()
    if mentee is None:
        return
    start = timezone.localdate().replace(month=1, day=15)
    program, _ = Program.objects.get_or_create(
        organisation=organisation,
        name=NEXT_PROGRAM,
        defaults={
            "description": (
                "Six months with a mentor who changed careers themselves: for graduates "
                "moving into a new field."
            ),
            "questions": QUESTIONS,
            "starts_on": start.replace(year=start.year + 1),
        },
    )
    mentors = get_user_model().objects.filter(email__in=[p.email for p in MENTORS[-2:]])
    added = [("admin", admin, True), *(("mentor", u, True) for u in mentors)]
    added.append(("mentee", mentee, False))
    for role, user, joined in added:
        member, created = ProgramMembership.objects.get_or_create(
            program=program,
            email=user.email,
            role=role,
            defaults={
                "user": user,
                "name": user.get_full_name(),
                "joined_at": timezone.now() if joined else None,
                "answers": {} if role == "admin" else {"track": _track(user)},
            },
        )
        if created and not joined:
            imports.ask_to_join(program, [member])  # the notice an import sends


def _track(user) -> str:  # type: ignore[no-untyped-def]
    return TRACK_OF.get(user.get_full_name(), TRACKS[user.pk % len(TRACKS)])


def _seed_answers(program: Program) -> None:
    """Check-ins answered and reflections written through the services, then released: private
    answers reach the dashboard only in batches of >= k people (programs.releases)."""
    pairs = (
        ProposedPair.objects.filter(run__program=program, run__status=RunStatus.PUBLISHED)
        .exclude(mentorship=None)
        .exclude(mentee__user=None)
        .select_related("run", "mentee__user", "mentorship")
        .order_by("pk")
    )
    for pair, (score, note) in zip(pairs, CHECKINS, strict=False):
        checkin, _ = CheckIn.objects.get_or_create(
            membership=pair.mentee,
            mentorship=pair.mentorship,
            due_on=timezone.localdate(pair.run.published_at or timezone.now()),
            defaults={"program": program},
        )
        if checkin.answered_at is None:
            services.answer_checkin(pair.mentee.user, checkin, score, note)
    for pair, reached in zip(pairs, OUTCOMES, strict=False):
        if pair.mentorship.status != MentorshipStatus.ENDED:
            end_mentorship(
                pair.mentee.user,
                pair.mentorship,
                outcome_reached=reached,
                went_well="Regular sessions and a clear goal.",
            )
    releases.release_answers(program)
