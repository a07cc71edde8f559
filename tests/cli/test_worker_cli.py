"""`revbridge worker`: one round from the command line, and a loop that stops cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from revbridge.cli.main import app
from tests.services.lead_world import build, make_mql
from tests.services.test_notifications import Receiver

LATE = "2026-03-04T15:00:00Z"  # past the accept clock of an MQL handed over on Monday 2 March


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def database(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An MQL handed over on Monday; the CLI reads this database."""
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", database_url)
    make_mql(engine, 1, build(engine, leads=1))
    return database_url


def test_one_round_breaches_the_clock_and_delivers_to_the_configured_webhook(
    database: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVBRIDGE_WEBHOOK_URL", receiver.url)

    result = CliRunner().invoke(app, ["worker", "--once", "--at", LATE, "--format", "json"])

    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert (counts["due"], counts["breached"], counts["escalated"], counts["delivered"]) == (1, 1, 1, 3)
    assert counts["errors"] == ""
    assert len(receiver.requests) == 3


def test_without_a_webhook_url_the_notifications_wait_and_the_log_says_so(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVBRIDGE_WEBHOOK_URL", raising=False)

    result = CliRunner().invoke(app, ["worker", "--once", "--at", LATE, "--format", "json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unrouted"] == 3
    assert "REVBRIDGE_WEBHOOK_URL is not set" in result.stderr


def test_a_round_whose_tick_fails_exits_1_and_says_why(database: str) -> None:
    result = CliRunner().invoke(app, ["worker", "--once", "--at", "2020-01-01T00:00:00Z", "--format", "json"])

    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert errors.startswith("scoring: no SLA version is in force at 2020-01-01")  # new touchpoints come first
    assert "; tick: no SLA version is in force at 2020-01-01" in errors


def test_at_without_once_is_a_usage_error(database: str) -> None:
    result = CliRunner().invoke(app, ["worker", "--at", LATE])

    assert result.exit_code == 2
    assert "--at goes with --once" in result.output


def _read_lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _until_two_rounds(lines: queue.Queue[str], seen: list[str]) -> None:
    deadline = time.monotonic() + 60
    while sum("round at" in line for line in seen) < 2 and time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            seen.append(lines.get(timeout=1))


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_the_loop_runs_rounds_until_ctrl_c_or_sigterm_and_then_stops_cleanly(
    database: str, stop_signal: signal.Signals
) -> None:
    env = {**os.environ, "REVBRIDGE_DATABASE_URL": database}
    env.pop("REVBRIDGE_WEBHOOK_URL", None)
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    command = [sys.executable, "-m", "revbridge", "worker", "--interval", "0.2"]
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env) as worker:
        assert worker.stderr is not None
        reader = threading.Thread(target=_read_lines, args=(worker.stderr, lines), daemon=True)
        reader.start()
        _until_two_rounds(lines, seen)
        worker.send_signal(stop_signal)
        try:
            worker.wait(timeout=30)
        finally:
            worker.kill()
        reader.join(timeout=10)
    while not lines.empty():
        seen.append(lines.get())

    log = "".join(seen)
    assert sum("round at" in line for line in seen) >= 2, log
    assert worker.returncode == 0, log
    assert f"{stop_signal.name}: stopping after this round" in log
    assert "worker stopped after" in log
    assert "Traceback" not in log
