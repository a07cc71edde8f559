"""Journeys per lead read straight out of a SQLite store, for the ``store`` engine on SQLite.

Through Ibis, SQLite would join and filter 3 million touches with a time function per row and hand the
result to Python row by row (37 s for a million journeys). Here plain reads come back as Arrow columns
through ADBC (``store/arrow_reads``: the touchpoints, the transitions into the stages that matter, the
leads' creation), the touchpoints cut by rowid into a part per core, read at once; and the windows are
cut in numpy, by the same rules as ``journeys.py``: the first transition into the milestone before
``until``; the touches in the ``lookback`` before it (compared in whole seconds, as there), or before
``until`` for a lead that did not convert; none for a lead that converted before ``since``.

A store whose times are not the plain text SQLAlchemy writes (``YYYY-MM-DD HH:MM:SS[.ffffff]``, UTC)
is left to the engine: ``lead_journeys`` returns None.
"""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from revbridge.analytics.journey_steps import NEVER, Amounts, index_of, micros, micros_of, paths_of_touches
from revbridge.domain.paths import Paths
from revbridge.store.arrow_reads import Query, read_arrow_at_once

SECOND = 1_000_000
_TIMES = ("occurred_at", "at", "created_at")
_ROWID = "SELECT %s(rowid) FROM touchpoints"  # one aggregate a query: SQLite reads one end of the table


def lead_journeys(
    database: str,
    *,
    until: datetime,
    milestone: str,
    lookback: timedelta,
    since: datetime | None,
    by: str,
    worth: Amounts,
    no_channel: str,
    no_campaign: str,
    team: str | None = None,
) -> Paths | None:
    """The journeys of ``journeys(unit="lead")`` from the SQLite file ``database``, or None; with
    ``team``, only those of the leads its people own (as ``Source`` scopes every table)."""
    if by == "campaign":
        step = f"COALESCE(c.name, '{no_campaign}')"
        touches_sql = f"SELECT t.lead_id, t.occurred_at, {step} AS step FROM touchpoints t "
        touches_sql += "LEFT JOIN campaigns c ON c.id = t.campaign_id"
    else:
        touches_sql = f"SELECT t.lead_id, t.occurred_at, COALESCE(t.channel, '{no_channel}') AS step FROM touchpoints t"
    engine = sa.create_engine(f"sqlite:///{database}")
    stages = sorted({milestone, "opportunity", "customer"})
    marks = ", ".join("?" for _ in stages)
    # A group of reads per core: a part of the touchpoints each, the other reads shared among them. The
    # rowids are written into the text: bound, they made the driver's read a quarter slower.
    groups: list[list[Query]] = [
        [(f"{touches_sql} WHERE t.rowid > {low:d} AND t.rowid <= {high:d}", ())] for low, high in _cuts(engine)
    ]
    groups[0].append(
        (f"SELECT lead_id, to_stage, at FROM stage_transitions WHERE to_stage IN ({marks})", tuple(stages))
    )
    groups[-1].append(_leads_of(team))
    try:
        read = read_arrow_at_once(engine, groups, _prepared)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None  # times stored in another form: the engine reads them
    finally:
        engine.dispose()
    transitions, leads = read[0][1], read[-1][-1]
    touches = pa.concat_tables([group[0] for group in read], promote_options="permissive")
    moment = touches.column("occurred_at").to_numpy()
    at = transitions.column("at").to_numpy()
    created = leads.column("created_at").to_numpy()
    lead_ids = leads.column("id").to_numpy().astype(np.int64)
    stage = transitions.column("to_stage").to_numpy(zero_copy_only=False)
    mover = transitions.column("lead_id").to_numpy().astype(np.int64)
    before = at < micros_of(until)
    firsts = {name: _first(lead_ids, mover[before & (stage == name)], at[before & (stage == name)]) for name in stages}
    reached = firsts[milestone]
    keep = np.ones(len(lead_ids), dtype=bool) if since is None else (reached == NEVER) | (reached >= micros_of(since))
    # Each touch's lead, its journey's end, and the window before it.
    toucher = touches.column("lead_id").to_numpy().astype(np.int64)
    place = index_of(lead_ids, toucher)
    known = place >= 0
    place = np.where(known, place, 0)
    end = np.where(reached == NEVER, micros_of(until), reached)[place]
    lower = np.floor_divide(end, SECOND) - int(lookback.total_seconds())
    inside = known & keep[place] & (moment <= end) & (np.floor_divide(moment, SECOND) > lower)
    kept = pa.table(
        {
            "key": pa.array(toucher[inside]),
            "at": pa.array(moment[inside]).cast(pa.timestamp("us")),
            "step": touches.column("step").filter(pa.array(inside)),
        }
    )
    ends = pa.table(
        {
            "key": lead_ids,
            "reached": _moments(reached),
            "created": _moments(created),
            "opened": _moments(firsts["opportunity"]),
            "won_at": _moments(firsts["customer"]),
        }
    )
    return paths_of_touches(kept, ends, worth, until)


def _cuts(engine: sa.Engine) -> list[tuple[int, int]]:
    """The touchpoints' rowids cut into a range ``(low, high]`` per core, of about as many rows each."""
    parts = os.cpu_count() or 1
    with engine.connect() as conn:
        low, high = conn.execute(sa.text(f"SELECT ({_ROWID % 'min'}), ({_ROWID % 'max'})")).one()
    if low is None:
        return [(0, 0)]
    bounds = [low - 1 + round((high - low + 1) * i / parts) for i in range(parts + 1)]
    return list(itertools.pairwise(bounds))


def _leads_of(team: str | None) -> tuple[str, tuple[object, ...]]:
    """The leads' query: all of them, or those owned by ``team``'s people."""
    if team is None:
        return "SELECT id, created_at FROM leads", ()
    owners = "SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id WHERE t.name = ?"
    return f"SELECT id, created_at FROM leads WHERE owner_id IN ({owners})", (team,)


def _prepared(table: pa.Table) -> pa.Table:
    """A table as read, its times (text) in microseconds and its steps' names encoded: work done in the
    reading threads, while the other reads go on."""
    for number, name in enumerate(table.column_names):
        column = table.column(number)
        if name in _TIMES:
            table = table.set_column(number, name, pa.array(_micros(column)))
        elif name == "step" and pa.types.is_string(column.type):
            table = table.set_column(number, name, pc.dictionary_encode(column))
    return table


def _micros(column: pa.ChunkedArray) -> np.ndarray:
    """Stored times (text) as ``journey_steps.micros`` gives them; raises ``ArrowInvalid`` for times that
    are not text in the form SQLAlchemy writes (an empty column has no type to judge: none)."""
    if pa.types.is_null(column.type) or len(column) == 0:
        return np.full(len(column), NEVER, dtype=np.int64)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        raise pa.ArrowInvalid(f"times stored as {column.type}, not text")
    return micros(column)


def _first(lead_ids: np.ndarray, who: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per lead, the earliest of its moments ``at`` (``NEVER`` if none)."""
    first = np.full(len(lead_ids), NEVER, dtype=np.int64)
    place = index_of(lead_ids, who)
    known = place >= 0
    np.minimum.at(first, place[known], at[known])
    return first


def _moments(micros: np.ndarray) -> pa.Array:
    return pa.array(np.where(micros == NEVER, 0, micros), mask=micros == NEVER).cast(pa.timestamp("us"))
