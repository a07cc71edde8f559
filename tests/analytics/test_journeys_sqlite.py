"""Journeys read straight out of a SQLite store are the journeys the engine builds, array for array."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.analytics import journeys_sqlite
from revbridge.analytics.journeys import journeys
from revbridge.analytics.source import EngineSpec, open_source
from revbridge.domain.paths import Paths
from tests.analytics import tiny
from tests.analytics.test_journey_steps import deal_world, lead_world
from tests.analytics.test_journeys import _world

at = tiny.at


def _both(engine: Engine, **options: object) -> tuple[Paths, Paths]:
    url = engine.url.render_as_string(hide_password=False)
    with open_source(EngineSpec("store"), url) as source:
        assert source.sqlite_file is not None
        read = journeys(source, **options)  # type: ignore[arg-type]
        through_engine = journeys(dataclasses.replace(source, sqlite_file=None), **options)  # type: ignore[arg-type]
    return read, through_engine


def _same(a: Paths, b: Paths) -> None:
    assert a.channels == b.channels
    for field in ("steps", "starts", "conversions", "value", "nulls", "ages", "marks"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


@pytest.mark.parametrize("milestone", ["mql", "opportunity", "customer"])
@pytest.mark.parametrize("since", [None, "02-23"])
def test_the_same_journeys_as_through_the_engine(sqlite_engine: Engine, milestone: str, since: str | None) -> None:
    lead_world(sqlite_engine)
    options = {"until": at("03-10"), "milestone": milestone, "lookback": timedelta(days=30)}
    read, through_engine = _both(sqlite_engine, **options, since=at(since) if since else None)
    assert len(read.conversions) > 0
    _same(read, through_engine)


@pytest.mark.parametrize("by", ["channel", "campaign"])
def test_the_same_by_channel_or_campaign_with_untagged_touches(sqlite_engine: Engine, by: str) -> None:
    tiny.campaigns(sqlite_engine, {1: ("Spring webinar", "webinar")})
    _world(sqlite_engine)
    read, through_engine = _both(sqlite_engine, until=at("03-10"), lookback=timedelta(days=60), by=by)
    _same(read, through_engine)


def test_the_same_with_won_amounts(sqlite_engine: Engine) -> None:
    deal_world(sqlite_engine)
    read, through_engine = _both(sqlite_engine, until=at("03-10"), milestone="opportunity")
    _same(read, through_engine)


def test_times_in_another_form_are_left_to_the_engine(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    lead_world(sqlite_engine)
    with sqlite_engine.begin() as conn:  # one touch written by some other tool, with its offset
        conn.execute(
            sa.text("UPDATE touchpoints SET occurred_at = '2026-02-20T09:00:00+00:00' WHERE channel = 'email'")
        )
    calls: list[object] = []
    original = journeys_sqlite.lead_journeys

    def spy(*args: object, **kwargs: object) -> Paths | None:
        calls.append(result := original(*args, **kwargs))  # type: ignore[arg-type]
        return result

    monkeypatch.setattr("revbridge.analytics.journeys.lead_journeys", spy)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    with open_source(EngineSpec("store"), url) as source:
        paths = journeys(source, until=at("03-10"), lookback=timedelta(days=30))
    assert calls == [None]  # read, found wanting, and built through the engine instead
    assert len(paths.conversions) > 0


@pytest.mark.parametrize("team", ["east", "west"])
def test_the_same_for_a_team(sqlite_engine: Engine, team: str) -> None:
    from revbridge.store.tables import LeadRow, TeamRow, UserRow

    lead_world(sqlite_engine)
    tiny.add(
        sqlite_engine, TeamRow, [{"id": 1, "name": "east", "kind": "sales"}, {"id": 2, "name": "west", "kind": "sales"}]
    )
    tiny.add(
        sqlite_engine,
        UserRow,
        [{"id": 1, "email": "ana@nw.com", "name": "Ana", "role": "sales", "team_id": 1},
         {"id": 2, "email": "bo@nw.com", "name": "Bo", "role": "sales", "team_id": 2}],
    )  # fmt: skip
    with sqlite_engine.begin() as conn:
        for lead, owner in ((1, 1), (2, 2), (3, 2)):
            conn.execute(sa.update(LeadRow).where(LeadRow.id == lead).values(owner_id=owner))
    url = sqlite_engine.url.render_as_string(hide_password=False)
    options = {"until": at("03-10"), "lookback": timedelta(days=30)}
    with open_source(EngineSpec("store"), url, team=team) as source:
        read = journeys(source, **options)  # type: ignore[arg-type]
        through_engine = journeys(dataclasses.replace(source, sqlite_file=None), **options)  # type: ignore[arg-type]
    _same(read, through_engine)
    assert len(read.conversions) == (1 if team == "east" else 2)
