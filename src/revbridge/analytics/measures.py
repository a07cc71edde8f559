"""Single numbers over a window, for commitments, goals and signals: one definition each.

Every measure reads ``[since, until)`` as of ``now`` and is a **count** (it adds up over time: a goal's
forecast extrapolates it) or a **rate** (a goal's forecast is its value so far). ``higher_is_better``
says which way is good.

- ``mqls``: entries into MQL (a lead recycled and qualified again counts again);
- ``sals``, ``sqls``, ``opportunities``, ``customers``: entries into those stages;
- ``sal_acceptance_rate``: accepted verdicts ÷ verdicts given in the window;
- ``acceptance_speed``: accept clocks due in the window and met in time ÷ those decided;
- ``follow_up_compliance``: the same for first-touch and attempts clocks;
- ``sql_to_opportunity_rate``: of the leads that entered SQL in the window, the share that became an
  opportunity since;
- ``won_revenue``: the amount of opportunities won in the window; ``win_rate``: won ÷ closed in it;
- ``speed_to_lead_hours``: median hours from MQL to first touch of the MQLs handed over in the window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import ibis
import ibis.expr.types as ir

from revbridge.analytics.compliance import speed_to_lead
from revbridge.analytics.frames import flag
from revbridge.analytics.source import Source
from revbridge.domain.errors import RevBridgeError
from revbridge.domain.measures import MEASURE_KINDS, MeasureKind

Measure = Callable[[Source, datetime, datetime, datetime], float | None]


class UnknownMeasure(RevBridgeError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown measure {name!r}: use one of {', '.join(MEASURES)}")


def _scalar(source: Source, expr: ir.Table) -> dict[str, float | None]:
    row = source.frame(expr).iloc[0].to_dict()
    return {k: (None if v is None or v != v else float(v)) for k, v in row.items()}


def _entries(stage: str) -> Measure:
    def count(source: Source, since: datetime, until: datetime, now: datetime) -> float | None:
        t = source.table("stage_transitions")
        t = t.filter((t.to_stage == stage) & (t.at >= since) & (t.at < until) & (t.at <= now))
        return _scalar(source, t.aggregate(n=t.count()))["n"]

    return count


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if not whole or part is None else part / whole


def _acceptance(source: Source, since: datetime, until: datetime, now: datetime) -> float | None:
    f = source.table("feedback")
    f = f.filter((f.at >= since) & (f.at < until) & (f.at <= now))
    got = _scalar(source, f.aggregate(n=f.count(), accepted=flag(f.verdict == "accept").sum()))
    return _ratio(got["accepted"], got["n"])


def _clocks(kinds: tuple[str, ...]) -> Measure:
    def rate(source: Source, since: datetime, until: datetime, now: datetime) -> float | None:
        o = source.table("obligations")
        o = o.filter(o.kind.isin(list(kinds)) & (o.due_at >= since) & (o.due_at < until) & (o.status != "cancelled"))
        in_time = (o.status == "met") & (o.closed_at <= o.due_at)
        decided = (o.status != "open") | (o.due_at < now)
        got = _scalar(source, o.aggregate(decided=flag(decided).sum(), in_time=flag(in_time).sum()))
        return _ratio(got["in_time"], got["decided"])

    return rate


def _sql_to_opportunity(source: Source, since: datetime, until: datetime, now: datetime) -> float | None:
    t = source.table("stage_transitions")
    entered = t.filter((t.to_stage == "sql") & (t.at >= since) & (t.at < until)).select("lead_id").distinct()
    later = (
        t.filter((t.to_stage == "opportunity") & (t.at >= since) & (t.at <= now)).select(opp_lead=t.lead_id).distinct()
    )
    joined = entered.left_join(later, entered.lead_id == later.opp_lead)
    got = _scalar(source, joined.aggregate(n=joined.count(), won=flag(joined.opp_lead.notnull()).sum()))
    return _ratio(got["won"], got["n"])


def _won(source: Source, since: datetime, until: datetime, now: datetime) -> ir.Table:
    o = source.table("opportunities")
    return o.filter(o.won.notnull() & (o.closed_at >= since) & (o.closed_at < until) & (o.closed_at <= now))


def _won_revenue(source: Source, since: datetime, until: datetime, now: datetime) -> float | None:
    o = _won(source, since, until, now)
    amount = ibis.cases((o.won == True, o.amount.cast("float64")), else_=0.0)  # noqa: E712
    return _scalar(source, o.aggregate(amount=amount.sum()))["amount"] or 0.0


def _win_rate(source: Source, since: datetime, until: datetime, now: datetime) -> float | None:
    o = _won(source, since, until, now)
    got = _scalar(source, o.aggregate(n=o.count(), won=flag(o.won == True).sum()))  # noqa: E712
    return _ratio(got["won"], got["n"])


def _speed(source: Source, since: datetime, until: datetime, now: datetime) -> float | None:
    frame = speed_to_lead(source, since=since, until=min(until, now))
    if frame.empty:
        return None
    value = frame["total_hours_median"].iloc[0]
    return None if value != value else float(value)


COMPUTE: dict[str, Measure] = {
    "mqls": _entries("mql"),
    "sals": _entries("sal"),
    "sqls": _entries("sql"),
    "opportunities": _entries("opportunity"),
    "customers": _entries("customer"),
    "sal_acceptance_rate": _acceptance,
    "acceptance_speed": _clocks(("accept",)),
    "follow_up_compliance": _clocks(("first_touch", "attempts")),
    "sql_to_opportunity_rate": _sql_to_opportunity,
    "won_revenue": _won_revenue,
    "win_rate": _win_rate,
    "speed_to_lead_hours": _speed,
}
MEASURES: dict[str, MeasureKind] = MEASURE_KINDS
assert set(COMPUTE) == set(MEASURES), "every measure named in the domain is computed here"


def measure(source: Source, name: str, *, since: datetime, until: datetime, now: datetime) -> float | None:
    """The value of the measure ``name`` over ``[since, until)`` as of ``now``."""
    if name not in MEASURES:
        raise UnknownMeasure(name)
    return COMPUTE[name](source, since, until, now)
