"""The log of imports: one row per file imported, its counts and whether it finished."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.tables import ImportRunRow


def start_run(conn: Connection, kind: str, file: str, at: datetime) -> int:
    """A running import of ``file``; returns its id."""
    return int(
        conn.execute(
            sa.insert(ImportRunRow).returning(ImportRunRow.id),
            {"kind": kind, "file": file, "started_at": at, "counts": {}, "status": "running"},
        ).scalar_one()
    )


def finish_run(conn: Connection, run_id: int, counts: dict[str, Any], at: datetime) -> None:
    conn.execute(
        sa.update(ImportRunRow).where(ImportRunRow.id == run_id).values(finished_at=at, counts=counts, status="done")
    )
