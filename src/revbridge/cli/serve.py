"""``revbridge serve``: the HTTP API on a port."""

from __future__ import annotations

from typing import Annotated

import typer

from revbridge import bootstrap
from revbridge.cli._output import DatabaseOption, handles_errors


@handles_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)] = 8000,
    database: DatabaseOption = None,
) -> None:
    """Serve the HTTP API: leads and their stories, batches of touchpoints, and more to come.

    The schema is at /openapi.json and readable documentation at /docs. Errors come back as RFC 9457
    problem details (`application/problem+json`), each naming the field at fault.

    Examples:

        revbridge serve

        revbridge serve --host 0.0.0.0 --port 8080

        curl -s localhost:8000/leads?stage=mql | python -m json.tool
    """
    import uvicorn

    from revbridge.api.app import create_app

    uvicorn.run(create_app(bootstrap.engine(database)), host=host, port=port, log_level="info")
