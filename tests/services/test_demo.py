"""The demo loads a simulated year through the real services, once: a second run adds nothing."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.simulation import build_world
from revbridge.domain.sla import load_sla
from revbridge.services.demo import TABLES, DemoIncomplete, packaged_sla_text, run_demo
from revbridge.services.sla_versions import apply_sla, list_sla_versions
from revbridge.store.tables import FeedbackRow, LeadRow, StageTransitionRow, metadata

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
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
    assert counts["leads"] == summary.added["leads"] == summary.funnel["leads"] == 300
    assert counts["touchpoints"] == summary.funnel["touchpoints"]
    assert counts["activities"] == summary.funnel["activities"]
    assert counts["opportunities"] == counts["opportunity_contacts"] == summary.funnel["opportunities"]
    assert counts["sla_versions"] == 1
    assert summary.sla_applied
    assert summary.until == NOW
    assert summary.since == NOW - timedelta(days=365)
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
    ]


def test_every_stage_a_lead_entered_is_recorded_as_a_transition(engine: Engine) -> None:
    run_demo(engine, leads=300, seed=5, now=NOW)
    world = build_world(load_sla(packaged_sla_text()), leads=300, seed=5, until=NOW)
    expected = {(lead.email, e.stage, e.at) for lead in world.leads for e in lead.stage_history}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(LeadRow.email, StageTransitionRow.to_stage, StageTransitionRow.at).join(
                LeadRow, LeadRow.id == StageTransitionRow.lead_id
            )
        ).all()
        stages = {r.email: r.stage for r in conn.execute(sa.select(LeadRow.email, LeadRow.stage))}
    assert {(r.email, r.to_stage, r.at) for r in rows} == expected
    assert len(rows) == len(expected)
    assert stages == {lead.email: lead.stage_history[-1].stage for lead in world.leads}


def test_running_the_demo_twice_adds_nothing(engine: Engine) -> None:
    first = run_demo(engine, leads=300, seed=5, now=NOW)
    before = table_counts(engine)
    second = run_demo(engine, leads=300, seed=5, now=NOW)
    assert table_counts(engine) == before
    assert set(second.added.values()) == {0}
    assert not second.sla_applied
    assert second.funnel == first.funnel


def test_a_later_run_keeps_the_year_of_the_first_and_adds_nothing(engine: Engine) -> None:
    first = run_demo(engine, leads=300, seed=5, now=NOW)
    before = table_counts(engine)
    later = run_demo(engine, leads=300, seed=5, now=NOW + timedelta(days=40))
    assert later.until == first.until == NOW
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
    passes or points at a real bug.
    """
    summary = run_demo(sqlite_engine, leads=3000, seed=1, now=NOW)
    with sqlite_engine.connect() as conn:
        query = sa.select(FeedbackRow.verdict, sa.func.count().label("n")).group_by(FeedbackRow.verdict)
        verdicts = {r.verdict: r.n for r in conn.execute(query)}
    n = verdicts["accept"] + verdicts["reject"]
    truth = summary.truth["overall"]["mql_to_sal"]
    assert n > 400
    assert abs(verdicts["accept"] / n - truth) < 4 * math.sqrt(truth * (1 - truth) / n)
