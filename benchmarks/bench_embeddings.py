"""Embedding throughput: the worker path against the bare model, on the same texts, same run.

Texts are plain ~250-character profiles (headline, bio, skills, topics of the hard evaluation
set's mentors). Baseline: `SentenceTransformer.encode(texts, batch_size=32)` over all of them
at once (its defaults). Ours: `matching.embeddings.encode` handed batches of 8 / 32 / 64 / 128
profiles, as `reindex_embeddings --batch-size` and the task do; each round alternates baseline
and ours and the best of ROUNDS counts, because the machine is shared. The last row embeds what
the worker really stores per mentor: the document plus its passages (headline, bio sentences,
topics), and extrapolates a 10,000-mentor import. Skipped without the `semantic` extra.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from mentorloom.matching import embeddings
from mentorloom.matching.documents import embedding_texts, mentor_document, mentor_passages

PROFILES = 256
ROUNDS = 2
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

    def bare() -> None:
        model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)

    def ours(batch: int):  # type: ignore[no-untyped-def]
        def go() -> None:
            for i in range(0, len(texts), batch):
                embeddings.encode(texts[i : i + batch], batch_size=batch)

        return go

    rows = []
    for batch in (8, 32, 64, 128):
        base = mine = 0.0
        for _ in range(ROUNDS):
            base = max(base, _rate(bare, len(texts)))
            mine = max(mine, _rate(ours(batch), len(texts)))
        rows.append(
            {
                "case": f"{PROFILES} plain profiles (~{avg:.0f} chars), CPU",
                "batch size": batch,
                "ours profiles/s": f"{mine:.0f}",
                "bare model profiles/s": f"{base:.0f}",
                "ratio": f"{mine / base:.2f}x",
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
    flat = [t for rows_ in stored for t in rows_]
    rate = max(_rate(lambda: embeddings.encode(flat, batch_size=64), len(stored)) for _ in "ab")
    rows.append(
        {
            "case": f"worker rows: document + passages ({len(flat) / len(stored):.1f} a mentor)",
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
