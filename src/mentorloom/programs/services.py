"""Program writes: programs and members, matching runs (run, lock, swap, re-run, publish),
check-ins. Each validates, locks what it depends on, writes, and audits admin actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts.access import require_verified
from mentorloom.audit.services import record_event
from mentorloom.core.errors import InvalidInput
from mentorloom.mentorships import services as mentorship_services
from mentorloom.safety.models import Block
from mentorloom.safety.selectors import is_blocked_between

from . import arcs, assignment, scoring
from .errors import (
    AlreadyJoined,
    CannotPair,
    ChoiceRun,
    InvalidLock,
    MentorFull,
    NothingToMatch,
    RunNotEditable,
)
from .models import (
    CheckIn,
    MatchMode,
    MatchRun,
    Organisation,
    Program,
    ProgramMembership,
    ProposedPair,
    Role,
    RunStatus,
    ShortlistOption,
)
from .selectors import (
    blocked_pair,
    is_admin,
    latest_published_run,
    member_vectors,
    offered_options,
    own_rows,
    same_address,
    verified_owner,
)

LOW_CHECKIN_SCORE = 2
CHOICE_SIZE = 3  # mentors on each mentee's shortlist in mentee-choice mode


def create_program(admin, organisation: Organisation, name: str, **fields: Any) -> Program:  # type: ignore[no-untyped-def]
    """Create a program; its creator becomes its first admin. Requires a verified address."""
    require_verified(admin)
    if not name.strip():
        raise InvalidInput(fields={"name": ["Give the program a name."]})
    with transaction.atomic():
        program = Program.objects.create(organisation=organisation, name=name.strip(), **fields)
        ProgramMembership.objects.create(
            program=program,
            user=admin,
            email=admin.email,
            role=Role.ADMIN,
            name=admin.get_full_name(),
            joined_at=timezone.now(),
        )
        record_event("programs.created", actor=admin, target=program)
    return program


def _offset_hours(zone: str, on: datetime) -> float | None:
    try:
        offset = on.astimezone(ZoneInfo(zone)).utcoffset() if zone else None
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return offset.total_seconds() / 3600 if offset is not None else None


def _person(
    member: ProgramMembership, now: datetime, vectors: dict[int, np.ndarray]
) -> scoring.Person:
    return scoring.Person(
        answers=member.answers,
        utc_offset_hours=_offset_hours(member.zone, now),
        vector=vectors.get(member.pk),
    )


def _ids(values: list[str]) -> np.ndarray:
    """Strings to integer ids, "" -> -1 (never equal to anything)."""
    table: dict[str, int] = {}
    return np.array([table.setdefault(v.lower(), len(table)) if v else -1 for v in values])


def build_cohort(
    program: Program, mentees: list[ProgramMembership], mentors: list[ProgramMembership]
) -> arcs.Cohort:
    """The program's hard rules as an arcs.Cohort (indexes follow the two lists)."""
    rules = program.hard_rules or {}
    if rules.get("shared_language", True):
        codes: dict[str, int] = {}
        for m in mentees + mentors:
            for lang in m.languages:
                codes.setdefault(str(lang).lower(), len(codes))

        def mask(m: ProgramMembership) -> int:
            # Nobody listed: no constraint for that person (bit 63 is shared by everyone).
            bits = sum(1 << (codes[str(x).lower()] % 62) for x in m.languages)
            return bits or (1 << 63) - 1

        mentee_langs = np.array([mask(m) for m in mentees], dtype=np.uint64)
        mentor_langs = np.array([mask(m) for m in mentors], dtype=np.uint64)
    else:
        mentee_langs = np.ones(len(mentees), np.uint64)
        mentor_langs = np.ones(len(mentors), np.uint64)
    teams = _ids([m.team for m in mentees + mentors])
    departments = _ids([m.department for m in mentees + mentors])
    mentor_index = {m.email.lower(): j for j, m in enumerate(mentors)}
    manager = np.array([mentor_index.get(m.manager_email.lower(), -1) for m in mentees])
    user_index_mentee = {m.user_id: i for i, m in enumerate(mentees) if m.user_id}
    user_index_mentor = {m.user_id: j for j, m in enumerate(mentors) if m.user_id}
    blocked = set()
    ids = list(user_index_mentee) + list(user_index_mentor)
    for a, b in Block.objects.filter(blocker_id__in=ids, blocked_id__in=ids).values_list(
        "blocker_id", "blocked_id"
    ):
        for x, y in ((a, b), (b, a)):
            if x in user_index_mentee and y in user_index_mentor:
                blocked.add((user_index_mentee[x], user_index_mentor[y]))
    n = len(mentees)
    return arcs.Cohort(
        capacities=np.array([m.capacity for m in mentors], dtype=np.int64),
        mentee_languages=mentee_langs,
        mentor_languages=mentor_langs,
        mentee_teams=teams[:n],
        mentor_teams=teams[n:],
        mentee_departments=departments[:n],
        mentor_departments=departments[n:],
        mentee_manager=manager,
        blocked=frozenset(blocked),
        department_rule=rules.get("department", "any"),
        exclude_same_team=rules.get("exclude_same_team", True),
    )


