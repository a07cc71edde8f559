"""The outbox delivered to a real HTTP receiver on loopback, on SQLite and PostgreSQL, crashes included."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.notifications import Notification, deadline_breached, mql_assigned, rejection_digest
from revbridge.services.notifications import (
    LEASE,
    DeliveryCounts,
    Sender,
    deliver_due,
    retry_delay,
    webhook_sender,
)
from revbridge.store import outbox
from revbridge.store.engine import writing
from revbridge.store.tables import OutboxRow, table_of

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request and answers as ``answer`` says."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.answer: Callable[[Received], int] = lambda _request: 200
        self.delay = 0.0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/secret-token"

    def keys(self) -> list[str | None]:
        with self._lock:
            return [request.key for request in self.requests]

    def fail_first(self, count: int, status: int) -> None:
        answers = iter([status] * count)
        self.answer = lambda _request: next(answers, 200)

    def _record(self, request: Received) -> int:
        time.sleep(self.delay)
        with self._lock:
            self.requests.append(request)
            self.statuses.append(self.answer(request))
            return self.statuses[-1]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._record(Received(self.path, headers, body))
                reply = b"ok" if status < 300 else b"invalid_payload"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def to(receiver: Receiver) -> Sender:
    return webhook_sender(lambda _kind: receiver.url, timeout=5)


def a_port_nobody_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def breach(obligation_id: int = 11) -> Notification:
    return deadline_breached(obligation_id, "accept", 7, "Ada Lovelace", "Sam Okafor", NOW - timedelta(hours=1))


def enqueue(engine: Engine, *notifications: Notification, now: datetime = NOW) -> list[bool]:
    with writing(engine).begin() as conn:
        return [outbox.enqueue(conn, notification, now) for notification in notifications]


def stored(engine: Engine) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table_of(OutboxRow)).order_by(OutboxRow.id)))


def only_row(engine: Engine) -> sa.Row[Any]:
    rows = stored(engine)
    assert len(rows) == 1
    return rows[0]


# --- delivery ---------------------------------------------------------------------------------------------


def test_a_committed_notification_reaches_the_webhook_as_slack_json_with_its_idempotency_key(
    engine: Engine, receiver: Receiver
) -> None:
    notification = breach()
    enqueue(engine, notification)

    assert deliver_due(engine, now=NOW, send=to(receiver)) == DeliveryCounts(delivered=1)

    [request] = receiver.requests
    assert request.path == "/services/T0/B0/secret-token"
    assert request.headers["content-type"] == "application/json"
    assert request.key == "breach:11"
    assert request.json() == notification.payload
    assert request.json()["blocks"][0]["text"]["type"] == "mrkdwn"
    row = only_row(engine)
    assert (row.delivered_at, row.attempts, row.last_error) == (NOW, 1, None)
    assert deliver_due(engine, now=NOW + timedelta(days=1), send=to(receiver)) == DeliveryCounts()
    assert len(receiver.requests) == 1


def test_enqueueing_the_same_event_twice_stores_one_row_and_delivers_it_once(
    engine: Engine, receiver: Receiver
) -> None:
    assert enqueue(engine, breach()) == [True]
    assert enqueue(engine, breach(), now=NOW + timedelta(minutes=1)) == [False]
    assert len(stored(engine)) == 1

    deliver_due(engine, now=NOW + timedelta(minutes=1), send=to(receiver))
    assert enqueue(engine, breach(), now=NOW + timedelta(minutes=2)) == [False]  # replayed after delivery too
    deliver_due(engine, now=NOW + timedelta(minutes=2), send=to(receiver))

    assert receiver.keys() == ["breach:11"]


def test_rows_are_sent_oldest_first_and_a_limit_leaves_the_rest_for_the_next_run(
    engine: Engine, receiver: Receiver
) -> None:
    enqueue(engine, breach(1), breach(2), breach(3))

    assert deliver_due(engine, now=NOW, send=to(receiver), limit=2) == DeliveryCounts(delivered=2)
    assert deliver_due(engine, now=NOW, send=to(receiver), limit=2) == DeliveryCounts(delivered=1)
    assert receiver.keys() == ["breach:1", "breach:2", "breach:3"]


def test_a_row_not_yet_due_waits(engine: Engine, receiver: Receiver) -> None:
    enqueue(engine, breach(), now=NOW + timedelta(minutes=5))

    assert deliver_due(engine, now=NOW, send=to(receiver)) == DeliveryCounts()
    assert deliver_due(engine, now=NOW + timedelta(minutes=5), send=to(receiver)) == DeliveryCounts(delivered=1)


# --- failures and retries ---------------------------------------------------------------------------------


def test_back_off_doubles_from_30_seconds_and_stops_growing_at_an_hour() -> None:
    delays = [retry_delay(failures) for failures in range(1, 10)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[-1] == timedelta(hours=1)
    assert retry_delay(1000) == timedelta(hours=1)


def test_a_receiver_answering_500_twice_is_retried_with_back_off_and_gets_the_message_once(
    engine: Engine, receiver: Receiver
) -> None:
    receiver.fail_first(2, 500)
    enqueue(engine, breach())
    send = to(receiver)

    assert deliver_due(engine, now=NOW, send=send) == DeliveryCounts(failed=1)
    row = only_row(engine)
    assert (row.attempts, row.delivered_at, row.next_attempt_at) == (1, None, NOW + timedelta(seconds=30))
    assert row.last_error.startswith("http://127.0.0.1:")
    assert "answered 500: invalid_payload" in row.last_error
    assert "secret-token" not in row.last_error

    assert deliver_due(engine, now=NOW + timedelta(seconds=29), send=send) == DeliveryCounts()
    second = NOW + timedelta(seconds=30)
    assert deliver_due(engine, now=second, send=send) == DeliveryCounts(failed=1)
    assert only_row(engine).next_attempt_at == second + timedelta(seconds=60)
    assert deliver_due(engine, now=second + timedelta(seconds=60), send=send) == DeliveryCounts(delivered=1)

    assert receiver.keys() == ["breach:11"] * 3
    assert receiver.statuses == [500, 500, 200]
    row = only_row(engine)
    assert (row.attempts, row.delivered_at) == (3, second + timedelta(seconds=60))
    assert deliver_due(engine, now=NOW + timedelta(days=1), send=send) == DeliveryCounts()


def test_a_receiver_that_is_down_leaves_the_message_pending_until_it_is_back(
    engine: Engine, receiver: Receiver
) -> None:
    destination = {"url": f"http://127.0.0.1:{a_port_nobody_listens_on()}/hook"}
    send = webhook_sender(lambda _kind: destination["url"], timeout=5)
    enqueue(engine, breach())

    assert deliver_due(engine, now=NOW, send=send) == DeliveryCounts(failed=1)
    row = only_row(engine)
    assert (row.attempts, row.delivered_at) == (1, None)
    assert "unreachable" in row.last_error

    destination["url"] = receiver.url
    assert deliver_due(engine, now=NOW + timedelta(seconds=30), send=send) == DeliveryCounts(delivered=1)
    assert receiver.keys() == ["breach:11"]


def test_after_max_attempts_a_row_is_given_up_on_and_kept_for_a_person(engine: Engine, receiver: Receiver) -> None:
    receiver.answer = lambda _request: 503
    enqueue(engine, breach())
    now = NOW
    results = []
    for _ in range(3):
        results.append(deliver_due(engine, now=now, send=to(receiver), max_attempts=3))
        now = only_row(engine).next_attempt_at

    assert results == [DeliveryCounts(failed=1), DeliveryCounts(failed=1), DeliveryCounts(gave_up=1)]
    row = only_row(engine)
    assert (row.attempts, row.delivered_at, row.next_attempt_at) == (3, None, outbox.GAVE_UP_AT)
    assert row.last_error.startswith("gave up after 3 attempt(s): http://127.0.0.1:")
    assert deliver_due(engine, now=NOW + timedelta(days=365), send=to(receiver)) == DeliveryCounts()
    assert len(receiver.requests) == 3


def test_a_refusal_that_sending_again_cannot_fix_is_given_up_on_at_once(engine: Engine, receiver: Receiver) -> None:
    receiver.answer = lambda _request: 404
    enqueue(engine, breach())

    assert deliver_due(engine, now=NOW, send=to(receiver)) == DeliveryCounts(gave_up=1)
    assert only_row(engine).last_error.startswith("gave up after 1 attempt(s) (permanent error): ")


def test_a_webhook_url_that_is_not_http_is_refused_and_never_opened(engine: Engine) -> None:
    enqueue(engine, breach())
    send = webhook_sender(lambda _kind: "file:///etc/passwd")

    assert deliver_due(engine, now=NOW, send=send) == DeliveryCounts(gave_up=1)
    assert "not an http(s) webhook URL: file:" in only_row(engine).last_error
    assert "passwd" not in only_row(engine).last_error


def test_rate_limiting_is_retried_not_given_up(engine: Engine, receiver: Receiver) -> None:
    receiver.fail_first(1, 429)
    enqueue(engine, breach())

    assert deliver_due(engine, now=NOW, send=to(receiver)) == DeliveryCounts(failed=1)
    assert deliver_due(engine, now=NOW + timedelta(seconds=30), send=to(receiver)) == DeliveryCounts(delivered=1)


def test_one_bad_row_is_recorded_and_the_rest_of_the_batch_is_delivered(engine: Engine, receiver: Receiver) -> None:
    post = to(receiver)

    def send(kind: str, payload: dict[str, Any], key: str) -> None:
        if key == "breach:2":
            raise KeyError("blocks")
        post(kind, payload, key)

    receiver.answer = lambda request: 400 if request.key == "breach:3" else 200
    enqueue(engine, breach(1), breach(2), breach(3), breach(4))

    assert deliver_due(engine, now=NOW, send=send) == DeliveryCounts(delivered=2, failed=1, gave_up=1)
    rows = {row.idempotency_key: row for row in stored(engine)}
    assert rows["breach:2"].last_error.startswith("KeyError: 'blocks'")
    assert rows["breach:2"].next_attempt_at == NOW + timedelta(seconds=30)
    assert "answered 400" in rows["breach:3"].last_error
    assert receiver.keys() == ["breach:1", "breach:3", "breach:4"]


def test_a_kind_without_a_webhook_url_stays_pending_without_using_up_attempts(
    engine: Engine, receiver: Receiver
) -> None:
    digest = rejection_digest(NOW.date(), {"bad_fit": 2}, [])
    send = webhook_sender(lambda kind: None if kind == digest.kind else receiver.url)
    enqueue(engine, breach(), digest)

    assert deliver_due(engine, now=NOW, send=send) == DeliveryCounts(delivered=1, unrouted=1)
    waiting = stored(engine)[1]
    assert (waiting.delivered_at, waiting.attempts) == (None, 0)
    assert waiting.next_attempt_at == NOW + timedelta(minutes=5)
    assert "no webhook URL for 'rejection_digest' notifications; set REVBRIDGE_WEBHOOK_URL" in waiting.last_error

    assert deliver_due(engine, now=NOW + timedelta(minutes=5), send=to(receiver)) == DeliveryCounts(delivered=1)
    assert receiver.keys() == ["breach:11", f"rejection-digest:{NOW.date().isoformat()}"]


# --- crashes ----------------------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime, timedelta

    from revbridge.domain.notifications import deadline_breached
    from revbridge.services.notifications import deliver_due, webhook_sender
    from revbridge.store import outbox
    from revbridge.store.engine import make_engine, writing

    mode, url, now, hook = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3]), sys.argv[4]
    engine = make_engine(url)

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if mode == "commit-then-die":
        with writing(engine).begin() as conn:
            notification = deadline_breached(11, "accept", 7, "Ada Lovelace", "Sam Okafor", now - timedelta(hours=1))
            outbox.enqueue(conn, notification, now)
        die()
    elif mode == "send-then-die":
        post = webhook_sender(lambda _kind: hook, timeout=5)

        def send(kind, payload, key):
            post(kind, payload, key)
            die()

        deliver_due(engine, now=now, send=send)
    sys.exit(f"unexpected: {mode} ran to the end")
    """
)


