"""Program reads and access helpers. Outsiders get 404 on private programs and their people;
members who are not admins get NotProgramAdmin on admin-only actions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact
from django.http import Http404

from mentorloom.discovery.scope import DirectoryScope
from mentorloom.matching import embeddings
from mentorloom.matching.models import Side
from mentorloom.matching.selectors import document_vectors
from mentorloom.matching.vectors import from_bytes
from mentorloom.safety.selectors import hidden_user_ids, is_blocked_between

from .errors import NotProgramAdmin
from .models import (
    CheckIn,
    ImportJob,
    MatchMode,
    MatchRun,
    MemberEmbedding,
    Program,
    ProgramMembership,
    ProposedPair,
    Role,
    RunStatus,
    ShortlistOption,
    Visibility,
    ordered_roles,
    roles_text,
)


def programs_for(user) -> QuerySet[Program]:  # type: ignore[no-untyped-def]
    """Programs the user may see: public ones and those they were added to (joined or not,
    under their verified address though not linked yet: `own_rows`). Seeing a program is
    seeing its name, organisation and description; its people are for members (`people_for`)."""
    if not user.is_authenticated:
        return Program.objects.filter(visibility=Visibility.PUBLIC)
    added = ProgramMembership.objects.filter(own_rows(user)).values("program_id")
    return Program.objects.filter(Q(visibility=Visibility.PUBLIC) | Q(pk__in=added))


def is_admin(user, program: Program) -> bool:  # type: ignore[no-untyped-def]
    return user.is_authenticated and program.memberships.filter(user=user, role=Role.ADMIN).exists()


def is_member(user, program: Program) -> bool:  # type: ignore[no-untyped-def]
    """Whether `user` joined `program` (someone only added to it has not, docs/programs.md)."""
    return (
        user.is_authenticated
        and program.memberships.filter(user=user).exclude(joined_at=None).exists()
    )


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


def _require_people_visible(user, program: Program) -> None:  # type: ignore[no-untyped-def]
    """Private programs show their people to members only (404 otherwise)."""
    if program.visibility == Visibility.PRIVATE and not is_member(user, program):
        raise Http404("No such program.")


def people_for(user, program: Program) -> QuerySet[ProgramMembership]:  # type: ignore[no-untyped-def]
    """A program's people. Private programs show them to members only (404 otherwise). Its
    admins see everyone imported; anyone else sees only the members who joined (someone only
    added never asked to be listed), minus people a block hides from them. Only admins may see
    addresses: the API leaves them out for everyone else."""
    _require_people_visible(user, program)
    people = program.memberships.order_by("role", "name", "email")
    if is_admin(user, program):
        return people
    joined = people.exclude(user=None).exclude(joined_at=None)
    return joined.exclude(user_id__in=hidden_user_ids(user.pk))


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


def verified_owner(member: ProgramMembership):  # type: ignore[no-untyped-def]
    """The account that has *verified* the member's imported address, else None: only a
    verified address names its owner (as link_verified_address). Exact, with the row's address
    lower-cased as `same_address` does (accounts store theirs lower-cased)."""
    address = member.email.lower()
    return get_user_model().objects.filter(email=address, email_verified_at__isnull=False).first()


def account_id_of(member: ProgramMembership) -> int | None:
    """The member's account id: the linked one, else its `verified_owner`, else None (as
    services._account, without linking)."""
    if member.user_id:
        return member.user_id
    owner = verified_owner(member)
    return owner.pk if owner is not None else None


def blocked_pair(mentee: ProgramMembership, mentor: ProgramMembership) -> bool:
    """Whether a block, either way, stands between the accounts of these two members."""
    a, b = account_id_of(mentee), account_id_of(mentor)
    return a is not None and b is not None and is_blocked_between(a, b)


def member_vectors(memberships: QuerySet[ProgramMembership]) -> dict[int, np.ndarray]:
    """Membership id -> its account's stored profile embedding for scoring (scoring.Person):
    a mentee's "what I seek" side, a mentor's "what I offer" side. A member without one (no
    account yet, or its task has not run) falls back to the vector of their free-text import
    answers (member_embeddings). Members with neither, or with the semantic extra off, are
    missing. Only a member who joined lends the program their profile: an admin who merely
    imported an address must not probe that account's private "help with" text through scores."""
    out: dict[int, np.ndarray] = {}
    if not embeddings.semantic_enabled():
        return out
    linked = memberships.exclude(user=None).exclude(joined_at=None)
    for role, side in ((Role.MENTEE, Side.MENTEE), (Role.MENTOR, Side.MENTOR)):
        members = linked.filter(role=role)
        vectors = document_vectors(members.values("user_id"), side)
        if vectors:
            for pk, user_id in members.values_list("pk", "user_id"):
                if user_id in vectors:
                    out[pk] = vectors[user_id]
    answered = MemberEmbedding.objects.filter(
        membership__in=memberships, model_name=embeddings.model_name()
    ).values_list("membership_id", "vector")
    for pk, data in answered.iterator(chunk_size=2_000):
        if pk not in out:
            vector = from_bytes(data)
            if len(vector) == embeddings.DIMENSIONS and vector.any():
                out[pk] = vector
    return out


