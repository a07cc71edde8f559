"""The simulated year: deterministic, plausible, and consistent with the SLA it simulates."""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest

from revbridge.domain.simulation import SlaUnfitForDemo, World, build_world
from revbridge.domain.sla import Sla, load_sla
from revbridge.domain.stages import SIDE_STATES

UNTIL = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SLA_TEXT = files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sla() -> Sla:
    return load_sla(SLA_TEXT)


@pytest.fixture(scope="module")
def world(sla: Sla) -> World:
    return build_world(sla, leads=3000, seed=11, until=UNTIL)


def fingerprint(world: World) -> tuple[object, ...]:
    return (
        world.leads,
        world.touchpoints,
        world.activities,
        world.verdicts,
        world.opportunities,
        world.accounts,
        world.spend,
        world.quotas,
        world.truth,
    )


def test_the_same_seed_gives_the_same_world(sla: Sla) -> None:
    first = build_world(sla, leads=400, seed=3, until=UNTIL)
    second = build_world(sla, leads=400, seed=3, until=UNTIL)
    assert fingerprint(first) == fingerprint(second)


def test_different_seeds_give_different_worlds(sla: Sla) -> None:
    first = build_world(sla, leads=400, seed=3, until=UNTIL)
    second = build_world(sla, leads=400, seed=4, until=UNTIL)
    assert [lead.email for lead in first.leads] != [lead.email for lead in second.leads]
    assert [a.name for a in first.accounts] != [a.name for a in second.accounts]


def test_the_year_is_the_365_days_before_the_end(world: World) -> None:
    assert world.until == UNTIL
    assert world.since == UNTIL - timedelta(days=365)
    moments = [lead.created_at for lead in world.leads if lead.created_at]
    moments += [t.occurred_at for t in world.touchpoints] + [a.occurred_at for a in world.activities]
    moments += [v.at for v in world.verdicts]
    assert all(world.since <= m < world.until for m in moments)
    assert all(m.tzinfo is not None for m in moments)


def test_every_stage_history_follows_the_funnel_with_rising_times(world: World, sla: Sla) -> None:
    order = sla.stage_order
    for lead in world.leads:
        history = lead.stage_history
        assert history[0].stage == "lead"
        assert history[0].at == lead.created_at
        for before, after in itertools.pairwise(history):
            assert before.at < after.at, lead.external_id
            assert sla.allowed(before.stage, after.stage), (lead.external_id, before.stage, after.stage)
        funnel = [entry.stage for entry in history if entry.stage not in SIDE_STATES]
        assert funnel == sorted(funnel, key=order.index)
        assert all(entry.stage not in SIDE_STATES for entry in history[:-1]), "a side state ends a journey"
        assert all(entry.at < world.until for entry in history)


def test_verdict_reasons_come_from_the_sla(world: World, sla: Sla) -> None:
    reasons = {v.reason for v in world.verdicts if v.verdict == "reject"}
    assert reasons <= set(sla.feedback.reasons)
    assert len(reasons) >= 5  # the common ones all turn up in 3,000 leads
    assert all(v.reason is None for v in world.verdicts if v.verdict == "accept")
    assert all(v.rating is not None and 1 <= v.rating <= 5 for v in world.verdicts)


def test_a_rejected_lead_is_recycled_or_disqualified_as_its_reason_says(world: World, sla: Sla) -> None:
    verdicts = {v.lead_email: v for v in world.verdicts}
    for lead in world.leads:
        verdict = verdicts.get(lead.email or "")
        if verdict is None or verdict.verdict == "accept":
            continue
        action = sla.rejection_reason(verdict.reason or "").action
        assert lead.stage_history[-1].stage == ("nurture" if action == "recycle" else "disqualified")
        assert lead.stage_history[-1].at == verdict.at


def test_every_mql_gets_one_verdict_from_its_owner_unless_the_year_ends_first(world: World) -> None:
    verdicts = Counter(v.lead_email for v in world.verdicts)
    assert max(verdicts.values()) == 1
    owners = {v.lead_email: v.user for v in world.verdicts}
    for lead in world.leads:
        stages = [e.stage for e in lead.stage_history]
        if "mql" not in stages:
            assert lead.email not in verdicts
        elif len(stages) > stages.index("mql") + 1:
            assert lead.email in verdicts
            assert owners.get(lead.email or "") is not None
            if "opportunity" not in stages:  # an opportunity passes the lead to an account executive
                assert owners.get(lead.email or "") == lead.owner


def test_truth_rates_are_plausible_for_b2b_software(world: World) -> None:
    overall = world.truth.overall
    assert 0.10 < overall.lead_to_mql < 0.30
    assert 0.60 < overall.mql_to_sal < 0.85
    assert 0.35 < overall.sal_to_sql < 0.65
    assert 0.50 < overall.sql_to_opportunity < 0.80
    assert 0.20 < overall.win_rate < 0.40
    assert 20 < overall.mean_cycle_days < 120
    assert 20_000 < overall.mean_deal_size < 200_000
    assert math.isclose(sum(c.share for c in world.truth.channels.values()), 1.0)
    assert math.isclose(sum(world.truth.rejection_reasons.values()), 1.0)


