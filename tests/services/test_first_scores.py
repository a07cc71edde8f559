"""A new lead is given its fit as it is stored, and a lead whose fields an import changes its new fit, so
that its next touchpoints can make it an MQL at once, not after the nightly rescoring: on a real
database, through the import's and the API's paths."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.records import AccountRecord, LeadRecord, TouchpointRecord
from revbridge.services.contract import contract_at
from revbridge.services.ingest_crm import ingest_accounts
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.ingest_leads import LeadIngestor
from revbridge.services.scoring import rescore_all
from revbridge.services.scoring_new import score_new_touchpoints
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.store.tables import LeadRow, ScoreSnapshotRow
from tests.services.scoring_world import NOW, seed_people

VP = LeadRecord(
    source="hubspot", external_id="7", email="vp@big.com", job_title="VP Data", industry="Software", country="US"
)
FIT_LINES = [
    "fit: industry in [software, fintech, healthcare it]",
    "fit: account.employees between 200 and 5000",  # Big, matched by the e-mail's domain: 1,200 people
    "fit: country in [US, CA, GB, DE, NL, FR]",
    "fit: job_title matches /(?i)\\b(vp|head|director|chief|cto|cdo)\\b/",
]


def _lead(engine: Engine, email: str) -> sa.Row[tuple[float, float, float, list[list[object]], object, str]]:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(
                LeadRow.fit_score,
                LeadRow.engagement_score,
                LeadRow.score,
                LeadRow.score_reasons,
                LeadRow.scored_at,
                LeadRow.stage,
            ).where(LeadRow.email == email)
        ).one()


def test_an_imported_lead_has_its_fit_at_once_as_the_nightly_rescoring_gives_it(engine: Engine) -> None:
    contract = seed_people(engine, [])
    LeadIngestor(engine).ingest([VP], now=NOW)
    lead = _lead(engine, "vp@big.com")
    assert (lead.fit_score, lead.engagement_score, lead.score, lead.scored_at) == (45, 0, 45, NOW)
    assert [rule for rule, _ in lead.score_reasons] == FIT_LINES
    assert lead.stage == "lead"  # nothing is qualified at import
    rescore_all(engine, contract=contract, now=NOW)
    again = _lead(engine, "vp@big.com")
    assert (again.fit_score, again.score, again.score_reasons) == (lead.fit_score, lead.score, lead.score_reasons)


def test_a_competitor_starts_below_zero_and_a_lead_stored_again_keeps_its_score(engine: Engine) -> None:
    seed_people(engine, [])
    spy = LeadRecord(source="hubspot", external_id="8", email="spy@rivaldata.com", job_title="Head of Data")
    LeadIngestor(engine).ingest([spy], now=NOW)
    LeadIngestor(engine).ingest([spy], now=NOW + timedelta(days=1))  # a duplicate: not scored again
    lead = _lead(engine, "spy@rivaldata.com")
    assert (lead.fit_score, lead.engagement_score, lead.score, lead.scored_at) == (10, -100, -90, NOW)
    assert lead.score_reasons[-1] == ["engagement: e-mail from a competitor's domain", -100]


def test_a_demo_request_through_the_api_makes_a_lead_imported_today_an_mql(engine: Engine) -> None:
    contract = seed_people(engine, [])
    LeadIngestor(engine).ingest([VP], now=NOW - timedelta(hours=1))
    request = TouchpointRecord(
        source="web", external_id="demo-1", type="demo_request", occurred_at=NOW, lead_email="vp@big.com"
    )
    EventIngestor(engine).ingest([request], now=NOW)
    done = score_new_touchpoints(engine, contract, NOW)
    assert (done.touchpoints, done.qualified) == (1, 1)
    lead = _lead(engine, "vp@big.com")
    assert (lead.stage, lead.fit_score, lead.score) == ("mql", 45, 85)


def test_a_lead_stored_before_any_sla_waits_for_the_rescoring(engine: Engine) -> None:
    LeadIngestor(engine).ingest([VP], now=NOW)
    lead = _lead(engine, "vp@big.com")
    assert (lead.fit_score, lead.scored_at) == (0, None)
    with pytest.raises(NoSlaInForce):
        contract_at(engine, NOW)


STUDENT = replace(VP, job_title="Student Data Science")  # fit 15: the title costs 20 where VP earns 10
DEMO = TouchpointRecord(
    source="web", external_id="demo-1", type="demo_request", occurred_at=NOW, lead_email="vp@big.com"
)


def _history(engine: Engine) -> list[tuple[object, str]]:
    with engine.connect() as conn:
        return [(r.fit, r.cause) for r in conn.execute(sa.select(ScoreSnapshotRow).order_by(ScoreSnapshotRow.id))]


def test_a_lead_whose_title_an_import_changes_has_its_new_fit_at_once_as_the_nightly_rescoring_gives_it(
    engine: Engine,
) -> None:
    contract = seed_people(engine, [])
    LeadIngestor(engine).ingest([STUDENT], now=NOW - timedelta(days=2))
    clicks = [
        TouchpointRecord(
            source="web",
            external_id=f"click-{i}",
            type="email_click",
            occurred_at=NOW - timedelta(days=1, hours=i),
            lead_email="vp@big.com",
        )
        for i in range(3)
    ]
    EventIngestor(engine).ingest(clicks, now=NOW - timedelta(days=1))
    score_new_touchpoints(engine, contract, NOW - timedelta(days=1))
    before = _lead(engine, "vp@big.com")
    assert (before.fit_score, before.engagement_score) == (15, pytest.approx(9, abs=0.1))  # three clicks

    counts = LeadIngestor(engine).ingest([VP], now=NOW)
    lead = _lead(engine, "vp@big.com")
    assert counts.updated == 1
    assert (lead.fit_score, lead.scored_at) == (45, NOW)
    assert [rule for rule, _ in lead.score_reasons] == FIT_LINES
    assert 0 < lead.engagement_score < 9  # the clicks, decayed a day: kept, not lost
    assert _history(engine)[-1] == (45, "import")
    rescore_all(engine, contract=contract, now=NOW)
    again = _lead(engine, "vp@big.com")
    assert (again.fit_score, again.score_reasons) == (lead.fit_score, lead.score_reasons)
    assert again.engagement_score == pytest.approx(lead.engagement_score)


def test_a_change_that_moves_no_score_writes_none(engine: Engine) -> None:
    seed_people(engine, [])
    LeadIngestor(engine).ingest([VP], now=NOW - timedelta(days=1))
    counts = LeadIngestor(engine).ingest([replace(VP, first_name="Vera", last_name="Page")], now=NOW)
    lead = _lead(engine, "vp@big.com")
    assert counts.updated == 1
    assert lead.scored_at == NOW - timedelta(days=1)
    assert len(_history(engine)) == 0  # first scores keep no history; nothing new to keep either


def test_a_demo_request_after_the_import_that_made_a_student_a_vp_makes_an_mql(engine: Engine) -> None:
    contract = seed_people(engine, [])
    LeadIngestor(engine).ingest([STUDENT], now=NOW - timedelta(days=1))
    LeadIngestor(engine).ingest([VP], now=NOW - timedelta(hours=1))
    EventIngestor(engine).ingest([DEMO], now=NOW)
    done = score_new_touchpoints(engine, contract, NOW)
    assert (done.touchpoints, done.qualified) == (1, 1)
    assert _lead(engine, "vp@big.com").stage == "mql"


def test_the_same_demo_request_leaves_a_student_a_lead(engine: Engine) -> None:
    contract = seed_people(engine, [])
    LeadIngestor(engine).ingest([STUDENT], now=NOW - timedelta(days=1))
    EventIngestor(engine).ingest([DEMO], now=NOW)
    done = score_new_touchpoints(engine, contract, NOW)
    assert (done.touchpoints, done.qualified) == (1, 0)
    lead = _lead(engine, "vp@big.com")
    assert (lead.stage, lead.fit_score) == ("lead", 15)


def test_the_leads_of_an_account_that_grew_past_a_fit_band_have_their_new_fit_at_once(engine: Engine) -> None:
    contract = seed_people(engine, [])
    LeadIngestor(engine).ingest([VP], now=NOW - timedelta(days=1))
    counts = ingest_accounts(engine, [AccountRecord(name="Big", domain="big.com", employees=6000)], now=NOW)
    lead = _lead(engine, "vp@big.com")
    assert counts.updated == 1
    assert (lead.fit_score, lead.scored_at) == (40, NOW)  # 5,001 people or more earn 10 points, not 15
    assert "fit: account.employees ≥ 5001" in [rule for rule, _ in lead.score_reasons]
    rescore_all(engine, contract=contract, now=NOW)
    again = _lead(engine, "vp@big.com")
    assert (again.fit_score, again.score_reasons) == (lead.fit_score, lead.score_reasons)


def test_an_account_change_no_fit_rule_reads_rescores_nobody(engine: Engine) -> None:
    seed_people(engine, [])
    LeadIngestor(engine).ingest([VP], now=NOW - timedelta(days=1))
    counts = ingest_accounts(engine, [AccountRecord(name="Big", domain="big.com", region="EMEA")], now=NOW)
    assert counts.updated == 1
    assert _lead(engine, "vp@big.com").scored_at == NOW - timedelta(days=1)
    assert _history(engine) == []
