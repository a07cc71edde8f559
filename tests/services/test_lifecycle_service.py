"""The lifecycle engine on a real database: hand-off, routing, verdicts, clocks that breach and escalate once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.errors import StaleLead, TransitionNotAllowed
from revbridge.domain.lifecycle import Accepted, Rejected, Scored
from revbridge.domain.scoring import Score
from revbridge.services.clocks import tick
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lifecycle import handle
from revbridge.services.sla_versions import apply_sla
from revbridge.store import repositories as repo
from revbridge.store.engine import make_engine, writing
from revbridge.store.tables import LeadRow, ObligationRow, OutboxRow, StageTransitionRow, UserRow
from tests.conftest import fresh_postgres_url
from tests.pg_cluster import Cluster

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York


def _setup(engine: Engine, leads: int = 1) -> Contract:
    apply_sla(
        engine,
        EXAMPLE.read_text(),
        effective_from=MONDAY - timedelta(days=30),
        signed_by={"marketing": "maria", "sales": "sam"},
        now=MONDAY,
    )
    with writing(engine).begin() as conn:
        sdr = repo.get_or_create_team(conn, "sdr", "sales")
        conn.execute(
            sa.insert(UserRow),
            [
                {
                    "email": "mia@nw.com",
                    "name": "Mia Manager",
                    "role": "sales",
                    "title": "sales_manager",
                    "team_id": sdr,
                },
                {"email": "ana@nw.com", "name": "Ana Ruiz", "role": "sales", "title": None, "team_id": sdr},
                {"email": "bo@nw.com", "name": "Bo Chen", "role": "sales", "title": None, "team_id": sdr},
            ],
        )
        conn.execute(sa.update(UserRow).where(UserRow.email != "mia@nw.com").values(manager_id=1))
        conn.execute(sa.update(UserRow).where(UserRow.email == "mia@nw.com").values(away=True))
        conn.execute(
            sa.insert(LeadRow),
            [
                {"source": "test", "external_id": str(i), "email": f"p{i}@acme.com", "stage": "lead", "country": "BR"}
                for i in range(leads)
            ],
        )
    return contract_at(engine, MONDAY)


def _hot(at: datetime) -> Scored:
    return Scored(Score(35, 50, None, 85, ()), at)


def _scalar(engine: Engine, query: sa.Select[Any]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_an_mql_is_routed_with_a_reason_and_its_accept_clock_runs_in_business_hours(engine: Engine) -> None:
    contract = _setup(engine)
    outcome = handle(engine, 1, lambda _: _hot(MONDAY), contract)
    assert outcome.stage == "mql"
    assert outcome.routing is not None
    assert outcome.routing.rule == "fallback"
    with engine.connect() as conn:
        lead = conn.execute(sa.select(LeadRow.owner_id, LeadRow.routing_reason, LeadRow.version)).one()
        due = conn.execute(sa.select(ObligationRow.due_at, ObligationRow.owner_id)).one()
        transition = conn.execute(sa.select(StageTransitionRow.to_stage, StageTransitionRow.sla_version)).one()
        kinds = conn.execute(sa.select(OutboxRow.kind)).scalars().all()
    assert lead.owner_id == 2  # Ana: Mia is away
    assert "Mia Manager: away" in lead.routing_reason
    assert lead.version == 2
    assert due.due_at == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 10:00 + 4 business hours, New York
    assert due.owner_id == 2
    assert tuple(transition) == ("mql", 1)
    assert kinds == ["mql_assigned"]


def test_a_verdict_meets_the_clock_and_a_rejection_records_its_reason(engine: Engine) -> None:
    contract = _setup(engine, leads=2)
    handle(engine, 1, lambda _: _hot(MONDAY), contract)
    handle(engine, 2, lambda _: _hot(MONDAY), contract)
    handle(engine, 1, lambda _: Accepted("ana@nw.com", MONDAY + timedelta(hours=1)), contract)
    feedback = {"verdict": "reject", "reason": "no_budget", "rating": 2, "note": "next year", "user_id": 3}
    handle(
        engine,
        2,
        lambda _: Rejected("bo@nw.com", "no_budget", MONDAY + timedelta(hours=1)),
        contract,
        feedback=feedback,
    )
    with engine.connect() as conn:
        stages = {r.id: r.stage for r in conn.execute(sa.select(LeadRow.id, LeadRow.stage))}
        statuses = sorted((r.kind, r.status) for r in conn.execute(sa.select(ObligationRow.kind, ObligationRow.status)))
        reason = conn.execute(sa.text("SELECT reason FROM feedback")).scalar_one()
    assert stages == {1: "sal", 2: "nurture"}
    assert statuses == [("accept", "met"), ("accept", "met"), ("attempts", "open"), ("first_touch", "open")]
    assert reason == "no_budget"


def test_a_refused_move_writes_nothing(engine: Engine) -> None:
    contract = _setup(engine)
    with pytest.raises(TransitionNotAllowed):
        handle(engine, 1, lambda _: Accepted("ana@nw.com", MONDAY), contract)
    assert _scalar(engine, sa.select(sa.func.count()).select_from(StageTransitionRow)) == 0
    assert _scalar(engine, sa.select(LeadRow.version)) == 1


def test_two_people_acting_on_one_lead_cannot_both_win(engine: Engine) -> None:
    contract = _setup(engine)
    handle(engine, 1, lambda _: _hot(MONDAY), contract)

    def second_verdict_sneaks_in(state: object) -> Accepted:
        with writing(engine).begin() as other:  # another person's verdict commits first
            other.execute(sa.update(LeadRow).values(version=LeadRow.version + 1))
        return Accepted("ana@nw.com", MONDAY)

    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's write lock is taken up front: the other writer would wait for this one")
    with pytest.raises(StaleLead):
        handle(engine, 1, second_verdict_sneaks_in, contract)


def test_a_tick_breaches_escalates_to_the_manager_reassigns_and_is_idempotent(engine: Engine) -> None:
    contract = _setup(engine)
    handle(engine, 1, lambda _: _hot(MONDAY), contract)
    early = tick(engine, now=MONDAY + timedelta(hours=3), contract=contract)
    assert early.due == 0
    late = MONDAY + timedelta(days=1)
    first = tick(engine, now=late, contract=contract)
    again = tick(engine, now=late, contract=contract)
    assert (first.due, first.breached, first.escalated, first.notifications) == (1, 1, 1, 2)
    assert again.due == 0
    with engine.connect() as conn:
        breached = conn.execute(sa.select(ObligationRow).where(ObligationRow.status == "breached")).one()
        fresh = conn.execute(sa.select(ObligationRow).where(ObligationRow.status == "open")).one()
        owner = conn.execute(sa.select(LeadRow.owner_id)).scalar_one()
    assert breached.escalated_to == "mia@nw.com"
    assert owner == 3  # reassigned from Ana to Bo
    assert fresh.owner_id == 3


def test_a_breach_nobody_else_can_take_keeps_the_owner_and_why_and_tells_the_manager(engine: Engine) -> None:
    contract = _setup(engine)
    handle(engine, 1, lambda _: _hot(MONDAY), contract)
    with writing(engine).begin() as conn:  # Bo goes away: after Ana's breach nobody else can take the lead
        conn.execute(sa.update(UserRow).where(UserRow.email == "bo@nw.com").values(away=True))
        before = conn.execute(sa.select(LeadRow.owner_id, LeadRow.routing_reason)).one()
    counts = tick(engine, now=MONDAY + timedelta(days=1), contract=contract)
    with engine.connect() as conn:
        after = conn.execute(sa.select(LeadRow.owner_id, LeadRow.routing_reason, LeadRow.version)).one()
        fresh = conn.execute(sa.select(ObligationRow.owner_id).where(ObligationRow.status == "open")).scalar_one()
        texts = [p["text"] for p in conn.execute(sa.select(OutboxRow.payload)).scalars()]
    assert counts.breached == 1
    assert before.owner_id == 2
    assert (after.owner_id, after.routing_reason) == (2, before.routing_reason)  # Ana keeps it, and why
    assert after.version == 3  # the breach is one more version all the same
    assert fresh == 2
    assert any(t.startswith("Escalated to mia@nw.com") and t.endswith("it stays with its owner") for t in texts)


def test_many_breaches_of_one_rep_make_one_digest_and_each_clock_is_handled_once(engine: Engine) -> None:
    contract = _setup(engine, leads=12)
    for lead_id in range(1, 13):
        handle(engine, lead_id, lambda _: _hot(MONDAY), contract)
    with engine.connect() as conn:
        before = dict(conn.execute(sa.select(LeadRow.id, LeadRow.owner_id)).all())
    late = MONDAY + timedelta(days=1)
    first = tick(engine, now=late, contract=contract)
    assert (first.due, first.breached, first.escalated) == (12, 12, 12)
    assert first.notifications == 2  # Ana's six and Bo's six, one digest each, instead of 24 messages
    assert tick(engine, now=late, contract=contract).due == 0
    with engine.connect() as conn:
        digests = conn.execute(sa.select(OutboxRow.kind, OutboxRow.payload).where(OutboxRow.kind != "mql_assigned"))
        texts = sorted(payload["text"] for kind, payload in digests if kind == "breach_digest")
        breached = conn.execute(
            sa.select(ObligationRow.lead_id, ObligationRow.escalated_to).where(ObligationRow.status == "breached")
        ).all()
        fresh = dict(
            conn.execute(
                sa.select(ObligationRow.lead_id, ObligationRow.owner_id).where(ObligationRow.status == "open")
            ).all()
        )
        fresh_due = set(conn.execute(sa.select(ObligationRow.due_at).where(ObligationRow.status == "open")).scalars())
        after = dict(conn.execute(sa.select(LeadRow.id, LeadRow.owner_id)).all())
    assert texts == [
        "SLA breached 6 times by Ana Ruiz (accept 6); escalated to mia@nw.com",
        "SLA breached 6 times by Bo Chen (accept 6); escalated to mia@nw.com",
    ]
    assert sorted(lead for lead, _ in breached) == list(range(1, 13))
    assert {to for _, to in breached} == {"mia@nw.com"}
    assert all(after[lead] != before[lead] for lead in before)  # each handed to the other rep
    assert fresh == after  # the fresh accept clock runs for the new owner
    assert fresh_due == {contract.clock.add(late, contract.sla.clocks.accept_within)}


CHILD = """
import json, sys
from datetime import datetime
from revbridge.services.clocks import tick
from revbridge.store.engine import make_engine
counts = tick(make_engine(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]), batch=5)
print(json.dumps(counts.as_dict()))
"""


@pytest.fixture
def pg_url(pg_cluster: Cluster, pg_template: str) -> str:
    return fresh_postgres_url(pg_cluster, pg_template)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_two_ticks_in_two_processes_never_escalate_one_breach_twice(pg_engine: Engine, pg_url: str) -> None:
    contract = _setup(pg_engine, leads=60)
    for lead_id in range(1, 61):
        handle(pg_engine, lead_id, lambda _: _hot(MONDAY), contract)
    late = (MONDAY + timedelta(days=2)).isoformat()
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, pg_url, late], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [json.loads(c.communicate(timeout=120)[0]) for c in children]
    assert sum(r["breached"] for r in results) == 60
    assert sum(r["escalated"] for r in results) == 60
    escalations = _scalar(
        pg_engine, sa.select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.kind == "escalated")
    )
    assert escalations == 60
    assert (
        _scalar(
            pg_engine, sa.select(sa.func.count()).select_from(ObligationRow).where(ObligationRow.status == "breached")
        )
        == 60
    )


def test_a_bad_row_is_left_for_later_and_the_rest_of_the_batch_is_handled(engine: Engine) -> None:
    contract = _setup(engine, leads=3)
    for lead_id in (1, 2, 3):
        handle(engine, lead_id, lambda _: _hot(MONDAY), contract)
    with writing(engine).begin() as conn:  # a clock of a kind this version of the SLA does not know
        conn.execute(sa.update(ObligationRow).where(ObligationRow.lead_id == 2).values(kind="callback"))
    counts = tick(engine, now=MONDAY + timedelta(days=1), contract=contract)
    assert (counts.breached, counts.failed) == (2, 1)
    again = tick(engine, now=MONDAY + timedelta(days=1), contract=contract)
    assert (again.breached, again.failed) == (0, 1)


def test_an_mql_nobody_could_take_is_handed_out_by_the_next_tick_once_someone_can(engine: Engine) -> None:
    contract = _setup(engine)
    with writing(engine).begin() as conn:
        conn.execute(sa.update(UserRow).values(away=True))
    waiting = handle(engine, 1, lambda _: _hot(MONDAY), contract)
    assert waiting.owner_id is None
    assert tick(engine, now=MONDAY + timedelta(minutes=5), contract=contract).routed == 0
    with writing(engine).begin() as conn:
        conn.execute(sa.update(UserRow).where(UserRow.email == "bo@nw.com").values(away=False))
    later = MONDAY + timedelta(minutes=30)
    assert tick(engine, now=later, contract=contract).routed == 1
    with engine.connect() as conn:
        lead = conn.execute(sa.select(LeadRow.owner_id, LeadRow.routed_at)).one()
        clock_owner = conn.execute(sa.select(ObligationRow.owner_id)).scalar_one()
    assert (lead.owner_id, clock_owner) == (3, 3)
    assert lead.routed_at == later  # routing delay: 30 minutes after the lead became an MQL
