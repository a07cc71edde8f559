"""``revbridge tick``: the SLA clocks, handled once for everything due."""

from __future__ import annotations

from typing import Annotated

import typer

from revbridge import bootstrap
from revbridge.cli._moments import moment
from revbridge.cli._output import DatabaseOption, FormatOption, OutputFormat, emit_summary, handles_errors


@handles_errors
def tick(
    at: Annotated[
        str | None,
        typer.Option("--at", help="Act as if it were this moment (ISO 8601, UTC unless it says): replays, tests."),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Handle at most this many obligations.")] = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Mark every SLA deadline that has passed as breached, escalate it as the SLA says, and write the
    notifications to the outbox.

    Safe to run again (a breach is handled once) and from several processes at once: on PostgreSQL each
    obligation is locked by the tick that handles it (SKIP LOCKED). Run it every minute from cron, or run
    `revbridge worker`, which does it in a loop.

    Each breach tells the owner's channel and the escalation target. When more than five of one rep's
    deadlines breach in one tick (the worker was down, a rep is away without cover), they go out as one
    digest that counts them and lists the earliest, instead of two messages a lead.

    Counts printed: due (claimed by this tick), breached, escalated, notifications written, failed (left
    for the next tick; the log says why), routed (MQLs nobody could take earlier, handed out now).
    """
    from revbridge.services.clocks import tick as run_tick  # the lifecycle engine: only when it runs

    counts = run_tick(bootstrap.engine(database), now=moment(at), limit=limit)
    emit_summary(counts.as_dict(), fmt, title="SLA clocks")
