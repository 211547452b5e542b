"""Bulk matching for a program cohort: pure functions, no Django.

Optimal mode maximises, first, how many mentees get a mentor and, then, the total match score,
under mentor capacities and hard constraints. It is a min-cost flow (OR-Tools
`SimpleMinCostFlow`, integer costs) over the top-k allowed candidate arcs of each mentee:

    mentee i (supply 1) --[cap 1, -score]--> mentor j --[cap c_j, 0]--> sink

solved as a maximum flow of minimum cost (`solve_max_flow_with_min_cost`): as many mentees
as possible get a mentor, and among those assignments the total score is the largest. With
k >= the number of mentors the arcs are the whole problem and the result is exact;
`reference_optimum` solves the full capacity-replicated problem with scipy for comparison on
small cohorts.

Stable mode is mentee-proposing deferred acceptance with capacities (Gale-Shapley for
hospitals/residents): the result has no blocking pair and is the mentee-optimal stable matching.

Locks are admin-fixed pairs: they are kept as they are, their mentors' capacities shrink by one,
and the rest of the cohort is solved around them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .arcs import (
    BLOCKED,
    DEFAULT_K,
    DEPARTMENT_RULE,
    NO_SHARED_LANGUAGE,
    ONLY_OWN_TEAM,
    SCALE,
    Candidates,
    Cohort,
    allowed_mask,
    candidates_from_scores,
    constraint_masks,
    to_int_scores,
)


def bonus_for(n_mentees: int) -> int:
    """Worth of one matched pair on top of its score in `objective` and `reference_optimum`:
    more than any cohort's total score, so one more matched mentee always beats any gain in
    score (the lexicographic order solve_optimal's max-flow-then-min-cost follows exactly)."""
    return (n_mentees + 1) * SCALE


# Reasons a mentee stays unmatched beyond the single hard rules of `arcs` (stable codes, shown
# to the admin).
CONSTRAINTS_COMBINED = "constraints_combined"
MENTORS_FULL = "mentors_full"
NOT_PICKED = "did_not_pick"
# Mentee choice: had a shortlist, but had not joined the program when the round was published.
NOT_JOINED = "not_joined"
NOT_RANKED = "not_accepted_by_preferred_mentors"
# A locked pair with a block between its two people (either way). Named like that, not as a
# block: the admin must not learn who blocked whom.
CANNOT_PAIR = "cannot_be_paired"
# Published without a pair: the mentee, or the mentor the run proposed, declined to take part.
DECLINED = "declined"

REASON_TEXT = {
    NO_SHARED_LANGUAGE: "No mentor shares a language with this person.",
    ONLY_OWN_TEAM: "Every mentor is on the person's own team or is their manager.",
    DEPARTMENT_RULE: "No mentor satisfies the department rule.",
    CONSTRAINTS_COMBINED: "The hard rules together exclude every mentor.",
    MENTORS_FULL: "Every eligible mentor is at capacity with better-scoring pairs.",
    NOT_RANKED: "No mentor this person ranked had room for them.",
    NOT_PICKED: "Did not pick a mentor from their shortlist before publishing.",
    NOT_JOINED: "Had not joined the program when this was published, so could not pick.",
    DECLINED: "Declined to take part, or was paired with a mentor who did, before publishing.",
}


class InvalidLocks(ValueError):
    """Locked pairs that cannot all hold: unknown people, a mentee locked twice, a mentor over
    capacity, a block between the two. `problems` lists (mentee, mentor, code)."""

    def __init__(self, problems: list[tuple[int, int, str]]):
        super().__init__(f"{len(problems)} locked pair(s) cannot hold")
        self.problems = problems


@dataclass
class Assignment:
    """`mentor_of[i]` is mentee i's mentor index or -1. `unmatched` maps each unmatched mentee
    to its reason codes; `summary` counts mentees per reason (for "who stays unmatched, why")."""

    mentor_of: np.ndarray
    scores: np.ndarray
    bonus: int
    locked: frozenset[int] = frozenset()
    unmatched: dict[int, list[str]] = field(default_factory=dict)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return [(int(i), int(j)) for i, j in enumerate(self.mentor_of) if j >= 0]

    @property
    def total_score(self) -> int:
        return int(self.scores[self.mentor_of >= 0].sum())

    @property
    def matched(self) -> int:
        return int((self.mentor_of >= 0).sum())

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for reasons in self.unmatched.values():
            for code in reasons:
                counts[code] = counts.get(code, 0) + 1
        return counts


def _apply_locks(cohort: Cohort, locks: Mapping[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Residual capacities and the boolean "locked" vector; raises InvalidLocks."""
    capacities = np.asarray(cohort.capacities, dtype=np.int64).copy()
    locked = np.zeros(cohort.n_mentees, dtype=bool)
    problems: list[tuple[int, int, str]] = []
    for i, j in locks.items():
        if not (0 <= i < cohort.n_mentees and 0 <= j < cohort.n_mentors):
            problems.append((i, j, "unknown_person"))
            continue
        if (i, j) in cohort.blocked:
            problems.append((i, j, CANNOT_PAIR))
        capacities[j] -= 1
        locked[i] = True
        if capacities[j] < 0:
            problems.append((i, j, "mentor_over_capacity"))
    if problems:
        raise InvalidLocks(problems)
    return capacities, locked


def solve_optimal(
    cohort: Cohort,
    candidates: Candidates,
    locks: Mapping[int, int] | None = None,
    lock_scores: Mapping[int, int] | None = None,
) -> Assignment:
    """Maximum-coverage, then maximum-score assignment over the candidate arcs. A locked pair's
    score comes from `lock_scores` (mentee -> integer score), else from its arc, else 0."""
    from ortools.graph.python import min_cost_flow

    locks = dict(locks or {})
    capacities, locked = _apply_locks(cohort, locks)
    n, m = cohort.n_mentees, cohort.n_mentors
    keep = ~locked[candidates.mentee]
    arc_mentee = candidates.mentee[keep]
    arc_mentor = candidates.mentor[keep]
    arc_score = candidates.score[keep]

    sink = n + m
    tails = np.concatenate([arc_mentee, n + np.arange(m, dtype=np.int64)])
    heads = np.concatenate([n + arc_mentor, np.full(m, sink, dtype=np.int64)])
    caps = np.concatenate([np.ones(len(arc_mentee), dtype=np.int64), np.maximum(capacities, 0)])
    # Maximum flow first (coverage), then minimum cost among maximum flows (score): the exact
    # lexicographic objective, with costs only as wide as the scores (fewer scaling phases).
    costs = np.concatenate([-arc_score, np.zeros(m, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n + m + 1, dtype=np.int64)
    supplies[:n] = np.where(locked, 0, 1)
    supplies[sink] = -int(supplies[:n].sum())
    flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int64), supplies)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    bonus = bonus_for(n)

    used = flow.flows(np.arange(len(arc_mentee), dtype=np.int64)) > 0
    mentor_of = np.full(n, -1, dtype=np.int64)
    scores = np.zeros(n, dtype=np.int64)
    mentor_of[arc_mentee[used]] = arc_mentor[used]
    scores[arc_mentee[used]] = arc_score[used]
    on_locked = np.nonzero(locked[candidates.mentee])[0]  # only a locked mentee's arcs
    arc_scores = {
        (int(candidates.mentee[p]), int(candidates.mentor[p])): int(candidates.score[p])
        for p in on_locked
    }
    for i, j in locks.items():
        mentor_of[i] = j
        scores[i] = (lock_scores or {}).get(i, arc_scores.get((i, j), 0))
    result = Assignment(mentor_of, scores, bonus, locked=frozenset(locks))
    result.unmatched = explain_unmatched(cohort, result)
    return result


def explain_unmatched(cohort: Cohort, result: Assignment) -> dict[int, list[str]]:
    """Why each unmatched mentee has no mentor: each hard rule that alone excludes every
    mentor, or the rules together, or every eligible mentor being full. Blocks count only in
    "the rules together": the admin reading the reasons must not learn that a block exists."""
    rows = np.nonzero(result.mentor_of < 0)[0]
    reasons: dict[int, list[str]] = {}
    for block in np.array_split(rows, max(1, len(rows) // 1024 + 1)):
        if not len(block):
            continue
        masks = constraint_masks(cohort, block)
        combined = np.ones((len(block), cohort.n_mentors), dtype=bool)
        for mask in masks.values():
            combined &= mask
        for p, i in enumerate(block):
            codes = [code for code, mask in masks.items() if code != BLOCKED and not mask[p].any()]
            if not codes and not combined[p].any():
                codes = [CONSTRAINTS_COMBINED]
            reasons[int(i)] = codes or [MENTORS_FULL]
    return reasons


def solve(
    cohort: Cohort,
    scores: np.ndarray,
    k: int = DEFAULT_K,
    locks: Mapping[int, int] | None = None,
) -> Assignment:
    """Optimal mode from a dense score matrix (small and medium cohorts)."""
    ints = to_int_scores(np.asarray(scores))
    lock_scores = {i: int(ints[i, j]) for i, j in (locks or {}).items()}
    return solve_optimal(cohort, candidates_from_scores(cohort, scores, k), locks, lock_scores)


def reference_optimum(
    cohort: Cohort, scores: np.ndarray, locks: Mapping[int, int] | None = None
) -> int:
    """The exact objective (bonus per match + integer score) of the full problem, by scipy's
    Hungarian method on the capacity-replicated matrix. Dense: for checks on small cohorts."""
    from scipy.optimize import linear_sum_assignment

    locks = dict(locks or {})
    capacities, locked = _apply_locks(cohort, locks)
    ints = to_int_scores(np.asarray(scores))
    bonus = bonus_for(cohort.n_mentees)
    locked_value = sum(bonus + int(ints[i, j]) for i, j in locks.items())
    free = np.nonzero(~locked)[0]
    columns = np.repeat(np.arange(cohort.n_mentors), np.maximum(capacities, 0))
    if not len(free) or not len(columns):
        return locked_value
    weights = np.where(allowed_mask(cohort, free), bonus + ints[free], 0)[:, columns]
    r, c = linear_sum_assignment(weights, maximize=True)
    return locked_value + int(weights[r, c].sum())


def objective(result: Assignment) -> int:
    """Bonus per matched mentee + integer score: what solve_optimal maximises."""
    return result.matched * result.bonus + result.total_score


def violations(cohort: Cohort, result: Assignment) -> list[tuple[int, int]]:
    """Non-locked pairs that break a hard rule (should always be empty)."""
    pairs = [(i, j) for i, j in result.pairs if i not in result.locked]
    if not pairs:
        return []
    rows = np.array([i for i, _ in pairs])
    allowed = allowed_mask(cohort, rows)
    return [(i, j) for p, (i, j) in enumerate(pairs) if not allowed[p, j]]


def load(cohort: Cohort, result: Assignment) -> np.ndarray:
    """Mentees assigned per mentor."""
    matched = result.mentor_of[result.mentor_of >= 0]
    return np.bincount(matched, minlength=cohort.n_mentors)


# --- stable mode ---------------------------------------------------------------------------


def stable_match(
    mentee_prefs: Sequence[Sequence[int]],
    mentor_prefs: Sequence[Sequence[int]],
    capacities: Sequence[int] | np.ndarray,
    locks: Mapping[int, int] | None = None,
    blocked: frozenset[tuple[int, int]] = frozenset(),
) -> Assignment:
    """Mentee-proposing deferred acceptance with capacities.

    `mentee_prefs[i]` lists acceptable mentors best first; `mentor_prefs[j]` lists acceptable
    mentees best first (a pair is acceptable only if both list each other). Locked pairs are
    fixed first and take one seat each (never a `blocked` pair: InvalidLocks); the rest is
    stable among the remaining seats.
    """
    import heapq

    locks = dict(locks or {})
    n, m = len(mentee_prefs), len(mentor_prefs)
    seats = np.asarray(capacities, dtype=np.int64).copy()
    problems = []
    for i, j in locks.items():
        if not (0 <= i < n and 0 <= j < m):
            problems.append((i, j, "unknown_person"))
            continue
        if (i, j) in blocked:
            problems.append((i, j, CANNOT_PAIR))
        seats[j] -= 1
        if seats[j] < 0:
            problems.append((i, j, "mentor_over_capacity"))
    if problems:
        raise InvalidLocks(problems)
    rank = [{mentee: r for r, mentee in enumerate(prefs)} for prefs in mentor_prefs]
    # Each mentor holds a heap of (-rank, mentee): the worst held mentee is on top.
    held: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    next_choice = [0] * n
    free = [i for i in range(n) if i not in locks]
    while free:
        i = free.pop()
        prefs = mentee_prefs[i]
        while next_choice[i] < len(prefs):
            j = prefs[next_choice[i]]
            next_choice[i] += 1
            r = rank[j].get(i)
            if r is None or seats[j] <= 0:
                continue
            if len(held[j]) < seats[j]:
                heapq.heappush(held[j], (-r, i))
                break
            worst_rank, worst = held[j][0]
            if r < -worst_rank:
                heapq.heapreplace(held[j], (-r, i))
                free.append(worst)
                break
    mentor_of = np.full(n, -1, dtype=np.int64)
    for j, heap in enumerate(held):
        for _, i in heap:
            mentor_of[i] = j
    for i, j in locks.items():
        mentor_of[i] = j
    result = Assignment(mentor_of, np.zeros(n, np.int64), bonus_for(n), locked=frozenset(locks))
    result.unmatched = {int(i): [NOT_RANKED] for i in np.nonzero(mentor_of < 0)[0]}
    return result


def preferences_from_scores(
    cohort: Cohort, scores: np.ndarray, k: int = DEFAULT_K
) -> tuple[list[list[int]], list[list[int]]]:
    """Ranked lists from one score matrix: each mentee ranks its top-k allowed mentors, each
    mentor ranks the mentees that listed it, best score first (ties by index)."""
    cands = candidates_from_scores(cohort, scores, k)
    order = np.lexsort((cands.mentor, -cands.score, cands.mentee))
    mentee_prefs: list[list[int]] = [[] for _ in range(cohort.n_mentees)]
    for p in order:
        mentee_prefs[int(cands.mentee[p])].append(int(cands.mentor[p]))
    order = np.lexsort((cands.mentee, -cands.score, cands.mentor))
    mentor_prefs: list[list[int]] = [[] for _ in range(cohort.n_mentors)]
    for p in order:
        mentor_prefs[int(cands.mentor[p])].append(int(cands.mentee[p]))
    return mentee_prefs, mentor_prefs


def blocking_pairs(
    result: Assignment,
    mentee_prefs: Sequence[Sequence[int]],
    mentor_prefs: Sequence[Sequence[int]],
    capacities: Sequence[int] | np.ndarray,
) -> list[tuple[int, int]]:
    """Pairs (i, j), both acceptable to each other, where i prefers j to its mentor and j has a
    free seat or holds a (non-locked) mentee it ranks below i."""
    rank = [{mentee: r for r, mentee in enumerate(prefs)} for prefs in mentor_prefs]
    held: list[list[int]] = [[] for _ in mentor_prefs]
    for i, j in result.pairs:
        held[j].append(i)
    out = []
    for i, prefs in enumerate(mentee_prefs):
        if i in result.locked:
            continue
        current = int(result.mentor_of[i])
        for j in prefs:
            if j == current:
                break
            r = rank[j].get(i)
            if r is None:
                continue
            if len(held[j]) < capacities[j]:
                out.append((i, j))
                continue
            movable = [rank[j].get(h, len(rank[j])) for h in held[j] if h not in result.locked]
            if movable and max(movable) > r:
                out.append((i, j))
    return out


def shortlists(candidates: Candidates, n_mentees: int, size: int = 3) -> list[list[int]]:
    """Mentee-choice mode: each mentee's best `size` allowed mentors, best first."""
    order = np.lexsort((candidates.mentor, -candidates.score, candidates.mentee))
    out: list[list[int]] = [[] for _ in range(n_mentees)]
    for p in order:
        i = int(candidates.mentee[p])
        if len(out[i]) < size:
            out[i].append(int(candidates.mentor[p]))
    return out


def choice_shortlists(
    cohort: Cohort, scores: np.ndarray, size: int = 3
) -> tuple[list[list[int]], Assignment]:
    """Mentee-choice mode: each mentee's best `size` allowed mentors with room, best first.

    Each list includes the mentor the optimal assignment gives that mentee (replacing the last
    option when it is not among the best), so everyone picking that option is a feasible
    outcome within capacities. Returns the lists and that assignment (its `unmatched` explains
    who gets no list)."""
    ints = to_int_scores(np.asarray(scores))
    optimal = solve(cohort, scores, k=min(max(cohort.n_mentors, 1), 64))
    room = np.asarray(cohort.capacities) > 0
    cands = candidates_from_scores(cohort, scores, k=min(max(cohort.n_mentors, 1), 4 * size))
    keep = room[cands.mentor]
    lists = shortlists(
        Candidates(cands.mentee[keep], cands.mentor[keep], cands.score[keep]),
        cohort.n_mentees,
        size,
    )
    for i, j in optimal.pairs:
        if j not in lists[i]:
            lists[i] = sorted([*lists[i][: size - 1], j], key=lambda m: (-ints[i, m], m))
    return lists, optimal