def program_mentor_user_ids(program: Program) -> set[int]:
    """Whom the directory and recommendations list inside this program: its mentors who
    joined it."""
    mentors = program.memberships.filter(role=Role.MENTOR).exclude(joined_at=None)
    return set(mentors.exclude(user=None).values_list("user_id", flat=True))


def private_only_user_ids(viewer) -> set[int]:  # type: ignore[no-untyped-def]
    """Mentors who came to Mentorloom through a private program, hidden from `viewer` unless
    both joined one program: every program they are in is private, and their account is newer
    than their first private membership (they signed up because the program invited them).
    Someone with an account before the import keeps their public listing (docs/programs.md)."""
    private = ProgramMembership.objects.filter(program__visibility=Visibility.PRIVATE)
    first: dict[int, datetime] = {}
    joined: dict[int, datetime] = {}
    rows = (
        private.exclude(user=None)
        .filter(user__profile__is_mentor=True)
        .values_list("user_id", "user__date_joined", "created_at")
    )
    for user_id, date_joined, added in rows:
        first[user_id] = min(added, first.get(user_id, added))
        joined[user_id] = date_joined
    invited = get_user_model().objects.filter(
        email__in=private.filter(user=None).values("email"),
        email_verified_at__isnull=False,
        profile__is_mentor=True,
    )
    by_email = {e: (pk, d) for pk, d, e in invited.values_list("pk", "date_joined", "email")}
    added_by_email = (
        private.filter(user=None, email__in=list(by_email))
        .values("email")
        .annotate(first=Min("created_at"))
        .values_list("email", "first")
    )
    for email, added in added_by_email:
        user_id, date_joined = by_email[email]
        first[user_id] = min(added, first.get(user_id, added))
        joined[user_id] = date_joined
    candidates = {u for u, added in first.items() if joined[u] >= added}
    if not candidates:
        return set()
    # Only a public program they joined makes them public: being added to one (or declining)
    # does not list anybody.
    public = ProgramMembership.objects.filter(
        program__visibility=Visibility.PUBLIC, user_id__in=candidates
    ).exclude(joined_at=None)
    candidates -= set(public.values_list("user_id", flat=True))
    if viewer is not None and viewer.is_authenticated and candidates:
        # Only programs both joined: being added to one shows nobody anybody.
        members = ProgramMembership.objects.exclude(joined_at=None)
        shared = members.filter(
            program__in=Program.objects.filter(memberships__in=members.filter(user=viewer)),
            user_id__in=candidates,
        )
        candidates -= set(shared.values_list("user_id", flat=True))
    return candidates


def directory_scope(user, program_id: int | None) -> DirectoryScope:  # type: ignore[no-untyped-def]
    """discovery.scope.directory_scope listener. Outside a program: the whole directory
    without people private to programs the viewer is not in. Inside one: its mentors only;
    404 for a program the viewer cannot see (a private one they are not in)."""
    if program_id is None:
        return DirectoryScope(hidden_user_ids=frozenset(private_only_user_ids(user)))
    program = get_program_for(user, program_id)
    _require_people_visible(user, program)
    return DirectoryScope(
        only_user_ids=frozenset(program_mentor_user_ids(program)),
        program_id=program.pk,
        label=program.name,
    )


@dataclass(frozen=True)
class PublishedMentorship:
    since: datetime | None  # when the pair started (None: an old run without a date)
    mentee_id: int  # the mentee's membership: a pair counts in its mentee's cohort


def published_mentorships(program: Program) -> dict[int, PublishedMentorship]:
    """Mentorship id -> when the program first started its pair (at publication, or when the
    second of the two joined), and the mentee's membership. Starting a pair who already had a
    live mentorship links that one, so what happened in it before (sessions, goals,
    reflections, feedback) is not the program's and is read from `since` on."""
    out: dict[int, PublishedMentorship] = {}
    pairs = (
        ProposedPair.objects.filter(run__program=program, run__status=RunStatus.PUBLISHED)
        .exclude(mentorship=None)
        .annotate(since=Coalesce("started_at", "run__published_at"))
        .order_by(F("since").asc(nulls_first=True), "pk")
        .values_list("mentorship_id", "since", "mentee_id")
    )
    for mentorship_id, since, mentee_id in pairs:
        out.setdefault(mentorship_id, PublishedMentorship(since, mentee_id))
    return out


