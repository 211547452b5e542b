"""Bulk matching (programs.assignment): our top-k min-cost flow against scipy's Hungarian
method on the dense capacity-replicated problem, 8,000 mentees x 2,000 mentors, capacity 4,
same run; then 50,000 x 10,000 alone (time and peak memory, scoring from precomputed
384-dimensional embeddings included), in a fresh process so its peak RSS is its own.

Latest figures and what was tried: docs/programs.md, "Bulk matching benchmark"."""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import time

import numpy as np

from mentorloom.programs import arcs
from mentorloom.programs import assignment as a

DIM = 384
# Ours is timed as the median of a few runs (stage by stage), scipy once: on a shared machine a
# single 0.1 s run moves by 20-30 %, a 9 s one by far less in relative terms.
REPEATS = 5


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _cohort(rng: np.random.Generator, n: int, m: int, capacity: int) -> arcs.Cohort:
    # Three languages; everyone speaks 1-3 of them; teams of ~20 people are excluded.
    return arcs.Cohort(
        capacities=np.full(m, capacity),
        mentee_languages=rng.integers(1, 8, n).astype(np.uint64),
        mentor_languages=rng.integers(1, 8, m).astype(np.uint64),
        mentee_teams=rng.integers(0, n // 20 + 1, n),
        mentor_teams=rng.integers(0, n // 20 + 1, m),
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    # ru_maxrss survives exec, so the child would inherit the parent's scipy peak: reset it.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _hwm_mb() -> float:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _warm_imports() -> None:
    # Both solvers import lazily; load them before any clock starts so neither pays for it.
    import scipy.optimize  # noqa: F401
    from ortools.graph.python import min_cost_flow  # noqa: F401


def compare(
    n: int = 8_000,
    m: int = 2_000,
    capacity: int = 4,
    ks: tuple[int, ...] = (16, 32),
    scoring_k: int = 32,
) -> list[dict]:
    """Both solvers start from the same precomputed dense score matrix (scoring is common
    work): scipy on the capacity-replicated problem, ours picking the top-k arcs per mentee
    (select) and running the flow (flow), median of `REPEATS` runs (k 32 is what a program's
    "Run matching" uses: `services.run_matching`, k = min(mentors, arcs.DEFAULT_K)). A last row
    times ours from the embeddings, scoring included, once, at `scoring_k`."""
    _warm_imports()
    rng = np.random.default_rng(29)
    cohort = _cohort(rng, n, m, capacity)
    mentees, mentors = _unit(rng, n), _unit(rng, m)
    dense = (mentees @ mentors.T + 1.0) / 2.0  # float32 scores in [0, 1]
    t0 = time.perf_counter()
    best = a.reference_optimum(cohort, dense)
    t_scipy = time.perf_counter() - t0
    best_matched, best_score = divmod(best, a.bonus_for(n))
    rows = []

    def row(label: str, seconds: float, ours: a.Assignment) -> dict:
        gap = (best_score - ours.total_score) / best_score
        return {
            "case": f"{n}x{m} cap {capacity} {label}",
            "scipy_s": f"{t_scipy:.2f}",
            "ours_s": f"{seconds:.3f}",
            "speedup": f"{t_scipy / seconds:.0f}x",
            "matched": f"{ours.matched}/{n} (optimum {best_matched})",
            "score_gap": f"{gap:.5%}",
            "peak_mb": "",
            "stages_ms": "",
        }

    for k in ks:
        select, flow = [], []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            cands = arcs.candidates_from_scores(cohort, dense, k=k)
            t1 = time.perf_counter()
            ours = a.solve_optimal(cohort, cands)
            select.append(t1 - t0)
            flow.append(time.perf_counter() - t1)
        totals = [x + y for x, y in zip(select, flow, strict=True)]
        rows.append(row(f"k {k}", statistics.median(totals), ours))
        ms = [statistics.median(stage) * 1000 for stage in (select, flow)]
        rows[-1]["stages_ms"] = f"select {ms[0]:.0f}, flow {ms[1]:.0f}"
    t0 = time.perf_counter()
    ours = a.solve_optimal(
        cohort, arcs.candidates_from_embeddings(cohort, mentees, mentors, k=scoring_k)
    )
    rows.append(row(f"k {scoring_k} + scoring", time.perf_counter() - t0, ours))
    return rows


def _large(queue: multiprocessing.Queue, n: int, m: int, capacity: int, k: int) -> None:
    rng = np.random.default_rng(50)
    cohort = _cohort(rng, n, m, capacity)
    mentees, mentors = _unit(rng, n), _unit(rng, m)
    _reset_peak()
    before = _hwm_mb()
    t0 = time.perf_counter()
    cands = arcs.candidates_from_embeddings(cohort, mentees, mentors, k=k)
    t_score = time.perf_counter() - t0
    result = a.solve_optimal(cohort, cands)
    total = time.perf_counter() - t0
    queue.put(
        {
            "case": f"{n}x{m} cap {capacity} k {k}",
            "scipy_s": "n/a (dense 50000x50000 does not fit)",
            "ours_s": f"{total:.2f} (scoring {t_score:.2f})",
            "speedup": "",
            "matched": f"{result.matched}/{n}",
            "score_gap": "",
            "peak_mb": f"{_hwm_mb():.0f} (inputs {before:.0f})",
            "stages_ms": "",
        }
    )


def large(n: int = 50_000, m: int = 10_000, capacity: int = 5, k: int = 16) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_large, args=(queue, n, m, capacity, k))
    process.start()
    row = queue.get()
    process.join()
    return row


def run() -> list[dict]:
    return [*compare(), large()]


if __name__ == "__main__":
    for row in run():
        print(row)
