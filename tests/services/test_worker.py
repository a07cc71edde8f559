"""The worker's rounds on a real database, delivering to a real webhook receiver on loopback."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.records import TouchpointRecord
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.notifications import webhook_sender
from revbridge.services.worker import RoundReport, run, run_once
from revbridge.store.tables import LeadRow, ObligationRow, OutboxRow

from .lead_world import MONDAY, build, make_mql
from .test_notifications import Receiver

LATE = MONDAY + timedelta(days=2)  # past the 4-business-hour accept clock


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def _kinds(receiver: Receiver) -> list[str]:
    return sorted(str(request.key).split(":")[0] for request in receiver.requests)


def _undelivered(engine: Engine) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.delivered_at.is_(None))
        return int(conn.execute(query).scalar_one())


def test_a_round_breaches_the_overdue_clock_and_delivers_every_notification_to_the_webhook(
    engine: Engine, receiver: Receiver
) -> None:
    make_mql(engine, 1, build(engine, leads=1))
    send = webhook_sender(lambda _kind: receiver.url, timeout=5)

    report = run_once(engine, now=LATE, send=send)

    assert report.errors == ()
    assert report.tick is not None
    assert (report.tick.due, report.tick.breached, report.tick.escalated) == (1, 1, 1)
    assert report.delivery is not None
    assert report.delivery.delivered == 3
    assert _kinds(receiver) == ["breach", "escalation", "mql"]  # the hand-over, then the breach and whom it went to
    assert _undelivered(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(ObligationRow.status).order_by(ObligationRow.id)).scalars().all() == [
            "breached",
            "open",
        ]


def test_a_demo_request_sent_through_the_api_is_scored_handed_to_sales_and_told_in_the_same_round(
    engine: Engine, receiver: Receiver
) -> None:
    """Scoring the new touchpoints comes first in a round: the MQL it makes is routed, its accept clock
    started and its rep told before the round ends."""
    build(engine, leads=2)
    demo_request = TouchpointRecord("forms", "f1", "demo_request", MONDAY, lead_email="p1@acme.com")
    EventIngestor(engine).ingest([demo_request], now=MONDAY)  # what POST /api/touchpoints does
    send = webhook_sender(lambda _kind: receiver.url, timeout=5)

    report = run_once(engine, now=MONDAY, send=send)

    assert report.errors == ()
    counts = report.as_dict()
    assert (counts["touchpoints_scored"], counts["leads_scored"], counts["mqls_handed_off"]) == (1, 1, 1)
    assert counts["delivered"] == 1
    assert _kinds(receiver) == ["mql"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(LeadRow.stage).order_by(LeadRow.id)).scalars().all() == ["mql", "lead"]
        assert conn.execute(sa.select(ObligationRow.kind, ObligationRow.status)).all() == [("accept", "open")]
    again = run_once(engine, now=MONDAY, send=send)
    assert again.as_dict()["touchpoints_scored"] == 0


def test_a_second_round_at_the_same_moment_has_nothing_to_do(engine: Engine, receiver: Receiver) -> None:
    make_mql(engine, 1, build(engine, leads=1))
    send = webhook_sender(lambda _kind: receiver.url, timeout=5)
    run_once(engine, now=LATE, send=send)
    sent = len(receiver.requests)

    again = run_once(engine, now=LATE, send=send)

    assert again.as_dict()["due"] == again.as_dict()["delivered"] == 0
    assert len(receiver.requests) == sent


def test_without_an_sla_in_force_the_tick_fails_but_the_waiting_notifications_still_go_out(
    engine: Engine, receiver: Receiver
) -> None:
    contract = build(engine, leads=1)
    make_mql(engine, 1, contract)
    send = webhook_sender(lambda _kind: receiver.url, timeout=5)

    report = run_once(engine, now=MONDAY - timedelta(days=60), send=send)  # before the SLA took effect

    assert report.tick is None
    assert report.scored is None
    assert len(report.errors) == 2
    assert report.errors[0].startswith("scoring: no SLA version is in force")
    assert report.errors[1].startswith("tick: no SLA version is in force")
    assert report.delivery is not None
    assert report.delivery.delivered == 0  # the MQL's notification is not due yet at that moment
    assert "no SLA version is in force" in report.line()


def test_the_loop_runs_its_rounds_and_a_round_that_raises_is_logged_and_the_next_one_runs(
    engine: Engine, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    make_mql(engine, 1, build(engine, leads=1))
    send = webhook_sender(lambda _kind: receiver.url, timeout=5)
    moments = iter([None, LATE])
    reports: list[RoundReport] = []

    def clock() -> datetime:
        moment = next(moments)
        if moment is None:
            raise RuntimeError("the clock is broken this once")
        return moment

    with caplog.at_level(logging.INFO, logger="revbridge"):
        rounds = run(engine, send=send, interval=0.01, rounds=2, clock=clock, on_round=reports.append)

    assert rounds == 2
    assert [r.at for r in reports] == [LATE]
    assert _kinds(receiver) == ["breach", "escalation", "mql"]
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == ["worker round failed; next round in 0 s"]
    assert failed[0].exc_info is not None
    assert any(r.getMessage().startswith(f"round at {LATE.isoformat()}: due 1, breached 1") for r in caplog.records)


def test_the_loop_stops_when_asked_between_rounds(engine: Engine, receiver: Receiver) -> None:
    build(engine, leads=1)
    stop = threading.Event()
    send = webhook_sender(lambda _kind: receiver.url, timeout=5)
    reports: list[RoundReport] = []

    def stop_after_the_second(report: RoundReport) -> None:
        reports.append(report)
        if len(reports) == 2:
            stop.set()

    rounds = run(engine, send=send, interval=0.01, stop=stop, clock=lambda: LATE, on_round=stop_after_the_second)

    assert rounds == 2
