"""Program reads and access helpers. Outsiders get 404 on private programs and their people;
members who are not admins get NotProgramAdmin on admin-only actions."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .errors import NotProgramAdmin
from .models import (
    CheckIn,
    ImportJob,
    MatchRun,
    Program,
    ProgramMembership,
    ProposedPair,
    Role,
    Visibility,
)


def _member_programs(user) -> QuerySet[Program]:  # type: ignore[no-untyped-def]
    return Program.objects.filter(memberships__user=user).distinct()


def programs_for(user) -> QuerySet[Program]:  # type: ignore[no-untyped-def]
    """Programs the user may see: public ones and those they belong to."""
    if not user.is_authenticated:
        return Program.objects.filter(visibility=Visibility.PUBLIC)
    return Program.objects.filter(
        Q(visibility=Visibility.PUBLIC) | Q(memberships__user=user)
    ).distinct()


def is_admin(user, program: Program) -> bool:  # type: ignore[no-untyped-def]
    return user.is_authenticated and program.memberships.filter(user=user, role=Role.ADMIN).exists()


def is_member(user, program: Program) -> bool:  # type: ignore[no-untyped-def]
    return user.is_authenticated and program.memberships.filter(user=user).exists()


def get_program_for(user, program_id: int) -> Program:  # type: ignore[no-untyped-def]
    program = programs_for(user).select_related("organisation").filter(pk=program_id).first()
    if program is None:
        raise Http404("No such program.")
    return program


def get_admin_program_for(user, program_id: int) -> Program:  # type: ignore[no-untyped-def]
    """The program if `user` administers it; 404 if they cannot see it, 403 if only a member."""
    program = get_program_for(user, program_id)
    if not is_admin(user, program):
        raise NotProgramAdmin()
    return program


def people_for(user, program: Program) -> QuerySet[ProgramMembership]:  # type: ignore[no-untyped-def]
    """A program's people. Private programs show them to members only (404 otherwise)."""
    if program.visibility == Visibility.PRIVATE and not is_member(user, program):
        raise Http404("No such program.")
    return program.memberships.order_by("role", "name", "email")


def get_membership_for(user, program_id: int, membership_id: int) -> ProgramMembership:  # type: ignore[no-untyped-def]
    program = get_program_for(user, program_id)
    member = people_for(user, program).filter(pk=membership_id).first()
    if member is None:
        raise Http404("No such member.")
    return member


def get_run_for(user, program_id: int, run_id: int) -> MatchRun:  # type: ignore[no-untyped-def]
    program = get_admin_program_for(user, program_id)
    run = program.match_runs.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such matching run.")
    return run


def get_pair_for(user, program_id: int, run_id: int, pair_id: int) -> ProposedPair:  # type: ignore[no-untyped-def]
    run = get_run_for(user, program_id, run_id)
    pair = run.pairs.select_related("mentee", "mentor").filter(pk=pair_id).first()
    if pair is None:
        raise Http404("No such pair.")
    return pair


def private_program_user_ids(program: Program) -> set[int]:
    """Filter hook for the directory and recommendations inside a private program: only these
    users may be listed there (`discovery`/`matching` call it with the program in context)."""
    return set(program.memberships.exclude(user=None).values_list("user_id", flat=True))


def directory_scope_for(user, program_id: int | None) -> set[int] | None:  # type: ignore[no-untyped-def]
    """None (no restriction) outside a program or in a public one; else the program's user ids.
    404 for a private program the viewer is not in."""
    if program_id is None:
        return None
    program = get_program_for(user, program_id)
    if program.visibility == Visibility.PUBLIC:
        return None
    people_for(user, program)
    return private_program_user_ids(program)


def pairs_for_review(run: MatchRun) -> QuerySet[ProposedPair]:
    return run.pairs.select_related("mentee", "mentor").order_by("mentee__name", "mentee__email")


def get_checkin_for(user, program_id: int, checkin_id: int) -> CheckIn:  # type: ignore[no-untyped-def]
    """A check-in addressed to `user` (nobody else, admins included, may answer it)."""
    program = get_program_for(user, program_id)
    checkin = CheckIn.objects.filter(program=program, pk=checkin_id, membership__user=user).first()
    if checkin is None:
        raise Http404("No such check-in.")
    return checkin


def low_checkins_for_admin(program: Program, threshold: int = 2) -> QuerySet[CheckIn]:
    """Answered check-ins scoring `threshold` or lower: shown privately to program admins as a
    nudge to follow up."""
    return program.checkins.filter(score__lte=threshold).select_related("membership")


def get_import_job_for(user, program_id: int, job_id: int) -> ImportJob:  # type: ignore[no-untyped-def]
    program = get_admin_program_for(user, program_id)
    job = program.import_jobs.filter(pk=job_id).defer("data").first()
    if job is None:
        raise Http404("No such import.")
    return job
