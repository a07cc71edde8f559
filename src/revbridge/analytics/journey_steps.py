"""The touches of journeys, one row each, made into ``Paths`` with every step's age and marks: the
ordered, per-journey part of building journeys, in numpy, the same whatever engine read the rows.

Each journey's touches are put in time order (ties by step name) by one sort of a single 64-bit key
(journey, time, step) when they fit in one — the time coarsened as far as needed, then the order
checked at full precision, with a sort of the three columns if a coarse tie broke it — since that sort
is several times faster than sorting by three columns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revbridge.domain.paths import LEAD_CREATED, OPPORTUNITY_CREATED, WON, Paths

NEVER = np.iinfo(np.int64).max
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EVENTS = (("created", LEAD_CREATED), ("opened", OPPORTUNITY_CREATED), ("won_at", WON))
Ints = np.ndarray
Floats = np.ndarray
Amounts = tuple[Ints, Floats]  # keys (any order) and what each brought


def paths_of_touches(touches: pa.Table, ends: pa.Table, worth: Amounts, until: datetime) -> Paths:
    """``touches``: per touch its journey (``key``), moment (``at``) and step name (``step``). ``ends``:
    per journey (``key``) its milestone moment if it converted (``reached``, else none: it ends at
    ``until``) and the moments that mark touches (``created``, ``opened``, ``won_at``; none when they
    did not happen). A converted journey is worth its key's amount in ``worth`` (nothing if absent)."""
    if touches.num_rows == 0:
        empty, none = np.zeros(0), np.zeros(0, dtype=np.int64)
        return Paths((), none, np.zeros(1, dtype=np.int64), empty, empty, empty, empty, none)
    key = touches.column("key").to_numpy().astype(np.int64, copy=False)
    moment = micros(touches.column("at"))
    step = touches.column("step")
    if not pa.types.is_dictionary(step.type):
        step = pc.dictionary_encode(pc.cast(step, pa.string()))
    encoded = step.combine_chunks()  # one dictionary for all the chunks
    # A step is coded by its name's rank among the names used (an encoded column may know more).
    dictionary, indices = encoded.dictionary.to_pylist(), encoded.indices.to_numpy()
    used = np.flatnonzero(np.bincount(indices, minlength=len(dictionary)))
    names = sorted(dictionary[i] for i in used)
    rank = np.zeros(len(dictionary), dtype=np.int64)
    place = {name: number for number, name in enumerate(names)}
    rank[used] = [place[dictionary[i]] for i in used]
    code = rank[indices]
    key, moment, code = time_sorted(key, moment, code)
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    lengths = np.diff(np.concatenate([first, [len(key)]]))
    journey = index_of(ends.column("key").to_numpy().astype(np.int64), key[first])  # every journey has its ends
    reached = micros(ends.column("reached"))[journey]
    end = np.where(reached == NEVER, micros_of(until), reached)
    step_end = np.repeat(end, lengths)
    marks = np.zeros(len(key), dtype=np.int64)
    for column, bit in EVENTS:
        event = micros(ends.column(column))[journey]
        # Only the journeys whose event happened by their end (often few: opportunities, wins). The
        # touches at or before the event are the first of their journey: the last of them is marked.
        happened = np.flatnonzero(event <= end)
        if len(happened) == len(first):
            upto = np.concatenate([[0], np.cumsum(moment <= np.repeat(event, lengths))])
            before = upto[first + lengths] - upto[first]
        else:
            some = lengths[happened]
            steps = np.arange(some.sum()) + np.repeat(first[happened] - np.cumsum(some) + some, some)
            upto = np.concatenate([[0], np.cumsum(moment[steps] <= np.repeat(event[happened], some))])
            runs = np.cumsum(some)
            before = upto[runs] - upto[runs - some]
        marks[(first[happened] + before - 1)[before > 0]] |= bit
    won = (reached != NEVER).astype(float)
    amounts = _amounts(key[first], worth) * won
    starts = np.concatenate([first, [len(key)]]).astype(np.int64)
    ages = (step_end - moment) / 1e6
    return Paths(tuple(names), code, starts, won, amounts, 1.0 - won, ages, marks)


def time_sorted(key: Ints, moment: Ints, code: Ints) -> tuple[Ints, Ints, Ints]:
    """The rows ordered by journey, then moment, then step code: ``key``, ``moment`` and ``code`` in that
    order. The journey and the code are read back from the packed key, so only the moment is gathered."""
    if len(key) == 0:
        return key, moment, code
    journey = key - key.min()
    time = moment - moment.min()
    bits = [int(x.max()).bit_length() for x in (journey, time, code)]
    coarse = max(0, sum(bits) - 63)  # bits of time to drop so that the three fit in one int64
    if coarse < bits[1]:
        packed = (journey << (bits[1] - coarse + bits[2])) | ((time >> coarse) << bits[2]) | code
        order: Ints = np.argsort(packed)
        packed = packed[order]
        if coarse == 0 or _ties_in_order(packed >> bits[2], order, moment, code):
            journey_of = (packed >> (bits[1] - coarse + bits[2])) + key.min()
            return journey_of, moment[order], packed & ((1 << bits[2]) - 1)
    lexical: Ints = np.lexsort((code, moment, key))
    return key[lexical], moment[lexical], code[lexical]


def _ties_in_order(coarse: Ints, order: Ints, moment: Ints, code: Ints) -> bool:
    """Whether rows next to each other in ``order`` that share a journey and a coarse time (``coarse``,
    in that order) are in order of time and code at full precision: the rest are, as the coarse time of
    one journey's rows only grows with the time."""
    tie = np.flatnonzero(coarse[1:] == coarse[:-1])
    a, b = order[tie], order[tie + 1]
    return bool(((moment[b] > moment[a]) | ((moment[b] == moment[a]) & (code[b] >= code[a]))).all())


def index_of(keys: Ints, wanted: Ints) -> Ints:
    """Where each of ``wanted`` is in ``keys`` (distinct), -1 where it is not: through a table over the
    keys' range when they are dense (ids), else by binary search in the sorted keys."""
    if len(keys) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    low, high = int(keys.min()), int(keys.max())
    if high - low <= 4 * len(keys) + 1024:
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[keys - low] = np.arange(len(keys))
        inside = (wanted >= low) & (wanted <= high)
        dense: Ints = np.where(inside, table[np.clip(wanted - low, 0, high - low)], -1)
        return dense
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    spot = np.minimum(np.searchsorted(ordered, wanted), len(keys) - 1)
    found: Ints = np.where(ordered[spot] == wanted, order[spot], -1)
    return found


def _amounts(wanted: Ints, worth: Amounts) -> Floats:
    keys, amounts = worth
    place = index_of(keys, wanted)
    result: Floats = np.where(place >= 0, amounts[np.maximum(place, 0)] if len(amounts) else 0.0, 0.0)
    return result


def micros(column: pa.ChunkedArray) -> Ints:
    """Microseconds since the epoch (UTC: engines return naive UTC or aware times); ``NEVER`` for none."""
    micros = pc.cast(pc.cast(column, pa.timestamp("us")), pa.int64())
    values: Ints = pc.fill_null(micros, NEVER).to_numpy().astype(np.int64)
    return values


def micros_of(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(microseconds=1)
