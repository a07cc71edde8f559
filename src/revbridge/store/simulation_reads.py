"""What an SLA what-if reads: every touchpoint's lead, type and moment, and the lifecycle's history (stage
entries, with the SLA version that decided each, and sales' verdicts), as Arrow through ADBC
(``store.arrow_reads``). Moments come as seconds since the epoch, computed by the database."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from sqlalchemy.engine import Engine

from revbridge.store.arrow_reads import STREAMED, read_arrow, read_arrow_each


def _seconds(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"extract(epoch from {column})::float8"
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_touch_moments(engine: Engine, kinds: Sequence[str]) -> pa.Table:
    """(lead_id, kind, seconds) of every touchpoint, ``kind`` the type's index in ``kinds`` or
    ``len(kinds)`` for any other type: the engine reads a lead's condition at each of them."""
    code = (
        "CASE type " + " ".join(f"WHEN {_quoted(k)} THEN {i}" for i, k in enumerate(kinds)) + f" ELSE {len(kinds)} END"
        if kinds
        else "0"
    )
    sql = f"SELECT lead_id, {code} AS kind, {_seconds('occurred_at', engine.dialect.name)} AS seconds FROM touchpoints"
    return read_arrow(engine, sql, batch_rows=STREAMED)


def read_history(engine: Engine, stages: Sequence[str]) -> tuple[pa.Table, pa.Table]:
    """Entries into ``stages`` (lead_id, to_stage, seconds, sla_version: -1 when none decided it) and
    verdicts (lead_id, accepted: 1 or 0, seconds), over one connection."""
    dialect = engine.dialect.name
    entries = (
        f"SELECT lead_id, to_stage, {_seconds('at', dialect)} AS seconds, COALESCE(sla_version, -1) AS sla_version "
        f"FROM stage_transitions WHERE to_stage IN ({', '.join(_quoted(s) for s in stages)})"
    )
    verdicts = (
        "SELECT lead_id, CASE WHEN verdict = 'accept' THEN 1 ELSE 0 END AS accepted, "
        f"{_seconds('at', dialect)} AS seconds FROM feedback"
    )
    moves, judged = read_arrow_each(engine, [(entries, ()), (verdicts, ())])
    return moves, judged
