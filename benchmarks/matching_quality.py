"""Recommendation quality on a hard, held-apart labelled set: nDCG@5 and recall@10 per method.

    .venv/bin/python -m benchmarks.matching_quality             # the table (both halves + unseen)
    .venv/bin/python -m benchmarks.matching_quality --by-field  # + the unseen set per field
    .venv/bin/python -m benchmarks.matching_quality --tune      # grid search on the DEV half only
    .venv/bin/python -m benchmarks.matching_quality --tune-fusion   # fusion weight, DEV half only
    .venv/bin/python -m benchmarks.matching_quality --fusion 0.25   # + a fused row (experiment)

`benchmarks/data/matching_hard.json` (issue 28): 136 mentors in 17 fields and 166 mentee
requests written the way people write them ("My hands shake whenever I have to present"),
graded 2 (ideal) / 1 (acceptable), with keyword distractors ("offer" on a house vs a job
offer). Queries alternate dev / test in file order; weights are tuned on dev only and test is
only reported.

`benchmarks/data/matching_unseen.json` is a second held-out set, written independently (without
reading the ranker or matching_hard.json's texts): 96 mentors in 18 other fields, 129 requests.
It is reported whole, never split and never tuned on (`--tune` does not load it).

Two anchors run in the same process on the same text:

* BM25 (stdlib, k1 1.2, b 0.75) over plain profile text;
* plain all-MiniLM-L6-v2 cosine between the request and "headline. bio skills".

`--fusion W` adds an experiment that is not the default (docs/matching.md, "Fusing with plain
MiniLM"): our semantic score mixed with the anchor's plain-MiniLM cosine,
(1 - W) x ours + W x plain. The dev half chose W = 0, so the ranker does not use it.

Our rows go through the production code: matching.documents builds the texts,
matching.ranking.recommend ranks. Without the `semantic` extra the MiniLM rows are skipped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
from collections import Counter
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mentorloom.matching import embeddings, ranking  # noqa: E402
from mentorloom.matching.documents import (  # noqa: E402
    mentee_document,
    mentee_passages,
    mentor_document,
    mentor_passages,
)
from mentorloom.matching.lexical import LexicalIndex  # noqa: E402
from mentorloom.matching.reasons import Closest  # noqa: E402
from mentorloom.matching.vectors import PassageIndex  # noqa: E402

EVAL_FILE = ROOT / "benchmarks" / "data" / "matching_hard.json"
UNSEEN_FILE = ROOT / "benchmarks" / "data" / "matching_unseen.json"
ON = date(2025, 3, 3)
SPLITS = ("dev", "test")
FUSED = "ours fused with plain MiniLM"
FUSION_GRID = (0.0, 0.25, 0.5, 0.75)


def _tags(names: list[str]) -> dict[str, str]:
    # Same identity as profiles.models.tag_key, without importing Django models.
    return {" ".join(n.split()).casefold(): n for n in names}


def load_eval(path: Path = EVAL_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- Metrics -----------------------------------------------------------------------------------


def ndcg(ranked: list[str], grades: dict[str, int], k: int) -> float:
    dcg = sum((2 ** grades.get(n, 0) - 1) / math.log2(i + 2) for i, n in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int) -> float:
    relevant = {n for n, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


# --- Anchors -----------------------------------------------------------------------------------

_BM25_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_BM25_STOP_TEXT = """a an and are as at be but by for from has have i in is it my me of on or
    so that the to was we with you your they their this what how do don't can not"""
_BM25_STOP = frozenset(_BM25_STOP_TEXT.split())


def _bm25_tokens(text: str) -> list[str]:
    return [w for w in _BM25_WORD.findall(text.casefold()) if w not in _BM25_STOP]


class BM25:
    """Okapi BM25 with the usual k1 = 1.2, b = 0.75; plain words, no stemming (stdlib only)."""

    def __init__(self, documents: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(_bm25_tokens(d)) for d in documents]
        self.lengths = [sum(c.values()) for c in self.docs]
        self.avg = sum(self.lengths) / max(len(self.docs), 1)
        df: Counter[str] = Counter()
        for c in self.docs:
            df.update(c.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.docs))
        terms = [t for t in _bm25_tokens(query) if t in self.idf]
        for i, (doc, length) in enumerate(zip(self.docs, self.lengths, strict=True)):
            norm = self.k1 * (1 - self.b + self.b * length / self.avg)
            for t in terms:
                f = doc.get(t, 0)
                if f:
                    out[i] += self.idf[t] * f * (self.k1 + 1) / (f + norm)
        return out


