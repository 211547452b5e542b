"""Embedding throughput: the worker path against the bare model, on the same texts, same run.

Texts are plain ~250-character profiles (headline, bio, skills, topics of the hard evaluation
set's mentors). Baseline: `SentenceTransformer.encode(slice, batch_size=32)` (its default).
Ours: `matching.embeddings.encode` handed the same slice in batches of 8 / 32 / 64 / 128
profiles, as `reindex_embeddings --batch-size` and the task do. The machine is shared, so
baseline and ours alternate slice by slice (PAIRS pairs of SLICE profiles) and the ratio is the
median of the per-pair ratios: both sides of a pair see the same load. The last row embeds what
the worker really stores per mentor: the document plus its passages (headline, bio sentences,
topics), and extrapolates a 10,000-mentor import. Skipped without the `semantic` extra.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from mentorloom.matching import embeddings
from mentorloom.matching.documents import embedding_texts, mentor_document, mentor_passages

PROFILES = 256
SLICE = 128
PAIRS = 3
DATA = Path(__file__).resolve().parent / "data" / "matching_hard.json"


def _mentors() -> list[dict]:
    mentors = json.loads(DATA.read_text(encoding="utf-8"))["mentors"]
    return [mentors[i % len(mentors)] for i in range(PROFILES)]


def _plain(m: dict, i: int) -> str:
    text = f"{m['headline']}. {m['bio']} {', '.join(m['skills'])}. {', '.join(m['topics'])}."
    return f"{text} ({i})"


def _rate(run, count: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def run() -> list[dict]:
    if not embeddings.semantic_enabled():
        return [{"case": "embedding throughput", "result": "skipped: semantic extra not installed"}]
    started = time.perf_counter()
    model = embeddings.load_model()
    load_s = time.perf_counter() - started
    mentors = _mentors()
    texts = [_plain(m, i) for i, m in enumerate(mentors)]
    avg = sum(map(len, texts)) / len(texts)
    embeddings.encode(texts[:16])  # warm up

    def bare(part: list[str]):  # type: ignore[no-untyped-def]
        def go() -> None:
            model.encode(part, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)

        return go

    def ours(part: list[str], batch: int):  # type: ignore[no-untyped-def]
        def go() -> None:
            for i in range(0, len(part), batch):
                embeddings.encode(part[i : i + batch], batch_size=batch)

        return go

    rows = []
    for batch in (8, 32, 64, 128):
        base, mine, ratios = [], [], []
        for p in range(PAIRS):
            part = texts[(p * SLICE) % PROFILES :][:SLICE]
            b = _rate(bare(part), len(part))
            m = _rate(ours(part, batch), len(part))
            base.append(b)
            mine.append(m)
            ratios.append(m / b)
        rows.append(
            {
                "case": f"{PROFILES} plain profiles (~{avg:.0f} chars), CPU",
                "batch size": batch,
                "ours profiles/s": f"{statistics.median(mine):.0f}",
                "bare model profiles/s": f"{statistics.median(base):.0f}",
                "ratio": f"{statistics.median(ratios):.2f}x",
                "model load s": f"{load_s:.1f}",
            }
        )
    stored = [
        embedding_texts(
            mentor_document(m["headline"], "", m["bio"], m["skills"], m["topics"], m["industries"]),
            mentor_passages(m["headline"], m["bio"], m["topics"]),
        )
        for m in mentors
    ]
    sample = stored[:64]
    flat = [t for rows_ in sample for t in rows_]
    rate = _rate(lambda: embeddings.encode(flat, batch_size=64), len(sample))
    rows.append(
        {
            "case": f"worker rows: document + passages ({len(flat) / len(sample):.1f} a mentor)",
            "batch size": 64,
            "ours profiles/s": f"{rate:.0f}",
            "bare model profiles/s": "",
            "ratio": f"10,000 mentors in {10_000 / rate:.0f} s",
            "model load s": "",
        }
    )
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import _table

    print(_table(run()))
