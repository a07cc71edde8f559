"""Names already resolved to ids during an import, looked up a whole Arrow column at a time.

An import resolves the same 50,000 e-mails in every batch. Doing that with a Python loop over the
batch's distinct values cost about a second per million rows and, worse, held the interpreter lock
while the writer thread needed it; here both the "which are new" and the "what are their ids"
questions are one Arrow kernel each.

An Arrow kernel hashes the whole set of known names on every call, though: for a batch much smaller
than what is known (the API's batches of 1,000 against every e-mail met since the server started) the
dict answers in a fraction of that, so such a batch is looked up there (``SMALL_BATCH``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

SMALL_BATCH = 8  # a batch with fewer values than 1/8 of the known names is looked up in the dict


class KnownIds:
    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._arrays: tuple[pa.Array, pa.Array] | None = None  # (names, ids), rebuilt after an update

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, name: object) -> bool:
        return name in self._ids

    def update(self, found: Mapping[str, int]) -> None:
        if found:
            self._ids.update(found)
            self._arrays = None

    def as_dict(self) -> dict[str, int]:
        """The names and ids, as a dict the caller may extend (then ``update`` with it)."""
        return dict(self._ids)

    def unknown(self, values: pa.ChunkedArray | pa.Array) -> list[str]:
        """The distinct non-empty values that are not known yet."""
        distinct = pc.drop_null(pc.unique(values))
        distinct = distinct.filter(pc.not_equal(distinct, ""))
        if len(distinct) * SMALL_BATCH < len(self._ids):
            return [v for v in distinct.to_pylist() if v not in self._ids]
        if self._ids:
            distinct = distinct.filter(pc.invert(pc.is_in(distinct, value_set=self._names_and_ids()[0])))
        return [str(v) for v in distinct.to_pylist()]

    def lookup(self, values: pa.ChunkedArray | pa.Array) -> pa.Array | pa.ChunkedArray:
        """The id of each value, null where the value is unknown (or null)."""
        if not self._ids:
            return pa.nulls(len(values), pa.int64())
        if len(values) * SMALL_BATCH < len(self._ids):
            known = self._ids
            return pa.array([known.get(v) if v is not None else None for v in values.to_pylist()], pa.int64())
        names, ids = self._names_and_ids()
        return pc.take(ids, pc.index_in(values, value_set=names))

    def _names_and_ids(self) -> tuple[pa.Array, pa.Array]:
        if self._arrays is None:
            self._arrays = (pa.array(list(self._ids), pa.string()), pa.array(list(self._ids.values()), pa.int64()))
        return self._arrays