def plain_text(m: dict) -> str:
    """What the anchor reads: the profile as a person wrote it, no labels."""
    return f"{m['headline']}. {m['bio']} {', '.join(m['skills'])}."


# --- The set, through the production code --------------------------------------------------


class Evaluation:
    def __init__(self, semantic: bool, path: Path = EVAL_FILE) -> None:
        data = load_eval(path)
        self.mentors, self.queries = data["mentors"], data["queries"]
        self.ids = [m["id"] for m in self.mentors]
        self.field_by_id = {m["id"]: m["field"] for m in self.mentors}
        features, documents = [], []
        for i, m in enumerate(self.mentors):
            features.append(
                ranking.MentorFeatures(
                    user_id=i + 1,
                    skills=_tags(m["skills"]),
                    industries=_tags(m["industries"]),
                    languages=_tags(m["languages"]),
                    topics=tuple(m["topics"]),
                    zone=m["zone"],
                    work_start=time(9),
                    work_end=time(17),
                )
            )
            documents.append(
                mentor_document(
                    m["headline"], "", m["bio"], m["skills"], m["topics"], m["industries"]
                )
            )
        self.table = ranking.MentorTable(features, ON)
        self.texts = [mentee_document([], [], q["help_with"]) for q in self.queries]
        self.lexical = LexicalIndex(documents)
        bm25 = BM25([plain_text(m) + " " + ", ".join(m["topics"]) for m in self.mentors])
        self.bm25 = [bm25.scores(q["help_with"]) for q in self.queries]
        self.semantic = self.plain_minilm = None
        self.passages: PassageIndex | None = None
        if semantic:
            # Exactly the rows the worker stores: document first, then passages.
            passages = [mentor_passages(m["headline"], m["bio"], m["topics"]) for m in self.mentors]
            flat = embeddings.encode(documents + [p for ps in passages for p in ps])
            mentor_vectors, rest = flat[: len(documents)], flat[len(documents) :]
            per_mentor, at = [], 0
            for ps in passages:
                per_mentor.append(rest[at : at + len(ps)])
                at += len(ps)
            self.passage_texts = passages
            self.passages = PassageIndex(per_mentor, embeddings.DIMENSIONS)
            self.query_vectors = embeddings.encode(self.texts)
            self.semantic = [mentor_vectors @ v for v in self.query_vectors]
            asked_passages = [mentee_passages([], [], q["help_with"]) for q in self.queries]
            flat = embeddings.encode([p for ps in asked_passages for p in ps])
            self.query_passages, at = [], 0
            for ps in asked_passages:
                self.query_passages.append((ps, flat[at : at + len(ps)]))
                at += len(ps)
            plain = embeddings.encode([plain_text(m) for m in self.mentors])
            asked = embeddings.encode([q["help_with"] for q in self.queries])
            self.plain_minilm = [plain @ v for v in asked]
            # For fusion: the anchor's mentor vectors against the request vector the worker
            # stores (the mentee document), as production would see them.
            self.plain_for_fusion = [plain @ v for v in self.query_vectors]

    def query(self, item: dict) -> ranking.MenteeQuery:
        return ranking.MenteeQuery(user_id=None, help_with=item["help_with"])

    def closest(self, i: int, row: int) -> Closest | None:
        assert self.passages is not None
        texts, vectors = self.query_passages[i]
        mine = self.passages.rows(row)
        if not len(texts) or not len(mine):
            return None
        sims = vectors @ mine.T
        a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
        return Closest(texts[a], self.passage_texts[row][b], float(sims[a, b]))

    def field_of(self, query: dict) -> str:
        """A request's field: that of its first ideal (grade 2) mentor."""
        ideal = next(m for m, g in query["relevant"].items() if g == 2)
        return self.field_by_id[ideal]

    def _order(self, scores: np.ndarray) -> list[str]:
        return [self.ids[i] for i in np.argsort(-scores, kind="stable")[:10]]

    def ours(
        self, i: int, semantic: bool, weights: ranking.Weights, fusion: float = 0.0
    ) -> list[str]:
        """Our ranking of request `i`. `fusion` (issue 28 experiment, not the default) mixes
        the plain whole-document MiniLM cosine into the semantic score:
        (1 - fusion) x ours + fusion x plain. Passing the mix into both the document cosine
        and the passage max-sim makes `recommend`'s semantic term exactly that convex
        combination, so lexical, overlap and tie-break act on it unchanged."""
        item = self.queries[i]
        lexical = self.lexical.scores(self.texts[i])
        passages = closest = None
        if semantic:
            assert self.semantic is not None and self.passages is not None
            whole, mix = self.semantic[i], lexical
            q, index = self.query_vectors[i], self.passages
            plain = self.plain_for_fusion[i] if fusion else np.zeros_like(whole)
            a = np.float32(fusion)
            meaning = (1 - a) * whole + a * plain

            def passages(rows: np.ndarray) -> np.ndarray:
                return (1 - a) * index.best(q, rows, whole[rows]) + a * plain[rows]

            def closest(rows: list[int]) -> dict[int, Closest]:
                found = {row: self.closest(i, row) for row in rows}
                return {row: pair for row, pair in found.items() if pair is not None}

        else:
            meaning, mix = lexical, None
        recs = ranking.recommend(
            self.table,
            meaning,
            self.query(item),
            limit=10,
            weights=weights,
            lexical=mix,
            passages=passages,
            closest=closest,
        )
        self.last_reasons = [r.reasons for r in recs]
        return [self.ids[r.index] for r in recs]

    def rankings(
        self, method: str, weights: ranking.Weights, fusion: float = 0.0
    ) -> list[list[str]]:
        n = len(self.queries)
        if method == "BM25 (stdlib)":
            return [self._order(s) for s in self.bm25]
        if method == "MiniLM cosine, plain text":
            assert self.plain_minilm is not None
            return [self._order(s) for s in self.plain_minilm]
        if method.startswith(FUSED):
            return [self.ours(i, True, weights, fusion) for i in range(n)]
        semantic = method == "ours, semantic"
        return [self.ours(i, semantic, weights) for i in range(n)]

    def score(
        self, rankings: list[list[str]], split: str | None = None, field: str | None = None
    ) -> tuple[float, float]:
        """Mean nDCG@5 and recall@10 over one split (None: every query), optionally one field."""
        pairs = [
            (r, q["relevant"])
            for r, q in zip(rankings, self.queries, strict=True)
            if split is None or q["split"] == split
            if field is None or self.field_of(q) == field
        ]
        n5 = [ndcg(r, g, 5) for r, g in pairs]
        r10 = [recall(r, g, 10) for r, g in pairs]
        return float(np.mean(n5)), float(np.mean(r10))


