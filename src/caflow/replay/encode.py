"""Dictionary encoding of record columns with codes that stay the same across batches.

Every distinct value of a column gets one global integer code (``None`` included), so the
compiled evaluator's memo tables (keyed by codes) are reused by every later batch. Arrow's hash
kernels do the per-row work; Python touches only each batch's distinct values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ColumnCodes", "combine", "dense"]


def dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``keys`` (int64) -> (dense id per row, index of the first row holding each id)."""
    enc = pa.array(keys, type=pa.int64()).dictionary_encode()
    ids = np.asarray(enc.indices, dtype=np.int64)
    k = len(enc.dictionary)
    first = np.empty(k, dtype=np.int64)
    # Fancy assignment keeps the last write: reversed order leaves each id's first row.
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1, dtype=np.int64)
    return ids, first


def combine(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Several code columns -> (dense id per distinct tuple, first row of each id)."""
    if not columns:
        raise ValueError("nothing to combine")
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    key = columns[0].astype(np.int64, copy=False)
    for col in columns[1:]:
        radix = int(col.max()) + 1 if len(col) else 1
        if int(key.max()) >= (1 << 62) // max(radix, 1):
            key, _ = dense(key)  # keep the mixed-radix key inside int64
        key = key * radix + col
    return dense(key)


class ColumnCodes:
    """Global codes of one column's values (code 0 = null)."""

    def __init__(self) -> None:
        self.values: list[Any] = [None]
        self._ids: dict[Any, int] = {None: 0}

    def encode(self, arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if not pa.types.is_dictionary(arr.type):
            arr = pc.dictionary_encode(arr)
        dictionary = arr.dictionary.to_pylist()
        local = np.empty(len(dictionary) + 1, dtype=np.int64)
        ids, values = self._ids, self.values
        for i, v in enumerate(dictionary):
            code = ids.get(v)
            if code is None:
                code = ids[v] = len(values)
                values.append(v)
            local[i] = code
        local[len(dictionary)] = 0  # null
        idx = arr.indices.fill_null(len(dictionary))
        return local[np.asarray(idx, dtype=np.int64)]
