"""The pure bulk matcher: optimal against the full problem, rules and capacities, stable mode."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.programs import arcs
from mentorloom.programs import assignment as a


def _cohort(draw: st.DrawFn, n: int, m: int) -> arcs.Cohort:
    caps = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
    langs = st.integers(1, 3)
    return arcs.Cohort(
        capacities=np.array(caps),
        mentee_languages=np.array(draw(st.lists(langs, min_size=n, max_size=n)), np.uint64),
        mentor_languages=np.array(draw(st.lists(langs, min_size=m, max_size=m)), np.uint64),
        mentee_teams=np.array(draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))),
        mentor_teams=np.array(draw(st.lists(st.integers(-1, 2), min_size=m, max_size=m))),
        mentee_departments=np.array(draw(st.lists(st.integers(-1, 1), min_size=n, max_size=n))),
        mentor_departments=np.array(draw(st.lists(st.integers(-1, 1), min_size=m, max_size=m))),
        mentee_manager=np.array(draw(st.lists(st.integers(-1, m - 1), min_size=n, max_size=n))),
        blocked=frozenset(
            draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=4))
        ),
        department_rule=draw(st.sampled_from(arcs.DEPARTMENT_RULES)),
    )


@st.composite
def instances(draw: st.DrawFn, max_mentees: int = 9, max_mentors: int = 5):
    n = draw(st.integers(1, max_mentees))
    m = draw(st.integers(1, max_mentors))
    cohort = _cohort(draw, n, m)
    scores = np.array(draw(st.lists(st.floats(0, 1), min_size=n * m, max_size=n * m))).reshape(n, m)
    return cohort, scores


def _brute_force(cohort: arcs.Cohort, scores: np.ndarray) -> int:
    ints = arcs.to_int_scores(scores)
    allowed = arcs.allowed_mask(cohort)
    best = 0
    bonus = a.bonus_for(cohort.n_mentees)
    options = [
        [-1] + [j for j in range(cohort.n_mentors) if allowed[i, j]] for i in range(len(ints))
    ]
    for choice in itertools.product(*options):
        used = np.bincount([j for j in choice if j >= 0], minlength=cohort.n_mentors)
        if (used > cohort.capacities).any():
            continue
        value = sum(bonus + int(ints[i, j]) for i, j in enumerate(choice) if j >= 0)
        best = max(best, value)
    return best


@settings(max_examples=60, deadline=None)
@given(instances(max_mentees=5, max_mentors=3))
def test_optimal_mode_equals_brute_force_on_tiny_cohorts(instance):
    cohort, scores = instance
    result = a.solve(cohort, scores, k=cohort.n_mentors)
    assert a.objective(result) == _brute_force(cohort, scores)


@settings(max_examples=80, deadline=None)
@given(instances(max_mentees=12, max_mentors=6))
def test_optimal_mode_equals_scipy_on_the_capacity_replicated_problem(instance):
    cohort, scores = instance
    result = a.solve(cohort, scores, k=cohort.n_mentors)
    assert a.objective(result) == a.reference_optimum(cohort, scores)


@settings(max_examples=80, deadline=None)
@given(instances(), st.integers(1, 4))
def test_capacity_never_exceeded_and_hard_rules_never_broken_even_with_small_k(instance, k):
    cohort, scores = instance
    result = a.solve(cohort, scores, k=k)
    assert (a.load(cohort, result) <= cohort.capacities).all()
    assert a.violations(cohort, result) == []
    assert set(result.unmatched) == {i for i in range(cohort.n_mentees) if result.mentor_of[i] < 0}


@settings(max_examples=60, deadline=None)
@given(instances(max_mentees=10, max_mentors=5), st.data())
def test_locks_are_kept_on_rerun_and_the_rest_is_optimal_around_them(instance, data):
    cohort, scores = instance
    first = a.solve(cohort, scores, k=cohort.n_mentors)
    pairs = first.pairs
    locked = dict(data.draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else [])
    rerun = a.solve(cohort, scores, k=cohort.n_mentors, locks=locked)
    for i, j in locked.items():
        assert rerun.mentor_of[i] == j
    assert a.objective(rerun) == a.reference_optimum(cohort, scores, locks=locked)
    assert (a.load(cohort, rerun) <= cohort.capacities).all()


def test_a_lock_over_capacity_is_refused_with_the_pair_named():
    cohort = arcs.Cohort.open(3, [1])
    with pytest.raises(a.InvalidLocks) as caught:
        a.solve(cohort, np.ones((3, 1)), locks={0: 0, 1: 0})
    assert caught.value.problems == [(1, 0, "mentor_over_capacity")]


def test_a_lock_on_a_blocked_pair_is_refused_in_both_modes_under_a_generic_code():
    cohort = arcs.Cohort(**{**arcs.Cohort.open(2, [1, 1]).__dict__, "blocked": frozenset({(0, 1)})})
    with pytest.raises(a.InvalidLocks) as caught:
        a.solve(cohort, np.ones((2, 2)), locks={0: 1})
    assert caught.value.problems == [(0, 1, a.CANNOT_PAIR)]
    with pytest.raises(a.InvalidLocks) as caught:
        a.stable_match([[0], [1]], [[0], [1]], [1, 1], locks={0: 1}, blocked=cohort.blocked)
    assert caught.value.problems == [(0, 1, a.CANNOT_PAIR)]
    assert a.solve(cohort, np.ones((2, 2)), locks={0: 0}).pairs == [(0, 0), (1, 1)]


def test_unmatched_people_get_the_rule_that_excludes_them():
    cohort = arcs.Cohort(
        capacities=np.array([1, 1]),
        mentee_languages=np.array([1, 4, 1, 1, 1], np.uint64),  # mentee 1 speaks only language 2
        mentor_languages=np.array([1, 3], np.uint64),
        mentee_teams=np.array([-1, -1, 7, -1, -1]),
        mentor_teams=np.array([7, 7]),
        mentee_manager=np.array([-1, -1, -1, -1, 1]),
        blocked=frozenset({(3, 0), (3, 1)}),
    )
    result = a.solve(cohort, np.full((5, 2), 0.5))
    assert result.unmatched[1] == [arcs.NO_SHARED_LANGUAGE]
    assert result.unmatched[2] == [arcs.ONLY_OWN_TEAM]
    assert result.unmatched[3] == [a.CONSTRAINTS_COMBINED]  # never "blocked": no block revealed
    assert result.mentor_of[0] == 0 or result.mentor_of[4] == 0
    assert result.summary[arcs.NO_SHARED_LANGUAGE] == 1


def test_when_capacity_runs_out_the_rest_are_unmatched_because_mentors_are_full():
    result = a.solve(arcs.Cohort.open(5, [2]), np.linspace(0.1, 0.9, 5)[:, None])
    assert sorted(i for i, _ in result.pairs) == [3, 4]
    assert result.summary == {a.MENTORS_FULL: 3}


def test_coverage_comes_before_score():
    # Mentee 0 loves mentor 0; mentee 1 can only take mentor 0. Both get matched.
    cohort = arcs.Cohort.open(2, [1, 1])
    scores = np.array([[1.0, 0.0], [0.9, 0.0]])
    blocked = arcs.Cohort(**{**cohort.__dict__, "blocked": frozenset({(1, 1)})})
    result = a.solve(blocked, scores)
    assert result.pairs == [(0, 1), (1, 0)]


def test_embeddings_candidates_keep_only_allowed_top_k():
    rng = np.random.default_rng(1)
    mentees = rng.normal(size=(50, 8)).astype(np.float32)
    mentors = rng.normal(size=(20, 8)).astype(np.float32)
    mentees /= np.linalg.norm(mentees, axis=1, keepdims=True)
    mentors /= np.linalg.norm(mentors, axis=1, keepdims=True)
    cohort = arcs.Cohort(
        capacities=np.full(20, 3),
        mentee_languages=rng.integers(1, 4, 50).astype(np.uint64),
        mentor_languages=rng.integers(1, 4, 20).astype(np.uint64),
    )
    cands = arcs.candidates_from_embeddings(cohort, mentees, mentors, k=5, chunk=16)
    assert np.bincount(cands.mentee, minlength=50).max() <= 5
    allowed = arcs.allowed_mask(cohort)
    assert allowed[cands.mentee, cands.mentor].all()
    dense = arcs.to_int_scores((mentees @ mentors.T + 1) / 2)
    assert (dense[cands.mentee, cands.mentor] == cands.score).all()


def _stable_instance(draw: st.DrawFn):
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 5))
    mentee_prefs = [
        draw(st.permutations(range(m)).map(lambda p: list(p[: draw(st.integers(0, m))])))
        for _ in range(n)
    ]
    mentor_prefs = [draw(st.permutations(range(n)).map(list)) for _ in range(m)]
    caps = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
    return mentee_prefs, mentor_prefs, caps


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_stable_mode_has_no_blocking_pair_and_respects_capacity(data):
    mentee_prefs, mentor_prefs, caps = _stable_instance(data.draw)
    result = a.stable_match(mentee_prefs, mentor_prefs, caps)
    assert a.blocking_pairs(result, mentee_prefs, mentor_prefs, caps) == []
    assert (np.bincount(result.mentor_of[result.mentor_of >= 0], minlength=len(caps)) <= caps).all()
    for i, j in result.pairs:
        assert j in mentee_prefs[i]


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_stable_mode_keeps_locks(data):
    mentee_prefs, mentor_prefs, caps = _stable_instance(data.draw)
    options = [(i, j) for i in range(len(mentee_prefs)) for j in range(len(caps)) if caps[j] > 0]
    lock = data.draw(st.sampled_from(options)) if options else None
    locks = dict([lock]) if lock else {}
    result = a.stable_match(mentee_prefs, mentor_prefs, caps, locks=locks)
    for i, j in locks.items():
        assert result.mentor_of[i] == j
    assert a.blocking_pairs(result, mentee_prefs, mentor_prefs, caps) == []


def test_stable_mode_from_scores_removes_a_blocking_pair_the_optimum_has():
    # Optimal total pairs 0-1 and 1-0 (1.0 + 1.0 = 2.0 > 1.0 + 0.0 ...); stable keeps 0-0.
    scores = np.array([[0.9, 0.5], [0.8, 0.0]])
    cohort = arcs.Cohort.open(2, [1, 1])
    mentee_prefs, mentor_prefs = a.preferences_from_scores(cohort, scores)
    optimal = a.solve(cohort, scores)
    assert optimal.pairs == [(0, 1), (1, 0)]
    assert a.blocking_pairs(optimal, mentee_prefs, mentor_prefs, [1, 1]) == [(0, 0)]
    stable = a.stable_match(mentee_prefs, mentor_prefs, [1, 1])
    assert stable.pairs == [(0, 0), (1, 1)]


def test_shortlists_offer_each_mentee_three_allowed_mentors_best_first():
    scores = np.array([[0.1, 0.9, 0.5, 0.7, 0.3]])
    cohort = arcs.Cohort.open(1, [1] * 5)
    assert a.shortlists(arcs.candidates_from_scores(cohort, scores), 1) == [[1, 3, 2]]


@settings(max_examples=60, deadline=None)
@given(instances(max_mentees=10, max_mentors=6))
def test_fast_allowed_mask_equals_the_rule_by_rule_masks(instance):
    cohort, _ = instance
    rows = np.arange(cohort.n_mentees)
    expected = np.logical_and.reduce(list(arcs.constraint_masks(cohort, rows).values()))
    assert (arcs.allowed_mask(cohort, rows) == expected).all()


@settings(max_examples=60, deadline=None)
@given(instances(max_mentees=10, max_mentors=6))
def test_allowed_pairs_equals_the_allowed_mask_cell_by_cell(instance):
    cohort, _ = instance
    i, j = np.indices((cohort.n_mentees, cohort.n_mentors))
    assert (arcs.allowed_pairs(cohort, i, j) == arcs.allowed_mask(cohort)).all()


def _masked_top_k(cohort: arcs.Cohort, scores: np.ndarray, k: int) -> list[list[float]]:
    """Each mentee's k best allowed scores, best first: the selection done the slow way."""
    allowed = arcs.allowed_mask(cohort)
    out = []
    for i, row in enumerate(scores):
        best = sorted(row[allowed[i]], reverse=True)[:k]
        out.append([s for s in best if np.isfinite(s)])
    return out


