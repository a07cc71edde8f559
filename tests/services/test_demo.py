"""The demo loads a simulated year through the real services, once: a second run adds nothing.

The year's last weeks are played through the lifecycle engine: their leads arrive, are scored and become
MQLs by the SLA's condition, simulated reps accept or reject them and follow up, and the clocks escalate
what they miss.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.simulation import build_world
from revbridge.domain.sla import load_sla
from revbridge.services.contract import contract_at
from revbridge.services.demo import TABLES, DemoIncomplete, packaged_sla_text, run_demo
from revbridge.services.ingest_history import rebuild_clocks
from revbridge.services.scoring import rescore_all
from revbridge.services.sla_versions import apply_sla, list_sla_versions
from revbridge.store import mirror
from revbridge.store.tables import (
    FeedbackRow,
    LeadRow,
    ObligationRow,
    OutboxRow,
    StageTransitionRow,
    UserRow,
    metadata,
)

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
LIVE_SINCE = NOW - timedelta(days=28)
SIGNERS = {"marketing": "Maria Lopez", "sales": "Sam Okafor"}


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[name])).scalar_one()
            for name in TABLES
        }


def test_the_demo_fills_every_table_through_the_services(engine: Engine) -> None:
    steps: list[str] = []
    summary = run_demo(engine, leads=300, seed=5, now=NOW, progress=lambda step, done, total: steps.append(step))
    counts = table_counts(engine)
    assert summary.tables == counts
    assert all(counts[name] > 0 for name in TABLES), counts
    assert counts["leads"] == summary.added["leads"] + summary.live.leads == summary.funnel["leads"] == 300
    assert summary.live.leads > 0
    assert counts["touchpoints"] == summary.added["touchpoints"] + summary.live.touchpoints
    assert counts["touchpoints"] == summary.funnel["touchpoints"]  # every touchpoint of the year, once
    assert counts["activities"] == summary.added["activities"] + summary.live.activities
    assert counts["opportunities"] == counts["opportunity_contacts"] == summary.added["opportunities"]
    assert counts["sla_versions"] == 1
    assert summary.sla_applied
    assert summary.until == NOW
    assert summary.since == NOW - timedelta(days=365)
    assert summary.live_since == LIVE_SINCE
    assert summary.truth["leads"] == 300
    assert set(summary.truth["channels"]) >= {"referral", "paid_social"}
    assert list(dict.fromkeys(steps)) == [
        "simulating",
        "users",
        "quotas",
        "accounts",
        "campaigns",
        "spend",
        "leads",
        "touchpoints",
        "activities",
        "verdicts",
        "opportunities",
        "live",
    ]


def test_every_stage_a_lead_of_the_history_entered_is_recorded_as_a_transition(engine: Engine) -> None:
    """Leads of the live weeks arrive as leads; what they do next is the engine's to record."""
    run_demo(engine, leads=300, seed=5, now=NOW)
    world = build_world(load_sla(packaged_sla_text()), leads=300, seed=5, until=NOW)
    history = [lead for lead in world.leads if lead.stage_history[0].at < LIVE_SINCE]
    live = [lead for lead in world.leads if lead.stage_history[0].at >= LIVE_SINCE]
    expected = {(lead.email, e.stage, e.at) for lead in history for e in lead.stage_history}
    expected |= {(lead.email, "lead", lead.stage_history[0].at) for lead in live}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(LeadRow.email, StageTransitionRow.to_stage, StageTransitionRow.at)
            .join(LeadRow, LeadRow.id == StageTransitionRow.lead_id)
            .where(StageTransitionRow.source != "engine")
        ).all()
        stages = {r.email: r.stage for r in conn.execute(sa.select(LeadRow.email, LeadRow.stage))}
    assert {(r.email, r.to_stage, r.at) for r in rows} == expected
    assert len(rows) == len(expected)
    assert {email: stages[email] for email in (lead.email for lead in history)} == {
        lead.email: lead.stage_history[-1].stage for lead in history
    }


def test_running_the_demo_twice_adds_nothing(engine: Engine) -> None:
    first = run_demo(engine, leads=300, seed=5, now=NOW)
    before = table_counts(engine)
    second = run_demo(engine, leads=300, seed=5, now=NOW)
    assert table_counts(engine) == before
    assert set(second.added.values()) == {0}
    assert not second.sla_applied
    assert second.funnel == first.funnel
    assert first.added_anything
    assert not second.added_anything
    assert second.live.played_before
    assert not first.live.played_before
    assert replace(second.live, played_before=False) == first.live  # the counts of the run that played them