def _members(program: Program, role: str, *, joined_only: bool = False) -> list[ProgramMembership]:
    """Who takes part in a run: the role's members, less those who declined and those whose
    account is closed (erased or banned: nobody to introduce). Invitees who have not answered
    yet (or have no account yet) take part; their pairs wait for them at publication.
    `joined_only`: only those who joined (mentee-choice shortlists show mentors' names)."""
    members = program.memberships.filter(role=role, declined_at=None).exclude(user__is_active=False)
    if joined_only:
        members = members.exclude(joined_at=None)
    return list(members.order_by("pk"))


def run_matching(
    admin,  # type: ignore[no-untyped-def]
    program: Program,
    *,
    mode: str = MatchMode.OPTIMAL,
    locks: dict[int, int] | None = None,
) -> MatchRun:
    """Propose pairs for the whole cohort. `locks` maps mentee membership id -> mentor
    membership id (kept as they are). Earlier proposals become superseded; published runs stay.

    Errors: NotProgramAdmin, NothingToMatch, InvalidLock (names the pairs that cannot hold).
    """
    from .errors import NotProgramAdmin

    if not is_admin(admin, program):
        raise NotProgramAdmin()
    if mode not in MatchMode.values:
        raise InvalidInput(fields={"mode": [f"Choose one of {', '.join(MatchMode.values)}."]})
    choice = mode == MatchMode.CHOICE
    mentees = _members(program, Role.MENTEE)
    mentors = _members(program, Role.MENTOR, joined_only=choice)
    if not mentees or not mentors:
        raise NothingToMatch()
    now = timezone.now()
    vectors = member_vectors(program.memberships.all())
    people_a = [_person(m, now, vectors) for m in mentees]
    people_b = [_person(m, now, vectors) for m in mentors]
    criteria, questions = program.criteria or {}, program.questions or []
    scores = scoring.score_matrix(people_a, people_b, questions, criteria)
    cohort = build_cohort(program, mentees, mentors)
    if mode == MatchMode.CHOICE:
        return _open_choice(admin, program, mentees, mentors, (people_a, people_b), scores, cohort)
    mentee_pos = {m.pk: i for i, m in enumerate(mentees)}
    mentor_pos = {m.pk: j for j, m in enumerate(mentors)}
    index_locks: dict[int, int] = {}
    bad = []
    for mentee_id, mentor_id in (locks or {}).items():
        if mentee_id not in mentee_pos or mentor_id not in mentor_pos:
            bad.append(f"{mentee_id}->{mentor_id}: not a mentee and mentor of this program")
        else:
            index_locks[mentee_pos[mentee_id]] = mentor_pos[mentor_id]
    try:
        if bad:
            raise assignment.InvalidLocks([])
        if mode == MatchMode.STABLE:
            prefs = assignment.preferences_from_scores(cohort, scores, k=len(mentors))
            result = assignment.stable_match(
                *prefs, cohort.capacities, locks=index_locks, blocked=cohort.blocked
            )
        else:
            # k 32 arcs a mentee: exact on the 8,000 x 2,000 benchmark (k 64 doubled the flow's
            # arcs for the same optimum: 32x scipy instead of 57x; docs/programs.md).
            k = min(len(mentors), arcs.DEFAULT_K)
            result = assignment.solve(cohort, scores, k=k, locks=index_locks)
    except assignment.InvalidLocks as exc:
        bad += [
            f"{mentees[i].email} -> {mentors[j].email}: {code.replace('_', ' ')}"
            for i, j, code in exc.problems
        ]
        raise InvalidLock(fields={"locks": bad}) from exc
    with transaction.atomic():
        program.match_runs.filter(status=RunStatus.PROPOSED).update(status=RunStatus.SUPERSEDED)
        run = MatchRun.objects.create(
            program=program,
            created_by=admin,
            mode=mode,
            summary=result.summary,
            unmatched=[
                {"membership": mentees[i].pk, "reasons": codes}
                for i, codes in sorted(result.unmatched.items())
            ],
        )
        pairs = []
        for i, j in result.pairs:
            score, reasons = scoring.pair_score(people_a[i], people_b[j], questions, criteria)
            pairs.append(
                ProposedPair(
                    run=run,
                    mentee=mentees[i],
                    mentor=mentors[j],
                    score=score,
                    reasons=reasons,
                    locked=i in index_locks,
                )
            )
        ProposedPair.objects.bulk_create(pairs)
        run.total_score = sum(p.score for p in pairs)
        run.save(update_fields=["total_score"])
        record_event(
            "programs.matching_run",
            actor=admin,
            target=run,
            data={"mode": mode, "pairs": len(pairs), "unmatched": len(result.unmatched)},
        )
    return run


