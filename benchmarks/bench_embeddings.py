"""Embedding throughput of the packaged MiniLM model (profiles per second by batch size).

Baseline: the same texts through the model one at a time, in the same run. Skipped (one row
saying so) when the `semantic` extra is not installed or MENTORLOOM_SEMANTIC=0.
"""

from __future__ import annotations

import time

from mentorloom.demo.data import MENTORS
from mentorloom.matching import embeddings
from mentorloom.matching.documents import mentor_document

PROFILES = 256


def _texts() -> list[str]:
    docs = [
        mentor_document(m.headline, "", m.bio, m.skills, m.topics, m.industries) for m in MENTORS
    ]
    return [docs[i % len(docs)] + f" ({i})" for i in range(PROFILES)]


def _rate(texts: list[str], batch_size: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        embeddings.encode(texts[i : i + batch_size], batch_size=batch_size)
    return len(texts) / (time.perf_counter() - start)


def run() -> list[dict]:
    if not embeddings.semantic_enabled():
        return [{"case": "embedding throughput", "result": "skipped: semantic extra not installed"}]
    started = time.perf_counter()
    embeddings.load_model()
    load_s = time.perf_counter() - started
    texts = _texts()
    embeddings.encode(texts[:8])  # warm up
    single = _rate(texts[:32], 1)
    rows = []
    for batch in (8, 32, 64, 128):
        rate = _rate(texts, batch)
        rows.append(
            {
                "case": f"{PROFILES} mentor profiles, CPU",
                "batch size": batch,
                "profiles/s": f"{rate:.0f}",
                "baseline (batch 1) profiles/s": f"{single:.0f}",
                "ratio": f"{rate / single:.1f}x",
                "model load s": f"{load_s:.1f}",
            }
        )
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import _table

    print(_table(run()))