def test_referral_and_events_convert_better_than_paid_social(world: World) -> None:
    channels = world.truth.channels
    assert len(channels) == 8
    for good in ("referral", "events"):
        assert channels[good].lead_to_customer > 3 * channels["paid_social"].lead_to_customer
        assert channels[good].mql_to_sal > channels["paid_social"].mql_to_sal
    tiers = world.truth.tiers
    assert tiers["high"].lead_to_customer > tiers["medium"].lead_to_customer > tiers["low"].lead_to_customer


def test_the_drawn_world_agrees_with_its_truth(world: World) -> None:
    """A coarse check that the generator draws from the probabilities it reports: counts of early,
    settled leads within five standard errors of the truth."""
    settled = world.until - timedelta(days=world.truth.settled_after_days)
    early = [lead for lead in world.leads if lead.created_at and lead.created_at < settled]
    mqls = [lead for lead in early if any(e.stage == "mql" for e in lead.stage_history)]
    sals = [lead for lead in mqls if any(e.stage == "sal" for e in lead.stage_history)]
    for observed, n, p in (
        (len(mqls), len(early), world.truth.overall.lead_to_mql),
        (len(sals), len(mqls), world.truth.overall.mql_to_sal),
    ):
        assert abs(observed / n - p) < 5 * math.sqrt(p * (1 - p) / n), (observed, n, p)


def test_opportunities_close_within_20_to_120_days_and_link_their_lead(world: World) -> None:
    emails = {lead.email for lead in world.leads}
    assert world.opportunities
    for opportunity in world.opportunities:
        assert opportunity.contact_emails
        assert set(opportunity.contact_emails) <= emails
        assert opportunity.amount is not None
        assert opportunity.amount > 0
        if opportunity.closed_at is not None:
            assert opportunity.created_at is not None
            days = (opportunity.closed_at - opportunity.created_at).total_seconds() / 86400
            assert 20 <= days <= 120
            assert opportunity.won is not None
            assert (opportunity.lost_reason is None) == opportunity.won
        else:
            assert opportunity.won is None


def test_the_company_has_a_marketing_team_sales_reps_and_quarterly_quotas(world: World, sla: Sla) -> None:
    marketing = [u for u in world.users if u.team_kind == "marketing"]
    sales = [u for u in world.users if u.team_kind == "sales"]
    assert 3 <= len(marketing) <= 4
    assert 6 <= len(sales) <= 10
    assert {u.name for u in world.users} >= {sla.teams.marketing.lead, sla.teams.sales.lead}
    quota_holders = {q.user_email for q in world.quotas}
    assert quota_holders <= {u.email for u in sales}
    for quota in world.quotas:
        assert quota.period_start.day == 1
        assert quota.period_start.month in (1, 4, 7, 10)
        assert 88 <= (quota.period_end - quota.period_start).days <= 91


def test_lead_emails_are_unique_and_companies_have_unique_domains(world: World) -> None:
    emails = [lead.email for lead in world.leads]
    assert len(emails) == len(set(emails))
    domains = [a.domain for a in world.accounts]
    assert len(domains) == len(set(domains))


def test_paid_channels_spend_money_every_day_they_run(world: World) -> None:
    by_channel = Counter(s.channel for s in world.spend)
    assert set(by_channel) == {"paid_search", "paid_social", "events", "webinar"}
    assert by_channel["paid_search"] >= 365 * 4 - 4  # four always-on campaigns
    assert all(s.amount > 0 for s in world.spend)


def test_an_sla_without_the_funnel_stages_is_refused(sla: Sla) -> None:
    data = sla.model_dump(mode="json")
    data["stages"] = [s for s in data["stages"] if s["id"] != "customer"]
    data["transitions"] = {k: [t for t in v if t != "customer"] for k, v in data["transitions"].items()}
    data["transitions"].pop("customer", None)
    smaller = Sla.model_validate(data)
    with pytest.raises(SlaUnfitForDemo, match="has no stage 'customer'"):
        build_world(smaller, leads=10, seed=0, until=UNTIL)


def test_a_naive_end_is_refused(sla: Sla) -> None:
    with pytest.raises(ValueError, match="aware"):
        build_world(sla, leads=10, seed=0, until=UNTIL.replace(tzinfo=None))


def test_the_world_is_the_same_in_another_process_with_other_hash_seeds(sla: Sla) -> None:
    """Nothing depends on set or hash order: a fresh interpreter with another PYTHONHASHSEED agrees."""
    script = (
        "import hashlib, sys\n"
        "from datetime import datetime, UTC\n"
        "from importlib.resources import files\n"
        "from revbridge.domain.sla import load_sla\n"
        "from revbridge.domain.simulation import build_world\n"
        "sla = load_sla(files('revbridge.examples').joinpath('sla.yaml').read_text(encoding='utf-8'))\n"
        f"w = build_world(sla, leads=300, seed=3, until=datetime.fromisoformat({UNTIL.isoformat()!r}))\n"
        "parts = (w.leads, w.touchpoints, w.activities, w.verdicts, w.truth)\n"
        "print(hashlib.sha256(repr(parts).encode()).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    here = build_world(sla, leads=300, seed=3, until=UNTIL)
    expected = hashlib.sha256(
        repr((here.leads, here.touchpoints, here.activities, here.verdicts, here.truth)).encode()
    ).hexdigest()
    assert digests == {expected + "\n"}
