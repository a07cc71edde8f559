"""Each touch's marks, found by counting per journey, are the marks a plain walk through each journey gives."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.journey_steps import EVENTS, paths_of_touches

UNTIL = datetime(2026, 1, 1, tzinfo=UTC)
BASE = int(datetime(2025, 12, 1, tzinfo=UTC).timestamp() * 1e6)
moments = st.integers(0, 40)  # in units of a day before UNTIL's month, so that ties happen
maybe = st.one_of(st.none(), moments)
journeys = st.lists(
    st.tuples(st.lists(st.tuples(moments, st.sampled_from("abc")), min_size=1, max_size=6), maybe, maybe, maybe, maybe),
    min_size=1,
    max_size=12,
)
DAY = 86_400_000_000


def _stamps(values: list[int | None]) -> pa.Array:
    return pa.array([None if v is None else BASE + v * DAY for v in values], pa.int64()).cast(pa.timestamp("us"))


@settings(max_examples=150, deadline=None)
@given(journeys)
def test_marks_are_those_of_a_walk_through_each_journey(drawn: list) -> None:  # type: ignore[type-arg]
    keys, ats, steps = [], [], []
    for key, (touches, _, _, _, _) in enumerate(drawn):
        for moment, step in touches:
            keys.append(key)
            ats.append(moment)
            steps.append(step)
    touches = pa.table({"key": pa.array(keys, pa.int64()), "at": _stamps(ats), "step": pa.array(steps)})
    ends = pa.table(
        {
            "key": pa.array(range(len(drawn)), pa.int64()),
            "reached": _stamps([d[1] for d in drawn]),
            "created": _stamps([d[2] for d in drawn]),
            "opened": _stamps([d[3] for d in drawn]),
            "won_at": _stamps([d[4] for d in drawn]),
        }
    )
    paths = paths_of_touches(touches, ends, (np.zeros(0, np.int64), np.zeros(0)), UNTIL)
    assert paths.marks is not None
    walked: list[int] = []
    for touches_of, reached, *events in drawn:
        ordered = sorted(touches_of, key=lambda t: (t[0], t[1]))  # by time, then step name
        end = reached if reached is not None else 31  # UNTIL, in days after BASE
        marks = [0] * len(ordered)
        for (_, bit), event in zip(EVENTS, events, strict=True):
            if event is None or event > end:
                continue
            before = [i for i, (moment, _) in enumerate(ordered) if moment <= event]
            if before:
                marks[before[-1]] |= bit
        walked += marks
    assert paths.marks.tolist() == walked