def methods(semantic: bool, fusion: float | None = None) -> list[str]:
    names = ["BM25 (stdlib)", "ours, lexical only"]
    if semantic:
        names[1:1] = ["MiniLM cosine, plain text"]
        names.append("ours, semantic")
        if fusion is not None:
            names.append(f"{FUSED} ({fusion:g})")
    return names


def run(
    weights: ranking.Weights = ranking.DEFAULT_WEIGHTS, fusion: float | None = None
) -> list[dict]:
    semantic = embeddings.semantic_enabled()
    evaluation = Evaluation(semantic)
    unseen = Evaluation(semantic, UNSEEN_FILE)
    rows = []
    for name in methods(semantic, fusion):
        ranked = evaluation.rankings(name, weights, fusion or 0.0)
        row: dict[str, str] = {"method": name}
        for split in SPLITS:
            n5, r10 = evaluation.score(ranked, split)
            row[f"{split} nDCG@5"] = f"{n5:.3f}"
            row[f"{split} recall@10"] = f"{r10:.3f}"
        n5, r10 = unseen.score(unseen.rankings(name, weights, fusion or 0.0))
        row["unseen nDCG@5"] = f"{n5:.3f}"
        row["unseen recall@10"] = f"{r10:.3f}"
        rows.append(row)
    counts = Counter(q["split"] for q in evaluation.queries)
    rows.append(
        {
            "method": f"({counts['dev']} dev / {counts['test']} test queries, "
            f"{len(evaluation.mentors)} mentors)"
        }
    )
    rows.append(
        {
            "method": f"(unseen: {len(unseen.queries)} queries, {len(unseen.mentors)} mentors, "
            "never split or tuned on)"
        }
    )
    return rows


