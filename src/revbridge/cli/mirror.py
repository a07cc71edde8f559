"""``revbridge mirror sync``: keep the analytical mirror (Parquet for DuckDB or Spark) up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from revbridge import bootstrap
from revbridge.cli._output import DatabaseOption, FormatOption, OutputFormat, emit_summary, err_console, handles_errors

app = typer.Typer(help="The analytical mirror: the store as Parquet files, for DuckDB or Spark.", no_args_is_help=True)


@app.command()
@handles_errors
def sync(
    path: Annotated[Path, typer.Argument(help="The mirror's folder; created on the first sync.")],
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Export what is new in the store to the mirror at PATH.

    The event tables (touchpoints, activities, stage transitions) are appended: only rows added since
    the last sync are read, and written as Parquet partitioned by month. The other tables are written
    whole each time (they are small next to the events). Safe to interrupt: the next sync removes what
    the interrupted one left half done and carries on, and every row ends up in the mirror once. Run it
    from a scheduler (cron, a systemd timer); `revbridge score --all --mirror PATH` syncs the touchpoints
    itself before it reads them.

    Examples:

        revbridge mirror sync ./mirror

        revbridge score --all --mirror ./mirror
    """
    from revbridge.services.mirror import sync_mirror  # Arrow datasets: only when it runs

    engine = bootstrap.engine(database)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task("syncing", total=None)
        summary = sync_mirror(
            engine, path, progress=lambda table, rows: bar.update(task, description=f"{table}: {rows:,} rows")
        )
    emit_summary(summary, fmt, title=f"Mirror at {path}")
