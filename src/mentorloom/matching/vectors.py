"""Vector search over a normalised float32 matrix held in memory. Pure numpy, no Django.

At 100k mentors x 384 dimensions the matrix is 150 MB and one matrix-vector product plus an
`argpartition` answers in a few milliseconds, so an approximate index (or pgvector) would buy
little; see docs/matching.md for the measurements.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32; all-zero rows stay zero (cosine 0 with anything)."""
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    return np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)


def to_bytes(vector: np.ndarray) -> bytes:
    return normalise(vector).astype("<f4", copy=False).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)


class VectorIndex:
    """Rows of a unit-norm matrix; `scores(q)` is the cosine of every row with `q`."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = np.ascontiguousarray(normalise(matrix))
        self.dim = self.matrix.shape[1] if self.matrix.ndim == 2 else 0

    @classmethod
    def from_rows(cls, rows: Sequence[bytes | memoryview | None], dim: int) -> VectorIndex:
        """Stored vectors in row order; a missing row (None or wrong size) becomes zeros."""
        matrix = np.zeros((len(rows), dim), dtype=np.float32)
        for i, row in enumerate(rows):
            if row is not None and len(row) == 4 * dim:
                matrix[i] = from_bytes(row)
        return cls(matrix)

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def scores(self, query: np.ndarray) -> np.ndarray:
        if len(self) == 0:
            return np.zeros(0, dtype=np.float32)
        return self.matrix @ normalise(query).astype(np.float32)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (argpartition, then sort only those k)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def from_bytes_rows(data: bytes | memoryview | None, dim: int) -> np.ndarray:
    """Stored rows (document first, then passages) as a (rows, dim) float32 matrix; a missing
    or malformed value gives zero rows."""
    if data is None or len(data) == 0 or len(data) % (4 * dim):
        return np.zeros((0, dim), dtype=np.float32)
    return from_bytes(data).reshape(-1, dim)


class PassageIndex:
    """Passage vectors of every mentor in one float16 matrix, mentor i owning rows
    offsets[i]:offsets[i + 1]. float16 halves the memory (a cosine moves by < 1e-3)."""

    def __init__(self, per_mentor: Sequence[np.ndarray], dim: int) -> None:
        counts = np.fromiter((len(p) for p in per_mentor), dtype=np.int64, count=len(per_mentor))
        self.offsets = np.zeros(len(per_mentor) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.offsets[1:])
        self.dim = dim
        self.matrix = (
            np.concatenate([normalise(p) for p in per_mentor if len(p)]).astype(np.float16)
            if counts.sum()
            else np.zeros((0, dim), dtype=np.float16)
        )

    def rows(self, i: int) -> np.ndarray:
        return self.matrix[self.offsets[i] : self.offsets[i + 1]].astype(np.float32)

    def best(self, query: np.ndarray, mentors: np.ndarray, default: np.ndarray) -> np.ndarray:
        """Highest passage cosine with `query` for each of `mentors`; `default` where a mentor
        has no passages."""
        mentors = np.asarray(mentors, dtype=np.int64)
        starts, ends = self.offsets[mentors], self.offsets[mentors + 1]
        counts = ends - starts
        out = np.asarray(default, dtype=np.float32).copy()
        has = counts > 0
        if not has.any():
            return out
        # Gather every passage row of these mentors, one product, then a max per segment.
        lengths = counts[has]
        index = np.repeat(starts[has] - np.cumsum(lengths) + lengths, lengths) + np.arange(
            lengths.sum()
        )
        sims = self.matrix[index].astype(np.float32) @ normalise(query).astype(np.float32)
        seg = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=seg[1:])
        out[has] = np.maximum.reduceat(sims, seg)
        return out
