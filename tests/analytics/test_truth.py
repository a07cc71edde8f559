"""On demo data the metrics recover the rates the simulation really used (``domain/simulation/truth.py``),
within sampling error; and the mirror on DuckDB gives exactly the store's numbers on a year of data.

Journeys still running at the year's end are cut off, so funnel rates are read on the leads that entered
at least ``settled_after_days`` before it. Bounds are four standard errors of a binomial share (or of a
mean): a wrong definition misses them by far more; sampling alone almost never does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from revbridge.analytics import compliance, feedback, funnel, revenue, velocity
from revbridge.analytics.source import EngineSpec, Source, open_source
from revbridge.domain.stages import DEFAULT_STAGES
from revbridge.services.demo import run_demo
from revbridge.services.schema import init_database
from revbridge.store import mirror
from revbridge.store.engine import make_engine

STAGES = DEFAULT_STAGES[1:]
END = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    init_database(engine)
    summary = run_demo(engine, leads=4000, seed=3, now=END, live_days=14)
    mirror.sync(engine, folder / "mirror")
    engine.dispose()
    return url, folder / "mirror", summary.truth


@pytest.fixture
def store(demo: tuple[str, Path, dict[str, Any]]) -> Iterator[Source]:
    with open_source(EngineSpec("store"), demo[0]) as source:
        yield source


def _settled(truth: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(truth["until"]) - timedelta(days=truth["settled_after_days"])


def _near_share(observed: float, truth: float, n: int) -> None:
    assert n > 30
    assert abs(observed - truth) < 4 * math.sqrt(truth * (1 - truth) / n), (observed, truth, n)


def test_the_funnel_recovers_each_steps_true_rate(store: Source, demo: tuple[str, Path, dict[str, Any]]) -> None:
    truth = demo[2]
    until = _settled(truth)
    reached = funnel.cohort_funnel(store, STAGES, until=until, period=None).set_index("stage").leads
    rates = funnel.conversion(store, STAGES, until=until).iloc[0]
    steps = {"lead_to_mql": ("lead", "mql"), "mql_to_sal": ("mql", "sal"), "sal_to_sql": ("sal", "sql"),
             "sql_to_opportunity": ("sql", "opportunity"), "win_rate": ("opportunity", "customer"),
             "lead_to_customer": ("lead", "customer")}  # fmt: skip
    for key, (a, b) in steps.items():
        _near_share(rates[f"{a}→{b}"], truth["overall"][key], int(reached[a]))


def test_lead_to_mql_by_channel_recovers_each_channels_rate(
    store: Source, demo: tuple[str, Path, dict[str, Any]]
) -> None:
    truth = demo[2]
    by_channel = funnel.conversion(store, STAGES, until=_settled(truth), by="channel").set_index("channel")
    for channel, row in by_channel.iterrows():
        if row["leads"] > 100:
            _near_share(row["lead→mql"], truth["channels"][channel]["lead_to_mql"], int(row["leads"]))


def test_acceptance_and_rejection_reasons_recover_sales_true_verdicts(
    store: Source, demo: tuple[str, Path, dict[str, Any]]
) -> None:
    truth = demo[2]
    accepted = feedback.acceptance(store, until=_settled(truth)).iloc[0]
    _near_share(accepted.acceptance_rate, truth["overall"]["mql_to_sal"], int(accepted.verdicts))
    reasons = feedback.rejection_reasons(store)
    total = int(reasons.rejections.sum())
    for row in reasons.itertuples():
        _near_share(row.share, truth["rejection_reasons"][row.reason], total)


def test_win_rate_and_deal_size_recover_the_true_ones(store: Source, demo: tuple[str, Path, dict[str, Any]]) -> None:
    truth = demo[2]["overall"]
    kpis = revenue.revenue_kpis(store).iloc[0]
    _near_share(kpis.win_rate, truth["win_rate"], int(kpis.closed))
    with make_engine(demo[0]).connect() as conn:
        amounts = pd.Series(conn.execute(sa.text("SELECT amount FROM opportunities WHERE won")).scalars().all())
    assert abs(kpis.average_deal - truth["mean_deal_size"]) < 4 * amounts.std() / math.sqrt(len(amounts))


def test_sla_compliance_on_the_history_recovers_the_shares_of_verdicts_and_first_touches_on_time(
    store: Source, demo: tuple[str, Path, dict[str, Any]]
) -> None:
    truth = demo[2]
    now = datetime.fromisoformat(truth["until"])
    # The history's clocks (rebuilt from its verdicts); the live weeks follow their reps' own pace.
    kinds = compliance.sla_compliance(store, now=now, until=_settled(truth), by="kind").set_index("kind")
    _near_share(kinds.compliance["accept"], truth["verdicts_on_time"], int(kinds.obligations["accept"]))
    touch = truth["first_touch_on_time"]
    _near_share(kinds.compliance["first_touch"], touch, int(kinds.obligations["first_touch"]))


def test_cost_per_lead_recovers_each_paid_channels_true_cost(
    store: Source, demo: tuple[str, Path, dict[str, Any]]
) -> None:
    truth = demo[2]
    year = (datetime.fromisoformat(truth["since"]), datetime.fromisoformat(truth["until"]))
    costs = revenue.cac(store, since=year[0], until=year[1]).set_index("channel")
    paid = {name: c for name, c in truth["channels"].items() if c["cost_per_lead"] > 0}
    assert paid
    for name, channel in paid.items():
        row = costs.loc[name]
        # Leads of a channel are a Poisson draw: their count's relative error is 1 / sqrt(n).
        bound = 4 * channel["cost_per_lead"] / math.sqrt(row.new_leads)
        assert abs(row.cost_per_lead - channel["cost_per_lead"]) < bound, (name, row.cost_per_lead, channel)


def test_days_between_stages_recover_the_true_means(store: Source, demo: tuple[str, Path, dict[str, Any]]) -> None:
    truth = demo[2]
    until = _settled(truth)
    moves = velocity.stage_to_stage(store, STAGES, until=until).set_index("step")
    stays = store.frame(velocity.stays(store).select("stage", "next_stage", "seconds", "entered"))
    stays = stays[(stays.entered < until) & stays.seconds.notna()]
    expected = {"lead→mql": truth["mean_days_to_mql"], "sal→sql": truth["mean_days_sal_to_sql"],
                "sql→opportunity": truth["mean_days_sql_to_opportunity"]}  # fmt: skip
    for step, mean in expected.items():
        a, b = step.split("→")
        days = stays[(stays.stage == a) & (stays.next_stage == b)].seconds / 86_400
        assert len(days) == moves.moves[step] > 30
        assert abs(moves.mean_days[step] - mean) < 4 * days.std() / math.sqrt(len(days)), (step, mean)
    # An opportunity's stay ends when it is won or lost: the sales cycle over both.
    in_opportunity = velocity.time_in_stage(store, STAGES, until=until).set_index("stage").loc["opportunity"]
    days = stays[stays.stage == "opportunity"].seconds / 86_400
    assert abs(in_opportunity.mean_days - truth["overall"]["mean_cycle_days"]) < 4 * days.std() / math.sqrt(len(days))


def test_the_mirror_on_duckdb_gives_the_stores_numbers_exactly(demo: tuple[str, Path, dict[str, Any]]) -> None:
    url, root, truth = demo
    now = datetime.fromisoformat(truth["until"])
    metrics = [
        lambda s: funnel.cohort_funnel(s, STAGES, by="channel"),
        lambda s: funnel.period_funnel(s, STAGES, period="week", by="segment"),
        lambda s: velocity.time_in_stage(s, STAGES, by="owner"),
        lambda s: velocity.stage_to_stage(s, STAGES, by="channel"),
        lambda s: velocity.stalled(s, STAGES, now=now),
        lambda s: compliance.sla_compliance(s, now=now, by="owner"),
        lambda s: compliance.speed_to_lead(s, by="owner"),
        lambda s: feedback.acceptance(s, by="score_band"),
        lambda s: feedback.rejection_reasons(s, by="campaign"),
        lambda s: revenue.revenue_kpis(s, by="channel"),
        lambda s: revenue.quota_attainment(s, by="team"),
        lambda s: revenue.cac(s),
        lambda s: revenue.reach(s),
    ]
    with open_source(EngineSpec("store"), url) as store, open_source(EngineSpec("duckdb", root), url) as duck:
        for metric in metrics:
            expected = metric(store)
            assert len(expected) > 0
            pd.testing.assert_frame_equal(metric(duck), expected, check_dtype=False, check_exact=False, rtol=1e-9)
