"""``revbridge goals``: shared goals both teams own, with their progress and forecast."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from revbridge import bootstrap
from revbridge.cli._moments import moment
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    definitions_help,
    emit_summary,
    handles_errors,
)
from revbridge.cli.metrics import AtOption, EngineOption, TeamOption, emit_frame
from revbridge.domain.measures import MEASURE_KINDS
from revbridge.services.goals import add_goal, remove_goal

app = typer.Typer(
    help=definitions_help(
        "revbridge.analytics.goals",
        "Examples:\n\n    revbridge goals add --name 'Q1 pipeline' --metric opportunities --target 120 "
        "--start 2027-01-01 --end 2027-03-31 --teams marketing,sales\n\n    revbridge goals list",
    ),
    no_args_is_help=True,
)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected a day like 2027-01-01, got {text!r}", param_hint=option) from None


@app.command()
@handles_errors
def add(
    name: Annotated[str, typer.Option("--name", help="What the goal is, in words both teams use.")],
    metric: Annotated[str, typer.Option("--metric", help="The measure: " + ", ".join(MEASURE_KINDS) + ".")],
    target: Annotated[float, typer.Option("--target", help="The value to reach by the period's end.")],
    start: Annotated[str, typer.Option("--start", help="The period's first day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--end", help="The period's last day (YYYY-MM-DD), inclusive.")],
    teams: Annotated[str, typer.Option("--teams", help="Owning teams: marketing, sales or both (comma-separated).")],
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Set a shared goal: a measure, a target, a period and the teams that own it."""
    goal_id = add_goal(
        bootstrap.engine(database),
        name=name,
        metric=metric,
        target=target,
        period_start=_day(start, "--start"),
        period_end=_day(end, "--end"),
        teams=[t.strip() for t in teams.split(",") if t.strip()],
    )
    emit_summary({"goal": goal_id, "name": name, "metric": metric, "target": target}, fmt, title="Goal set")


@app.command(name="list")
@handles_errors
def list_goals(
    at: AtOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every goal with its progress so far, the forecast to the period's end and whether it is on track."""
    from revbridge.analytics import goals as goal_metrics

    with bootstrap.source(database, engine, team) as source:
        frame = goal_metrics.goal_progress(source, now=moment(at))
    emit_frame(frame, fmt, "Shared goals")


@app.command()
@handles_errors
def remove(
    goal_id: Annotated[int, typer.Argument(help="The goal's id (from `revbridge goals list`).")],
    database: DatabaseOption = None,
) -> None:
    """Remove a goal."""
    remove_goal(bootstrap.engine(database), goal_id)
