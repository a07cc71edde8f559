"""The funnel's true probabilities and delays: what the simulation draws from, and what ``Truth`` reports.

Every chance a lead has depends on its channel and its fit tier (how well it matches the ideal
customer profile): ``odds(channel, tier)``. Delays do not depend on either, so their means are exact
constants. Nothing here is random; ``journeys.py`` draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StageOdds:
    """The chance of each step for one kind of lead."""

    mql: float  # lead → MQL
    accept: float  # MQL → SAL: sales accepts (otherwise rejects with a reason)
    sql: float  # SAL → SQL
    opportunity: float  # SQL → opportunity
    win: float  # opportunity → customer


@dataclass(frozen=True, slots=True)
class _ChannelEffect:
    mql: float  # lead → MQL for a medium-fit lead
    accept_shift: float  # added to the tier's acceptance rate
    sql: float  # multiplies the tier's rates
    opportunity: float
    win: float


# Referral and events bring people who already mean it; paid social brings many who do not.
_CHANNEL_EFFECTS: dict[str, _ChannelEffect] = {
    "paid_search": _ChannelEffect(0.22, 0.00, 1.00, 1.00, 1.00),
    "paid_social": _ChannelEffect(0.10, -0.12, 0.80, 0.90, 0.85),
    "organic_search": _ChannelEffect(0.16, 0.00, 0.95, 1.00, 1.00),
    "email": _ChannelEffect(0.12, -0.04, 0.90, 0.95, 0.95),
    "events": _ChannelEffect(0.30, 0.06, 1.10, 1.05, 1.15),
    "webinar": _ChannelEffect(0.26, 0.02, 1.00, 1.00, 1.00),
    "referral": _ChannelEffect(0.40, 0.10, 1.20, 1.10, 1.35),
    "direct": _ChannelEffect(0.20, 0.02, 1.05, 1.00, 1.05),
}
_DEFAULT_EFFECT = _ChannelEffect(0.15, 0.0, 1.0, 1.0, 1.0)

_TIER_ODDS: dict[str, StageOdds] = {
    "high": StageOdds(mql=1.6, accept=0.86, sql=0.60, opportunity=0.70, win=0.33),
    "medium": StageOdds(mql=1.0, accept=0.68, sql=0.45, opportunity=0.56, win=0.24),
    "low": StageOdds(mql=0.35, accept=0.34, sql=0.22, opportunity=0.38, win=0.13),
}


def _clamp(value: float, low: float = 0.02, high: float = 0.95) -> float:
    return min(high, max(low, value))


def odds(channel: str, tier: str) -> StageOdds:
    """The true chances of each funnel step for a lead from ``channel`` with fit ``tier``."""
    effect = _CHANNEL_EFFECTS.get(channel, _DEFAULT_EFFECT)
    base = _TIER_ODDS[tier]
    return StageOdds(
        mql=_clamp(effect.mql * base.mql),
        accept=_clamp(base.accept + effect.accept_shift, high=0.97),
        sql=_clamp(base.sql * effect.sql),
        opportunity=_clamp(base.opportunity * effect.opportunity),
        win=_clamp(base.win * effect.win, high=0.8),
    )


# --- what happens to a lead's fit tier: which companies and titles it draws from ----------------------

# P(account pool, title pool | lead tier): a high-fit lead is a senior person at an ideal company.
TIER_SOURCES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "high": (("high", "high", 1.0),),
    "medium": (("high", "medium", 0.5), ("medium", "high", 0.2), ("medium", "medium", 0.3)),
    "low": (("low", "medium", 0.3), ("low", "low", 0.3), ("medium", "low", 0.25), ("high", "low", 0.15)),
}

# --- delays -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Uniform:
    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True, slots=True)
class OnTime:
    """A delay measured against an SLA deadline: ``share`` within it, the rest late."""

    share: float
    early: Uniform  # as fractions of the deadline
    late: Uniform

    @property
    def mean_fraction(self) -> float:
        return self.share * self.early.mean + (1 - self.share) * self.late.mean


FAST_MQL_SHARE = 0.25  # hand-raisers (demo requests) become MQLs within a day
FAST_MQL_DAYS = Uniform(0.02, 1.0)
SLOW_MQL_DAYS = Uniform(1.0, 45.0)
VERDICT = OnTime(0.86, Uniform(0.05, 1.0), Uniform(1.0, 6.0))  # of clocks.accept_within
FIRST_TOUCH = OnTime(0.82, Uniform(0.05, 1.0), Uniform(1.0, 8.0))  # of clocks.first_touch_within
SAL_TO_SQL_DAYS = Uniform(2.0, 30.0)
SAL_STALL_DAYS = Uniform(14.0, 45.0)  # a SAL that goes nowhere is recycled (or disqualified) after this
SQL_TO_OPPORTUNITY_DAYS = Uniform(1.0, 21.0)
SQL_STALL_DAYS = Uniform(10.0, 40.0)
STALLED_DISQUALIFIED = 0.2  # share of stalled SALs and SQLs disqualified rather than recycled


def mean_days_to_mql() -> float:
    return FAST_MQL_SHARE * FAST_MQL_DAYS.mean + (1 - FAST_MQL_SHARE) * SLOW_MQL_DAYS.mean


def settled_after_days(longest_cycle: float, longest_verdict_days: float) -> int:
    """Leads created at least this many days before the end have finished their journey."""
    longest = (
        SLOW_MQL_DAYS.high
        + longest_verdict_days
        + max(
            SAL_STALL_DAYS.high,
            SAL_TO_SQL_DAYS.high + max(SQL_STALL_DAYS.high, SQL_TO_OPPORTUNITY_DAYS.high + longest_cycle),
        )
    )
    return int(longest) + 1


# --- why sales rejects --------------------------------------------------------------------------------

# Poorly fitting leads are mostly disqualified (wrong persona, student...); good ones mostly recycled
# (no budget, bad timing). Within an action, reasons listed earlier in the SLA are given more often.
_ACTION_WEIGHT: dict[str, dict[str, float]] = {
    "high": {"recycle": 3.0, "disqualify": 0.6},
    "medium": {"recycle": 2.0, "disqualify": 1.0},
    "low": {"recycle": 1.0, "disqualify": 2.5},
}
_LATER_REASON = 0.7  # each later reason of the same action is this much less common


def reason_chances(actions: Mapping[str, str], tiers: Iterable[str]) -> dict[str, dict[str, float]]:
    """P(reason | rejected, tier) for the SLA's reasons, given as name -> action in file order."""
    out: dict[str, dict[str, float]] = {}
    for tier in tiers:
        rank: dict[str, int] = {}
        weights: dict[str, float] = {}
        for name, action in actions.items():
            weights[name] = _ACTION_WEIGHT[tier].get(action, 1.0) * _LATER_REASON ** rank.get(action, 0)
            rank[action] = rank.get(action, 0) + 1
        total = sum(weights.values())
        out[tier] = {name: weight / total for name, weight in weights.items()}
    return out
