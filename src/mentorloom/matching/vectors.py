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
