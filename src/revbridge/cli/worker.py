"""``revbridge worker``: score new touchpoints, tick the SLA clocks and deliver notifications in a loop, or
once (``--once``)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer

from revbridge import bootstrap
from revbridge.cli._moments import moment
from revbridge.cli._output import DatabaseOption, FormatOption, OutputFormat, emit_summary, err_console, handles_errors
from revbridge.services.notifications import webhook_sender
from revbridge.services.worker import DEFAULT_INTERVAL, run, run_once

log = logging.getLogger("revbridge.cli.worker")


@handles_errors
def worker(
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds from the start of one round to the next.")
    ] = DEFAULT_INTERVAL,
    once: Annotated[
        bool, typer.Option("--once", help="Run one round, print its counts and exit (cron, tests).")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="WHEN", help="With --once: act as if it were this moment (ISO 8601, UTC)."),
    ] = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Keep the SLA running: every --interval seconds, score new touchpoints, tick the clocks and deliver
    the notifications.

    Each round scores the touchpoints that arrived through the API or an import since the last one (as
    `revbridge score --new` does: the leads they qualify go to sales), marks passed deadlines as breached
    and escalates them (as `revbridge tick` does), then delivers the notifications waiting in the outbox
    to REVBRIDGE_WEBHOOK_URL (a Slack-style incoming webhook; while it is unset, they wait).

    Each round logs its counts on stderr. A round that fails is logged and the next one runs as usual, so
    the worker does not stop for a bad row or a database that is away for a moment. Several workers may
    run at once: they share the work and never send one breach twice. Ctrl-C (or SIGTERM) stops it after
    the round in progress; a second Ctrl-C stops it at once (the interrupted round is rolled back and
    runs again next time).

    With --once, one round runs and its counts are printed; the exit code is 1 if a step failed.

    Examples:

        REVBRIDGE_WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/XYZ revbridge worker

        revbridge worker --interval 60

        revbridge worker --once --format json      # from cron, every minute
    """
    if at is not None and not once:
        raise typer.BadParameter("--at goes with --once: a loop runs on the real clock", param_hint="--at")
    _log_to_stderr()
    engine = bootstrap.engine(database)
    url = bootstrap.settings().webhook_url
    if not url:
        log.warning("REVBRIDGE_WEBHOOK_URL is not set: notifications wait in the outbox until it is")
    send = webhook_sender(lambda _kind: url)
    if once:
        report = run_once(engine, now=moment(at), send=send)
        emit_summary(report.as_dict(), fmt, title="Worker round")
        if report.errors:
            raise typer.Exit(1)
        return
    stop = threading.Event()
    log.info("worker started: a round every %g s; Ctrl-C stops it", interval)
    try:
        with _stopped_by_signals(stop):
            rounds = run(engine, send=send, interval=interval, stop=stop)
    except KeyboardInterrupt:
        err_console.print("worker stopped at once; the interrupted round runs again next time")
        raise typer.Exit(130) from None
    err_console.print(f"worker stopped after {rounds} round(s)")


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (the round in progress ends first); a second one interrupts at once."""

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        log.info("%s: stopping after this round (again to stop at once)", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Stderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def _log_to_stderr() -> None:
    """Log RevBridge's INFO and above on stderr, once per process."""
    logger = logging.getLogger("revbridge")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