def by_field(weights: ranking.Weights = ranking.DEFAULT_WEIGHTS) -> list[dict]:
    """The unseen set per field: nDCG@5 / recall@10 of every method, then ours against plain
    MiniLM per query (nDCG@5 difference, queries won / lost) and, on the last row, the whole
    set with a paired bootstrap 95 % interval of the difference (10,000 resamples, fixed seed).
    """
    semantic = embeddings.semantic_enabled()
    unseen = Evaluation(semantic, UNSEEN_FILE)
    names = methods(semantic)
    ranked = {name: unseen.rankings(name, weights) for name in names}
    per_query = {
        name: np.array(
            [
                (ndcg(r, q["relevant"], 5), recall(r, q["relevant"], 10))
                for r, q in zip(ranked[name], unseen.queries, strict=True)
            ]
        )
        for name in names
    }
    fields = np.array([unseen.field_of(q) for q in unseen.queries])
    rows = []
    for field in [*sorted(set(fields)), None]:
        chosen = fields == field if field else np.ones(len(fields), dtype=bool)
        row: dict[str, str] = {"field": field or "all", "queries": str(int(chosen.sum()))}
        for name in names:
            n5, r10 = per_query[name][chosen].mean(axis=0)
            row[name] = f"{n5:.3f} / {r10:.3f}"
        if semantic:
            diff = (per_query["ours, semantic"] - per_query["MiniLM cosine, plain text"])[chosen, 0]
            shown = f"{diff.mean():+.3f}"
            if field is None:
                draws = np.random.default_rng(28).integers(0, len(diff), (10_000, len(diff)))
                low, high = np.percentile(diff[draws].mean(axis=1), [2.5, 97.5])
                shown += f" [{low:+.3f}, {high:+.3f}]"
            row["ours - MiniLM nDCG@5"] = shown
            row["won / lost"] = f"{(diff > 1e-9).sum()} / {(diff < -1e-9).sum()}"
        rows.append(row)
    return rows


def tune() -> None:
    """Grid search on the dev half; the test half is never looked at here."""
    evaluation = Evaluation(embeddings.semantic_enabled())
    semantic = evaluation.semantic is not None
    target = "ours, semantic" if semantic else "ours, lexical only"
    grid = {
        "passage_share": [0.3, 0.5, 0.7] if semantic else [0.5],
        "lexical": [0.0, 0.05, 0.1, 0.2] if semantic else [0.1],
        "lexical_floor": [0.1, 0.15, 0.2] if semantic else [0.15],
        "overlap": [0.0, 0.05, 0.1, 0.2],
    }
    results = []
    for values in itertools.product(*grid.values()):
        w = replace(ranking.DEFAULT_WEIGHTS, **dict(zip(grid, values, strict=True)))
        n5, r10 = evaluation.score(evaluation.rankings(target, w), "dev")
        results.append((round(n5, 4), round(r10, 4), values))
    results.sort(reverse=True)
    print(f"{target}: best weights on the dev half by nDCG@5 (then recall@10)")
    for n5, r10, values in results[:12]:
        named = " ".join(f"{k}={v}" for k, v in zip(grid, values, strict=True))
        print(f"  nDCG@5 {n5:.3f}  recall@10 {r10:.3f}  {named}")


def tune_fusion() -> float:
    """The fusion weight on the DEV half only (coarse grid FUSION_GRID, by nDCG@5 then
    recall@10; a tie keeps the smaller weight). Neither the test half nor the unseen set is
    scored here."""
    evaluation = Evaluation(True)
    results = []
    for fusion in FUSION_GRID:
        ranked = evaluation.rankings(FUSED, ranking.DEFAULT_WEIGHTS, fusion)
        n5, r10 = evaluation.score(ranked, "dev")
        results.append((round(n5, 4), round(r10, 4), -fusion))
        print(f"  fusion {fusion:<4}  dev nDCG@5 {n5:.3f}  dev recall@10 {r10:.3f}")
    best = -max(results)[2]
    print(f"chosen on dev: fusion {best:g}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true")
    parser.add_argument(
        "--by-field", action="store_true", help="also print the unseen set per field"
    )
    parser.add_argument(
        "--tune-fusion",
        action="store_true",
        help="choose the plain-MiniLM fusion weight on the dev half only",
    )
    parser.add_argument(
        "--fusion",
        type=float,
        default=None,
        help="also report ours fused with plain MiniLM at this weight (0..1)",
    )
    args = parser.parse_args()
    if args.tune:
        tune()
        return 0
    if args.tune_fusion:
        tune_fusion()
        return 0
    if args.fusion is not None and not 0.0 <= args.fusion <= 1.0:
        parser.error("--fusion must be between 0 and 1")
    from benchmarks.__main__ import _table

    print(_table(run(fusion=args.fusion)))
    if args.by_field:
        print("\nunseen set per field (nDCG@5 / recall@10)")
        print(_table(by_field()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
