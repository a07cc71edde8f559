"""``revbridge score``: recompute every lead's scores as the SLA says (``--all``), or score the touchpoints
that arrived since (``--new``), and qualify who now qualifies."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine

from revbridge import bootstrap
from revbridge.cli._moments import moment
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    emit_summary,
    err_console,
    handles_errors,
    progress_bar,
)
from revbridge.services.contract import Contract, contract_at
from revbridge.services.scoring import rescore_all
from revbridge.services.scoring_new import NewScores, score_new_touchpoints


@handles_errors
def score(
    all_leads: Annotated[bool, typer.Option("--all", help="Rescore every lead from all its touchpoints.")] = False,
    new: Annotated[
        bool,
        typer.Option(
            "--new", help="Score only the touchpoints that arrived since (the API, imports), as the worker does."
        ),
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
    """Recompute every lead's fit and engagement scores under the SLA in force, in one pass (--all), or
    score the touchpoints that arrived since the last scoring (--new).

    Fit comes from the SLA's fit rules on the lead's and its account's fields; engagement from its
    touchpoints, each type's points capped per window and halved every half-life. Each lead keeps the
    reasons for its score (`revbridge lead show ID`). Leads that now meet the MQL condition are handed
    to sales and routed; nurtured leads that meet the re-entry condition come back.

    --new adds the touchpoints stored through the API or an import since the last scoring to their
    leads' scores, one after another as if each had been scored as it arrived, in batches: the worker
    does it every round, this does it now. It prints how many touchpoints and leads were scored and how
    many MQLs were handed to sales.

    Run --all after changing the SLA's scoring or its fit rules, after importing leads (their fit), or
    nightly: decay keeps running, and only a rescoring writes it for leads that had no new touchpoint.

    Examples:

        revbridge score --new

        revbridge score --all

        revbridge score --all --at 2026-01-01T00:00:00Z --format json

        revbridge score --all --mirror ./mirror
    """
    if all_leads == new:
        raise typer.BadParameter(
            "say --all to rescore every lead, or --new to score the touchpoints that arrived since", param_hint="--all"
        )
    if new and mirror is not None:
        raise typer.BadParameter(
            "--mirror goes with --all: --new reads only the new touchpoints", param_hint="--mirror"
        )
    now = moment(at)
    engine = bootstrap.engine(database)
    contract = contract_at(engine, now)
    if new:
        _score_new(engine, contract, now, fmt)
        return
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


def _score_new(engine: Engine, contract: Contract, now: datetime, fmt: OutputFormat) -> None:
    with progress_bar("scoring new touchpoints", TextColumn("{task.description}"), TimeElapsedColumn()) as bar:
        task = bar.add_task("", total=None)

        def show(done: NewScores) -> None:
            bar.update(
                task, description=f"{done.touchpoints:,} touchpoints, {done.leads:,} leads, {done.qualified:,} MQLs"
            )

        summary = score_new_touchpoints(engine, contract, now, progress=show)
    emit_summary(summary.as_dict(), fmt, title=f"New touchpoints scored under SLA version {contract.version}")
    if summary.pending:
        err_console.print("the touchpoints table was busy (an import is writing): run it again in a moment")
