"""Sparse rows compared exactly: the same structure and the same float bytes."""

from __future__ import annotations

import numpy as np
from scipy import sparse


def same_rows(
    found: sparse.csr_matrix, expected: sparse.csr_matrix, same_type: bool = False
) -> bool:
    return (
        (not same_type or type(found) is type(expected))
        and found.dtype == expected.dtype
        and found.shape == expected.shape
        and np.array_equal(found.indptr, expected.indptr)
        and np.array_equal(found.indices, expected.indices)
        and found.data.tobytes() == expected.data.tobytes()
    )