def _open_choice(
    admin,  # type: ignore[no-untyped-def]
    program: Program,
    mentees: list[ProgramMembership],
    mentors: list[ProgramMembership],
    people: tuple[list[scoring.Person], list[scoring.Person]],
    scores: np.ndarray,
    cohort: arcs.Cohort,
) -> MatchRun:
    """Mentee-choice mode: store each mentee's shortlist of 3 (assignment.choice_shortlists,
    from the same scores and hard rules) and ask them to pick. Their picks become the run's
    pairs (pick_mentor); the admin publishes as in the other modes."""
    from mentorloom.notifications.services import notify

    lists, optimal = assignment.choice_shortlists(cohort, scores, CHOICE_SIZE)
    criteria, questions = program.criteria or {}, program.questions or []
    unmatched = {
        i: optimal.unmatched.get(i) or [assignment.CONSTRAINTS_COMBINED]
        for i, options in enumerate(lists)
        if not options
    }
    summary: dict[str, int] = {}
    for codes in unmatched.values():
        for code in codes:
            summary[code] = summary.get(code, 0) + 1
    with transaction.atomic():
        program.match_runs.filter(status=RunStatus.PROPOSED).update(status=RunStatus.SUPERSEDED)
        run = MatchRun.objects.create(
            program=program,
            created_by=admin,
            mode=MatchMode.CHOICE,
            summary=summary,
            unmatched=[
                {"membership": mentees[i].pk, "reasons": codes}
                for i, codes in sorted(unmatched.items())
            ],
        )
        options = []
        for i, choices in enumerate(lists):
            for rank, j in enumerate(choices, start=1):
                score, reasons = scoring.pair_score(people[0][i], people[1][j], questions, criteria)
                options.append(
                    ShortlistOption(
                        run=run,
                        mentee=mentees[i],
                        mentor=mentors[j],
                        rank=rank,
                        score=score,
                        reasons=reasons,
                    )
                )
        ShortlistOption.objects.bulk_create(options, batch_size=1000)
        record_event(
            "programs.matching_run",
            actor=admin,
            target=run,
            data={"mode": MatchMode.CHOICE, "shortlists": len(lists) - len(unmatched)},
        )
        url = reverse("programs:choose", args=[program.pk, run.pk])
        for i, choices in enumerate(lists):
            # Who has not joined yet sees their shortlist once they do (open_choices_for).
            if choices and mentees[i].user_id and mentees[i].joined_at:
                notify(
                    mentees[i].user,
                    kind="program.choose",
                    title=f"{program.name}: choose your mentor",
                    body=f"We picked {len(choices)} mentors who fit you. Choose one.",
                    url=url,
                )
    return run


