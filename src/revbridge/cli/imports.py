"""``revbridge import``: load exports from the tools teams already use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, TimeRemainingColumn

from revbridge import bootstrap
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    emit_summary,
    err_console,
    handles_errors,
    progress_bar,
)

if TYPE_CHECKING:
    from revbridge.services.importing import ImportSummary

app = typer.Typer(
    help="Import leads, touchpoints, activities, opportunities and spend from real exports.\n\n"
    "Each batch is one transaction: interrupt an import and run it again, and nothing is lost or "
    "doubled. Rows that cannot be used go to FILE.rejects.csv with their row, field and reason.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="The exported file (CSV).", exists=True, dir_okay=False)]
BatchSize = Annotated[int, typer.Option(help="Rows per transaction.", min=1)]


def _run(kind: str, file: Path, mapping: Path | None, database: str | None, batch_size: int, fmt: OutputFormat) -> None:
    from revbridge.services.importing import run_import  # the readers (Arrow, pandas): only when it runs

    engine = bootstrap.engine(database)
    total = file.stat().st_size
    with progress_bar("importing", BarColumn(), DownloadColumn(), TimeRemainingColumn(), width=0) as bar:
        task = bar.add_task(file.name, total=total)
        summary = run_import(
            engine,
            kind,
            file,
            mapping=mapping,
            batch_size=batch_size,
            progress=lambda done: bar.update(task, completed=done),
        )
    _print(summary, fmt)


def _print(summary: ImportSummary, fmt: OutputFormat) -> None:
    data = summary.as_dict()
    if not data["leads_created"]:
        data.pop("leads_created")
    emit_summary(data, fmt, title="Import")
    if fmt is OutputFormat.table and summary.rejects_file:
        err_console.print(f"{summary.rejected} row(s) rejected: see {summary.rejects_file}")


@app.command()
@handles_errors
def hubspot(
    file: FileArg,
    database: DatabaseOption = None,
    batch_size: BatchSize = 5000,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A HubSpot contacts export (labels or internal names, any case).

    The "Became a ... Date" columns rebuild each contact's stage history; impossible orders (customer
    before MQL) are kept but flagged on the lead.

    Example: revbridge import hubspot hubspot-crm-exports-all-contacts.csv
    """
    _run("hubspot", file, None, database, batch_size, fmt)


@app.command()
@handles_errors
def salesforce(
    file: FileArg,
    object_: Annotated[str, typer.Option("--object", help="leads or opportunities.")] = "leads",
    database: DatabaseOption = None,
    batch_size: BatchSize = 5000,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A Salesforce Lead (or Opportunity) export: API names or report labels; 15- or 18-character ids.

    Example: revbridge import salesforce Lead.csv
    """
    kind = "salesforce" if object_ == "leads" else "salesforce-opportunities"
    _run(kind, file, None, database, batch_size, fmt)


@app.command("csv")
@handles_errors
def csv_(
    file: FileArg,
    mapping: Annotated[Path, typer.Option(help="YAML column mapping (see examples/mappings/).", exists=True)],
    database: DatabaseOption = None,
    batch_size: BatchSize = 5000,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Any CSV through a committed column mapping: leads, touchpoints, activities, opportunities,
    spend, accounts or users.

    Example: revbridge import csv Leads.csv --mapping examples/mappings/x-education.yaml
    """
    _run("csv", file, mapping, database, batch_size, fmt)
