"""Demo program: one organisation with a private program, its admin (the demo admin), a few
mentors and mentees from the demo people, and a published match. Idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from mentorloom.programs import services
from mentorloom.programs.models import Organisation, Program, ProgramMembership, RunStatus

from .data import ADMIN_EMAIL, MENTEES, MENTORS

ORGANISATION = "Northwind University"
PROGRAM = "Alumni mentoring 2026"
TRACKS = ("web", "data", "product")
QUESTIONS = [
    {"key": "track", "label": "Track", "kind": "single", "choices": list(TRACKS)},
]


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
    for k, (role, user) in enumerate(people):
        profile = getattr(user, "profile", None)
        ProgramMembership.objects.update_or_create(
            program=program,
            email=user.email,
            role=role,
            defaults={
                "user": user,
                "name": user.get_full_name(),
                "zone": profile.time_zone if profile else "",
                "capacity": 2,
                "answers": {} if role == "admin" else {"track": TRACKS[k % len(TRACKS)]},
            },
        )
    if not program.match_runs.filter(status=RunStatus.PUBLISHED).exists():
        run = services.run_matching(admin, program)
        services.publish_run(admin, run)
    return program
