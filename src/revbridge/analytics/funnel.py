"""The funnel, read from the append-only log of stage transitions.

**Cohort funnel.** Leads are grouped by when they entered the funnel (their first transition) and
followed wherever they went since: how many reached each stage, the share of the cohort, and the
conversion from the stage before. A lead counts as having reached a stage when it reached that stage
or any later one (an import may start a lead further down). ``entries`` counts every entry into the
stage, so a lead recycled through nurture and qualified again counts twice there; ``recycled`` is the
number of the cohort's leads that went to nurture at least once.

**Period funnel.** What happened in each period, whoever it happened to: the distinct leads that
entered each stage in the period, and all entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

import ibis
import ibis.expr.types as ir
import pandas as pd

from revbridge.analytics.dimensions import lead_dimension
from revbridge.analytics.frames import flag, within
from revbridge.analytics.source import Source
from revbridge.domain.errors import RevBridgeError
from revbridge.domain.stages import NURTURE

PERIODS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}
ALL = "all"  # the one cohort of ``period=None``


class UnknownPeriod(RevBridgeError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown period {name!r}: use one of {', '.join(PERIODS)}")


def _bucket(moment: ir.TimestampValue, period: str | None) -> ir.Value:
    if period is None:
        return ibis.literal(ALL)
    if period not in PERIODS:
        raise UnknownPeriod(period)
    return moment.truncate(PERIODS[period])


def _rank(stage: ir.StringValue, stages: Sequence[str], nurture: int | None = None) -> ir.IntegerValue:
    """The stage's place in the funnel; ``nurture`` for nurture if given; null for other side states."""
    cases = [(stage == name, i) for i, name in enumerate(stages)]
    if nurture is not None:
        cases.append((stage == NURTURE, nurture))
    return ibis.cases(*cases, else_=ibis.null("int64"))


def _sliced(source: Source, table: ir.Table, by: str | None) -> tuple[ir.Table, list[str]]:
    if by is None:
        return table, []
    dimension = lead_dimension(source, by)
    return table.join(dimension, "lead_id"), [by]


def cohort_funnel(
    source: Source,
    stages: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    period: str | None = "month",
    by: str | None = None,
) -> pd.DataFrame:
    """One row per (cohort, slice, stage): ``leads`` that reached it, their ``share`` of the cohort,
    ``from_previous`` (conversion from the stage before), ``entries`` (recycled loops counted) and the
    cohort's ``cohort_leads`` and ``recycled``. Cohorts are leads entering in ``[since, until)``, grouped
    by ``period`` (None: one cohort, ``all``)."""
    t = source.table("stage_transitions")
    # One pass: per lead, when it entered, how far it got, whether it was nurtured, and its entries into
    # each stage; then per cohort, the sums.
    # The stage's rank is computed once a row (nurture is -1): counting ranks is cheaper than comparing text.
    t = t.mutate(_rank=_rank(t.to_stage, stages, nurture=-1))
    per_lead = t.group_by("lead_id").aggregate(
        entered=t.at.min(),
        furthest=t._rank.max(),
        nurtured=t.count(where=t._rank == -1),
        **{f"entered_{i}": t.count(where=t._rank == i) for i in range(len(stages))},
    )
    per_lead = source.shared(f"per_lead:{','.join(stages)}", per_lead)
    per_lead = per_lead.filter(within(per_lead.entered, since, until))
    per_lead = per_lead.mutate(cohort=_bucket(per_lead.entered, period))
    per_lead, keys = _sliced(source, per_lead, by)
    group = ["cohort", *keys]
    reached = {f"reached_{i}": flag(per_lead.furthest >= i).sum() for i in range(len(stages))}
    entries = {f"entries_{i}": per_lead[f"entered_{i}"].sum() for i in range(len(stages))}
    sizes = per_lead.group_by(group).aggregate(
        cohort_leads=per_lead.count(), recycled=flag(per_lead.nurtured > 0).sum(), **reached, **entries
    )
    wide = source.frame(sizes, group)
    rows: list[dict[str, object]] = []
    for record in wide.to_dict("records"):
        previous: float | None = None
        for i, stage in enumerate(stages):
            leads = int(record[f"reached_{i}"] or 0)
            rows.append(
                {
                    **{k: record[k] for k in group},
                    "stage": stage,
                    "leads": leads,
                    "share": leads / record["cohort_leads"] if record["cohort_leads"] else None,
                    "from_previous": None if previous is None else (leads / previous if previous else None),
                    "cohort_leads": int(record["cohort_leads"]),
                    "recycled": int(record["recycled"] or 0),
                    "entries": int(record[f"entries_{i}"] or 0),
                }
            )
            previous = leads
    columns = [*group, "stage", "leads", "share", "from_previous", "cohort_leads", "recycled", "entries"]
    return pd.DataFrame(rows, columns=columns)


def conversion(
    source: Source,
    stages: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Stage-to-stage and lead-to-customer conversion of the leads entering in ``[since, until)``: one
    row per slice, a column ``<a>→<b>`` per pair of neighbouring stages and ``<first>→<last>``."""
    funnel = cohort_funnel(source, stages, since=since, until=until, period=None, by=by)
    keys = [by] if by else []
    rows = []
    for key, part in funnel.groupby(keys or (lambda _: ALL), sort=True):
        reached = dict(zip(part["stage"], part["leads"], strict=True))
        row: dict[str, object] = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=False))
        row["leads"] = int(part["cohort_leads"].iloc[0])
        for a, b in pairwise(stages):
            row[f"{a}→{b}"] = reached[b] / reached[a] if reached[a] else None
        row[f"{stages[0]}→{stages[-1]}"] = reached[stages[-1]] / reached[stages[0]] if reached[stages[0]] else None
        rows.append(row)
    return pd.DataFrame(rows)


def period_funnel(
    source: Source,
    stages: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    period: str = "month",
    by: str | None = None,
) -> pd.DataFrame:
    """One row per (period, slice, stage): the distinct ``leads`` that entered the stage in the period,
    and all its ``entries``."""
    t = source.table("stage_transitions")
    t = t.filter(t.to_stage.isin(list(stages)) & within(t.at, since, until))
    t = t.mutate(period=_bucket(t.at, period), stage=t.to_stage)
    t, keys = _sliced(source, t, by)
    per_lead = t.group_by(["period", *keys, "stage", "lead_id"]).aggregate(entries=t.count())
    counts = per_lead.group_by(["period", *keys, "stage"]).aggregate(
        leads=per_lead.count(), entries=per_lead.entries.sum()
    )
    frame = source.frame(counts, ["period", *keys])
    order = {stage: i for i, stage in enumerate(stages)}
    frame = frame.sort_values(["period", *keys, "stage"], key=lambda c: c.map(order) if c.name == "stage" else c)
    return frame.reset_index(drop=True)
