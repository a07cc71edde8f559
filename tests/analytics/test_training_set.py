"""The rows a predictive score learns from: each MQL as it stood then, and its outcome only once known."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy.engine import Engine

from revbridge.analytics.training_set import split_in_time, training_set
from revbridge.store.tables import TouchpointRow
from tests.analytics import tiny
from tests.analytics.conftest import On

at = tiny.at


def world(engine: Engine) -> None:
    """L1 (software, Germany): MQL Jan 10, opportunity Feb 1 (22 days later). L2 (retail): MQL Jan 20, an
    opportunity Jun 1, after the 90 days. L3: MQL Mar 20, an opportunity Apr 1, but its 90 days run past
    the data's end (May 1): not known yet. L4 never became an MQL. Touches: L1 an e-mail click Jan 2 and a
    page view Jan 9 before its MQL, a form after it (Jan 15); L2 one page view Jan 19."""
    tiny.leads(
        engine,
        {
            1: {"industry": "software", "country": "Germany", "employees": 200},
            2: {"industry": "retail"},
            3: {"industry": "software"},
            4: {},
        },
    )
    tiny.journeys(
        engine,
        {
            1: [("lead", at("01-01")), ("mql", at("01-10")), ("opportunity", at("02-01"))],
            2: [("lead", at("01-01")), ("mql", at("01-20")), ("opportunity", at("06-01"))],
            3: [("lead", at("03-01")), ("mql", at("03-20")), ("opportunity", at("04-01"))],
            4: [("lead", at("01-01"))],
        },
    )
    touches = [
        (1, "email_click", "email", "01-02"),
        (1, "page_view", "organic_search", "01-09"),
        (1, "form_submit", "organic_search", "01-15"),
        (2, "page_view", "paid_search", "01-19"),
    ]
    tiny.add(
        engine,
        TouchpointRow,
        [{"lead_id": lead, "source": "t", "external_id": f"t{n}", "type": kind, "channel": channel,
          "occurred_at": at(day)} for n, (lead, kind, channel, day) in enumerate(touches)],
    )  # fmt: skip


def test_each_mql_as_it_stood_then_and_its_outcome_once_known(on: On) -> None:
    with on(world) as source:
        rows = training_set(source, until=at("05-01"), horizon=timedelta(days=90))
    assert rows.lead_ids.tolist() == [1, 2]  # L3's outcome is not known by May 1; L4 was never scored
    assert rows.converted.tolist() == [True, False]  # L2's opportunity came after its 90 days
    features = rows.features
    assert features["touches"].tolist() == [2, 1]  # L1's form on Jan 15 came after its MQL
    assert features["type:email_click"].tolist() == [1, 0]
    assert "type:form_submit" in features  # known as a type, never counted before a scoring moment
    assert features["type:form_submit"].tolist() == [0, 0]
    assert features["days_since_last"].tolist() == [1, 1]
    assert features["industry"].astype(str).tolist() == ["software", "retail"]
    assert features["employees"].iloc[0] == 200
    assert np.isnan(features["employees"].iloc[1])


def test_the_split_trains_on_the_earlier_leads(on: On) -> None:
    with on(world) as source:
        rows = training_set(source, until=at("05-01"))
    train, test = split_in_time(rows, test_share=0.5)
    assert (rows.lead_ids[train].tolist(), rows.lead_ids[test].tolist()) == ([1], [2])
