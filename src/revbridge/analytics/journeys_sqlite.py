"""Journeys per lead read straight out of a SQLite store, for the ``store`` engine on SQLite.

Through Ibis, SQLite would join and filter 3 million touches with a time function per row and hand
the result to Python row by row (37 s for a million journeys). Here three plain reads come back as
Arrow columns through ADBC (``store/arrow_reads``: the touchpoints, the transitions into the stages
that matter, the leads' creation), and the windows are cut in numpy, by the same rules as
``journeys.py``: the first transition into the milestone before ``until``; the touches in the
``lookback`` before it (compared in whole seconds, as there), or before ``until`` for a lead that did
not convert; none for a lead that converted before ``since``.

A store whose times are not the plain text SQLAlchemy writes (``YYYY-MM-DD HH:MM:SS[.ffffff]``, UTC)
is left to the engine: ``lead_journeys`` returns None.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from revbridge.analytics.journey_steps import NEVER, Amounts, index_of, micros, micros_of, paths_of_touches
from revbridge.domain.paths import Paths
from revbridge.store.arrow_reads import read_arrow_each

SECOND = 1_000_000


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
        touches_sql = f"SELECT lead_id, occurred_at, COALESCE(channel, '{no_channel}') AS step FROM touchpoints"
    stages = sorted({milestone, "opportunity", "customer"})
    marks = ", ".join("?" for _ in stages)
    queries = [
        (touches_sql, ()),
        (f"SELECT lead_id, to_stage, at FROM stage_transitions WHERE to_stage IN ({marks})", tuple(stages)),
        _leads_of(team),
    ]
    touches, transitions, leads = read_arrow_each(sa.create_engine(f"sqlite:///{database}"), queries)
    try:
        moment = _micros(touches.column("occurred_at"))
        at = _micros(transitions.column("at"))
        created = _micros(leads.column("created_at"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
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


def _leads_of(team: str | None) -> tuple[str, tuple[object, ...]]:
    """The leads' query: all of them, or those owned by ``team``'s people."""
    if team is None:
        return "SELECT id, created_at FROM leads", ()
    owners = "SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id WHERE t.name = ?"
    return f"SELECT id, created_at FROM leads WHERE owner_id IN ({owners})", (team,)


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