def test_a_later_run_keeps_the_year_of_the_first_and_adds_nothing(engine: Engine) -> None:
    first = run_demo(engine, leads=300, seed=5, now=NOW)
    before = table_counts(engine)
    later = run_demo(engine, leads=300, seed=5, now=NOW + timedelta(days=40), live_days=7)
    assert later.until == first.until == NOW
    assert later.live_since == first.live_since == LIVE_SINCE
    assert table_counts(engine) == before


def test_verdicts_carry_the_sla_version_and_the_rep_who_gave_them(engine: Engine) -> None:
    summary = run_demo(engine, leads=300, seed=5, now=NOW)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(FeedbackRow.sla_version, FeedbackRow.user_id, FeedbackRow.verdict)).all()
    assert rows
    assert {r.sla_version for r in rows} == {summary.sla_version}
    assert all(r.user_id is not None for r in rows)
    assert {r.verdict for r in rows} == {"accept", "reject"}


def test_an_sla_already_in_the_database_is_left_as_it_is(engine: Engine) -> None:
    text = packaged_sla_text()
    apply_sla(engine, text, effective_from=NOW - timedelta(days=400), signed_by=SIGNERS, now=NOW)
    summary = run_demo(engine, leads=300, seed=5, now=NOW)
    assert not summary.sla_applied
    assert summary.sla_version == 1
    assert len(list_sla_versions(engine)) == 1


def test_an_sla_without_the_demos_rejection_reasons_stops_it_with_a_way_out(engine: Engine) -> None:
    text = packaged_sla_text().replace(
        "    no_budget: {label: No budget this year, action: recycle, cool_off: 90d}\n", ""
    )
    apply_sla(engine, text, effective_from=NOW - timedelta(days=400), signed_by=SIGNERS, now=NOW)
    with pytest.raises(DemoIncomplete) as caught:
        run_demo(engine, leads=300, seed=5, now=NOW)
    assert caught.value.kind == "verdicts"
    assert "'no_budget' is not a rejection reason in the SLA" in str(caught.value)
    assert str(caught.value).endswith(
        "The demo expects the packaged SLA (examples/sla.yaml) or none; run it on a fresh database"
    )


def test_observed_acceptance_of_mqls_is_near_the_truth(sqlite_engine: Engine) -> None:
    """Sales' acceptance rate counted from the stored verdicts, against the rate the simulation used.

    Each verdict is an independent accept/reject draw, so the observed share has a standard error of
    sqrt(p(1-p)/n): about 0.018 for the ~550 verdicts of 3,000 leads. Verdicts cut off by the end of
    the year are cut off regardless of their outcome, so they bias nothing. Four standard errors
    (≈ 0.07) would fail by chance once in ~15,000 seeds; the seed is fixed, so this either always
    passes or points at a real bug. No live weeks: there the engine's scoring, not the simulation,
    picks which leads sales judges.
    """
    summary = run_demo(sqlite_engine, leads=3000, seed=1, now=NOW, live_days=0)
    with sqlite_engine.connect() as conn:
        query = sa.select(FeedbackRow.verdict, sa.func.count().label("n")).group_by(FeedbackRow.verdict)
        verdicts = {r.verdict: r.n for r in conn.execute(query)}
    n = verdicts["accept"] + verdicts["reject"]
    truth = summary.truth["overall"]["mql_to_sal"]
    assert n > 400
    assert abs(verdicts["accept"] / n - truth) < 4 * math.sqrt(truth * (1 - truth) / n)


# --- the live weeks ---------------------------------------------------------------------------------------


