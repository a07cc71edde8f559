"""``revbridge user``: the people who log in to the dashboard, and their passwords."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from revbridge import bootstrap
from revbridge.cli._output import DatabaseOption, handles_errors

app = typer.Typer(help="People's passwords for the dashboard (`revbridge serve`).", no_args_is_help=True)


@app.command()
@handles_errors
def password(
    email: Annotated[str, typer.Argument(help="The person's e-mail, as the CRM import brought them in.")],
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from the first line of standard input (scripts).")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Set a person's password for the dashboard (asked twice, not shown); their open sessions end.

    The password is kept as an argon2id hash. A person logs in with their e-mail and this password;
    what they may do follows their role (admin, marketing, sales, viewer).

    Examples:

        revbridge user password ana@northwind.example

        echo "$NEW_PASSWORD" | revbridge user password ana@northwind.example --stdin
    """
    from revbridge.services.logins import set_password

    if from_stdin:
        secret = sys.stdin.readline().rstrip("\n")
    else:
        secret = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    set_password(bootstrap.engine(database), email, secret, now=datetime.now(UTC))
    typer.echo(f"{email} can log in now; their other sessions ended")
