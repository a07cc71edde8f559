"""``revbridge score``: recompute every lead's scores as the SLA says, and qualify who now qualifies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from revbridge import bootstrap
from revbridge.cli._moments import moment
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    emit_summary,
    err_console,
    handles_errors,
)
from revbridge.services.contract import contract_at
from revbridge.services.scoring import rescore_all


@handles_errors
def score(
    all_leads: Annotated[
        bool, typer.Option("--all", help="Rescore every lead (the only mode so far; touchpoints score as they come).")
    ] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="Score as of this moment (ISO 8601, UTC unless it says); default now.")
    ] = None,
    mirror: Annotated[
        Path | None,
        typer.Option(
            "--mirror",
            envvar="REVBRIDGE_MIRROR",
            help="Read the touchpoints from the analytical mirror in this folder (`revbridge mirror sync`), "
            "copying what is new first: several times faster than reading them from the store.",
        ),
    ] = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Recompute every lead's fit and engagement scores under the SLA in force, in one pass.

    Fit comes from the SLA's fit rules on the lead's and its account's fields; engagement from its
    touchpoints, each type's points capped per window and halved every half-life. Each lead keeps the
    reasons for its score (`revbridge lead show ID`). Leads that now meet the MQL condition are handed
    to sales and routed; nurtured leads that meet the re-entry condition come back.

    Run it after changing the SLA's scoring, after a large import or a day of touchpoints through the API
    (stored, not yet scored one by one), or nightly: a touchpoint scored as it arrives updates its lead's
    score at once, but decay keeps running and only a rescoring writes it.

    Examples:

        revbridge score --all

        revbridge score --all --at 2026-01-01T00:00:00Z --format json

        revbridge score --all --mirror ./mirror
    """
    if not all_leads:
        raise typer.BadParameter("say --all to rescore every lead", param_hint="--all")
    now = moment(at)
    engine = bootstrap.engine(database)
    contract = contract_at(engine, now)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task("scoring", total=None)
        summary = rescore_all(
            engine,
            contract=contract,
            now=now,
            progress=lambda step: bar.update(task, description=step),
            mirror_root=mirror,
        )
    emit_summary(summary.as_dict(), fmt, title=f"Scores under SLA version {contract.version}")