def live_lead_ids(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        query = sa.select(LeadRow.id).where(LeadRow.created_at >= LIVE_SINCE)
        return set(conn.execute(query).scalars())


def test_in_the_live_weeks_the_engine_makes_mqls_and_reps_work_them_to_the_sla(engine: Engine) -> None:
    summary = run_demo(engine, leads=600, seed=1, now=NOW)
    live = summary.live
    assert min(live.mqls, live.accepted, live.rejected, live.breaches, live.activities) > 0, live
    reasons = set(load_sla(packaged_sla_text()).feedback.reasons)
    leads = live_lead_ids(engine)
    with engine.connect() as conn:
        moves = conn.execute(
            sa.select(StageTransitionRow)
            .where(StageTransitionRow.lead_id.in_(leads))
            .order_by(StageTransitionRow.at, StageTransitionRow.id)
        ).all()
        feedback = conn.execute(sa.select(FeedbackRow).where(FeedbackRow.lead_id.in_(leads))).all()
        obligations = conn.execute(sa.select(ObligationRow).where(ObligationRow.lead_id.in_(leads))).all()
        outbox = [r.kind for r in conn.execute(sa.select(OutboxRow.kind))]
        owners = dict(conn.execute(sa.select(LeadRow.id, LeadRow.owner_id).where(LeadRow.id.in_(leads))).all())
        away = conn.execute(sa.select(sa.func.count()).where(UserRow.away.is_(True))).scalar_one()

    by_lead: dict[int, list[sa.Row[StageTransitionRow]]] = {}
    for move in moves:
        by_lead.setdefault(move.lead_id, []).append(move)
    assert len(by_lead) == live.leads
    mqls = [history for history in by_lead.values() if any(m.to_stage == "mql" for m in history)]
    assert len(mqls) == live.mqls
    for history in by_lead.values():
        assert (history[0].from_stage, history[0].to_stage, history[0].source) == (None, "lead", "import:demo")
    for history in mqls:
        first = history[1]  # the first move after arriving
        assert (first.to_stage, first.actor, first.source) == ("mql", "engine", "engine")
        assert first.reason.startswith("MQL: fit >= 30 and engagement >= 40 holds")
        assert owners[first.lead_id] is not None  # routed to a rep

    assert len(feedback) == live.accepted + live.rejected
    rejected = [f for f in feedback if f.verdict == "reject"]
    assert len(rejected) == live.rejected
    assert {f.reason for f in rejected} <= reasons
    assert all(f.reason is None for f in feedback if f.verdict == "accept")
    assert all(f.rating is not None and 1 <= f.rating <= 5 and f.user_id is not None for f in feedback)
    verdicts = [m for m in moves if m.from_stage == "mql"]
    assert all("@" in m.actor and m.source == "engine" for m in verdicts)

    breached = [o for o in obligations if o.status == "breached"]
    assert len(breached) == live.breaches
    assert all(o.escalated_to for o in breached)
    assert {o.status for o in obligations} >= {"met", "breached"}
    assert {o.kind for o in obligations} == {"accept", "first_touch", "attempts"}
    assert len(outbox) == live.notifications
    assert {"mql_assigned", "deadline_breached", "escalated"} <= set(outbox)
    assert away == 0  # who was away on which day is put back afterwards


def test_the_mirror_holds_every_row_of_the_demo_and_rescoring_through_it_agrees(engine: Engine, tmp_path: Path) -> None:
    """Real-shaped data (sparse columns, every table filled) through the mirror and back."""
    summary = run_demo(engine, leads=300, seed=5, now=NOW)
    root = tmp_path / "mirror"
    result = mirror.sync(engine, root)
    assert result.appended["touchpoints"] == summary.tables["touchpoints"]
    assert result.appended["stage_transitions"] == summary.tables["stage_transitions"]
    assert result.snapshots["leads"] == summary.tables["leads"]
    assert result.snapshots["feedback"] == summary.tables["feedback"]
    contract = contract_at(engine, NOW)
    through_mirror = rescore_all(engine, contract=contract, now=NOW, mirror_root=root)
    assert through_mirror.touchpoints > 0


def test_the_historys_verdicts_get_the_clocks_they_answered(engine: Engine) -> None:
    summary = run_demo(engine, leads=300, seed=2, now=NOW, live_days=0)
    with engine.connect() as conn:
        clocks = conn.execute(sa.select(ObligationRow)).all()
        verdicts = dict(
            conn.execute(sa.select(FeedbackRow.verdict, sa.func.count()).group_by(FeedbackRow.verdict)).all()
        )
    accept = [c for c in clocks if c.kind == "accept"]
    touch = [c for c in clocks if c.kind == "first_touch"]
    assert len(accept) == summary.added["accept clocks"] == sum(verdicts.values()) > 0
    assert len(touch) == summary.added["first_touch clocks"] == verdicts["accept"]
    assert len(clocks) == len(accept) + len(touch)
    assert {c.status for c in clocks} == {"met", "breached"}
    assert all(c.opened_at < c.closed_at <= c.due_at for c in clocks if c.status == "met")
    assert all(c.closed_at == c.due_at for c in clocks if c.status == "breached")
    assert rebuild_clocks(engine) == {"accept": 0, "first_touch": 0}  # each clock once
