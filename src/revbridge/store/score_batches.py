"""What a batch rescoring reads and writes: whole columns in, every lead's scores out, each in one pass.

Reads go through ADBC into Arrow (``store.arrow_reads``). The write is one transaction. Every lead's
numbers go to the narrow ``lead_scores``; the reasons and the engagement state go onto the lead only
where they changed (decay alone changes neither: ``domain.score_digest``). On SQLite each is an
``executemany`` binding one row per lead (faster here than filling a temporary table and updating from
it); on PostgreSQL the rows are copied as CSV into a temporary table, and one statement writes each.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
from sqlalchemy.engine import Engine

from revbridge.store.arrow_reads import STREAMED, read_arrow
from revbridge.store.engine import driver_cursor
from revbridge.store.score_queries import numbers_sql

NUMBER_COLUMNS = ("fit_score", "engagement_score", "score")  # every lead's, into lead_scores
STATE_COLUMNS = ("score_reasons", "engagement_state", "engagement_digest")  # onto the leads that changed


def _field_sql(name: str, dialect: str) -> str:
    """The SQL that reads a fit rule's field; names were checked when the SLA was loaded."""
    table, name = ("a", name.removeprefix("account.")) if name.startswith("account.") else ("l", name)
    if name.startswith("properties."):
        key = name.removeprefix("properties.")
        if dialect == "postgresql":
            return f"{table}.properties ->> '{key}'"
        return f"json_extract({table}.properties, '$.{key}')"
    if table == "l" and name == "campaign":
        return "c.name"
    return f"{table}.{name}"


def read_leads_for_scoring(engine: Engine, fields: Sequence[str]) -> tuple[pa.Table, dict[str, str]]:
    """Every lead's id, e-mail, stage and model score, what its row holds of its last scoring (the
    digest of its engagement state, ``stored_digest``, and its stored reasons as JSON text,
    ``stored_reasons``), and the given fit-rule fields (``industry``, ``account.employees``,
    ``properties.plan``) under aliases; sorted by id."""
    aliases = {field: f"f{i}" for i, field in enumerate(sorted(set(fields)))}
    selected = ", ".join(f"{_field_sql(f, engine.dialect.name)} AS {alias}" for f, alias in aliases.items())
    reasons = "l.score_reasons::text" if engine.dialect.name == "postgresql" else "l.score_reasons"
    sql = (
        f"SELECT l.id, l.email, l.stage, l.predicted, l.engagement_digest AS stored_digest, {reasons} AS stored_reasons"
        + (f", {selected}" if selected else "")
        + " FROM leads l LEFT JOIN accounts a ON a.id = l.account_id LEFT JOIN campaigns c ON c.id = l.campaign_id "
        "ORDER BY l.id"
    )
    return read_arrow(engine, sql), aliases


def read_scored_touchpoints(engine: Engine, kinds: Sequence[str], *, through: int | None = None) -> pa.Table:
    """(lead_id, kind, seconds since the epoch) of every touchpoint of the given types (that arrived up to
    arrival number ``through``, if given: ``store/new_touchpoints.py``), ``kind`` being the type's index in
    ``kinds``: the database turns the type into a small number, so no text comes back."""
    if not kinds:
        return pa.table(
            {
                "lead_id": pa.array([], pa.int64()),
                "kind": pa.array([], pa.int64()),
                "seconds": pa.array([], pa.float64()),
            }
        )
    quoted = ["'" + k.replace("'", "''") + "'" for k in kinds]
    code = "CASE type " + " ".join(f"WHEN {q} THEN {i}" for i, q in enumerate(quoted)) + " END"
    seconds = (
        "extract(epoch from occurred_at)::float8"
        if engine.dialect.name == "postgresql"
        else "(julianday(occurred_at) - 2440587.5) * 86400.0"
    )
    arrived = ""
    if through is not None:
        arrived = f" AND {'seq' if engine.dialect.name == 'postgresql' else 'rowid'} <= {int(through)}"
    return read_arrow(
        engine,
        f"SELECT lead_id, {code} AS kind, {seconds} AS seconds FROM touchpoints "
        f"WHERE type IN ({', '.join(quoted)}){arrived}",
        batch_rows=STREAMED,  # three numbers, never empty: small batches keep the reader small
    )


