"""A new lead is given its fit as it is stored, so that its first touchpoints can make it an MQL at once,
not after the nightly rescoring: on a real database, through the import's and the API's paths."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.records import LeadRecord, TouchpointRecord
from revbridge.services.contract import contract_at
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.ingest_leads import LeadIngestor
from revbridge.services.scoring import rescore_all
from revbridge.services.scoring_new import score_new_touchpoints
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.store.tables import LeadRow
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
