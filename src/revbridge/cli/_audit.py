"""Writes made from the command line, in the audit log beside the API's and the browser's (``services/audit``).

A command that writes for a person (``revbridge lead accept 42 --as ana@…``) makes one entry once it has
ended, as a request through the API would: who (the person ``--as`` names, if RevBridge knows them), the
command, its subject, and how it ended, as the status the API answers the same outcome with (200; a
refusal's 403, 404, 409 or 422). So the log answers "who accepted this lead?" whichever way it was done.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from revbridge import bootstrap
from revbridge.domain.errors import RevBridgeError
from revbridge.services.audit import record_command

P = ParamSpec("P")
T = TypeVar("T")

Subject = Callable[[dict[str, Any]], str | None]  # the command's arguments -> "lead 42"


def audited(action: str, subject: Subject) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Record each run of the decorated command as ``action`` (``revbridge lead accept``). Goes under
    ``handles_errors``, so that it sees the error a refusal raised before it becomes an exit code."""

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            status = 500
            try:
                result = fn(*args, **kwargs)
                status = 200
                return result
            except RevBridgeError as error:
                from revbridge.web.forms import refusal_status  # the API's own mapping

                status = refusal_status(error)
                raise
            finally:
                _record(kwargs, action, status, subject)

        return wrapper

    return decorate


def _record(arguments: dict[str, Any], action: str, status: int, subject: Subject) -> None:
    try:
        engine = bootstrap.engine(arguments.get("database"))
        record_command(engine, email=arguments.get("as_"), action=action, status=status, subject=subject(arguments))
    except Exception:
        if status == 200:
            raise  # a write that cannot be audited is an error of its own
        # The command failed already (a store that cannot be reached, say): its own error is the one to show.
