"""Recommendation quality on hand-labelled goals: nDCG@5 and recall@10 per method.

    .venv/bin/python -m benchmarks.matching_quality          # the table
    .venv/bin/python -m benchmarks.matching_quality --tune   # grid-search the blend weights

Mentors are the 61 hand-written demo mentors (src/mentorloom/demo/data.py), built straight
from the data (no database); labels are in benchmarks/data/matching_eval.json. Methods:
lexical only (TF-IDF cosine), semantic only (MiniLM cosine), and the full blend of
matching/ranking.py with each meaning signal. Without the `semantic` extra the semantic rows
are skipped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mentorloom.demo.data import MENTORS  # noqa: E402
from mentorloom.matching import embeddings, ranking  # noqa: E402
from mentorloom.matching.documents import mentee_document, mentor_document  # noqa: E402
from mentorloom.matching.lexical import LexicalIndex  # noqa: E402

EVAL_FILE = ROOT / "benchmarks" / "data" / "matching_eval.json"
ON = date(2025, 3, 3)


def _tags(names: list[str]) -> dict[str, str]:
    # Same identity as profiles.models.tag_key, without importing Django models.
    return {" ".join(n.split()).casefold(): n for n in names}


def load_eval() -> list[dict]:
    return json.loads(EVAL_FILE.read_text())["queries"]


def mentor_table() -> tuple[ranking.MentorTable, list[str], list[str]]:
    features, documents, names = [], [], []
    for i, m in enumerate(MENTORS):
        start, end = m.work_hours
        features.append(
            ranking.MentorFeatures(
                user_id=i + 1,
                skills=_tags(m.skills),
                industries=_tags(m.industries),
                languages=_tags(m.languages),
                topics=tuple(m.topics),
                capacity=m.capacity,
                zone=m.zone,
                work_start=time.fromisoformat(start),
                work_end=time.fromisoformat(end),
            )
        )
        expertise = ", ".join(m.skills[:3])  # as seed_demo stores it
        documents.append(
            mentor_document(m.headline, expertise, m.bio, m.skills, m.topics, m.industries)
        )
        names.append(m.name)
    return ranking.MentorTable(features, ON), documents, names


def mentee(item: dict) -> ranking.MenteeQuery:
    return ranking.MenteeQuery(
        user_id=None,
        goals=tuple(item["goals"]),
        interests=tuple(item["interests"]),
        skills=_tags(item["skills"]),
        industries=_tags(item["industries"]),
        languages=_tags(item["languages"]),
    )


def ndcg(ranked: list[str], grades: dict[str, int], k: int) -> float:
    dcg = sum((2 ** grades.get(n, 0) - 1) / math.log2(i + 2) for i, n in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int) -> float:
    relevant = {n for n, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


class Evaluation:
    def __init__(self, semantic: bool) -> None:
        self.queries = load_eval()
        self.table, documents, self.names = mentor_table()
        texts = [mentee_document(q["goals"], q["interests"]) for q in self.queries]
        lexical = LexicalIndex(documents)
        self.lexical = [lexical.scores(t) for t in texts]
        self.semantic: list[np.ndarray] | None = None
        if semantic:
            mentor_vectors = embeddings.encode(documents)
            query_vectors = embeddings.encode(texts)
            self.semantic = [mentor_vectors @ v for v in query_vectors]

    def _order(self, scores: np.ndarray) -> list[str]:
        return [self.names[i] for i in np.argsort(-scores, kind="stable")[:10]]

    def _blend(
        self,
        meaning: np.ndarray,
        item: dict,
        weights: ranking.Weights,
        lexical: np.ndarray | None = None,
    ) -> list[str]:
        recs = ranking.recommend(
            self.table, meaning, mentee(item), limit=10, weights=weights, lexical=lexical
        )
        return [self.names[r.index] for r in recs]

    def score(self, rankings: list[list[str]]) -> tuple[float, float]:
        grades = [q["relevant"] for q in self.queries]
        n5 = [ndcg(r, g, 5) for r, g in zip(rankings, grades, strict=True)]
        r10 = [recall(r, g, 10) for r, g in zip(rankings, grades, strict=True)]
        return float(np.mean(n5)), float(np.mean(r10))

    def method(self, name: str, weights: ranking.Weights) -> tuple[float, float]:
        qs = self.queries
        if name == "lexical only":
            return self.score([self._order(s) for s in self.lexical])
        if name == "semantic only":
            assert self.semantic is not None
            return self.score([self._order(s) for s in self.semantic])
        if name == "blend (lexical)":
            pairs = zip(self.lexical, qs, strict=True)
            return self.score([self._blend(s, q, weights) for s, q in pairs])
        assert self.semantic is not None
        rows = zip(self.semantic, self.lexical, qs, strict=True)
        return self.score([self._blend(s, q, weights, lexical=lx) for s, lx, q in rows])


def run(weights: ranking.Weights = ranking.DEFAULT_WEIGHTS) -> list[dict]:
    semantic = embeddings.semantic_enabled()
    evaluation = Evaluation(semantic)
    methods = ["lexical only", "blend (lexical)"]
    if semantic:
        methods[1:1] = ["semantic only"]
        methods.append("blend (semantic)")
    rows = []
    for name in methods:
        n5, r10 = evaluation.method(name, weights)
        rows.append({"method": name, "nDCG@5": f"{n5:.3f}", "recall@10": f"{r10:.3f}"})
    rows.append({"method": f"({len(evaluation.queries)} queries)", "nDCG@5": "", "recall@10": ""})
    return rows


def tune() -> None:
    """Grid search of the topical weights; time-zone/responsiveness/load stay as designed."""
    evaluation = Evaluation(embeddings.semantic_enabled())
    target = "blend (semantic)" if evaluation.semantic is not None else "blend (lexical)"
    results = []
    shares = [0.3, 0.4, 0.5, 0.6, 0.7, 1.0] if evaluation.semantic is not None else [1.0]
    for meaning, structured, language, share in itertools.product(
        [0.4, 0.5, 0.6, 0.7], [0.0, 0.1, 0.15, 0.2, 0.3], [0, 0.05, 0.1], shares
    ):
        w = replace(
            ranking.DEFAULT_WEIGHTS,
            meaning=meaning,
            structured=structured,
            language=language,
            semantic_share=share,
        )
        n5, r10 = evaluation.method(target, w)
        results.append((round(n5, 4), round(r10, 4), meaning, structured, language, share))
    results.sort(reverse=True)
    print(f"{target}: best weights by nDCG@5 (then recall@10)")
    for n5, r10, m, s, lang, share in results[:12]:
        print(
            f"  nDCG@5 {n5:.3f}  recall@10 {r10:.3f}  meaning={m} structured={s} "
            f"language={lang} semantic_share={share}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true")
    args = parser.parse_args()
    if args.tune:
        tune()
        return 0
    from benchmarks.__main__ import _table

    print(_table(run()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