def latest_published_run(program: Program) -> MatchRun | None:
    """The program's match as it stands: its newest published run (one published before
    `published_at` was kept counts as oldest)."""
    runs = program.match_runs.filter(status=RunStatus.PUBLISHED)
    return runs.order_by(F("published_at").desc(nulls_last=True), "-pk").first()


def since_publication(when: datetime | None, published: PublishedMentorship | None) -> bool:
    """Whether something that happened at `when` belongs to the program's part of a mentorship."""
    if published is None or when is None:
        return False
    return published.since is None or when >= published.since


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


def _mentee_memberships(user) -> QuerySet[ProgramMembership]:  # type: ignore[no-untyped-def]
    """The viewer's mentee memberships in programs they joined (joining links the row)."""
    if not user.is_authenticated:
        return ProgramMembership.objects.none()
    return ProgramMembership.objects.filter(user=user, role=Role.MENTEE).exclude(joined_at=None)


@dataclass
class Choice:
    """A mentee's shortlist in a mentee-choice run: options best first, each with whether the
    mentor still has room (picks by others so far vs capacity), and the current pick."""

    run: MatchRun
    mentee: ProgramMembership
    options: list[ShortlistOption]
    full: set[int]  # mentor membership ids with no room left for this mentee
    picked: ProposedPair | None

    @property
    def open(self) -> bool:
        return self.run.status == RunStatus.PROPOSED

    @property
    def rows(self) -> list[tuple[ShortlistOption, bool, bool]]:
        """(option, full, picked by this mentee) in rank order, for the page."""
        mine = self.picked.mentor_id if self.picked else None
        return [(o, o.mentor_id in self.full, o.mentor_id == mine) for o in self.options]


def offered_options() -> Q:
    """Shortlist options a mentee may see and pick: mentors who joined and whose account is
    open. (A choice round opened before joining existed may list others.)"""
    return Q(mentor__joined_at__isnull=False) & ~Q(mentor__user__is_active=False)


def get_choice_for(user, program_id: int, run_id: int) -> Choice:  # type: ignore[no-untyped-def]
    """The viewer's shortlist in this run; 404 for anyone without one (admins included: they
    see picks on the review page)."""
    program = get_program_for(user, program_id)
    run = program.match_runs.filter(pk=run_id, mode=MatchMode.CHOICE).first()
    options = (
        list(
            run.options.filter(mentee__in=_mentee_memberships(user))
            .filter(offered_options())
            .select_related("mentee", "mentor")
            .order_by("rank")
        )
        if run is not None
        else []
    )
    if run is None or not options:
        raise Http404("No such shortlist.")
    mentee = options[0].mentee
    picked = run.pairs.select_related("mentor").filter(mentee=mentee).first()
    return Choice(run, mentee, options, _full_for(run, mentee, options), picked)


def _full_for(run: MatchRun, mentee: ProgramMembership, options: list[ShortlistOption]) -> set[int]:
    taken = Counter(
        run.pairs.filter(mentor_id__in=[o.mentor_id for o in options])
        .exclude(mentee=mentee)
        .values_list("mentor_id", flat=True)
    )
    return {o.mentor_id for o in options if taken[o.mentor_id] >= o.mentor.capacity}


def open_choices_for(user) -> QuerySet[MatchRun]:  # type: ignore[no-untyped-def]
    """Mentee-choice runs still open in which the viewer has a shortlist (Programs page)."""
    mine = _mentee_memberships(user)
    offered = ShortlistOption.objects.filter(offered_options(), mentee__in=mine)
    return MatchRun.objects.filter(
        mode=MatchMode.CHOICE, status=RunStatus.PROPOSED, pk__in=offered.values("run_id")
    )


@dataclass
class ChoiceProgress:
    """The admin's view of a mentee-choice run: picks so far and who has not picked yet."""

    picked: int
    shortlisted: int
    waiting: list[tuple[ProgramMembership, list[ShortlistOption]]]
    load: list[tuple[ProgramMembership, int]]  # mentors with their picks so far


def choice_progress(run: MatchRun) -> ChoiceProgress:
    options = run.options.select_related("mentee", "mentor").order_by(
        "mentee__name", "mentee__email", "rank"
    )
    picked = set(run.pairs.values_list("mentee_id", flat=True))
    by_mentee: dict[int, list[ShortlistOption]] = {}
    mentors: dict[int, ProgramMembership] = {}
    for option in options:
        by_mentee.setdefault(option.mentee_id, []).append(option)
        mentors[option.mentor_id] = option.mentor
    load = Counter(run.pairs.values_list("mentor_id", flat=True))
    return ChoiceProgress(
        picked=len(picked),
        shortlisted=len(by_mentee),
        waiting=[(opts[0].mentee, opts) for m, opts in by_mentee.items() if m not in picked],
        load=sorted(
            ((mentor, load[pk]) for pk, mentor in mentors.items()),
            key=lambda row: (row[0].name or row[0].email).casefold(),
        ),
    )


