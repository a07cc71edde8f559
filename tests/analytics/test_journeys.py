"""Journeys built from the store on every engine: each lead's touches in order, cut at its milestone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from revbridge.analytics.attribution import first_touch, last_touch
from revbridge.analytics.journeys import journeys
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths
from revbridge.store.tables import TouchpointRow
from tests.analytics import tiny
from tests.analytics.conftest import On

at = tiny.at


def _world(engine: Engine) -> None:
    """L1 (webinar, then search, then email after it became a customer on Mar 1); L2 (email only, not a
    customer); L3 (an untagged visit long before it became a customer: outside the 30-day lookback)."""
    tiny.leads(engine, {1: {}, 2: {}, 3: {}})
    tiny.journeys(engine, {1: [("lead", at("01-05")), ("customer", at("03-01"))], 3: [("customer", at("03-02"))]})
    touches = [
        (1, "webinar", at("02-10")), (1, "paid_search", at("02-20")), (1, "email", at("03-05")),
        (2, "email", at("02-25")), (3, None, at("01-02")),
    ]  # fmt: skip
    tiny.add(
        engine,
        TouchpointRow,
        [{"lead_id": lead, "source": "t", "external_id": f"t{n}", "type": "visit", "channel": channel,
          "occurred_at": when} for n, (lead, channel, when) in enumerate(touches)],
    )  # fmt: skip


def test_journeys_to_customer_with_a_lookback(on: On) -> None:
    with on(_world) as source:
        paths = journeys(source, until=at("03-10"), milestone="customer", lookback=timedelta(days=30))
    assert paths.channels == ("email", "paid_search", "webinar")
    # L1: webinar > paid_search, converted (email came after); L2: email, not converted; L3: none in window.
    assert paths.steps.tolist() == [2, 1, 0]
    assert paths.starts.tolist() == [0, 2, 3]
    assert (paths.conversions.tolist(), paths.nulls.tolist()) == ([1.0, 0.0], [0.0, 1.0])
    assert first_touch(paths).conversions.tolist() == [0, 0, 1]
    assert last_touch(paths).conversions.tolist() == [0, 1, 0]


def test_a_longer_lookback_brings_in_untagged_touches_as_direct(on: On) -> None:
    with on(_world) as source:
        paths = journeys(source, until=at("03-10"), lookback=timedelta(days=90))
    assert "direct" in paths.channels
    assert paths.conversions.sum() == 2  # L1 and L3


def test_an_unknown_milestone_is_refused(on: On) -> None:
    with on(_world) as source, pytest.raises(InvalidInput, match="unknown milestone 'won'"):
        journeys(source, until=at("03-10"), milestone="won")


def test_the_command_attributes_the_stores_journeys(sqlite_engine: Engine) -> None:
    import json

    from typer.testing import CliRunner

    from revbridge.cli.main import app

    _world(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    args = ["attribution", "--database", url, "--model", "first_touch", "--to", "customer", "--lookback", "30"]
    result = CliRunner().invoke(app, [*args, "--at", "2026-03-10T00:00:00Z", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {r["channel"]: r["conversions"] for r in json.loads(result.stdout)} == {
        "email": 0.0, "paid_search": 0.0, "webinar": 1.0,
    }  # fmt: skip


def test_journeys_by_campaign_and_roi_against_spend(on: On) -> None:
    from revbridge.analytics.attribution import with_roi

    def world(engine: Engine) -> None:
        tiny.campaigns(engine, {1: ("Spring webinar", "webinar")})
        _world(engine)

    with on(world) as source:
        paths = journeys(source, until=at("03-10"), lookback=timedelta(days=30), by="campaign")
    assert paths.channels == ("(none)",)  # the touches of _world carry no campaign
    paths = Paths.of([["Spring webinar"], ["(none)"]], conversions=[1, 1], value=[500, 100])
    rows = {r["channel"]: r for r in with_roi(first_touch(paths), {"Spring webinar": 250.0})}
    assert (rows["Spring webinar"]["spend"], rows["Spring webinar"]["roi"]) == (250.0, 2.0)
    assert rows["(none)"]["roi"] is None
    with pytest.raises(InvalidInput, match="by channel or campaign"):
        journeys(source, until=at("03-10"), by="owner")
