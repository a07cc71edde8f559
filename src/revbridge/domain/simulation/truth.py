"""The rates the simulation really used, so analytics can be checked against them.

Computed from the probabilities (``model.odds``), the channel mix and the companies' sizes, never by
counting what was drawn: an analytic that recovers these within sampling error works.

Rates are *eventual*: the share of MQLs that sales will ever accept, of opportunities that will ever
be won. Journeys still running at the end of the year are cut off there, so compare against leads
created at least ``settled_after_days`` before the end (or accept a small bias from open ones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from revbridge.domain.simulation.model import StageOdds


@dataclass(frozen=True, slots=True)
class FunnelTruth:
    """True rates for one slice of leads (a channel, a fit tier, or all)."""

    share: float  # of all leads
    lead_to_mql: float
    mql_to_sal: float  # sales' acceptance rate
    sal_to_sql: float
    sql_to_opportunity: float
    win_rate: float  # of opportunities
    lead_to_customer: float
    mean_cycle_days: float  # opportunity created → closed, over won and lost
    mean_deal_size: float  # amount of won opportunities
    cost_per_lead: float  # media spend per lead (0 for unpaid channels)


@dataclass(frozen=True, slots=True)
class Truth:
    seed: int
    leads: int
    since: datetime
    until: datetime
    settled_after_days: int  # journeys of leads created this long before ``until`` are complete
    overall: FunnelTruth
    channels: dict[str, FunnelTruth]
    tiers: dict[str, FunnelTruth]  # by fit to the ideal customer profile: high, medium, low
    rejection_reasons: dict[str, float]  # share of rejections giving each reason
    verdicts_on_time: float  # share of verdicts within clocks.accept_within
    first_touch_on_time: float | None  # share of first touches within clocks.first_touch_within
    mean_days_to_mql: float
    mean_hours_to_verdict: float  # business hours when the SLA's deadline counts them
    mean_days_sal_to_sql: float
    mean_days_sql_to_opportunity: float

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values (datetimes as ISO text)."""
        data = asdict(self)
        data["since"] = self.since.isoformat()
        data["until"] = self.until.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class Cell:
    """Leads of one channel and fit tier: their share of all leads, chances, and deal figures."""

    channel: str
    tier: str
    weight: float
    odds: StageOdds
    mean_deal: float
    mean_cycle: float
    cost_per_lead: float


def funnel_truth(cells: Iterable[Cell], total_weight: float) -> FunnelTruth:
    """The rates of a group of cells, each step's rate the ratio of expected leads reaching it."""
    reach = [0.0] * 6  # lead, mql, sal, sql, opportunity, customer
    cycle = deal = cost = 0.0
    for cell in cells:
        o = cell.odds
        steps = [cell.weight]
        for chance in (o.mql, o.accept, o.sql, o.opportunity, o.win):
            steps.append(steps[-1] * chance)
        for i, value in enumerate(steps):
            reach[i] += value
        cycle += steps[4] * cell.mean_cycle
        deal += steps[5] * cell.mean_deal
        cost += cell.weight * cell.cost_per_lead

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else 0.0

    return FunnelTruth(
        share=ratio(reach[0], total_weight),
        lead_to_mql=ratio(reach[1], reach[0]),
        mql_to_sal=ratio(reach[2], reach[1]),
        sal_to_sql=ratio(reach[3], reach[2]),
        sql_to_opportunity=ratio(reach[4], reach[3]),
        win_rate=ratio(reach[5], reach[4]),
        lead_to_customer=ratio(reach[5], reach[0]),
        mean_cycle_days=ratio(cycle, reach[4]),
        mean_deal_size=ratio(deal, reach[5]),
        cost_per_lead=ratio(cost, reach[0]),
    )


def grouped(cells: list[Cell], key: Callable[[Cell], str], order: Iterable[str]) -> dict[str, FunnelTruth]:
    total = sum(c.weight for c in cells)
    return {name: funnel_truth([c for c in cells if key(c) == name], total) for name in order}


def reason_shares(cells: Iterable[Cell], reasons_by_tier: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """P(reason | rejected): each cell's expected rejections spread over its tier's reasons."""
    totals: dict[str, float] = {}
    for cell in cells:
        rejected = cell.weight * cell.odds.mql * (1 - cell.odds.accept)
        for reason, chance in reasons_by_tier[cell.tier].items():
            totals[reason] = totals.get(reason, 0.0) + rejected * chance
    whole = sum(totals.values())
    return {reason: value / whole for reason, value in totals.items()} if whole else totals
