"""Helpers every metric uses: results as data frames, whole seconds, flags, exact quantiles.

Each engine returns times its own way (naive UTC from SQLite and Spark, aware from DuckDB and
PostgreSQL): every time column comes back as aware UTC, so the same metric on any engine gives equal
frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa


def frame_of(rows: pa.Table, order: Sequence[str] = ()) -> pd.DataFrame:
    """``rows`` as a data frame, times as aware UTC, sorted by ``order`` (an engine returns rows in any order)."""
    frame = rows.to_pandas()
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            frame[name] = column.dt.tz_convert("UTC").dt.as_unit("us")
        elif pd.api.types.is_datetime64_dtype(column.dtype):
            frame[name] = column.dt.tz_localize("UTC").dt.as_unit("us")
    if order:
        frame = frame.sort_values(list(order), kind="stable").reset_index(drop=True)
    return frame


def seconds(moment: ir.TimestampValue) -> ir.FloatingValue:
    """Whole seconds since the epoch: the same number on every engine (some give fractions, some not), as
    a double (exact for any moment), so that what is divided by it stays a double (PostgreSQL's
    ``extract(epoch …)`` is numeric, which would make every mean a decimal)."""
    return moment.epoch_seconds().floor().cast("float64")


def within(moment: ir.TimestampValue, since: datetime | None, until: datetime | None) -> ir.BooleanValue:
    """``moment`` in ``[since, until)``; either end may be open (None)."""
    keep = ibis.literal(True)
    if since is not None:
        keep &= moment >= since
    if until is not None:
        keep &= moment < until
    return keep


def flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where ``condition`` holds, else 0 (PostgreSQL cannot cast a boolean to a bigint)."""
    return ibis.cases((condition, 1), else_=0)


def quantiles(table: ir.Table, by: Sequence[str], value: str, levels: dict[str, float]) -> ir.Table:
    """Per group of ``by``, each quantile of ``value`` named in ``levels`` (``{"median": 0.5}``), exactly
    and the same on every engine: linear between the two nearest ranks (numpy's default, PostgreSQL's
    ``percentile_cont``), computed from row numbers, since not every engine has a quantile aggregate."""
    kept = table.filter(table[value].notnull())
    ranked = kept.mutate(
        _rank=ibis.row_number().over(ibis.window(group_by=list(by), order_by=kept[value])),
        _n=kept[value].count().over(ibis.window(group_by=list(by))),
    )
    aggregates: dict[str, ir.Value] = {}
    for name, level in levels.items():
        position = (ranked._n - 1) * level
        low = position.floor().cast("int64")
        high = ibis.least(low + 1, ranked._n - 1)
        at_low = ibis.cases((ranked._rank == low, ranked[value].cast("float64")), else_=ibis.null("float64")).max()
        at_high = ibis.cases((ranked._rank == high, ranked[value].cast("float64")), else_=ibis.null("float64")).max()
        fraction = (position - low).max()
        aggregates[name] = at_low + (at_high - at_low) * fraction
    return ranked.group_by(list(by)).aggregate(**aggregates)


EXACT_QUANTILES = frozenset({"duckdb", "postgres"})  # engines whose quantile aggregate is exact and linear


def summarise(
    engine: str,
    table: ir.Table,
    by: Sequence[str],
    aggregates: dict[str, ir.Value],
    spreads: dict[str, tuple[str, float]],
) -> ir.Table:
    """Per group of ``by``: the ``aggregates`` (expressions over ``table``) and each quantile in
    ``spreads`` (name -> (column, level)), in one table. On DuckDB and PostgreSQL the quantiles are their
    own exact aggregate (``quantile_cont``, ``percentile_cont``), in the same pass; elsewhere they come
    from row numbers (``quantiles``) and are joined on. The numbers are the same."""
    if engine in EXACT_QUANTILES:
        native = {name: table[column].quantile(level) for name, (column, level) in spreads.items()}
        return table.group_by(list(by)).aggregate(**aggregates, **native)
    out = table.group_by(list(by)).aggregate(**aggregates)
    for column in dict.fromkeys(column for column, _ in spreads.values()):
        levels = {name: level for name, (c, level) in spreads.items() if c == column}
        out = out.left_join(quantiles(table, by, column, levels), list(by))
        out = out.drop(*[c for c in out.columns if c.endswith("_right")])
    return out.select(*by, *aggregates, *spreads)