def _selected(cands: arcs.Candidates, scores: np.ndarray) -> list[list[float]]:
    out: list[list[float]] = [[] for _ in range(len(scores))]
    for i, j in zip(cands.mentee, cands.mentor, strict=True):
        out[i].append(scores[i, j])
    return [sorted(row, reverse=True) for row in out]


@settings(max_examples=100, deadline=None)
@given(instances(max_mentees=12, max_mentors=8), st.integers(1, 2))
def test_checking_only_the_best_cells_selects_the_same_top_k_as_masking_everything(instance, k):
    # k * WIDEN < mentors here, so the unmasked pre-selection and its fallback both run.
    cohort, scores = instance
    cands = arcs.candidates_from_scores(cohort, scores, k)
    assert arcs.allowed_mask(cohort)[cands.mentee, cands.mentor].all()
    assert _selected(cands, scores) == _masked_top_k(cohort, scores, k)
    ints = arcs.to_int_scores(scores)
    assert (ints[cands.mentee, cands.mentor] == cands.score).all()


@pytest.mark.parametrize(
    "rule", ["language", "team", "manager", "department", "other_department", "blocked"]
)
def test_top_k_is_exact_when_the_rules_exclude_most_of_a_mentees_best_mentors(rule):
    rng = np.random.default_rng(7)
    n, m, k = 300, 120, 5
    scores = rng.random((n, m)).astype(np.float32)
    order = np.argsort(-scores, axis=1)
    fields: dict = {}
    blocked: set[tuple[int, int]] = set()
    if rule == "language":
        fields["mentee_languages"] = rng.choice([1, 2, 4], n).astype(np.uint64)
        fields["mentor_languages"] = rng.choice([1, 1, 1, 3, 6], m).astype(np.uint64)
    elif rule == "team":
        fields["mentee_teams"] = rng.integers(-1, 3, n)
        fields["mentor_teams"] = rng.integers(-1, 3, m)
    elif rule == "manager":
        fields["mentee_manager"] = np.where(rng.random(n) < 0.5, order[:, 0], -1)
    elif rule == "department":
        fields["mentee_departments"] = rng.integers(-1, 6, n)
        fields["mentor_departments"] = rng.integers(-1, 6, m)
        fields["department_rule"] = "same"
    elif rule == "other_department":
        fields["mentee_departments"] = rng.integers(-1, 2, n)
        fields["mentor_departments"] = rng.integers(-1, 2, m)
        fields["department_rule"] = "different"
    # Some mentees lose every one of their WIDEN * k best mentors (the full-mask fallback),
    # a few keep fewer than k mentors in all.
    for i in range(0, n, 7):
        blocked.update((i, int(j)) for j in order[i, : arcs.WIDEN * k + 1])
    for i in range(3, n, 50):
        blocked.update((i, int(j)) for j in order[i, 2:])
    base = arcs.Cohort.open(n, np.full(m, 3))
    cohort = arcs.Cohort(**{**base.__dict__, **fields, "blocked": frozenset(blocked)})
    cands = arcs.candidates_from_scores(cohort, scores, k)
    allowed = arcs.allowed_mask(cohort)
    assert allowed[cands.mentee, cands.mentor].all()
    assert _selected(cands, scores) == _masked_top_k(cohort, scores, k)
    assert np.bincount(cands.mentee, minlength=n)[3] == min(2, allowed[3].sum())


def test_no_department_is_never_the_same_department():
    """-1 (no department) equals nothing: "same" never pairs it, "different" always may."""
    departments = {"mentee_departments": np.array([-1, 0]), "mentor_departments": np.array([-1, 0])}
    base = arcs.Cohort.open(2, np.full(2, 2))
    same = arcs.Cohort(**{**base.__dict__, **departments, "department_rule": "same"})
    other = arcs.Cohort(**{**base.__dict__, **departments, "department_rule": "different"})
    assert arcs.allowed_mask(same).tolist() == [[False, False], [False, True]]
    assert arcs.allowed_mask(other).tolist() == [[True, True], [True, False]]
    for cohort in (same, other):
        masks = arcs.constraint_masks(cohort, np.arange(2))
        assert (masks[arcs.DEPARTMENT_RULE] == arcs.allowed_mask(cohort)).all()
        pairs = arcs.allowed_pairs(cohort, np.array([[0], [1]]), np.array([[0, 1], [0, 1]]))
        assert (pairs == arcs.allowed_mask(cohort)).all()