def update_lead_scores(
    engine: Engine,
    chunks: Iterable[tuple[pa.Table, pa.Table]],
    now: datetime,
    *,
    ahead: Callable[[Iterator[Any]], Iterator[Any]] = iter,
    mark: int | None = None,
) -> int:
    """Write each chunk's scores, scored at ``now``, in one transaction; how many leads' states were
    written. A chunk is two tables: ``id`` and
    ``NUMBER_COLUMNS`` of every lead, written to ``lead_scores``; and ``STATE_COLUMNS`` (JSON as text) and
    ``id`` of the leads whose state or reasons changed, written onto them, the state referenced to ``now``.
    ``ahead`` may make the next chunks ready (turned into the rows the driver binds) while one is written:
    ``connectors.prefetch.prefetch`` does it on a second thread. With ``mark``, the mark of touchpoints
    scored (``store/new_touchpoints.py``) is set to it first, in the same transaction: its row lock comes
    first, as in a batch of new touchpoints, so the two never deadlock."""
    stamp = now.astimezone(UTC)
    written = 0
    with driver_cursor(engine) as cursor:
        if mark is not None:
            _set_mark(cursor, engine.dialect.name, mark, stamp)
        if engine.dialect.name == "sqlite":
            text = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")  # what SQLAlchemy's DateTime reads back; digits only
            numbers = numbers_sql(f"VALUES (?, ?, ?, ?, '{text}')")
            sets = ", ".join(f"{c} = ?" for c in STATE_COLUMNS)
            states = f"UPDATE leads SET {sets}, engagement_ref_at = '{text}' WHERE id = ?"
            for number_rows, state_rows in ahead(_bound_rows(*chunk) for chunk in chunks):
                cursor.executemany(numbers, number_rows)
                cursor.executemany(states, state_rows)
                written += len(state_rows)
            return written
        cursor.execute(
            "CREATE TEMP TABLE _numbers (id int8, fit_score float8, engagement_score float8, score float8) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE _states (score_reasons jsonb, engagement_state jsonb, engagement_digest int8, id int8) "
            "ON COMMIT DROP"
        )
        for number_text, state_text, count in ahead(
            (_csv(numbers), _csv(states), states.num_rows) for numbers, states in chunks
        ):
            written += count
            with cursor.copy(f"COPY _numbers (id, {', '.join(NUMBER_COLUMNS)}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(number_text)
            with cursor.copy(f"COPY _states ({', '.join(STATE_COLUMNS)}, id) FROM STDIN (FORMAT csv)") as copy:
                copy.write(state_text)
        cursor.execute(numbers_sql("SELECT id, fit_score, engagement_score, score, %s FROM _numbers"), (stamp,))
        sets = ", ".join(f"{c} = s.{c}" for c in STATE_COLUMNS)
        cursor.execute(
            f"UPDATE leads SET {sets}, engagement_ref_at = %s FROM _states s WHERE leads.id = s.id", (stamp,)
        )
    return written


def _set_mark(cursor: Any, dialect: str, mark: int, stamp: datetime) -> None:
    if dialect == "sqlite":
        sql = "UPDATE score_marks SET last_arrival = ?, moved_at = ? WHERE name = 'touchpoints'"
        cursor.execute(sql, (mark, stamp.strftime("%Y-%m-%d %H:%M:%S.%f")))
    else:
        sql = "UPDATE score_marks SET last_arrival = %s, moved_at = %s WHERE name = 'touchpoints'"
        cursor.execute(sql, (mark, stamp))


def _bound_rows(numbers: pa.Table, states: pa.Table) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A chunk as the rows SQLite binds: ``id`` and ``NUMBER_COLUMNS``; ``STATE_COLUMNS`` and ``id``."""
    return _rows(numbers, ("id", *NUMBER_COLUMNS)), _rows(states, (*STATE_COLUMNS, "id"))


def _rows(table: pa.Table, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def _csv(table: pa.Table) -> memoryview:
    buffer = io.BytesIO()
    pcsv.write_csv(table, buffer, pcsv.WriteOptions(include_header=False))
    return buffer.getbuffer()
