"""Dictionary encoding of record columns, and global ids of distinct tuples of codes, both stable
across batches.

Every distinct value of a column gets one global integer code (``None`` included), so the
compiled evaluator's memo tables are reused by every later batch. Arrow's hash kernels do the
per-row work of encoding; Python touches only each batch's *new* distinct values.

:class:`Interner` gives every distinct tuple of several code columns a global id with numpy
gathers only (no Python per row, and none per already-known tuple): a direct-address table when
the product of the columns' capacities is small, else a packed int64 key hashed by Arrow and
looked up by binary search, else (keys wider than 63 bits) per-batch distinct tuples looked up as
bytes. Which of the three is used is an implementation detail: ids are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ColumnCodes", "Interner", "combine", "dense"]

#: Largest direct-address table (entries, int32): 16 MiB.
_DIRECT_LIMIT = 1 << 22
#: Widest packed key that still fits a signed int64.
_PACKED_BITS = 62


def dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``keys`` (int64) -> (dense id per row in order of first appearance, first row of each)."""
    enc = pa.array(keys, type=pa.int64()).dictionary_encode()
    ids = np.asarray(enc.indices, dtype=np.int64)
    return ids, _first_rows(ids, len(enc.dictionary))


def _first_rows(ids: np.ndarray, k: int) -> np.ndarray:
    first = np.empty(k, dtype=np.int64)
    # Fancy assignment keeps the last write: reversed order leaves each id's first row.
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1, dtype=np.int64)
    return first


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


def _capacity(n: int) -> int:
    """Power of two > n (room for growth so tables are rarely rebuilt)."""
    return 1 << max(int(n).bit_length(), 0)