def run_child_until_killed(mode: str, database_url: str, receiver: Receiver) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, mode, database_url, NOW.isoformat(), receiver.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr


def test_a_crash_right_after_the_decision_commits_loses_nothing(
    database_url: str, engine: Engine, receiver: Receiver
) -> None:
    run_child_until_killed("commit-then-die", database_url, receiver)
    assert receiver.requests == []
    assert only_row(engine).delivered_at is None

    assert deliver_due(engine, now=NOW, send=to(receiver)) == DeliveryCounts(delivered=1)
    assert deliver_due(engine, now=NOW + LEASE, send=to(receiver)) == DeliveryCounts()
    assert receiver.keys() == ["breach:11"]


def test_a_crash_between_sending_and_recording_sends_again_with_the_same_key_once_the_lease_runs_out(
    database_url: str, engine: Engine, receiver: Receiver
) -> None:
    enqueue(engine, breach())

    run_child_until_killed("send-then-die", database_url, receiver)
    assert receiver.keys() == ["breach:11"]
    row = only_row(engine)
    assert (row.delivered_at, row.attempts, row.next_attempt_at) == (None, 0, NOW + LEASE)

    assert deliver_due(engine, now=NOW + LEASE - timedelta(seconds=1), send=to(receiver)) == DeliveryCounts()
    assert deliver_due(engine, now=NOW + LEASE, send=to(receiver)) == DeliveryCounts(delivered=1)
    assert deliver_due(engine, now=NOW + 2 * LEASE, send=to(receiver)) == DeliveryCounts()

    assert receiver.keys() == ["breach:11", "breach:11"]
    assert receiver.requests[0].body == receiver.requests[1].body


