"""The stored model measured again on the outcomes known since: fresh while what converts holds, stale after."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from sqlalchemy.engine import Engine

from revbridge.analytics.prediction.monitoring import checkup, stability_index
from revbridge.analytics.prediction.training import deciles, train
from revbridge.analytics.source import EngineSpec, Source, open_source
from tests.analytics.prediction.test_training import day, history


@contextmanager
def store(engine: Engine, fill: Callable[[Engine], None]) -> Iterator[Source]:
    fill(engine)
    with open_source(EngineSpec("store"), engine.url.render_as_string(hide_password=False)) as source:
        yield source


def _checked(source: Source, *, trained_until: int, now: int) -> dict[str, object]:
    trained = train(source, until=day(trained_until))
    stored = json.loads(json.dumps(trained.description()))  # as the store gives it back
    result = checkup(source, 1, stored, trained.model.as_dict(), now=day(now))
    return result.as_dict()


# Trained on day 250: it learns from the MQLs of days 6 to 129 and is measured on those up to day 160. On day
# 305 the outcomes of the MQLs up to day 215 are known: 55 recent leads; it learned from leads 176 days old.


def test_a_model_is_fresh_while_what_converts_holds(sqlite_engine: Engine) -> None:
    with store(sqlite_engine, history) as source:
        checked = _checked(source, trained_until=250, now=305)
    assert checked["verdict"] == "fresh", checked["reasons"]
    assert checked["recent_leads"] >= 50
    assert checked["now"]["roc_auc"] > 0.9  # type: ignore[index]


def test_a_model_is_stale_when_what_converts_changes_and_says_by_how_much(sqlite_engine: Engine) -> None:
    with store(sqlite_engine, lambda engine: history(engine, flip_after=165)) as source:
        checked = _checked(source, trained_until=250, now=305)
    assert checked["verdict"] == "stale"
    assert any(str(r).startswith("ROC AUC fell from") for r in checked["reasons"])  # type: ignore[attr-defined]


def test_too_few_recent_outcomes_are_said_and_age_alone_can_make_it_stale(sqlite_engine: Engine) -> None:
    with store(sqlite_engine, history) as source:
        soon = _checked(source, trained_until=250, now=260)
        late = _checked(source, trained_until=250, now=800)
    assert soon["verdict"] == "fresh"
    assert str(soon["reasons"][0]).startswith("only ")  # type: ignore[index]
    assert late["verdict"] == "stale"
    assert any("days ago (more than 180)" in str(r) for r in late["reasons"])  # type: ignore[attr-defined]


def test_the_stability_index_is_nought_for_the_same_spread_and_large_for_a_moved_one() -> None:
    rng = np.random.default_rng(3)
    measured = rng.beta(2, 5, 10_000)
    cuts, shares = deciles(measured)
    assert stability_index(np.asarray(cuts), np.asarray(shares), rng.beta(2, 5, 10_000)) < 0.01
    assert stability_index(np.asarray(cuts), np.asarray(shares), rng.beta(5, 2, 10_000)) > 0.25
    # By hand: two bins held half each; now 80% fall in the first: (0.8-0.5)ln(1.6) + (0.2-0.5)ln(0.4).
    by_hand = 0.3 * np.log(1.6) - 0.3 * np.log(0.4)
    index = stability_index(np.array([0.5]), np.array([0.5, 0.5]), np.array([0.1] * 8 + [0.9] * 2))
    assert abs(index - by_hand) < 1e-12
