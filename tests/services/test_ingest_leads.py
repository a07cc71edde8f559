"""Leads: one person per normalised e-mail, matched to an account, history recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.records import LeadRecord, StageEntry
from revbridge.services.ingest_leads import LeadIngestor

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_the_same_person_from_two_tools_is_one_lead(engine: Engine) -> None:
    leads = LeadIngestor(engine)
    first = leads.ingest([LeadRecord(source="hubspot", external_id="1", email="ann@acme.com", company="Acme")], now=NOW)
    second = leads.ingest(
        [LeadRecord(source="salesforce", external_id="00Q", email="ann@acme.com", job_title="CTO")], now=NOW
    )
    assert (first.created, second.created, second.updated) == (1, 0, 1)
    assert _rows(engine, "SELECT email, company, job_title, version FROM leads") == [("ann@acme.com", "Acme", "CTO", 2)]


def test_colleagues_share_an_account_found_by_domain_or_fuzzy_name(engine: Engine) -> None:
    LeadIngestor(engine).ingest(
        [
            LeadRecord(source="crm", external_id="1", email="ann@acme.com", company="ACME Corporation"),
            LeadRecord(source="crm", external_id="2", email="bob@acme.com"),
            LeadRecord(source="crm", external_id="3", email="cat@gmail.com", company="Acme Corp."),
            LeadRecord(source="crm", external_id="4", email="dan@initech.io", company="Initech"),
        ],
        now=NOW,
    )
    assert _rows(engine, "SELECT count(*) FROM accounts") == [(2,)]
    assert _rows(engine, "SELECT count(DISTINCT account_id) FROM leads WHERE external_id IN ('1', '2', '3')") == [(1,)]


def test_imported_stage_history_becomes_transitions_once(engine: Engine) -> None:
    record = LeadRecord(
        source="hubspot",
        external_id="7",
        email="eve@acme.com",
        stage="sql",
        stage_history=(
            StageEntry("lead", datetime(2025, 1, 1, tzinfo=UTC)),
            StageEntry("mql", datetime(2025, 1, 5, tzinfo=UTC)),
            StageEntry("sql", datetime(2025, 1, 9, tzinfo=UTC)),
        ),
    )
    leads = LeadIngestor(engine)
    leads.ingest([record], now=NOW)
    leads.ingest([record], now=NOW)
    assert _rows(engine, "SELECT from_stage, to_stage, actor FROM stage_transitions ORDER BY at") == [
        (None, "lead", "import:hubspot"),
        ("lead", "mql", "import:hubspot"),
        ("mql", "sql", "import:hubspot"),
    ]
