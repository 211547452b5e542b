"""Importing members from CSV (preview, dry run, idempotent re-import, invitations) and
exporting participants. Re-importing the same file changes nothing: rows are keyed by
(program, e-mail, role) and only differing fields are written."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from mentorloom.audit.services import record_event
from mentorloom.core.email import queue_emails
from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.core.errors import DomainError
from mentorloom.matching import embeddings

from . import csvio, member_embeddings
from .errors import ImportNotSaved, ImportTooLarge, InvalidImport, NotProgramAdmin
from .models import (
    CohortMove,
    Eligibility,
    ImportJob,
    ImportStatus,
    Program,
    ProgramMembership,
    ordered_roles,
    roles_text,
)
from .selectors import is_admin, latest_published_run, member_status

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 500
# Files with more rows than this are imported by the worker, with a progress bar.
BACKGROUND_ABOVE_ROWS = 2_000
# What an import writes on a membership: the optional CSV columns and the profile answers.
FIELDS = (*csvio.OPTIONAL, "answers")
UNSAVED = ImportNotSaved.default_message


@dataclass
class ImportReport:
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invited: int = 0  # e-mailed to sign up (no account with the address yet)
    asked_to_join: int = 0  # people with an account, told and asked to join (ask_to_join)
    errors: list[dict] = field(default_factory=list)  # [{"line", "email", "errors": {...}}]

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse(program: Program, data: bytes) -> list[csvio.Row]:
    keys = [q["key"] for q in program.questions or [] if q.get("key")]
    try:
        return csvio.parse(data, keys)
    except csvio.FileProblem as exc:
        error = ImportTooLarge if exc.code == "too_large" else InvalidImport
        raise error(exc.message, fields={"file": [exc.message]}) from exc


def _check_eligibility(program: Program, rows: list[csvio.Row]) -> None:
    """Programs open by e-mail domain take only addresses of the organisation's domains."""
    if program.eligibility != Eligibility.DOMAINS:
        return
    domains = {d.lower().lstrip("@") for d in program.organisation.email_domains or []}
    for row in rows:
        domain = str(row.values["email"]).rpartition("@")[2]
        if "email" not in row.errors and domain not in domains:
            row.errors["email"] = f"{domain} is not one of the organisation's domains."


