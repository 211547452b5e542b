"""/api/v1/programs/...: programs, people, CSV import/export, matching runs (run, lock, swap,
re-run, publish) and check-ins. Outsiders get 404 on private programs; members who are not
admins get 403 `not_program_admin` on admin routes."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id

from . import csvio, imports, scoring, selectors, services, xlsx
from .errors import ImportTooLarge
from .models import MatchRun, ProgramMembership, ProposedPair

router = Router(tags=["programs"])


class ProgramOut(Schema):
    id: int
    name: str
    organisation: str
    description: str
    visibility: str
    eligibility: str
    cohort_size: int
    is_admin: bool
    # The viewer's answer to being added: "joined", "invited" (not answered), "declined", or
    # null (not added).
    status: str | None


class MemberOut(Schema):
    """Address, zone, capacity and status are the program admins' to see (null for anyone
    else). Status: "not_signed_up", "invited" (has an account, has not answered), "joined",
    "declined"."""

    id: int
    name: str
    email: str | None
    role: str
    zone: str | None
    capacity: int | None
    status: str | None


class ImportOut(Schema):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    invited: int
    asked_to_join: int
    errors: list[dict]


class RunIn(Schema):
    mode: str = "optimal"


class PairOut(Schema):
    id: int
    mentee: MemberOut
    mentor: MemberOut
    score: float
    reasons: list[str]
    locked: bool
    mentorship_id: int | None


class RunOut(Schema):
    id: int
    mode: str
    status: str
    total_score: float
    summary: dict
    unmatched: list[dict]
    created_at: datetime
    pairs: list[PairOut]


class LockIn(Schema):
    locked: bool


class SwapIn(Schema):
    pair_ids: list[Id]


class PublishOut(Schema):
    started: int
    awaiting_sign_up: int


class OptionOut(Schema):
    mentor_id: int
    mentor_name: str
    rank: int
    score: float
    reasons: list[str]
    full: bool


class ShortlistOut(Schema):
    run_id: Id
    open: bool
    picked_mentor_id: int | None
    options: list[OptionOut]


class PickIn(Schema):
    mentor_id: Id


class CheckInIn(Schema):
    score: int
    note: str = ""


def _member(m: ProgramMembership, *, admin: bool = True) -> dict:
    """A member as the API shows them; `admin` False: name and role only."""
    return {
        "id": m.pk,
        "name": m.name,
        "email": m.email if admin else None,
        "role": m.role,
        "zone": m.zone if admin else None,
        "capacity": m.capacity if admin else None,
        "status": selectors.member_status(m) if admin else None,
    }


def _run(run: MatchRun) -> dict:
    pairs: list[ProposedPair] = list(selectors.pairs_for_review(run))
    return {
        "id": run.pk,
        "mode": run.mode,
        "status": run.status,
        "total_score": scoring.shown_score(run.total_score),
        "summary": run.summary,
        "unmatched": run.unmatched,
        "created_at": run.created_at,
        "pairs": [
            {
                "id": p.pk,
                "mentee": _member(p.mentee),
                "mentor": _member(p.mentor),
                "score": scoring.shown_score(p.score),
                "reasons": p.reasons,
                "locked": p.locked,
                "mentorship_id": p.mentorship_id,
            }
            for p in pairs
        ],
    }


@router.get("/programs", response={200: list[ProgramOut], **READ_ERRORS})
def list_programs(request: HttpRequest) -> list[dict]:
    return [_program(request, p) for p in selectors.programs_for(request.user).order_by("name")]


def _program(request: HttpRequest, p) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": p.pk,
        "name": p.name,
        "organisation": p.organisation.name,
        "description": p.description,
        "visibility": p.visibility,
        "eligibility": p.eligibility,
        "cohort_size": p.cohort_size,
        "is_admin": selectors.is_admin(request.user, p),
        "status": selectors.viewer_status(request.user, p),
    }


@router.get("/programs/{program_id}", response={200: ProgramOut, **READ_ERRORS})
def get_program(request: HttpRequest, program_id: Id) -> dict:
    return _program(request, selectors.get_program_for(request.user, program_id))


@router.post("/programs/{program_id}/join", response={200: ProgramOut, **WRITE_ERRORS})
def join(request: HttpRequest, program_id: Id) -> dict:
    """Join a program you were added to: your published pairs that waited for you start when
    the other person has joined too. Joining again changes nothing."""
    program = selectors.get_invited_program_for(request.user, program_id)
    services.join_program(request.user, program)
    return _program(request, program)


@router.post("/programs/{program_id}/decline", response={200: ProgramOut, **WRITE_ERRORS})
def decline(request: HttpRequest, program_id: Id) -> dict:
    """Decline a program you were added to (409 `already_joined` once you joined). You may
    still join later."""
    program = selectors.get_invited_program_for(request.user, program_id)
    services.decline_program(request.user, program)
    return _program(request, program)


@router.get("/programs/{program_id}/members", response={200: list[MemberOut], **READ_ERRORS})
def list_members(request: HttpRequest, program_id: Id) -> list[dict]:
    """Admins: everyone imported, with addresses and whether they joined. Anyone else who
    joined the program (or may see a public one): the members who joined, name and role
    only."""
    program = selectors.get_program_for(request.user, program_id)
    admin = selectors.is_admin(request.user, program)
    return [_member(m, admin=admin) for m in selectors.people_for(request.user, program)]


@router.get("/programs/{program_id}/members/{member_id}", response={200: MemberOut, **READ_ERRORS})
def get_member(request: HttpRequest, program_id: Id, member_id: Id) -> dict:
    member = selectors.get_membership_for(request.user, program_id, member_id)
    return _member(member, admin=selectors.is_admin(request.user, member.program))


@router.post(
    "/programs/{program_id}/imports", response={200: ImportOut, 503: ErrorOut, **WRITE_ERRORS}
)
def import_members(
    request: HttpRequest, program_id: Id, file: File[UploadedFile], dry_run: Form[bool] = False
) -> imports.ImportReport:
    """Multipart CSV upload. Bad rows come back with their line numbers and nothing is written;
    `dry_run` validates and counts only. A database error while writing rolls the import back
    whole: 503 `import_not_saved`, and sending the same file again is safe."""
    program = selectors.get_admin_program_for(request.user, program_id)
    if file.size > csvio.MAX_BYTES:
        raise ImportTooLarge(
            f"The file is over {csvio.MAX_BYTES // (1024 * 1024)} MB.",
            fields={"file": ["The file is too large."]},
        )
    return imports.import_now(request.user, program, file.read(), dry_run=dry_run)


@router.get("/programs/{program_id}/participants.{fmt}", response={200: None, **READ_ERRORS})
def export_participants(request: HttpRequest, program_id: Id, fmt: str) -> HttpResponse:
    program = selectors.get_admin_program_for(request.user, program_id)
    rows = imports.participant_rows(program)
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx.to_xlsx(imports.PARTICIPANT_COLUMNS, rows, "Participants"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "csv":
        response = HttpResponse(
            csvio.to_csv(imports.PARTICIPANT_COLUMNS, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        return HttpResponse(status=404)
    response["Content-Disposition"] = f'attachment; filename="participants-{program.pk}.{fmt}"'
    return response


@router.post("/programs/{program_id}/runs", response={**WRITE_ERRORS, 201: RunOut})
def create_run(request: HttpRequest, program_id: Id, payload: RunIn) -> Status:
    program = selectors.get_admin_program_for(request.user, program_id)
    return Status(201, _run(services.run_matching(request.user, program, mode=payload.mode)))


@router.get("/programs/{program_id}/runs/{run_id}", response={200: RunOut, **READ_ERRORS})
def get_run(request: HttpRequest, program_id: Id, run_id: Id) -> dict:
    return _run(selectors.get_run_for(request.user, program_id, run_id))


@router.post(
    "/programs/{program_id}/runs/{run_id}/pairs/{pair_id}/lock",
    response={200: RunOut, **WRITE_ERRORS},
)
def lock_pair(
    request: HttpRequest, program_id: Id, run_id: Id, pair_id: Id, payload: LockIn
) -> dict:
    pair = selectors.get_pair_for(request.user, program_id, run_id, pair_id)
    services.set_locked(request.user, pair, payload.locked)
    return _run(pair.run)


@router.post("/programs/{program_id}/runs/{run_id}/swap", response={200: RunOut, **WRITE_ERRORS})
def swap_pairs(request: HttpRequest, program_id: Id, run_id: Id, payload: SwapIn) -> dict:
    if len(payload.pair_ids) != 2:
        raise services.InvalidInput(fields={"pair_ids": ["Give exactly two pair ids."]})
    a, b = (selectors.get_pair_for(request.user, program_id, run_id, i) for i in payload.pair_ids)
    services.swap_mentors(request.user, a, b)
    return _run(a.run)


@router.post("/programs/{program_id}/runs/{run_id}/rerun", response={**WRITE_ERRORS, 201: RunOut})
def rerun(request: HttpRequest, program_id: Id, run_id: Id) -> Status:
    run = selectors.get_run_for(request.user, program_id, run_id)
    return Status(201, _run(services.rerun_around_locks(request.user, run)))


@router.post(
    "/programs/{program_id}/runs/{run_id}/publish", response={200: PublishOut, **WRITE_ERRORS}
)
def publish(request: HttpRequest, program_id: Id, run_id: Id) -> dict:
    run = selectors.get_run_for(request.user, program_id, run_id)
    return services.publish_run(request.user, run)


def _shortlist(choice: selectors.Choice) -> dict:
    return {
        "run_id": choice.run.pk,
        "open": choice.open,
        "picked_mentor_id": choice.picked.mentor_id if choice.picked else None,
        "options": [
            {
                "mentor_id": o.mentor_id,
                "mentor_name": o.mentor.name,
                "rank": o.rank,
                "score": scoring.shown_score(o.score),
                "reasons": o.reasons,
                "full": full,
            }
            for o, full, _ in choice.rows
        ],
    }


@router.get(
    "/programs/{program_id}/runs/{run_id}/shortlist", response={200: ShortlistOut, **READ_ERRORS}
)
def shortlist(request: HttpRequest, program_id: Id, run_id: Id) -> dict:
    """Mentee-choice mode: your shortlist of 3 with the reasons for each (404 without one)."""
    return _shortlist(selectors.get_choice_for(request.user, program_id, run_id))


@router.post(
    "/programs/{program_id}/runs/{run_id}/pick", response={200: ShortlistOut, **WRITE_ERRORS}
)
def pick(request: HttpRequest, program_id: Id, run_id: Id, payload: PickIn) -> dict:
    """Pick a mentor from your shortlist (again to change it until the run is published).
    404 for a mentor not on your shortlist, 409 `mentor_full` when earlier picks took the
    mentor's places, 409 `run_not_editable` once published or replaced."""
    choice = selectors.get_choice_for(request.user, program_id, run_id)
    services.pick_mentor(request.user, choice.run, choice.mentee, payload.mentor_id)
    return _shortlist(selectors.get_choice_for(request.user, program_id, run_id))


@router.post("/programs/{program_id}/checkins/{checkin_id}", response={200: dict, **WRITE_ERRORS})
def answer_checkin(
    request: HttpRequest, program_id: Id, checkin_id: Id, payload: CheckInIn
) -> dict:
    checkin = selectors.get_checkin_for(request.user, program_id, checkin_id)
    checkin = services.answer_checkin(request.user, checkin, payload.score, payload.note)
    return {"id": checkin.pk, "score": checkin.score}


class ImportJobOut(Schema):
    id: int
    status: str
    done_rows: int
    total_rows: int
    report: dict


@router.get(
    "/programs/{program_id}/import-jobs/{job_id}", response={200: ImportJobOut, **READ_ERRORS}
)
def import_job(request: HttpRequest, program_id: Id, job_id: Id) -> dict:
    """Progress of a background import (started from the import page for large files)."""
    job = selectors.get_import_job_for(request.user, program_id, job_id)
    return {
        "id": job.pk,
        "status": job.status,
        "done_rows": job.done_rows,
        "total_rows": job.total_rows,
        "report": job.report,
    }
