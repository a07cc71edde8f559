"""Velocity on the hand-worked log of five leads (``tiny.five_leads``), identical on every engine; exact
quantiles on any engine equal numpy's."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.frames import frame_of, quantiles
from revbridge.analytics.velocity import cycle, stage_to_stage, stalled, time_in_stage
from revbridge.domain.stages import DEFAULT_STAGES
from tests.analytics import tiny
from tests.analytics.conftest import On

STAGES = DEFAULT_STAGES[1:]


def test_time_in_each_stage_counts_ended_stays_and_ongoing_ones(on: On) -> None:
    with on(tiny.five_leads) as source:
        frame = time_in_stage(source, STAGES).set_index("stage")
    assert list(frame.index) == list(STAGES)
    # lead: L1, L2, L4 left after a day; L3 is still a lead. mql: four stays of a day (L2 twice).
    assert frame.stays.to_dict() == {"lead": 3, "mql": 4, "sal": 1, "sql": 1, "opportunity": 1, "customer": 0}
    assert frame.ongoing.to_dict() == {"lead": 1, "mql": 0, "sal": 1, "sql": 1, "opportunity": 0, "customer": 1}
    assert frame.median_days["lead"] == pytest.approx(1.0)
    assert frame.median_days["sal"] == pytest.approx(13.0)
    assert frame.p90_days["sql"] == pytest.approx(12.0)
    assert frame.mean_days["opportunity"] == pytest.approx(28.0)
    assert pd.isna(frame.median_days["customer"])


def test_time_in_stage_by_channel(on: On) -> None:
    with on(tiny.five_leads) as source:
        frame = time_in_stage(source, STAGES, by="channel")
    mql = frame[frame.stage == "mql"].set_index("channel")
    assert mql.stays.to_dict() == {"(none)": 1, "webinar": 3}


def test_moves_from_each_stage_to_the_next(on: On) -> None:
    with on(tiny.five_leads) as source:
        frame = stage_to_stage(source, STAGES).set_index("step")
    # L2's first MQL ended in nurture and L4's in disqualification: not moves to SAL.
    assert frame.moves.to_dict() == {
        "lead→mql": 3, "mql→sal": 2, "sal→sql": 1, "sql→opportunity": 1, "opportunity→customer": 1,
    }  # fmt: skip
    assert frame.median_days.tolist() == [1.0, 1.0, 13.0, 12.0, 28.0]


def test_the_lead_to_customer_cycle(on: On) -> None:
    with on(tiny.five_leads) as source:
        frame = cycle(source)
    assert frame.to_dict("records") == [
        {"span": "lead→customer", "leads": 1, "median_days": 55.0, "p90_days": 55.0, "mean_days": 55.0}
    ]


def test_stalled_leads_are_those_waiting_longer_than_their_stage_allows(on: On) -> None:
    limits = {"lead": 30.0, "sal": 10.0, "sql": 30.0}
    with on(tiny.five_leads) as source:
        frame = stalled(source, STAGES, now=tiny.at("03-10"), stalled_after=limits).set_index("stage")
    assert frame.in_stage.to_dict() == {"lead": 1, "mql": 0, "sal": 1, "sql": 1, "opportunity": 0, "customer": 1}
    assert frame.stalled.to_dict() == {"lead": 1, "mql": 0, "sal": 1, "sql": 0, "opportunity": 0, "customer": 0}
    assert frame.longest_days["lead"] == pytest.approx(49.0)
    assert frame.longest_days["sql"] == pytest.approx(28.0)
    assert math.isnan(frame.stalled_after_days["customer"])


def test_no_limit_known_means_no_lead_is_stalled(on: On) -> None:
    with on(tiny.five_leads) as source:
        frame = stalled(source, STAGES, now=tiny.at("03-10"), stalled_after={}).set_index("stage")
    assert frame.in_stage["lead"] == 1
    assert frame.stalled.sum() == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(-1000, 1000), min_size=1, max_size=12), min_size=1, max_size=4))
def test_exact_quantiles_equal_numpys_on_sqlite_and_duckdb(groups: list[list[int]]) -> None:
    rows = pd.DataFrame([(g, v) for g, values in enumerate(groups) for v in values], columns=["g", "v"])
    for backend in (ibis.sqlite.connect(), ibis.duckdb.connect()):
        table = backend.create_table("t", ibis.memtable(rows))
        got = frame_of(quantiles(table, ["g"], "v", {"q10": 0.1, "q50": 0.5, "q90": 0.9}).to_pyarrow(), ["g"])
        for g, values in enumerate(groups):
            expected = np.quantile(np.array(values, dtype=float), [0.1, 0.5, 0.9])
            assert got.loc[g, ["q10", "q50", "q90"]].tolist() == pytest.approx(expected.tolist())
        backend.disconnect()
