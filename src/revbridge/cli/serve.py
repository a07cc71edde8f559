"""``revbridge serve``: the dashboard and the HTTP API on a port."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from revbridge import bootstrap
from revbridge.cli._output import DatabaseOption, handles_errors

HostOption = Annotated[str, typer.Option("--host", help="The address to listen on.")]
PortOption = Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)]


WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="Server processes answering at once (one per core is a good start); each keeps its own numbers.",
    ),
]


@handles_errors
def serve(
    host: HostOption = "127.0.0.1", port: PortOption = 8000, workers: WorkersOption = 1, database: DatabaseOption = None
) -> None:
    """Serve the dashboard (log in with a password: `revbridge user password EMAIL`) and the HTTP API.

    The dashboard is at the site's root; the API under /api, its schema at /openapi.json and readable
    documentation at /docs. API calls carry a token (`revbridge token create`); errors come back as
    RFC 9457 problem details (`application/problem+json`), each naming the field at fault.

    Examples:

        revbridge serve

        revbridge serve --host 0.0.0.0 --port 8080 --workers 4

        curl -s -H "Authorization: Bearer rb_…" localhost:8000/api/leads?stage=mql | python -m json.tool
    """
    run_server(bootstrap.engine(database), host, port, workers)


def run_server(engine: Engine, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from revbridge.api.app import create_app

    if workers == 1:
        uvicorn.run(create_app(engine, serving=True), host=host, port=port, log_level="info")
        return
    # Several processes: each makes its own app (and engine) for the same database, named in the environment.
    os.environ["REVBRIDGE_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    factory = "revbridge.api.app:from_environment"
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, log_level="info")