def _editable(run: MatchRun) -> MatchRun:
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.PROPOSED:
        raise RunNotEditable()
    return run


def pick_mentor(user, run: MatchRun, mentee: ProgramMembership, mentor_id: int) -> ProposedPair:  # type: ignore[no-untyped-def]
    """The mentee `mentee` (the viewer's membership, from selectors.get_choice_for) picks
    mentor membership `mentor_id` from their shortlist; picking again changes the pick until
    the run is published.

    Race-safe: the run's row is locked for the pick, so concurrent picks of one mentor are
    counted one after the other and a mentor's capacity is never exceeded; the pair's unique
    (run, mentee) constraint keeps one pick per mentee.
    Errors: Http404 (not on your shortlist), RunNotEditable (published or replaced),
    MentorFull (409: the mentor's places were taken by earlier picks), email_unverified."""
    from django.http import Http404

    require_verified(user)
    with transaction.atomic():
        run = _editable(run)
        option = (
            run.options.select_related("mentor")
            .filter(mentee=mentee, mentor_id=mentor_id)
            .filter(offered_options())
            .first()
        )
        if option is None:
            raise Http404("That mentor is not on your shortlist.")
        taken = run.pairs.filter(mentor_id=mentor_id).exclude(mentee=mentee).count()
        if taken >= option.mentor.capacity:
            raise MentorFull()
        pair, _ = ProposedPair.objects.update_or_create(
            run=run,
            mentee=mentee,
            defaults={"mentor_id": mentor_id, "score": option.score, "reasons": option.reasons},
        )
        record_event("programs.mentor_picked", actor=user, target=run, data={"mentor": mentor_id})
    return pair


def _not_choice(run: MatchRun) -> None:
    if run.mode == MatchMode.CHOICE:
        raise ChoiceRun()


def set_locked(admin, pair: ProposedPair, locked: bool) -> ProposedPair:  # type: ignore[no-untyped-def]
    """Lock or unlock a proposed pair. Errors: ChoiceRun, RunNotEditable, CannotPair (locking
    two people with a block between them, made since the run)."""
    _not_choice(pair.run)
    with transaction.atomic():
        _editable(pair.run)
        if locked and blocked_pair(pair.mentee, pair.mentor):
            raise CannotPair()
        pair.locked = locked
        pair.save(update_fields=["locked"])
    return pair


def swap_mentors(admin, a: ProposedPair, b: ProposedPair) -> tuple[ProposedPair, ProposedPair]:  # type: ignore[no-untyped-def]
    """Exchange the mentors of two pairs of the same proposal; both become locked, so a re-run
    keeps the admin's decision. Scores and reasons are recomputed.
    Errors: ChoiceRun, RunNotEditable, CannotPair (either new pair has a block between its two
    people: a generic refusal, so the admin does not learn who blocked whom)."""
    if a.run_id != b.run_id or a.pk == b.pk:
        raise InvalidInput(fields={"pairs": ["Choose two different pairs of the same proposal."]})
    _not_choice(a.run)
    with transaction.atomic():
        run = _editable(a.run)
        program = run.program
        now = timezone.now()
        if blocked_pair(a.mentee, b.mentor) or blocked_pair(b.mentee, a.mentor):
            raise CannotPair()
        a.mentor, b.mentor = b.mentor, a.mentor
        ids = [a.mentee_id, a.mentor_id, b.mentee_id, b.mentor_id]
        vectors = member_vectors(ProgramMembership.objects.filter(pk__in=ids))
        for pair in (a, b):
            pair.score, pair.reasons = scoring.pair_score(
                _person(pair.mentee, now, vectors),
                _person(pair.mentor, now, vectors),
                program.questions or [],
                program.criteria or {},
            )
            pair.locked = True
            pair.save(update_fields=["mentor", "score", "reasons", "locked"])
        record_event(
            "programs.pairs_swapped", actor=admin, target=run, data={"pairs": [a.pk, b.pk]}
        )
    return a, b


def rerun_around_locks(admin, run: MatchRun) -> MatchRun:  # type: ignore[no-untyped-def]
    """A new proposal keeping this one's locked pairs."""
    if run.status != RunStatus.PROPOSED:
        raise RunNotEditable()
    _not_choice(run)
    locks = dict(run.pairs.filter(locked=True).values_list("mentee_id", "mentor_id"))
    return run_matching(admin, run.program, mode=run.mode, locks=locks)