def own_rows(user) -> Q:  # type: ignore[no-untyped-def]
    """The membership rows that are `user`'s: linked to them, or under their verified address
    and linked to nobody yet (only a verified address names its owner). See `same_address`."""
    mine = Q(user=user)
    if user.email_verified_at is not None:
        mine |= Q(user=None) & same_address(user.email)
    return mine


def same_address(email: str) -> Q:
    """Rows imported under `email` (a user's address, stored lower-cased by normalize_email).
    Imports lower-case addresses too; LOWER() on the row side only catches rows that were not.
    Never a case-insensitive match on both sides: on PostgreSQL that is UPPER(), which folds
    non-ASCII letters into ASCII ones (UPPER('ı') is 'I'), so whoever verified alice@gıthub.com
    (a domain anyone may register) matched the rows imported for alice@github.com."""
    return Q(Exact(Lower("email"), email))


@dataclass(frozen=True)
class Invitation:
    """A program `user` was added to and has not joined: its roles, and whether they
    declined (they may still join: minds change)."""

    program: Program
    roles: list[str]
    declined: bool

    @property
    def role_text(self) -> str:
        return roles_text(self.roles)


def invitations_for(user) -> list[Invitation]:  # type: ignore[no-untyped-def]
    """Programs the viewer was added to and has not joined in some role, by program name; rows
    under their verified address that no account is linked to yet count too (join links
    them)."""
    if not user.is_authenticated:
        return []
    rows = (
        ProgramMembership.objects.filter(own_rows(user), joined_at=None)
        .exclude(role=Role.ADMIN)
        .select_related("program__organisation")
        .order_by("program__name", "program_id", "role")
    )
    by_program: dict[int, list[ProgramMembership]] = {}
    for row in rows:
        by_program.setdefault(row.program_id, []).append(row)
    return [
        Invitation(
            program=members[0].program,
            roles=ordered_roles(members),
            declined=all(m.declined_at for m in members),
        )
        for members in by_program.values()
    ]


def get_invited_program_for(user, program_id: int) -> Program:  # type: ignore[no-untyped-def]
    """A program the viewer was added to (joined or not); 404 otherwise, private or public."""
    if not user.is_authenticated:
        raise Http404("No such program.")
    added = ProgramMembership.objects.filter(own_rows(user), program_id=program_id)
    program = Program.objects.filter(pk__in=added.values("program_id")).first()
    if program is None:
        raise Http404("No such program.")
    return program


def member_status(member: ProgramMembership) -> str:
    """For admins: "joined", "declined", "invited" (an account, no answer yet) or
    "not_signed_up" (no account linked yet)."""
    if member.joined_at is not None:
        return "joined"
    if member.declined_at is not None:
        return "declined"
    return "invited" if member.user_id else "not_signed_up"


def viewer_status(user, program: Program) -> str | None:  # type: ignore[no-untyped-def]
    """The viewer's answer to being added to `program`: "joined" (in some role), "invited"
    (no answer yet), "declined", or None (not added)."""
    if not user.is_authenticated:
        return None
    rows = list(program.memberships.filter(own_rows(user)).values_list("joined_at", "declined_at"))
    if any(joined for joined, _ in rows):
        return "joined"
    if rows and all(declined for _, declined in rows):
        return "declined"
    return "invited" if rows else None


@dataclass(frozen=True)
class MemberCounts:
    """The program's people in one role (mentors or mentees) by their answer, for its admins.
    Someone in both roles counts once in each: they answer for each role separately."""

    role: str  # "mentor" / "mentee"
    joined: int
    invited: int  # an account, no answer yet
    not_signed_up: int
    declined: int

    @property
    def total(self) -> int:
        return self.joined + self.invited + self.not_signed_up + self.declined

    @property
    def label(self) -> str:
        return Role(self.role).label + "s"


def member_counts(program: Program) -> list[MemberCounts]:
    """One query: mentors, then mentees, each by the same four states as `member_status`
    (zeros for a role nobody was added in)."""
    unanswered = Q(joined_at=None, declined_at=None)
    rows = {
        row.pop("role"): row
        for row in program.memberships.exclude(role=Role.ADMIN)
        .values("role")
        .annotate(
            joined=Count("pk", filter=Q(joined_at__isnull=False)),
            invited=Count("pk", filter=unanswered & Q(user__isnull=False)),
            not_signed_up=Count("pk", filter=unanswered & Q(user=None)),
            declined=Count("pk", filter=Q(declined_at__isnull=False)),
        )
        .order_by()
    }
    empty = dict.fromkeys(("joined", "invited", "not_signed_up", "declined"), 0)
    return [MemberCounts(role=role, **rows.get(role, empty)) for role in (Role.MENTOR, Role.MENTEE)]
