"""A tick's batch of breaches, decided per group of like clocks and written set by set, writes exactly what
deciding each breach alone (``decide``) and persisting the decisions (``persist_all``) writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revbridge.domain.lifecycle import Breached, ObligationKind, OpenObligation, decide
from revbridge.services.breaches import breach_batch
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lifecycle_batch import persist_all
from revbridge.services.people import People
from revbridge.services.sla_versions import apply_sla
from revbridge.store import clock_queries
from revbridge.store import repositories as repo
from revbridge.store.engine import writing
from revbridge.store.lifecycle_queries import read_states
from revbridge.store.tables import (
    AccountRow,
    LeadRow,
    ObligationRow,
    OutboxRow,
    StageTransitionRow,
    UserRow,
    table_of,
)

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "sla.yaml").read_text()
# Every breach reassigns: a lead with two clocks breached at once is routed twice in one batch.
VARIANT = EXAMPLE.replace(
    "first_touch_within: {escalate_to: role:sales_manager}",
    "first_touch_within: {escalate_to: role:sales_manager, reassign: true}",
).replace(
    "attempts: {escalate_to: team:sales_ops, reassign: false}",
    "attempts: {escalate_to: team:sales_ops, reassign: true}",
)
NOW = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
OPENED = NOW - timedelta(days=2)


def _world(engine: Engine, sla_text: str) -> Contract:
    """Reps with room and reps without, owners with many breaches (a digest) and with few, leads nobody
    owns, leads in a territory, leads with two clocks due at once, and a clock not yet due."""
    apply_sla(engine, sla_text, effective_from=OPENED, signed_by={"marketing": "m", "sales": "s"}, now=OPENED)
    with writing(engine).begin() as conn:
        sdr = repo.get_or_create_team(conn, "sdr", "sales")
        enterprise = repo.get_or_create_team(conn, "na_enterprise", "sales")
        people = [
            ("mia@nw.com", "Mia Manager", "sales_manager", sdr, None, True, None),
            ("ana@nw.com", "Ana Ruiz", None, sdr, 1, False, 21),
            ("bo@nw.com", "Bo Chen", None, sdr, 1, False, 5),
            ("cy@nw.com", "Cy Park", None, sdr, 6, False, 8),
            ("eve@nw.com", "Eve Stone", None, enterprise, 2, False, 4),
            ("lu@nw.com", "Lu <Ops>", "sales_manager", None, None, False, None),
        ]
        conn.execute(
            sa.insert(UserRow),
            [
                {"email": e, "name": n, "role": "sales", "title": t, "team_id": team, "away": away, "capacity": cap}
                for e, n, t, team, _, away, cap in people
            ],
        )
        for email, _, _, _, manager, _, _ in people:
            if manager is not None:
                conn.execute(sa.update(UserRow).where(UserRow.email == email).values(manager_id=manager))
        conn.execute(sa.insert(AccountRow), [{"name": "Big", "country": "US", "employees": 5000, "owner_id": 5}])
        owners = [2] * 14 + [3] * 3 + [None] * 3 + [4] * 6 + [2] * 4 + [5] * 2 + [3]
        leads = []
        for i, owner in enumerate(owners, start=1):
            lead: dict[str, Any] = {
                "source": "test",
                "external_id": str(i),
                "email": f"p{i}@acme.com",
                "first_name": f"P{i}" if i % 3 else None,
                "stage": "sal" if 21 <= i <= 26 else "mql",
                "owner_id": owner,
                "country": "US" if 27 <= i <= 30 else "BR",
                "employees": 2000 if i in (28, 29) else None,
                "account_id": 1 if i == 27 else None,
                "version": 1 + i % 4,
                "score": float(i),
            }
            leads.append(lead)
        conn.execute(sa.insert(LeadRow), leads)
        clocks: list[dict[str, Any]] = []

        def clock(lead_id: int, kind: str, minutes_late: int, required: int = 1, done: int = 0) -> None:
            clocks.append(
                {
                    "lead_id": lead_id,
                    "kind": kind,
                    "team": "sales",
                    "owner_id": owners[lead_id - 1],
                    "opened_at": OPENED,
                    "due_at": NOW - timedelta(minutes=minutes_late),
                    "required_count": required,
                    "done_count": done,
                    "sla_version": 1,
                }
            )

        for lead_id in range(1, 21):
            clock(lead_id, "accept", 30 + lead_id % 7)
        for lead_id in range(21, 27):
            clock(lead_id, "first_touch", 50)
            clock(lead_id, "attempts", 20 - lead_id % 2, required=3, done=lead_id % 3)
        for lead_id in range(27, 33):
            clock(lead_id, "accept", 10)
        clock(33, "accept", -60)  # not due yet
        conn.execute(sa.insert(ObligationRow), clocks)
    return contract_at(engine, NOW)


def _claimed(conn: Connection) -> list[tuple[int, OpenObligation]]:
    rows = conn.execute(
        sa.select(
            ObligationRow.lead_id,
            ObligationRow.id,
            ObligationRow.kind,
            ObligationRow.due_at,
            ObligationRow.required_count,
            ObligationRow.done_count,
        )
        .where(ObligationRow.status == "open", ObligationRow.due_at <= NOW)
        .order_by(ObligationRow.due_at, ObligationRow.id)
    )
    return [
        (lead, OpenObligation(oid, _kind(kind), due, required, done)) for lead, oid, kind, due, required, done in rows
    ]


def _kind(kind: str) -> ObligationKind:
    assert kind in ("accept", "first_touch", "attempts")
    return kind  # type: ignore[return-value]


def _one_by_one(conn: Connection, contract: Contract) -> tuple[int, int, int]:
    """The definition: each claimed breach decided alone by ``decide``, all persisted by ``persist_all``."""
    claimed = _claimed(conn)
    states = read_states(conn, [lead for lead, _ in claimed], lock=True)
    decided = [
        (states[lead], decide(states[lead], Breached(o, NOW), contract.sla, contract.clock)) for lead, o in claimed
    ]
    persisted = persist_all(conn, decided, contract, at=NOW, people=People.load(conn))
    return len(decided), sum(1 for _, d in decided if d.escalate is not None), persisted.notifications


def _batched(conn: Connection, contract: Contract) -> tuple[int, int, int]:
    claimed = clock_queries.claim_due(conn, NOW, 1000)
    result = breach_batch(conn, claimed, contract, NOW, People.load(conn))
    return result.breached, result.escalated, result.notifications


def _written(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a breach may write, in a comparable form (new clocks and messages in the order written)."""

    def rows(table: sa.Table, order: Any, *skip: str) -> list[tuple[Any, ...]]:
        columns = [c for c in table.c if c.name not in skip]
        return [tuple(r) for r in conn.execute(sa.select(*columns).order_by(order))]

    leads, clocks, outbox = table_of(LeadRow), table_of(ObligationRow), table_of(OutboxRow)
    users, transitions = table_of(UserRow), table_of(StageTransitionRow)
    return {
        "leads": rows(leads, leads.c.id),
        "clocks": rows(clocks, clocks.c.id, "id"),
        "outbox": rows(outbox, outbox.c.id, "id"),
        "users": rows(users, users.c.id),
        "transitions": rows(transitions, transitions.c.id),
    }


def _run(engine: Engine, contract: Contract, how: Any) -> tuple[tuple[int, int, int], dict[str, Any]]:
    with writing(engine).connect() as conn:
        transaction = conn.begin()
        counts = how(conn, contract)
        written = _written(conn)
        transaction.rollback()
    return counts, written


@pytest.mark.parametrize("everyone_away", [False, True], ids=["some-free", "everyone-away"])
@pytest.mark.parametrize("sla_text", [EXAMPLE, VARIANT], ids=["example", "variant"])
def test_a_batch_of_breaches_writes_what_deciding_each_alone_writes(
    engine: Engine, sla_text: str, everyone_away: bool
) -> None:
    contract = _world(engine, sla_text)
    if everyone_away:  # nobody can take a lead: the batch routes only the leads nobody owns
        with writing(engine).begin() as conn:
            conn.execute(sa.update(UserRow).values(away=True))
    expected_counts, expected = _run(engine, contract, _one_by_one)
    counts, written = _run(engine, contract, _batched)
    assert expected_counts[0] == 38
    assert counts == expected_counts
    for table in expected:
        assert written[table] == expected[table], table
    kinds = {row[0] for row in expected["outbox"]}
    assert {"breach_digest", "deadline_breached", "escalated"} <= kinds
