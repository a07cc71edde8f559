"""``revbridge``: the command line both teams share."""

from __future__ import annotations

from typing import Annotated

import typer

from revbridge import __version__, bootstrap
from revbridge.cli._output import DatabaseOption, FormatOption, OutputFormat, emit_summary, handles_errors

app = typer.Typer(
    name="revbridge",
    help="RevBridge: one record of every lead's journey, the marketing-sales SLA as code, "
    "and the numbers both teams trust.\n\nThe database is REVBRIDGE_DATABASE_URL "
    "(default: revbridge.db, a SQLite file in this folder).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command()
@handles_errors
def init(database: DatabaseOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Create the database, or upgrade it to this version's schema. Safe to run again."""
    from revbridge.services.schema import init_database  # Alembic: only when it runs

    revision = init_database(bootstrap.engine(database))
    emit_summary({"database": bootstrap.engine(database).url.render_as_string(), "schema": revision}, fmt)


def _register() -> None:
    """Add the command groups; each lives in its own module."""
    from revbridge.cli import (
        attribution,
        clocks,
        clv,
        demo,
        goals,
        imports,
        lead,
        metrics,
        mirror,
        report,
        score,
        serve,
        sla,
        tokens,
        users,
        worker,
    )
    from revbridge.cli import model as predictive

    app.add_typer(sla.app, name="sla")
    app.add_typer(imports.app, name="import")
    app.add_typer(lead.app, name="lead")
    app.add_typer(mirror.app, name="mirror")
    app.add_typer(clv.app, name="clv")
    app.add_typer(goals.app, name="goals")
    app.add_typer(predictive.app, name="model")
    app.add_typer(tokens.app, name="token")
    app.add_typer(users.app, name="user")
    app.add_typer(report.app, name="report")
    app.command(name="demo")(demo.demo)
    app.command(name="serve")(serve.serve)
    app.command(name="tick")(clocks.tick)
    app.command(name="worker")(worker.worker)
    app.command(name="score")(score.score)
    metrics.register(app)
    attribution.register(app)


_register()
