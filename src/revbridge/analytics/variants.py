"""The shared numbers asked for by name and parameters, as the dashboard's pages ask for them.

A name alone is one of the overview's metrics (``overview.metrics``), over its windows. A few more are
asked with parameters, each set of parameters a number of its own:

- ``funnel_periods`` with ``period`` (week, month, quarter or year): the last year's entries into each
  stage per period (the overview's is per week);
- ``funnel_stages``: the last year's leads as one cohort, how far they got (no slice);
- ``revenue_total``: the revenue numbers of the last year over everything (the overview's are per
  channel);
- ``rejection_reasons`` with ``by`` (a dimension, e.g. campaign): the last 90 days' rejection reasons
  per slice (the overview's are per channel);
- ``ltv_to_cac`` with ``margin`` (gross margin, 0–1) and ``churn`` (customers lost a year, 0–1): CAC,
  LTV and LTV:CAC per channel over the last year;
- ``attribution`` with ``to`` (the milestone a journey converts at) and ``lookback_days``: every
  model's credit per channel for the journeys that converted in the last year (and those that did not);
- ``teams``: the teams' names and kinds, to cut the numbers to one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pandas as pd

from revbridge.analytics import feedback, funnel, revenue
from revbridge.analytics.overview import Metric, metrics
from revbridge.analytics.source import Source
from revbridge.domain.errors import InvalidInput
from revbridge.domain.sla_sections import Commitments

Param = str | int | float | bool | None
YEAR = timedelta(days=365)
QUARTER = timedelta(days=90)


class UnknownMetric(InvalidInput):
    def __init__(self, name: str, params: dict[str, Param], known: Sequence[str]) -> None:
        self.name = name
        asked = f"{name!r} with {', '.join(f'{k}={v!r}' for k, v in params.items())}" if params else repr(name)
        super().__init__(f"no shared number {asked}; the names are: {', '.join(known)}")


def _periods(stages: Sequence[str], now: datetime, period: str = "week") -> Metric:
    return lambda s: funnel.period_funnel(s, stages, since=now - YEAR, until=now, period=period)


def _stages(stages: Sequence[str], now: datetime) -> Metric:
    return lambda s: funnel.cohort_funnel(s, stages, since=now - YEAR, until=now, period=None)


def _revenue_total(_: Sequence[str], now: datetime) -> Metric:
    return lambda s: revenue.revenue_kpis(s, since=now - YEAR, until=now)


def _reasons(_: Sequence[str], now: datetime, by: str = "channel") -> Metric:
    return lambda s: feedback.rejection_reasons(s, by=by, since=now - QUARTER, until=now)


def _ltv(_: Sequence[str], now: datetime, margin: float = 0.8, churn: float = 0.15) -> Metric:
    return lambda s: revenue.ltv_to_cac(s, gross_margin=margin, churn=churn, since=now - YEAR, until=now)


def _attribution(_: Sequence[str], now: datetime, to: str = "customer", lookback_days: int = 90) -> Metric:
    def every_model(source: Source) -> pd.DataFrame:
        from revbridge.analytics.attribution import MODELS  # numpy and scipy's models: only when asked for
        from revbridge.analytics.attribution.compare import credit_by_model
        from revbridge.analytics.journeys import journeys

        window = timedelta(days=lookback_days)
        return credit_by_model(journeys(source, until=now, milestone=to, lookback=window, since=now - YEAR), MODELS)

    return every_model


def _teams(_: Sequence[str], __: datetime) -> Metric:
    return lambda s: s.frame(s.table("teams").select("name", "kind"), ["name"])


VARIANTS: dict[str, Callable[..., Metric]] = {
    "funnel_periods": _periods,
    "funnel_stages": _stages,
    "revenue_total": _revenue_total,
    "rejection_reasons": _reasons,
    "ltv_to_cac": _ltv,
    "attribution": _attribution,
    "teams": _teams,
}


def metric(name: str, stages: Sequence[str], commitments: Commitments, *, now: datetime, **params: Param) -> Metric:
    """The metric ``name`` asked with ``params``, as of ``now``: an overview metric when there are none
    and it is one, else a variant above; ``UnknownMetric`` for anything else."""
    plain = metrics(stages, commitments, now=now)
    if not params and name in plain:
        return plain[name]
    build = VARIANTS.get(name)
    if build is None:
        raise UnknownMetric(name, params, [*plain, *(v for v in VARIANTS if v not in plain)])
    try:
        return build(stages, now, **params)
    except TypeError:  # a parameter this metric does not take
        raise UnknownMetric(name, params, [*plain, *(v for v in VARIANTS if v not in plain)]) from None
