"""``revbridge demo``: a simulated year of a B2B software company, through the real services."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from revbridge import bootstrap
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    console,
    emit_json,
    emit_summary,
    handles_errors,
    progress_bar,
)
from revbridge.cli.serve import HostOption, PortOption, run_server

if TYPE_CHECKING:
    from revbridge.services.demo import DemoSummary

NEXT_STEPS = (
    "revbridge lead list --stage mql   the MQLs waiting for sales' verdict, clocks running",
    "revbridge lead show ID            one lead's story: journey, score reasons, clocks, verdicts",
    "revbridge sla show                the contract both teams signed",
    "revbridge sla diff current FILE   what a change to it would mean",
    "revbridge import --help           bring in your own exports next to the demo",
)


def demo(
    leads: Annotated[
        int, typer.Option("--leads", "-n", min=1, help="How many leads the simulated year brings.")
    ] = 5000,
    seed: Annotated[int, typer.Option(help="Seed of the simulation: the same seed gives the same company.")] = 0,
    live_days: Annotated[
        int,
        typer.Option(
            "--live-days",
            min=0,
            max=364,
            help="Play the leads of the year's last N days through the lifecycle engine instead of importing them.",
        ),
    ] = 28,
    database: DatabaseOption = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            dir_okay=False,
            writable=True,
            help="Also write the simulation's true rates (per channel and fit tier) to this JSON file.",
        ),
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then start the dashboard at http://HOST:PORT and say how to log in.")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load a simulated year of Northwind Cloud, a B2B software company, to explore RevBridge.

    Eight marketing channels with their campaigns and daily spend; a marketing team and a sales team.

    SDRs and account executives with quarterly quotas; companies and leads arriving through the year.

    Touchpoints, MQL hand-offs with sales' verdicts and reasons, calls, meetings, deals won and lost.

    It all goes in through the services a real import uses; the packaged SLA is applied if none is.

    The last four weeks (--live-days) run through the engine: scoring makes MQLs, reps work them, clocks escalate.

    The same seed gives the same company. Running the demo again adds nothing: the year keeps its end.

    With --truth, the rates the simulation really used are written out, to check RevBridge's numbers.

    Examples:

        revbridge demo --serve

        revbridge demo

        revbridge demo --leads 100000 --seed 7 --truth truth.json

        revbridge demo --leads 500 --format json
    """
    _demo(leads, seed, live_days, database, truth, fmt)
    if serve:
        _serve(database, host, port)


@handles_errors
def _serve(database: str | None, host: str, port: int) -> None:
    from revbridge.services.demo import DEMO_PASSWORD, demo_accounts

    engine = bootstrap.engine(database)
    console.print(
        f"\n[bold]Dashboard:[/bold] http://{host}:{port}  — log in with password [bold]{DEMO_PASSWORD}[/bold] as:"
    )
    for account in demo_accounts(engine):
        console.print(f"  {account.email:<34} {account.role:<14} {account.why}", highlight=False)
    console.print("Stop it with Ctrl+C.\n")
    run_server(engine, host, port)


@handles_errors
def _demo(leads: int, seed: int, live_days: int, database: str | None, truth: Path | None, fmt: OutputFormat) -> None:
    from revbridge.services.demo import run_demo  # the simulation: only when a demo is asked for
    from revbridge.services.schema import init_database

    engine = bootstrap.engine(database)
    init_database(engine)
    with progress_bar("demo", width=13) as bar:
        task = bar.add_task("starting", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total or None)

        summary = run_demo(
            engine, leads=leads, seed=seed, now=datetime.now(UTC), live_days=live_days, progress=progress
        )
    where = engine.url.render_as_string(hide_password=True)
    if truth is not None:
        truth.write_text(json.dumps(summary.truth, indent=2) + "\n", encoding="utf-8")
    if fmt is OutputFormat.json:
        emit_json({**summary.as_dict(), "database": where, "truth_file": str(truth) if truth else None})
        return
    figures = _figures(summary, where)
    if fmt is not OutputFormat.table:
        emit_summary(figures, fmt)
        return
    figures.pop("database")  # on its own line below: a long path must not be cut short in the table
    emit_summary(figures, fmt, title="Demo: a simulated year of Northwind Cloud")
    console.print(f"database: {where}", highlight=False, soft_wrap=True)
    if not summary.added_anything:
        console.print("Nothing added: this database already holds this demo.")
    console.print("\nnext:")
    for line in NEXT_STEPS:
        console.print(f"  {line}", highlight=False)


def _figures(summary: DemoSummary, where: str) -> dict[str, Any]:
    funnel = summary.funnel
    return {
        "year": f"{summary.since.date().isoformat()} to {summary.until.date().isoformat()}",
        "leads": int(funnel["leads"]),
        "touchpoints": int(funnel["touchpoints"]),
        "activities": int(funnel["activities"]),
        "MQLs": int(funnel["mqls"]),
        "SALs": int(funnel["sals"]),
        "opportunities": int(funnel["opportunities"]),
        "won": int(funnel["won"]),
        "revenue": funnel["revenue"],
        "spend": funnel["spend"],
        "SLA_version": summary.sla_version,
        **_live_figures(summary),
        "database": where,
    }


def _live_figures(summary: DemoSummary) -> dict[str, Any]:
    """What the engine did in the live weeks (the counts of the run that played them)."""
    if summary.live_since is None:
        return {"live_weeks": "none"}
    live = summary.live
    when = f"{summary.live_since.date().isoformat()} to {summary.until.date().isoformat()}"
    return {
        "live_weeks": when + (" (played before)" if live.played_before else ""),
        "live_leads": live.leads,
        "engine_MQLs": live.mqls,
        "accepted": live.accepted,
        "rejected": live.rejected,
        "rep_activities": live.activities,
        "breaches": live.breaches,
        "escalations": live.escalations,
        "notifications": live.notifications,
    }