class Interner:
    """Global ids (0, 1, ... in order of first appearance) of distinct tuples of non-negative
    int columns, persistent across calls."""

    def __init__(self, arity: int) -> None:
        self.arity = arity
        self.count = 0
        self._tuples = np.zeros((0, arity), dtype=np.int64)
        self._caps = [1] * arity
        self._mode = "direct"
        self._table = np.full(1, -1, dtype=np.int32)
        self._sorted_keys = np.zeros(0, dtype=np.int64)
        self._sorted_ids = np.zeros(0, dtype=np.int64)
        self._dict: dict[bytes, int] = {}

    @property
    def tuples(self) -> np.ndarray:
        """(count, arity): the column values of each id."""
        return self._tuples[: self.count]

    def intern(
        self, cols: list[np.ndarray], bounds: list[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """-> (id per row, first row of each id that is new in this call, in id order).
        ``bounds``: exclusive upper bounds of the columns' values when the caller knows them
        (saves a pass over each column)."""
        n = len(cols[0])
        if n == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        maxes = [int(c.max()) for c in cols] if bounds is None else [b - 1 for b in bounds]
        if any(m >= cap for m, cap in zip(maxes, self._caps, strict=True)):
            self._grow(maxes)
        if self._mode == "direct":
            return self._direct(cols)
        if self._mode == "packed":
            return self._packed(cols)
        return self._bytes(cols)

    # -- layout ------------------------------------------------------------------------------

    def _grow(self, maxes: list[int]) -> None:
        self._caps = [max(cap, _capacity(m)) for cap, m in zip(self._caps, maxes, strict=True)]
        size = 1
        for cap in self._caps:
            size *= cap
        bits = sum(cap.bit_length() - 1 for cap in self._caps)
        known = self.tuples
        if size <= _DIRECT_LIMIT:
            self._mode = "direct"
            self._table = np.full(size, -1, dtype=np.int32)
            self._table[self._key(list(known.T))] = np.arange(self.count, dtype=np.int32)
        elif bits <= _PACKED_BITS:
            self._mode = "packed"
            keys = self._key(list(known.T))
            order = np.argsort(keys)
            self._sorted_keys, self._sorted_ids = keys[order], order.astype(np.int64)
        else:
            self._mode = "bytes"
            self._dict = {row.tobytes(): i for i, row in enumerate(known)}

    def _key(self, cols: list[np.ndarray]) -> np.ndarray:
        """Mixed-radix key (capacities are powers of two: shifts and ors)."""
        key: np.ndarray | None = None
        for col, cap in zip(cols, self._caps, strict=True):
            if cap == 1:
                continue  # always 0
            part = col.astype(np.int64, copy=False)
            key = part.copy() if key is None else (key << (cap.bit_length() - 1)) | part
        if key is None:
            return np.zeros(len(cols[0]) if cols else 0, dtype=np.int64)
        return key

    def _append(self, cols: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
        """Register the tuples at ``rows`` as new ids; return the ids."""
        new = np.stack([c[rows] for c in cols], axis=1).astype(np.int64, copy=False)
        ids = np.arange(self.count, self.count + len(rows), dtype=np.int64)
        if self.count + len(rows) > len(self._tuples):
            size = max(2 * len(self._tuples), self.count + len(rows))
            grown = np.zeros((size, self.arity), dtype=np.int64)
            grown[: self.count] = self.tuples
            self._tuples = grown
        self._tuples[self.count : self.count + len(rows)] = new
        self.count += len(rows)
        return ids

    # -- the three lookups ---------------------------------------------------------------------

    def _direct(self, cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        key = self._key(cols)
        ids = self._table[key]
        missing = ids < 0
        if not missing.any():
            return ids.astype(np.int64), np.zeros(0, np.int64)
        pos = np.flatnonzero(missing)
        _local, first = dense(key[pos])
        rows = pos[first]
        self._table[key[rows]] = self._append(cols, rows)
        ids[pos] = self._table[key[pos]]
        return ids.astype(np.int64), rows

    def _packed(self, cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        key = self._key(cols)
        enc = pa.array(key, type=pa.int64()).dictionary_encode()
        local = np.asarray(enc.indices, dtype=np.int64)
        uniq = np.asarray(enc.dictionary, dtype=np.int64)
        pos = np.searchsorted(self._sorted_keys, uniq)
        found = pos < len(self._sorted_keys)
        found[found] = self._sorted_keys[pos[found]] == uniq[found]
        mapping = np.full(len(uniq), -1, dtype=np.int64)
        mapping[found] = self._sorted_ids[pos[found]]
        rows = np.zeros(0, np.int64)
        if not found.all():
            unseen = np.flatnonzero(~found)  # local ids in order of first appearance
            rows = _first_rows(local, len(uniq))[unseen]
            mapping[unseen] = self._append(cols, rows)
            keys = np.concatenate([self._sorted_keys, uniq[unseen]])
            ids = np.concatenate([self._sorted_ids, mapping[unseen]])
            order = np.argsort(keys, kind="stable")
            self._sorted_keys, self._sorted_ids = keys[order], ids[order]
        return mapping[local], rows

    def _bytes(self, cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        local, first = combine(cols)
        distinct = np.ascontiguousarray(
            np.stack([c[first] for c in cols], axis=1).astype(np.int64, copy=False)
        )
        keys = [row.tobytes() for row in distinct]
        mapping = np.fromiter((self._dict.get(k, -1) for k in keys), np.int64, len(keys))
        unseen = np.flatnonzero(mapping < 0)
        rows = first[unseen]
        if len(unseen):
            mapping[unseen] = self._append(cols, rows)
            for j in unseen.tolist():
                self._dict[keys[j]] = int(mapping[j])
        return mapping[local], rows


class ColumnCodes:
    """Global codes of one column's values (code 0 = null)."""

    def __init__(self) -> None:
        self.values: list[Any] = [None]
        self._ids: dict[Any, int] = {None: 0}
        self._known: pa.Array | None = None  # values[1:] as an Arrow array (index_in's set)

    def encode(self, arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if not pa.types.is_dictionary(arr.type):
            arr = pc.dictionary_encode(arr)
        dictionary = arr.dictionary
        local = np.zeros(len(dictionary) + 1, dtype=np.int64)  # last entry: null
        if len(dictionary):
            # Known values by Arrow's hash join; Python only for values never seen before.
            if self._known is None or len(self._known) != len(self.values) - 1:
                self._known = pa.array(self.values[1:], type=dictionary.type)
            found = pc.index_in(dictionary, value_set=self._known)
            local[:-1] = np.asarray(found.fill_null(-1), dtype=np.int64) + 1
            missing = np.flatnonzero(local[:-1] == 0)
            if len(missing):
                ids, values = self._ids, self.values
                new = dictionary.take(pa.array(missing)).to_pylist()
                for i, v in zip(missing.tolist(), new, strict=True):
                    code = ids.get(v)
                    if code is None:
                        code = ids[v] = len(values)
                        values.append(v)
                    local[i] = code
        indices = arr.indices
        if indices.null_count:
            indices = indices.fill_null(len(dictionary))
        return local[np.asarray(indices, dtype=np.int64)]