def link_verified_address(user) -> int:  # type: ignore[no-untyped-def]
    """Link the memberships imported for `user`'s address (no account yet) to the account, once
    that address is verified (connected to accounts.services.email_verified). Returns how many.
    An unverified address links nothing: whoever types someone else's address at sign-up must
    not become that person's program member."""
    if not user.email_verified_at:
        return 0
    linked = ProgramMembership.objects.filter(Q(user=None) & same_address(user.email))
    count = 0
    for member in linked.select_related("program"):
        member.user, member.updated_at = user, timezone.now()
        member.save(update_fields=["user", "updated_at"])
        record_event("programs.member_linked", actor=user, target=member.program)
        count += 1
    return count


def _account(member: ProgramMembership):  # type: ignore[no-untyped-def]
    """The member's account: the linked one, else its `verified_owner` (linked now), else
    None."""
    if member.user_id:
        return member.user
    user = verified_owner(member)
    if user is not None:
        member.user = user
        member.save(update_fields=["user"])
    return user


DECLINED, BARRED, WAITING, READY = "declined", "barred", "waiting", "ready"


def _pair_state(pair: ProposedPair) -> str:
    """Where a published pair stands: DECLINED (one of the two said no), BARRED (an account
    closed since the run, or a block either way: never introduced; erasure also removes the
    person's blocks, hence the account check), WAITING (an account or a join still missing),
    or READY to start. Links a member to the verified owner of their address (`_account`)."""
    if pair.mentee.declined_at or pair.mentor.declined_at:
        return DECLINED
    mentee, mentor = _account(pair.mentee), _account(pair.mentor)
    if any(a is not None and not a.is_active for a in (mentee, mentor)):
        return BARRED
    if mentee is None or mentor is None or mentee.pk == mentor.pk:
        return WAITING
    if is_blocked_between(mentee.pk, mentor.pk):
        return BARRED
    if pair.mentee.joined_at is None or pair.mentor.joined_at is None:
        return WAITING
    return READY


def _start_pair(pair: ProposedPair, introduced_by) -> None:  # type: ignore[no-untyped-def]
    """Start (or link) the mentorship of a READY pair (`_pair_state`)."""
    mentor, mentee = pair.mentor.user, pair.mentee.user
    pair.mentorship = mentorship_services.start_introduced_mentorship(
        mentor, mentee, introduced_by=introduced_by, context=pair.run.program.name
    )
    pair.started_at = timezone.now()
    pair.save(update_fields=["mentorship", "started_at"])