def import_members(  # type: ignore[no-untyped-def]
    admin,
    program: Program,
    data: bytes,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row; if any row is bad nothing is written (the report lists each bad row
    with its line). A dry run validates and counts without writing. A member is linked only to
    an account that has verified the address; new members with no such account get one
    invitation e-mail per address, its task written in the import's own
    transaction (core.email.queue_emails): the members, their `invited_at` and the e-mails
    commit together or not at all, so a failed enqueue fails the import (nothing written;
    importing the file again invites them) instead of committing it with the invitations
    lost. A re-import creates nobody, so invites nobody again. When the program asks free-text
    questions, the embedding of the answers is queued (after commit, member_embeddings).

    Errors: NotProgramAdmin, InvalidImport (encoding, columns, empty), ImportTooLarge;
    DatabaseError rolls everything back."""
    if not is_admin(admin, program):
        raise NotProgramAdmin()
    rows = _parse(program, data)
    _check_eligibility(program, rows)
    report = ImportReport(dry_run=dry_run)
    report.errors = [
        {"line": r.line, "email": r.values["email"], "errors": r.errors} for r in rows if not r.ok
    ]
    existing = {
        (m.email, m.role): m
        for m in program.memberships.filter(email__in=[r.values["email"] for r in rows])
    }
    # Only a verified address names its owner: whoever signed up with someone else's address
    # and never verified must not become their member (link_verified_address links the rest).
    users = {
        u.email.lower(): u
        for u in get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=[r.values["email"] for r in rows], email_verified_at__isnull=False)
    }
    creates, updates = [], []
    moves: list[CohortMove] = []  # answers already given stay in the cohort they were given in
    for number, row in enumerate(rows, start=1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number)
        if not row.ok:
            continue
        values = row.values
        member = existing.get((values["email"], values["role"]))
        if member is None:
            creates.append(
                ProgramMembership(
                    program=program,
                    email=values["email"],
                    role=values["role"],
                    user=users.get(values["email"]),
                    **{f: values[f] for f in FIELDS},
                )
            )
        elif any(getattr(member, f) != values[f] for f in FIELDS):
            if member.cohort != values["cohort"]:
                moves.append(CohortMove(membership=member, cohort=member.cohort))
            for f in FIELDS:
                setattr(member, f, values[f])
            member.updated_at = timezone.now()
            updates.append(member)
        else:
            report.unchanged += 1
    report.created, report.updated = len(creates), len(updates)
    if dry_run or report.errors:
        return report
    with transaction.atomic():
        ProgramMembership.objects.bulk_create(creates, batch_size=1000)
        ProgramMembership.objects.bulk_update(updates, [*FIELDS, "updated_at"], batch_size=1000)
        CohortMove.objects.bulk_create(moves, batch_size=1000)
        invitees = _invitees(creates)
        ProgramMembership.objects.filter(program=program, email__in=list(invitees)).update(
            invited_at=timezone.now()
        )
        report.invited = invite(program, invitees)
        report.asked_to_join = ask_to_join(program, creates)
        answered = member_embeddings.text_keys(program.questions or [])
        if (creates or updates) and answered and embeddings.semantic_enabled():
            enqueue_on_commit("mentorloom.programs.tasks.embed_members", program.pk)
        record_event(
            "programs.members_imported",
            actor=admin,
            target=program,
            data={"created": report.created, "updated": report.updated},
        )
    if progress is not None:
        progress(len(rows))
    return report


def start_import_job(admin, program: Program, data: bytes) -> ImportJob:  # type: ignore[no-untyped-def]
    """Check the file as a whole now (encoding, columns, size: errors come back at once), then
    import it in the worker; the job's progress is shown while it runs."""
    if not is_admin(admin, program):
        raise NotProgramAdmin()
    rows = _parse(program, data)
    with transaction.atomic():
        job = ImportJob.objects.create(
            program=program, created_by=admin, data=data, total_rows=len(rows)
        )
        enqueue_on_commit("mentorloom.programs.tasks.run_import_job", job.pk)
    return job


def import_now(  # type: ignore[no-untyped-def]
    admin, program: Program, data: bytes, *, dry_run: bool = False
) -> ImportReport:
    """`import_members` for a page or API request: a database error (the import rolled back
    whole, invitations included) is logged and becomes ImportNotSaved (503: the request was
    fine, the same file may be sent again)."""
    try:
        return import_members(admin, program, data, dry_run=dry_run)
    except DatabaseError as exc:
        logger.exception("import into program %s failed on the database", program.pk)
        raise ImportNotSaved() from exc


def run_import_job(job_id: int) -> ImportJob:
    """Worker side: import, recording progress every PROGRESS_EVERY rows; the file is dropped
    when the job ends."""
    job = ImportJob.objects.select_related("program", "created_by").get(pk=job_id)
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(done_rows=done)

    try:
        report = import_members(job.created_by, job.program, bytes(job.data), progress=progress)
    except DomainError as exc:
        job.status, job.report = ImportStatus.FAILED, {"error": exc.message}
    except DatabaseError:
        # Rolled back whole (members and invitations together): say so rather than leave the
        # job showing "running" for ever.
        logger.exception("import job %s failed on the database", job.pk)
        job.status, job.report = ImportStatus.FAILED, {"error": UNSAVED}
    else:
        job.status = ImportStatus.FAILED if report.errors else ImportStatus.DONE
        job.report = asdict(report)
        job.done_rows = job.total_rows
    job.data = b""
    job.save(update_fields=["status", "report", "done_rows", "data"])
    return job


def _invitees(creates: list[ProgramMembership]) -> dict[str, list[ProgramMembership]]:
    """The new memberships without an account, by address: someone listed as mentor and as
    mentee in one file is one person and gets one invitation naming both roles."""
    invitees: dict[str, list[ProgramMembership]] = {}
    for member in creates:
        if member.user is None:
            invitees.setdefault(member.email, []).append(member)
    return invitees


def invite(program: Program, invitees: dict[str, list[ProgramMembership]]) -> int:
    """Queue one invitation e-mail per address (core.email.queue_emails: one `deliver_email`
    task each, enqueued together, with the caller's write); returns how many."""
    shared = {
        "program_name": program.name,
        "organisation_name": program.organisation.name,
        "signup_path": reverse("accounts:signup"),
    }

    def context(email: str, members: list[ProgramMembership]) -> dict[str, object]:
        return {
            **shared,
            "name": next((m.name for m in members if m.name), ""),
            "email": email,
            "role": roles_text(ordered_roles(members)),
        }

    return queue_emails(
        "programs/emails/invitation",
        ((email, context(email, members)) for email, members in invitees.items()),
    )


def ask_to_join(program: Program, creates: list[ProgramMembership]) -> int:
    """Tell each person with an account whom the import added that they were added, and ask
    them to join or decline (selectors.invitations_for lists it on the Programs page); one
    notice per person, naming every role. Returns how many were told. Nobody takes part
    before joining (services.join_program)."""
    from mentorloom.notifications.services import notify

    added: dict[int, list[ProgramMembership]] = {}
    for member in creates:
        if member.user is not None and member.user.is_active:
            added.setdefault(member.user.pk, []).append(member)
    for members in added.values():
        notify(
            members[0].user,
            kind="program.invitation",
            title=f"{program.organisation.name} added you to {program.name}",
            body=(
                f"As a {roles_text(ordered_roles(members))}. "
                "Nothing starts until you join: join or decline on your Programs page."
            ),
            url=reverse("programs:list"),
        )
    return len(added)


PARTICIPANT_COLUMNS = (
    "email",
    "name",
    "role",
    "zone",
    "team",
    "department",
    "cohort",
    "capacity",
    "mentor",
    "status",
)


def participant_rows(program: Program) -> list[list[object]]:
    """Participants and their current mentor (from the latest published run)."""
    run = latest_published_run(program)
    mentor_of = {}
    if run is not None:
        mentor_of = dict(run.pairs.values_list("mentee_id", "mentor__email"))
    return [
        [
            m.email,
            m.name,
            m.role,
            m.zone,
            m.team,
            m.department,
            m.cohort,
            m.capacity,
            mentor_of.get(m.pk, ""),
            member_status(m),
        ]
        for m in program.memberships.order_by("role", "email")
    ]
