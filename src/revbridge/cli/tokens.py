"""``revbridge token``: tokens for the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from revbridge import bootstrap
from revbridge.cli._output import DatabaseOption, FormatOption, OutputFormat, emit_rows, emit_summary, handles_errors

app = typer.Typer(
    help="Tokens for the HTTP API (`revbridge serve`): each acts for one person, within its scopes.",
    no_args_is_help=True,
)


@app.command()
@handles_errors
def create(
    user: Annotated[str, typer.Option("--user", help="The e-mail of the person it acts for.")],
    name: Annotated[str, typer.Option("--name", help="What it is for, to know it again (e.g. 'HubSpot sync').")],
    read_only: Annotated[bool, typer.Option("--read-only", help="Only read: no sending of data.")] = False,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Make a token, and show it once: only its SHA-256 is kept.

    A token acts for its person: marketing and admins may send touchpoints, everyone reads, and
    `--read-only` makes a token that only reads whoever holds it. Send it as
    `Authorization: Bearer rb_…`; revoke it with `revbridge token revoke ID`.

    Examples:

        revbridge token create --user maria@northwind.example --name "HubSpot sync"

        revbridge token create --user sam@northwind.example --name dashboard --read-only
    """
    from revbridge.services.api_tokens import make_token

    scopes = ["read"] if read_only else ["read", "write"]
    made = make_token(bootstrap.engine(database), email=user, name=name, scopes=scopes)
    emit_summary({"id": made.id, "token": made.token, "scopes": " ".join(scopes)}, fmt, title="Shown once: keep it")


@app.command(name="list")
@handles_errors
def list_tokens(database: DatabaseOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Every token: its id, name, person, scopes, when made and when revoked (never the token itself)."""
    from revbridge.services.api_tokens import tokens

    rows = tokens(bootstrap.engine(database))
    emit_rows(rows, fmt, columns=["id", "name", "email", "scopes", "created_at", "revoked_at"], title="API tokens")


@app.command()
@handles_errors
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (`revbridge token list`).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a token: from now on it does nothing."""
    from revbridge.services.api_tokens import revoke_token

    revoke_token(bootstrap.engine(database), token_id)
    typer.echo(f"token {token_id} revoked")