def publish_run(admin, run: MatchRun) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Publish a proposal: each pair whose two people have accounts and joined the program is
    introduced and their mentorship starts with the usual agreement step; the others wait, and
    start when the second of the two joins (join_program). A pair with a block between its two
    people (either way; one made after the run, say) is dropped and its mentee listed unmatched
    under the generic "rules together" reason, which does not reveal the block; so is a pair
    with an account closed since the run (erased, banned). A pair one of whose people declined
    since the run is dropped too, its mentee listed as "declined".
    Returns {"started": n, "awaiting_sign_up": m} (m: pairs waiting for sign-up or joining)."""
    with transaction.atomic():
        run = _editable(run)
        _lock_program(run.program_id)
        started = waiting = 0
        dropped: list[ProposedPair] = []
        declined: list[ProposedPair] = []
        for pair in run.pairs.select_related("run__program", "mentee__user", "mentor__user"):
            state = _pair_state(pair)
            if state == DECLINED:
                declined.append(pair)
            elif state == BARRED:
                # Under the generic reason: the admin must not learn of a block or a ban.
                dropped.append(pair)
            elif state == WAITING:
                waiting += 1
            else:
                _start_pair(pair, admin)
                started += 1
        if run.mode == MatchMode.CHOICE:
            _list_who_did_not_pick(run)
        for code, pairs in (
            (assignment.CONSTRAINTS_COMBINED, dropped),
            (assignment.DECLINED, declined),
        ):
            if not pairs:
                continue
            ProposedPair.objects.filter(pk__in=[p.pk for p in pairs]).delete()
            run.unmatched = [
                *run.unmatched,
                *({"membership": p.mentee_id, "reasons": [code]} for p in pairs),
            ]
            run.summary = {**run.summary, code: run.summary.get(code, 0) + len(pairs)}
        run.status = RunStatus.PUBLISHED
        run.published_at = timezone.now()
        run.save(update_fields=["status", "published_at", "unmatched", "summary"])
        record_event(
            "programs.matching_published",
            actor=admin,
            target=run,
            data={"started": started, "awaiting_sign_up": waiting},
        )
    return {"started": started, "awaiting_sign_up": waiting}


def _list_who_did_not_pick(run: MatchRun) -> None:
    """Mentee choice: who had a shortlist and no pick stays unmatched, and the review says
    why: they declined, had not joined yet (only who joined can pick), had no mentor left to
    pick (the generic "rules together" reason: it names no closed account), or did not pick."""
    picked = set(run.pairs.values_list("mentee_id", flat=True))
    could_pick = set(run.options.filter(offered_options()).values_list("mentee_id", flat=True))
    reasons: dict[int, str] = {}
    for pk, joined_at, declined_at in (
        ProgramMembership.objects.filter(pk__in=run.options.values("mentee_id"))
        .exclude(pk__in=picked)
        .values_list("pk", "joined_at", "declined_at")
    ):
        if declined_at is not None:
            reasons[pk] = assignment.DECLINED
        elif joined_at is None:
            reasons[pk] = assignment.NOT_JOINED
        elif pk not in could_pick:  # no mentor on their shortlist had joined (or stayed open)
            reasons[pk] = assignment.CONSTRAINTS_COMBINED
        else:
            reasons[pk] = assignment.NOT_PICKED
    run.unmatched = [
        *run.unmatched,
        *({"membership": pk, "reasons": [reasons[pk]]} for pk in sorted(reasons)),
    ]
    summary = dict(run.summary)
    for code in reasons.values():
        summary[code] = summary.get(code, 0) + 1
    run.summary = summary


def join_program(user, program: Program) -> list[ProgramMembership]:  # type: ignore[no-untyped-def]
    """`user` accepts being in `program`: each of their memberships there (linked, or under
    their verified address and linked now) joins. Then each pair of the program's latest
    published run that waited for them starts, when the other person has joined too and
    nothing stands between them. Joining again changes nothing; joining after declining is
    allowed (changed minds). Returns the memberships.

    Errors: Http404 (not added to this program), email_unverified."""
    require_verified(user)
    with transaction.atomic():
        mine = _locked_rows(user, program, ProgramMembership.objects.all())
        now = timezone.now()
        fresh = [m for m in mine if m.joined_at is None]
        for member in fresh:
            member.user, member.joined_at, member.declined_at, member.updated_at = (
                user,
                now,
                None,
                now,
            )
            member.save(update_fields=["user", "joined_at", "declined_at", "updated_at"])
        if not fresh:
            return mine
        record_event("programs.member_joined", actor=user, target=program)
        run = latest_published_run(program)
        if run is not None:
            ids = [m.pk for m in fresh]
            waiting = (
                run.pairs.filter(mentorship=None)
                .filter(Q(mentee_id__in=ids) | Q(mentor_id__in=ids))
                .select_related("run__program", "mentee__user", "mentor__user")
            )
            for pair in waiting:
                if _pair_state(pair) == READY:
                    _start_pair(pair, run.created_by)
    return mine


def decline_program(user, program: Program) -> list[ProgramMembership]:  # type: ignore[no-untyped-def]
    """`user` says no to being in `program`: their memberships there that have not joined are
    marked declined and take no part in matching runs from now on. A role they joined stays
    (leaving a running program is the admins' to arrange). Returns the declined memberships.

    Errors: Http404 (not added to this program), AlreadyJoined (409: nothing left to decline)."""
    with transaction.atomic():
        mine = _locked_rows(user, program, ProgramMembership.objects.exclude(role=Role.ADMIN))
        mine = [m for m in mine if m.joined_at is None]
        if not mine:
            raise AlreadyJoined()
        now = timezone.now()
        for member in mine:
            if member.declined_at is None:
                member.user, member.declined_at, member.updated_at = user, now, now
                member.save(update_fields=["user", "declined_at", "updated_at"])
        record_event("programs.member_declined", actor=user, target=program)
    return mine


def _locked_rows(user, program: Program, rows) -> list[ProgramMembership]:  # type: ignore[no-untyped-def]
    """`user`'s rows among `rows` in `program`, locked, after the program's own lock; Http404
    when there are none (not added to this program)."""
    from django.http import Http404

    _lock_program(program.pk)
    mine = list(
        rows.select_for_update().filter(program=program).filter(own_rows(user)).order_by("pk")
    )
    if not mine:
        raise Http404("You were not added to this program.")
    return mine


def _lock_program(program_id: int) -> None:
    """Joining, declining and publishing take the program's row first, so they happen one
    after the other. Otherwise two people of a waiting pair joining at once could each see the
    other not joined yet, and a join racing a publication could each miss the other: either
    way a pair both said yes to would never start."""
    Program.objects.select_for_update().filter(pk=program_id).values_list("pk").first()


def answer_checkin(user, checkin: CheckIn, score: int, note: str = "") -> CheckIn:  # type: ignore[no-untyped-def]
    """Record a pulse (1-5 and an optional note). Only the person asked may answer, once."""
    if checkin.membership.user_id != user.pk:
        from django.http import Http404

        raise Http404("No such check-in.")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(fields={"score": ["Choose a number from 1 to 5."]})
    if len(note) > 2000:
        raise InvalidInput(fields={"note": ["Keep the note under 2000 characters."]})
    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
        if checkin.answered_at is not None:
            raise InvalidInput(fields={"score": ["You already answered this check-in."]})
        checkin.score, checkin.note, checkin.answered_at = score, note.strip(), timezone.now()
        checkin.save(update_fields=["score", "note", "answered_at"])
        if score <= LOW_CHECKIN_SCORE:
            _nudge_admins(checkin)
    return checkin


def _nudge_admins(checkin: CheckIn) -> None:
    """A low pulse reaches the program's admins only (never the other side of the pair)."""
    from mentorloom.notifications.services import notify

    program = checkin.program
    for admin in program.memberships.filter(role=Role.ADMIN).exclude(user=None):
        notify(
            admin.user,
            kind="program.checkin_low",
            title=f"{program.name}: a check-in scored {checkin.score}/5",
            body="Someone may need a follow-up. See the program dashboard.",
            url=reverse("programs:dashboard", args=[program.pk]),
            email=False,
        )


def send_due_checkins(now: datetime | None = None) -> int:
    """Periodic: every `checkin_every_weeks` after a pair started, ask both sides of each
    live program mentorship "how is it going?" once (the unique constraint makes re-runs no-ops).
    Returns how many check-ins were created."""
    from mentorloom.mentorships.models import MentorshipStatus
    from mentorloom.notifications.services import notify

    now = now or timezone.now()
    today = timezone.localdate(now)
    created = 0
    pairs = (
        ProposedPair.objects.filter(run__status=RunStatus.PUBLISHED)
        .exclude(mentorship=None)
        .exclude(mentorship__status=MentorshipStatus.ENDED)
        .select_related("run__program", "mentee__user", "mentor__user", "mentorship")
    )
    for pair in pairs:
        program = pair.run.program
        every = max(1, program.checkin_every_weeks) * 7
        # From when the pair started: at publication, or when the second of the two joined.
        started = timezone.localdate(pair.started_at or pair.run.published_at)
        age = (today - started).days
        if age < every:
            continue
        due_on = started + timedelta(days=every * (age // every))
        for member in (pair.mentee, pair.mentor):
            if member.user is None:
                continue
            checkin, new = CheckIn.objects.get_or_create(
                membership=member,
                mentorship=pair.mentorship,
                due_on=due_on,
                defaults={"program": program},
            )
            if new:
                created += 1
                notify(
                    member.user,
                    kind="program.checkin",
                    title=f"{program.name}: how is your mentorship going?",
                    body="One number from 1 to 5 and an optional note. Only program admins see it.",
                    url=reverse("programs:checkin", args=[program.pk, checkin.pk]),
                )
    return created
