"""Keeping the analytical mirror up to date: what ``revbridge mirror sync`` runs (see ``store/mirror.py``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from revbridge.store import mirror
from revbridge.store.mirror import Progress


def sync_mirror(engine: Engine, root: Path, *, progress: Progress | None = None) -> dict[str, int]:
    """Bring the mirror at ``root`` up to date; the rows each table gained (events) or holds (snapshots)."""
    result = mirror.sync(engine, root, progress=progress)
    summary = {f"new {table}": rows for table, rows in result.appended.items()}
    summary.update({f"{table} (snapshot)": rows for table, rows in result.snapshots.items()})
    return summary