# --- concurrent senders -----------------------------------------------------------------------------------


def test_two_senders_running_at_once_never_send_the_same_row_twice(engine: Engine, receiver: Receiver) -> None:
    receiver.delay = 0.01
    notifications = [breach(i) for i in range(1, 41)]
    enqueue(engine, *notifications)
    start = threading.Barrier(2)
    results: list[DeliveryCounts] = []

    def sender() -> None:
        start.wait()
        results.append(deliver_due(engine, now=NOW, send=to(receiver), limit=25))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(result.delivered for result in results) == 40
    assert Counter(receiver.keys()) == Counter({n.key: 1 for n in notifications})
    assert all(row.delivered_at == NOW for row in stored(engine))


def test_a_claim_never_returns_rows_another_sender_has_claimed(engine: Engine) -> None:
    """PostgreSQL skips the locked rows at once; SQLite makes the second claim wait for the first to commit."""
    enqueue(engine, *[breach(i) for i in range(1, 6)])
    postgres = engine.dialect.name == "postgresql"
    others: list[outbox.OutboxMessage] = []

    def second_sender() -> None:
        with writing(engine).begin() as conn:
            if postgres:
                conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail, not hang
            others.extend(outbox.claim_due(conn, NOW, 10))

    with writing(engine).connect() as first:
        first.begin()
        held = outbox.claim_due(first, NOW, 2)
        second = threading.Thread(target=second_sender)
        second.start()
        second.join(timeout=10 if postgres else 0.5)
        if postgres:
            assert not second.is_alive()  # it skipped the locked rows without waiting
        else:
            assert second.is_alive()  # it waits for the write lock
        first.commit()
    second.join()

    assert [m.key for m in held] == ["breach:1", "breach:2"]
    assert [m.key for m in others] == ["breach:3", "breach:4", "breach:5"]


def test_a_claim_that_is_never_committed_leaves_its_rows_due(engine: Engine) -> None:
    enqueue(engine, breach(1), breach(2))

    with writing(engine).connect() as conn:
        conn.begin()
        assert len(outbox.claim_due(conn, NOW, 10)) == 2
        conn.rollback()  # the sender died before committing its claim

    with writing(engine).begin() as conn:
        assert [m.key for m in outbox.claim_due(conn, NOW, 10)] == ["breach:1", "breach:2"]


def test_a_new_mql_message_reaches_the_receiver_unchanged(engine: Engine, receiver: Receiver) -> None:
    notification = mql_assigned(7, "Ada Lovelace", None, 82.0, "Sam Okafor", "fit and engagement", NOW)
    enqueue(engine, notification)

    deliver_due(engine, now=NOW, send=to(receiver))

    assert receiver.requests[0].json() == notification.payload
    assert receiver.requests[0].key == notification.key
