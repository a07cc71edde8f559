"""The touches of journeys, one row each, made into ``Paths`` with every step's age and marks: the
ordered, per-journey part of building journeys, in numpy, the same whatever engine read the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revbridge.domain.paths import LEAD_CREATED, OPPORTUNITY_CREATED, WON, Paths

NEVER = np.iinfo(np.int64).max
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EVENTS = (("created", LEAD_CREATED), ("opened", OPPORTUNITY_CREATED), ("won_at", WON))


def paths_of_touches(rows: pa.Table, values: dict[int, float], until: datetime) -> Paths:
    """``rows``: per touch its journey (``key``), moment (``at``), step name (``step``), the journey's
    milestone moment if it converted (``reached``, else none: it ends at ``until``) and the moments
    that mark touches (``created``, ``opened``, ``won_at``; none when they did not happen). A
    converted journey is worth its key's value in ``values``."""
    if rows.num_rows == 0:
        empty, none = np.zeros(0), np.zeros(0, dtype=np.int64)
        return Paths((), none, np.zeros(1, dtype=np.int64), empty, empty, empty, empty, none)
    key = rows.column("key").to_numpy().astype(np.int64)
    moment = _micros(rows.column("at"))
    encoded = pc.dictionary_encode(pc.cast(rows.column("step"), pa.string())).combine_chunks()
    names = encoded.dictionary.to_pylist()
    order_of = np.argsort(names)
    rank = np.empty_like(order_of)
    rank[order_of] = np.arange(len(order_of))
    code = rank[encoded.indices.to_numpy()]
    order = np.lexsort((code, moment, key))  # each journey's touches in time order (ties by step name)
    key, code, moment = key[order], code[order], moment[order]
    reached = _micros(rows.column("reached"))[order]
    end = np.where(reached == NEVER, _micros_of(until), reached)
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    marks = np.zeros(len(key), dtype=np.int64)
    position = np.arange(len(key))
    for column, bit in EVENTS:
        event = _micros(rows.column(column))[order]
        # Only what happened by the journey's end; the touches at or before it are the first of each journey.
        candidate = np.where((moment <= event) & (event <= end), position, -1)
        last = np.maximum.reduceat(candidate, first)
        marks[last[last >= 0]] |= bit
    won = (reached[first] != NEVER).astype(float)
    worth = np.array([values.get(int(k), 0.0) for k in key[first]]) * won
    starts = np.concatenate([first, [len(key)]]).astype(np.int64)
    ages = (end - moment) / 1e6
    return Paths(tuple(sorted(names)), code.astype(np.int64), starts, won, worth, 1.0 - won, ages, marks)


def _micros(column: pa.ChunkedArray) -> np.ndarray:
    """Microseconds since the epoch (UTC: engines return naive UTC or aware times); ``NEVER`` for none."""
    micros = pc.cast(pc.cast(column, pa.timestamp("us")), pa.int64())
    values: np.ndarray = pc.fill_null(micros, NEVER).to_numpy().astype(np.int64)
    return values


def _micros_of(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(microseconds=1)
