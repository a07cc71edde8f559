"""Single numbers over a window, for commitments, goals and signals: one definition each.

Every measure reads ``[since, until)`` as of ``now`` and is a **count** (it adds up over time: a goal's
forecast extrapolates it) or a **rate** (a goal's forecast is its value so far). ``higher_is_better``
says which way is good.

- ``mqls``: entries into MQL (a lead recycled and qualified again counts again);
- ``sals``, ``sqls``, ``opportunities``, ``customers``: entries into those stages;
- ``verdicts``: sales' verdicts given in the window; ``sal_acceptance_rate``: accepted ones ÷ all;
- ``acceptance_speed``: accept clocks due in the window and met in time ÷ those decided;
- ``follow_up_compliance``: the same for first-touch and attempts clocks;
- ``sql_to_opportunity_rate``: of the leads that entered SQL in the window, the share that became an
  opportunity since;
- ``won_revenue``: the amount of opportunities won in the window; ``win_rate``: won ÷ closed in it;
- ``speed_to_lead_hours``: median hours from MQL to first touch of the MQLs handed over in the window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import ibis
import ibis.expr.types as ir

from revbridge.analytics.compliance import speed_to_lead
from revbridge.analytics.frames import flag
from revbridge.analytics.source import Source
from revbridge.domain.errors import RevBridgeError
from revbridge.domain.measures import MEASURE_KINDS, MeasureKind

Window = tuple[datetime, datetime]
# A measure over several windows at once, in one query: scorecards and signals compare periods.
Measure = Callable[[Source, Sequence[Window], datetime], list[float | None]]


class UnknownMeasure(RevBridgeError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown measure {name!r}: use one of {', '.join(MEASURES)}")


def _row(source: Source, expr: ir.Table) -> dict[str, float | None]:
    row = source.frame(expr).iloc[0].to_dict()
    return {k: (None if v is None or v != v else float(v)) for k, v in row.items()}


def _in(moment: ir.TimestampValue, window: Window) -> ir.BooleanValue:
    return (moment >= window[0]) & (moment < window[1])


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if not whole or part is None else part / whole


def _entries(stage: str) -> Measure:
    def count(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
        t = source.table("stage_transitions")
        t = t.filter((t.to_stage == stage) & (t.at <= now))
        got = _row(source, t.aggregate(**{f"n{i}": flag(_in(t.at, w)).sum() for i, w in enumerate(windows)}))
        return [got[f"n{i}"] or 0.0 for i in range(len(windows))]

    return count


def _verdicts(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
    f = source.table("feedback")
    f = f.filter(f.at <= now)
    got = _row(source, f.aggregate(**{f"n{i}": flag(_in(f.at, w)).sum() for i, w in enumerate(windows)}))
    return [got[f"n{i}"] or 0.0 for i in range(len(windows))]


def _acceptance(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
    f = source.table("feedback")
    f = f.filter(f.at <= now)
    accepted = f.verdict == "accept"
    aggregates = {}
    for i, w in enumerate(windows):
        aggregates[f"n{i}"] = flag(_in(f.at, w)).sum()
        aggregates[f"a{i}"] = flag(_in(f.at, w) & accepted).sum()
    got = _row(source, f.aggregate(**aggregates))
    return [_ratio(got[f"a{i}"], got[f"n{i}"]) for i in range(len(windows))]


def _clocks(kinds: tuple[str, ...]) -> Measure:
    def rate(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
        o = source.table("obligations")
        o = o.filter(o.kind.isin(list(kinds)) & (o.status != "cancelled"))
        in_time = (o.status == "met") & (o.closed_at <= o.due_at)
        decided = (o.status != "open") | (o.due_at < now)
        aggregates = {}
        for i, w in enumerate(windows):
            aggregates[f"d{i}"] = flag(_in(o.due_at, w) & decided).sum()
            aggregates[f"t{i}"] = flag(_in(o.due_at, w) & in_time).sum()
        got = _row(source, o.aggregate(**aggregates))
        return [_ratio(got[f"t{i}"], got[f"d{i}"]) for i in range(len(windows))]

    return rate


def _sql_to_opportunity(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
    """Of the leads entering SQL in each window, the share with an opportunity since the window began."""
    t = source.table("stage_transitions")
    sqls = t.filter(t.to_stage == "sql")
    entered = sqls.group_by("lead_id").aggregate(
        **{f"in{i}": flag(_in(sqls.at, w)).max() for i, w in enumerate(windows)}
    )
    opportunities = t.filter((t.to_stage == "opportunity") & (t.at <= now))
    latest = opportunities.group_by(opp_lead=opportunities.lead_id).aggregate(opp_at=opportunities.at.max())
    joined = entered.left_join(latest, entered.lead_id == latest.opp_lead)
    aggregates = {}
    for i, w in enumerate(windows):
        aggregates[f"n{i}"] = joined[f"in{i}"].sum()
        aggregates[f"o{i}"] = flag((joined[f"in{i}"] == 1) & (joined.opp_at >= w[0])).sum()
    got = _row(source, joined.aggregate(**aggregates))
    return [_ratio(got[f"o{i}"], got[f"n{i}"]) for i in range(len(windows))]


def _closed(source: Source, windows: Sequence[Window], now: datetime) -> dict[str, float | None]:
    o = source.table("opportunities")
    o = o.filter(o.won.notnull() & (o.closed_at <= now))
    won = o.won == True  # noqa: E712 (an Ibis expression)
    aggregates = {}
    for i, w in enumerate(windows):
        aggregates[f"n{i}"] = flag(_in(o.closed_at, w)).sum()
        aggregates[f"w{i}"] = flag(_in(o.closed_at, w) & won).sum()
        aggregates[f"a{i}"] = ibis.cases((_in(o.closed_at, w) & won, o.amount.cast("float64")), else_=0.0).sum()
    return _row(source, o.aggregate(**aggregates))


def _won_revenue(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
    got = _closed(source, windows, now)
    return [got[f"a{i}"] or 0.0 for i in range(len(windows))]


def _win_rate(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
    got = _closed(source, windows, now)
    return [_ratio(got[f"w{i}"], got[f"n{i}"]) for i in range(len(windows))]


def _speed(source: Source, windows: Sequence[Window], now: datetime) -> list[float | None]:
    out: list[float | None] = []
    for since, until in windows:
        frame = speed_to_lead(source, since=since, until=min(until, now))
        value = None if frame.empty else frame["total_hours_median"].iloc[0]
        out.append(None if value is None or value != value else float(value))
    return out


COMPUTE: dict[str, Measure] = {
    "mqls": _entries("mql"),
    "sals": _entries("sal"),
    "sqls": _entries("sql"),
    "opportunities": _entries("opportunity"),
    "customers": _entries("customer"),
    "verdicts": _verdicts,
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
    return measures_over(source, name, [(since, until)], now=now)[0]


def measures_over(source: Source, name: str, windows: Sequence[Window], *, now: datetime) -> list[float | None]:
    """The measure ``name`` over each window, as of ``now``, in one query."""
    if name not in MEASURES:
        raise UnknownMeasure(name)
    return COMPUTE[name](source, windows, now)
