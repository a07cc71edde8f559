"""Errors as RFC 9457 problem details (``application/problem+json``): a ``type``, a ``title``, the HTTP
``status``, a ``detail`` in words, and for a request that does not validate, ``errors``: each with the
``field`` it concerns as a path into the request (``body.touchpoints[3].occurred_at``) and what is wrong.
A document sent whole that does not validate (an SLA's YAML) lists every error the same way, its
``field`` a path into the document (``clocks.accept_within``) and its ``line``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from revbridge.domain.errors import FieldError, RevBridgeError
from revbridge.web.forms import refusal_status

MEDIA_TYPE = "application/problem+json"
_TITLES = {401: "A token is needed", 404: "Not Found", 405: "Method Not Allowed"}


def problem(status: int, title: str, detail: str, **more: Any) -> JSONResponse:
    body = {"type": f"https://revbridge.dev/problems/{status}", "title": title, "status": status, "detail": detail}
    return JSONResponse({**body, **more}, status_code=status, media_type=MEDIA_TYPE)


def field_path(location: Sequence[str | int]) -> str:
    """``("body", "touchpoints", 3, "occurred_at")`` → ``body.touchpoints[3].occurred_at``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


HtmlError = Callable[[Request, int, str, str], Response]


def install(app: FastAPI, html: HtmlError | None = None) -> None:
    """Every error the API can meet answered as a problem; a browser's, off the API, by ``html``."""

    def answer(request: Request, status: int, title: str, detail: str, **more: Any) -> Response:
        if html is not None and _wants_html(request):
            return html(request, status, title, detail)
        return problem(status, title, detail, **more)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        errors = [{"field": field_path(e["loc"]), "message": e["msg"]} for e in error.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return answer(request, 422, "The request is not valid", detail, errors=errors)

    @app.exception_handler(RevBridgeError)
    async def refused(request: Request, error: RevBridgeError) -> Response:
        status = refusal_status(error)
        found = getattr(error, "errors", None)  # a document's errors (an SLA's): each with its path in it
        if isinstance(found, list) and all(isinstance(e, FieldError) for e in found):
            errors = [{"field": e.path, "line": e.line, "message": e.message} for e in found]
            return answer(request, status, type(error).__name__, str(error), errors=errors)
        return answer(request, status, type(error).__name__, str(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        title = _TITLES.get(error.status_code, str(error.detail))
        response = answer(request, error.status_code, title, str(error.detail))
        response.headers.update(error.headers or {})
        return response


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")
