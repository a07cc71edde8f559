"""How fast leads move: time in each stage, from stage to stage, the lead-to-customer cycle, and leads
stalled in a stage.

A lead's **stay** in a stage runs from its entry (a transition into the stage) to its next transition,
whatever that is; a stay not yet ended is counted as ``ongoing`` and left out of the times. A **move**
from one stage to the next is a stay that ended by entering the next funnel stage. Times are
in days (whole seconds / 86,400). The **cycle** of a customer runs from its first transition (entering
the funnel) to its first ``customer`` transition. A lead is **stalled** when it has been in a funnel
stage longer than ``stalled_after`` days at ``now`` (default: that stage's p90 stay).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from revbridge.analytics.dimensions import lead_dimension
from revbridge.analytics.frames import flag, seconds, summarise
from revbridge.analytics.source import Source

DAY = 86_400.0
LEVELS = {"median_days": 0.5, "p90_days": 0.9}
SPREADS = {name: ("days", level) for name, level in LEVELS.items()}


def stays(source: Source) -> ir.Table:
    """Every stay: (lead_id, stage, entered, left or null, next stage or null, seconds or null). The ordered
    per-lead step (each transition's next) is a window function, the same on every engine."""
    t = source.table("stage_transitions")
    window = ibis.window(group_by=t.lead_id, order_by=[t.at, t.id])
    s = t.select(
        lead_id=t.lead_id,
        stage=t.to_stage,
        entered=t.at,
        # Nullable: Ibis keeps the column's NOT NULL on ``lead()``, which the last stay breaks.
        left=t.at.lead().over(window).cast(dt.Timestamp(nullable=True)),
        next_stage=t.to_stage.lead().over(window).cast(dt.String(nullable=True)),
    )
    return source.shared("stays", s.mutate(seconds=seconds(s.left) - seconds(s.entered)))


def _in_days(
    source: Source, s: ir.Table, key: str, since: datetime | None, until: datetime | None, by: str | None
) -> tuple[ir.Table, list[str]]:
    """Stays entered in ``[since, until)``, sliced ``by`` a dimension, with their ``days``; the group keys."""
    if since is not None:
        s = s.filter(s.entered >= since)
    if until is not None:
        s = s.filter(s.entered < until)
    keys = [key]
    if by is not None:
        s = s.join(lead_dimension(source, by), "lead_id")
        keys = [key, by]
    return s.mutate(days=s.seconds / DAY), keys


def time_in_stage(
    source: Source,
    stages: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Per stage (and slice): ``stays`` that ended, ``ongoing`` ones, and the median, p90 and mean days
    of the ended stays, for stays entered in ``[since, until)``."""
    s = stays(source)
    s, keys = _in_days(source, s.filter(s.stage.isin(list(stages))), "stage", since, until, by)
    aggregates = {"stays": s.days.count(), "ongoing": flag(s.left.isnull()).sum(), "mean_days": s.days.mean()}
    summary = summarise(source.engine, s, keys, aggregates, SPREADS)
    frame = source.frame(summary.select(*keys, "stays", "ongoing", *LEVELS, "mean_days"))
    order = {stage: i for i, stage in enumerate(stages)}
    frame = frame.sort_values(keys, key=lambda c: c.map(order) if c.name == "stage" else c, kind="stable")
    return frame.reset_index(drop=True)


def stage_to_stage(
    source: Source,
    stages: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """For each pair of neighbouring funnel stages: the stays in the first that ended by moving to the
    second (``moves``), entered in ``[since, until)``, and their median, p90 and mean days."""
    pairs = list(pairwise(stages))
    s = stays(source)
    pair = ibis.cases(
        *(((s.stage == a) & (s.next_stage == b), f"{a}→{b}") for a, b in pairs), else_=ibis.null("string")
    )
    s, keys = _in_days(source, s.mutate(step=pair).filter(pair.notnull()), "step", since, until, by)
    summary = summarise(source.engine, s, keys, {"moves": s.count(), "mean_days": s.days.mean()}, SPREADS)
    frame = source.frame(summary.select(*keys, "moves", *LEVELS, "mean_days"))
    order = {f"{a}→{b}": i for i, (a, b) in enumerate(pairs)}
    frame = frame.sort_values(keys, key=lambda c: c.map(order) if c.name == "step" else c, kind="stable")
    return frame.reset_index(drop=True)


def cycle(
    source: Source,
    *,
    first: str = "lead",
    last: str = "customer",
    since: datetime | None = None,
    until: datetime | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Days from entering the funnel to the first ``last`` transition (lead to customer), for leads that
    got there in ``[since, until)``: ``leads``, median, p90 and mean days."""
    t = source.table("stage_transitions")
    per_lead = t.group_by("lead_id").aggregate(
        entered=t.at.min(), arrived=ibis.cases((t.to_stage == last, t.at), else_=ibis.null("timestamp")).min()
    )
    done = per_lead.filter(per_lead.arrived.notnull())
    if since is not None:
        done = done.filter(done.arrived >= since)
    if until is not None:
        done = done.filter(done.arrived < until)
    done = done.mutate(days=(seconds(done.arrived) - seconds(done.entered)) / DAY, span=ibis.literal(f"{first}→{last}"))
    keys = ["span"]
    if by is not None:
        done = done.join(lead_dimension(source, by), "lead_id")
        keys = ["span", by]
    summary = summarise(source.engine, done, keys, {"leads": done.count(), "mean_days": done.days.mean()}, SPREADS)
    return source.frame(summary.select(*keys, "leads", *LEVELS, "mean_days"), keys)


def stalled(
    source: Source,
    stages: Sequence[str],
    *,
    now: datetime,
    stalled_after: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Per funnel stage: leads in it now (their last transition), how many of them have been there longer
    than ``stalled_after[stage]`` days (default: the stage's p90 stay), and the longest wait so far."""
    s = stays(source)
    current = s.filter(s.left.isnull() & s.stage.isin(list(stages)) & (s.entered <= now))
    current = current.mutate(days=(seconds(ibis.literal(now)) - seconds(current.entered)) / DAY)
    limits = stalled_after
    if limits is None:
        typical = time_in_stage(source, stages)
        limits = {row.stage: float(row.p90_days) for row in typical.itertuples() if pd.notna(row.p90_days)}
    nothing = ibis.null("float64")  # no limit known (no stay has ended yet): none is stalled
    limit = ibis.cases(*((current.stage == k, v) for k, v in limits.items()), else_=nothing) if limits else nothing
    current = current.mutate(allowed=limit)
    counts = current.group_by("stage").aggregate(
        in_stage=current.count(),
        stalled=flag(current.days > current.allowed).sum(),
        longest_days=current.days.max(),
    )
    frame = source.frame(counts)
    frame = pd.DataFrame({"stage": list(stages)}).merge(frame, on="stage", how="left")
    frame["in_stage"] = frame["in_stage"].fillna(0).astype("int64")
    frame["stalled"] = frame["stalled"].fillna(0).astype("int64")
    frame["stalled_after_days"] = frame["stage"].map(limits)
    return frame
