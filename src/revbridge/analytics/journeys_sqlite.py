"""Journeys per lead read straight out of a SQLite store, for the ``store`` engine on SQLite.

Through Ibis, SQLite would join and filter 3 million touches with a time function per row and hand the
result to Python row by row (37 s for a million journeys). Here plain reads come back as Arrow columns
through ADBC (``store/arrow_reads``), over a connection per core at once: the first reads the
transitions into the stages that matter and the leads' creation, then a part of the touchpoints (cut by
rowid); each other connection reads a part of the touchpoints. Each part is windowed in numpy as soon as
it comes, while the others are still read, by the same rules as ``journeys.py``: the first transition
into the milestone before ``until``; the touches in the ``lookback`` before it (compared in whole
seconds, as there), or before ``until`` for a lead that did not convert; none for a lead that converted
before ``since``.

A store whose times are not the plain text SQLAlchemy writes (``YYYY-MM-DD HH:MM:SS[.ffffff]``, UTC)
is left to the engine: ``lead_journeys`` returns None.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from revbridge.analytics.journey_steps import NEVER, Amounts, Ints, index_of, micros, micros_of, paths_of_touches
from revbridge.domain.paths import Paths
from revbridge.store.arrow_reads import Query, read_arrow, read_arrow_each

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
    stages = sorted({milestone, "opportunity", "customer"})
    marks = ", ".join("?" for _ in stages)
    lead_reads: list[Query] = [
        (f"SELECT lead_id, to_stage, at FROM stage_transitions WHERE to_stage IN ({marks})", tuple(stages)),
        _leads_of(team),
    ]
    engine = sa.create_engine(f"sqlite:///{database}")
    # The rowids are written into the text: bound, they made the driver's read a quarter slower.
    parts: list[Query] = [
        (f"{touches_sql} WHERE t.rowid > {low:d} AND t.rowid <= {high:d}", ()) for low, high in _cuts(engine)
    ]
    known: Future[_Leads] = Future()

    def first_group() -> pa.Table:
        """The leads, then the first part of the touches, over one connection."""
        with contextlib.closing(read_arrow_each(engine, [*lead_reads, parts[0]])) as tables:
            try:
                transitions, leads = _prepared(next(tables)), _prepared(next(tables))
                known.set_result(_Leads.of(transitions, leads, stages, milestone, until, since))
            except BaseException as error:
                known.set_exception(error)
                raise
            return known.result().window(_prepared(next(tables)), lookback)

    def other_group(part: Query) -> pa.Table:
        touches = _prepared(read_arrow(engine, *part))
        return known.result().window(touches, lookback)

    try:
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            reads = [pool.submit(first_group), *(pool.submit(other_group, part) for part in parts[1:])]
            windows = [read.result() for read in reads]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None  # times stored in another form: the engine reads them
    finally:
        engine.dispose()
    kept = pa.concat_tables(windows, promote_options="permissive")
    return paths_of_touches(kept, known.result().ends(), worth, until)


@dataclass(frozen=True)
class _Leads:
    """Per lead: its id, when its journey ends (its milestone, else ``until``), whether it is kept
    (``since``), and the first moment it entered each stage that matters."""

    ids: Ints
    end: Ints
    kept: np.ndarray
    created: Ints
    firsts: dict[str, Ints]
    milestone: str

    @classmethod
    def of(
        cls,
        transitions: pa.Table,
        leads: pa.Table,
        stages: list[str],
        milestone: str,
        until: datetime,
        since: datetime | None,
    ) -> _Leads:
        ids = leads.column("id").to_numpy().astype(np.int64)
        at = transitions.column("at").to_numpy()
        stage = transitions.column("to_stage").to_numpy(zero_copy_only=False)
        mover = transitions.column("lead_id").to_numpy().astype(np.int64)
        before = at < micros_of(until)
        firsts = {name: _first(ids, mover[before & (stage == name)], at[before & (stage == name)]) for name in stages}
        reached = firsts[milestone]
        kept = np.ones(len(ids), dtype=bool) if since is None else (reached == NEVER) | (reached >= micros_of(since))
        end = np.where(reached == NEVER, micros_of(until), reached)
        return cls(ids, end, kept, leads.column("created_at").to_numpy(), firsts, milestone)

    def window(self, touches: pa.Table, lookback: timedelta) -> pa.Table:
        """The touches of kept leads inside their journey's window: in the ``lookback`` before its end
        (compared in whole seconds, as the engine does), as ``paths_of_touches`` takes them."""
        toucher = touches.column("lead_id").to_numpy().astype(np.int64)
        moment = touches.column("occurred_at").to_numpy()
        place = index_of(self.ids, toucher)
        known = place >= 0
        place = np.where(known, place, 0)
        end = self.end[place]
        lower = np.floor_divide(end, SECOND) - int(lookback.total_seconds())
        inside = known & self.kept[place] & (moment <= end) & (np.floor_divide(moment, SECOND) > lower)
        return pa.table(
            {
                "key": pa.array(toucher[inside]),
                "at": pa.array(moment[inside]).cast(pa.timestamp("us")),
                "step": touches.column("step").filter(pa.array(inside)),
            }
        )

    def ends(self) -> pa.Table:
        return pa.table(
            {
                "key": self.ids,
                "reached": _moments(self.firsts[self.milestone]),
                "created": _moments(self.created),
                "opened": _moments(self.firsts["opportunity"]),
                "won_at": _moments(self.firsts["customer"]),
            }
        )


def _cuts(engine: sa.Engine) -> list[tuple[int, int]]:
    """The touchpoints' rowids cut into a range ``(low, high]`` per core. The first range is read after
    the leads, so it is cut shorter: each reads about as many values (the transitions read are few)."""
    parts = os.cpu_count() or 1
    with engine.connect() as conn:
        row = conn.execute(sa.text(f"SELECT ({_ROWID % 'min'}), ({_ROWID % 'max'}), (SELECT max(id) FROM leads)"))
        low, high, leads = row.one()
    if low is None:
        return [(0, 0)]
    touches, lead_values = high - low + 1, 2 * (leads or 0)
    first = min(touches, max(0, round(((3 * touches + lead_values) / parts - lead_values) / 3)))
    rest = [first + round((touches - first) * i / (parts - 1)) for i in range(1, parts)] if parts > 1 else []
    return list(itertools.pairwise([low - 1 + count for count in [0, first, *rest]]))


def _leads_of(team: str | None) -> tuple[str, tuple[object, ...]]:
    """The leads' query: all of them, or those owned by ``team``'s people."""
    if team is None:
        return "SELECT id, created_at FROM leads", ()
    owners = "SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id WHERE t.name = ?"
    return f"SELECT id, created_at FROM leads WHERE owner_id IN ({owners})", (team,)


def _prepared(table: pa.Table) -> pa.Table:
    """A table as read, its times (text) in microseconds and its steps' names encoded: done in the
    reading threads, while the other reads go on."""
    for number, name in enumerate(table.column_names):
        column = table.column(number)
        if name in _TIMES:
            table = table.set_column(number, name, pa.array(_micros(column)))
        elif name == "step" and not pa.types.is_dictionary(column.type):
            # An empty part comes back untyped (SQLite says nothing of an empty result's columns): text.
            text = column if pa.types.is_string(column.type) else column.cast(pa.string())
            table = table.set_column(number, name, pc.dictionary_encode(text))
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
