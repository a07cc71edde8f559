"""What a proposed SLA would have done to the stored history, beside what actually happened.

The stored touchpoints are replayed under the proposed scoring and qualification (``domain/sla_replay``):
a lead's **proposed MQL moment** is the first touchpoint at which the proposed MQL condition holds, with
the scores as they stood just after it. Only the first qualification is replayed: re-entries from
nurture depend on verdicts the proposed SLA would have received, which nobody can know.

- **Proposed MQLs**: leads whose proposed MQL moment falls in the window [since, until). A lead whose
  moment falls before ``since`` would already have been an MQL: counted apart, not in the window.
- **Actual MQLs**: leads that entered MQL in the window under the SLA(s) then in force (by the version
  that decided each, or imported); ``entries`` counts each entry, as the scorecard's ``mqls`` does.
- **Overlap**: both, only proposed, only actual (leads).
- **Verdict**: sales' first verdict on the lead in the window, on whichever hand-off: accepted or
  rejected. A lead sales was never handed in the window has none: **never judged**, which is unknown,
  never counted as accepted or rejected. So most "only proposed" MQLs are unknown by construction.
- **Opportunities**, **customers**: leads that entered that stage in the window, whatever handed them
  over: what actually happened to those leads under the SLA then in force, not what the proposed one
  would have caused.
- **Commitments** of the proposed SLA that the history can answer: marketing's ``mql_volume`` (proposed
  MQLs per its period, periods wholly in the window; met when the average reaches the target) and
  ``sal_acceptance_rate`` (accepted ÷ judged among the proposed MQLs), and sales'
  ``sql_to_opportunity_rate`` (of the proposed MQLs that entered SQL in the window, the share that
  entered opportunity after it). Sales' ``acceptance_speed`` and ``follow_up_compliance`` depend on how
  sales would have treated leads it never got: unknown; the change in MQLs per period is shown instead.

Periods (week from Monday, month, quarter) are in UTC. Pure: numpy, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from revbridge.domain.periods import next_start, period_start
from revbridge.domain.scoring_batch import Bools, Floats, Ints
from revbridge.domain.sla_sections import Commitments

MET, MISSED, UNKNOWN = "met", "missed", "unknown"
IMPORTED = "imported"


@dataclass(frozen=True)
class Events:
    """Moments (seconds since the epoch) of one kind of event, each of a lead (an index 0..n-1)."""

    lead: Ints
    seconds: Floats

    @classmethod
    def empty(cls) -> Events:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0))

    def within(self, since: float, until: float) -> Events:
        keep = (self.seconds >= since) & (self.seconds < until)
        return Events(self.lead[keep], self.seconds[keep])

    def first(self, leads: int) -> Floats:
        """Per lead, the earliest moment; NaN if none."""
        out = np.full(leads, np.inf)
        np.minimum.at(out, self.lead, self.seconds)
        out[np.isinf(out)] = np.nan
        return out


@dataclass(frozen=True)
class History:
    """What actually happened: MQL entries (with the SLA version that decided each, -1 if imported),
    verdicts (accepted or not), and entries into SQL, opportunity and customer."""

    mql: Events
    mql_version: Ints
    verdict: Events
    accepted: Bools
    entered: Mapping[str, Events]  # sql, opportunity, customer


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    @property
    def bounds(self) -> tuple[float, float]:
        return self.since.timestamp(), self.until.timestamp()


def periods(window: Window, per: str) -> list[datetime]:
    """The starts of the periods that overlap the window."""
    start, out = period_start(window.since, per), []
    while start < window.until:
        out.append(start)
        start = next_start(start, per)
    return out


def count_per_period(seconds: Floats, starts: Sequence[datetime], until: datetime) -> Ints:
    """How many of ``seconds`` fall in each period (the last one ends at ``until``)."""
    edges = np.array([s.timestamp() for s in starts] + [until.timestamp()])
    counts, _ = np.histogram(seconds[~np.isnan(seconds)], bins=edges)
    return counts.astype(np.int64)


def whole_periods(starts: Sequence[datetime], window: Window, per: str) -> Bools:
    """Which periods lie wholly in the window."""
    return np.array([s >= window.since and next_start(s, per) <= window.until for s in starts], dtype=bool)


@dataclass
class Side:
    """One set of MQL leads and what became of them."""

    leads: int = 0
    accepted: int = 0
    rejected: int = 0
    never_judged: int = 0
    sqls: int = 0
    opportunities: int = 0
    customers: int = 0
    sql_to_opportunity: int = 0

    @property
    def acceptance_rate(self) -> float | None:
        judged = self.accepted + self.rejected
        return self.accepted / judged if judged else None

    @property
    def sql_to_opportunity_rate(self) -> float | None:
        return self.sql_to_opportunity / self.sqls if self.sqls else None


@dataclass
class CommitmentRow:
    team: str
    commitment: str
    target: float
    per: str
    target_text: str
    proposed: float | None
    actual: float | None
    status: str  # met | missed | unknown, for the proposed SLA
    note: str


@dataclass
class WhatIf:
    since: datetime
    until: datetime
    per: str
    proposed: Side
    actual: Side
    before_since: int  # leads the proposed SLA would have made MQLs before the window
    actual_entries: int
    actual_by_version: dict[str, int]
    both: int
    only_proposed: int
    only_actual: int
    period_rows: list[dict[str, Any]]
    commitments: list[CommitmentRow]
    caveats: list[str] = field(default_factory=list)


def _side(members: Bools, history: History, window: Window) -> Side:
    since, until = window.bounds
    leads = len(members)
    rows = _within_mask(history.verdict.seconds, since, until)
    v_lead, v_at, v_accepted = history.verdict.lead[rows], history.verdict.seconds[rows], history.accepted[rows]
    order = np.lexsort((v_at, v_lead))
    first_lead, first_row = np.unique(v_lead[order], return_index=True)
    judged = np.zeros(leads, dtype=bool)
    judged[first_lead] = True
    first_accepted = np.zeros(leads, dtype=bool)
    first_accepted[first_lead] = v_accepted[order][first_row]
    entered = {name: events.within(since, until).first(leads) for name, events in history.entered.items()}
    empty = np.full(leads, np.nan)
    sql, opportunity = entered.get("sql", empty), entered.get("opportunity", empty)
    customer = entered.get("customer", empty)
    reached_sql = members & ~np.isnan(sql)
    return Side(
        leads=int(members.sum()),
        accepted=int((members & judged & first_accepted).sum()),
        rejected=int((members & judged & ~first_accepted).sum()),
        never_judged=int((members & ~judged).sum()),
        sqls=int(reached_sql.sum()),
        opportunities=int((members & ~np.isnan(opportunity)).sum()),
        customers=int((members & ~np.isnan(customer)).sum()),
        sql_to_opportunity=int((reached_sql & (np.nan_to_num(opportunity, nan=-np.inf) >= sql)).sum()),
    )


def _within_mask(seconds: Floats, since: float, until: float) -> Bools:
    within: Bools = (seconds >= since) & (seconds < until)
    return within


def what_if(
    proposed_at: Floats,
    history: History,
    window: Window,
    *,
    per: str,
    commitments: Commitments,
    caveats: Sequence[str] = (),
) -> WhatIf:
    """The comparison, for ``proposed_at`` (each lead's proposed MQL moment, NaN: never) and the history."""
    since, until = window.bounds
    leads = len(proposed_at)
    with np.errstate(invalid="ignore"):
        proposed = (proposed_at >= since) & (proposed_at < until)
        before = proposed_at < since
    mql_rows = _within_mask(history.mql.seconds, since, until)
    actual = np.zeros(leads, dtype=bool)
    actual[history.mql.lead[mql_rows]] = True
    versions, counts = np.unique(history.mql_version[mql_rows], return_counts=True)
    by_version = {(IMPORTED if v < 0 else f"version {v}"): int(c) for v, c in zip(versions, counts, strict=True)}
    starts = periods(window, per)
    proposed_counts = count_per_period(np.where(proposed, proposed_at, np.nan), starts, window.until)
    actual_counts = count_per_period(history.mql.seconds[mql_rows], starts, window.until)
    whole = whole_periods(starts, window, per)
    period_rows = [
        {"period": s, "whole": bool(w), "proposed": int(p), "actual": int(a)}
        for s, w, p, a in zip(starts, whole, proposed_counts, actual_counts, strict=True)
    ]
    proposed_side, actual_side = _side(proposed, history, window), _side(actual, history, window)
    result = WhatIf(
        since=window.since,
        until=window.until,
        per=per,
        proposed=proposed_side,
        actual=actual_side,
        before_since=int(before.sum()),
        actual_entries=int(mql_rows.sum()),
        actual_by_version=by_version,
        both=int((proposed & actual).sum()),
        only_proposed=int((proposed & ~actual).sum()),
        only_actual=int((actual & ~proposed).sum()),
        period_rows=period_rows,
        commitments=[],
        caveats=list(caveats),
    )
    result.commitments = _commitments(result, commitments, proposed_at, proposed, history, window)
    return result


def _status(value: float | None, target: float) -> str:
    if value is None:
        return UNKNOWN
    return MET if value >= target else MISSED


def _commitments(
    result: WhatIf,
    commitments: Commitments,
    proposed_at: Floats,
    proposed: Bools,
    history: History,
    window: Window,
) -> list[CommitmentRow]:
    since, until = window.bounds
    rows: list[CommitmentRow] = []
    marketing, sales = commitments.marketing, commitments.sales
    if marketing.mql_volume is not None:
        volume, per = float(marketing.mql_volume.target), marketing.mql_volume.per
        starts = periods(window, per)
        whole = whole_periods(starts, window, per)
        mql_rows = _within_mask(history.mql.seconds, since, until)
        mine = count_per_period(np.where(proposed, proposed_at, np.nan), starts, window.until)
        theirs = count_per_period(history.mql.seconds[mql_rows], starts, window.until)
        chosen = whole if whole.any() else np.ones(len(starts), dtype=bool)
        mean_mine, mean_theirs = float(mine[chosen].mean()), float(theirs[chosen].mean())
        met = int((mine[chosen] >= volume).sum())
        rows.append(
            CommitmentRow(
                "marketing",
                "mql_volume",
                volume,
                per,
                marketing.mql_volume.describe(),
                mean_mine,
                mean_theirs,
                _status(mean_mine, volume),
                f"average per {per} over {int(chosen.sum())} {'whole ' if whole.any() else ''}{per}s; "
                f"target met in {met}",
            )
        )
    if marketing.sal_acceptance_rate is not None:
        target = marketing.sal_acceptance_rate.target
        side = result.proposed
        rows.append(
            CommitmentRow(
                "marketing",
                "sal_acceptance_rate",
                float(target),
                marketing.sal_acceptance_rate.per,
                marketing.sal_acceptance_rate.describe(),
                side.acceptance_rate,
                result.actual.acceptance_rate,
                _status(side.acceptance_rate, target),
                f"accepted ÷ judged over the window: {side.accepted} of {side.accepted + side.rejected} judged; "
                f"{side.never_judged} never judged (unknown)",
            )
        )
    change = _load_change(result)
    for name in ("acceptance_speed", "follow_up_compliance"):
        target_spec = getattr(sales, name)
        if target_spec is not None:
            rows.append(
                CommitmentRow(
                    "sales",
                    name,
                    float(target_spec.target),
                    target_spec.per,
                    target_spec.describe(),
                    None,
                    None,
                    UNKNOWN,
                    f"depends on how sales would have treated leads it never got; {change}",
                )
            )
    if sales.sql_to_opportunity_rate is not None:
        target = sales.sql_to_opportunity_rate.target
        side = result.proposed
        rows.append(
            CommitmentRow(
                "sales",
                "sql_to_opportunity_rate",
                float(target),
                sales.sql_to_opportunity_rate.per,
                sales.sql_to_opportunity_rate.describe(),
                side.sql_to_opportunity_rate,
                result.actual.sql_to_opportunity_rate,
                _status(side.sql_to_opportunity_rate, target),
                f"over the window: {side.sql_to_opportunity} of the {side.sqls} proposed MQLs that reached SQL",
            )
        )
    return rows


def _load_change(result: WhatIf) -> str:
    proposed, actual = result.proposed.leads, result.actual.leads
    if not actual:
        return f"sales would get {proposed} MQLs where it got none"
    change = (proposed - actual) / actual
    return f"sales would get {abs(change):.0%} {'more' if change >= 0 else 'fewer'} MQLs ({proposed} vs {actual})"


def as_utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
