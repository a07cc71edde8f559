"""Storing sales verdicts, quotas and campaigns: replays add nothing, bad references are named."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.history_records import CampaignRecord, QuotaRecord, VerdictRecord
from revbridge.domain.records import LeadRecord, UserRecord
from revbridge.services.demo import packaged_sla_text
from revbridge.services.ingest_crm import ingest_users
from revbridge.services.ingest_history import ingest_campaigns, ingest_quotas, ingest_verdicts
from revbridge.services.ingest_leads import LeadIngestor
from revbridge.services.sla_versions import apply_sla
from revbridge.store.tables import CampaignRow, FeedbackRow, QuotaRow

NOW = datetime(2025, 3, 1, tzinfo=UTC)
SAM = UserRecord("Sam Okafor", "sdr", "sales", "sam@northwind.example")


def setup_people(engine: Engine) -> None:
    ingest_users(engine, [SAM], now=NOW)
    leads = [LeadRecord("demo", f"L{i}", email=f"lead{i}@acme.example", created_at=NOW) for i in range(3)]
    LeadIngestor(engine).ingest(leads, now=NOW)


def rows(
    engine: Engine, table: type[FeedbackRow] | type[QuotaRow] | type[CampaignRow]
) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table.__table__)))


def verdicts() -> list[VerdictRecord]:
    at = NOW + timedelta(days=2)
    return [
        VerdictRecord("lead0@acme.example", "accept", at, rating=5, note="Great fit", user="sam@northwind.example"),
        VerdictRecord("lead1@acme.example", "reject", at, reason="no_budget", rating=2, user="Sam Okafor"),
        VerdictRecord("LEAD2@acme.example", "reject", at + timedelta(hours=1), reason="competitor", rating=1),
    ]


def test_verdicts_are_stored_once_however_often_they_are_replayed(engine: Engine) -> None:
    setup_people(engine)
    first = ingest_verdicts(engine, verdicts())
    again = ingest_verdicts(engine, verdicts())
    assert (first.counts.created, first.unresolved) == (3, [])
    assert (again.counts.created, again.counts.duplicate) == (0, 3)
    stored = rows(engine, FeedbackRow)
    assert len(stored) == 3
    assert [r.user_id is not None for r in sorted(stored, key=lambda r: r.lead_id)] == [True, True, False]


def test_a_verdict_carries_the_sla_version_in_force_when_it_was_given(engine: Engine) -> None:
    setup_people(engine)
    signers = {"marketing": "Maria Lopez", "sales": "Sam Okafor"}
    apply_sla(engine, packaged_sla_text(), effective_from=NOW, signed_by=signers, now=NOW)
    ingest_verdicts(engine, verdicts())
    assert {r.sla_version for r in rows(engine, FeedbackRow)} == {1}


def test_a_reason_outside_the_sla_in_force_is_refused_with_the_list(engine: Engine) -> None:
    setup_people(engine)
    signers = {"marketing": "Maria Lopez", "sales": "Sam Okafor"}
    apply_sla(engine, packaged_sla_text(), effective_from=NOW, signed_by=signers, now=NOW)
    odd = VerdictRecord("lead0@acme.example", "reject", NOW + timedelta(days=1), reason="too_small")
    result = ingest_verdicts(engine, [odd, *verdicts()])
    assert result.counts.created == 3
    assert result.unresolved == [
        (
            0,
            "SLA version 1: 'too_small' is not a rejection reason in the SLA; use one of: no_budget, bad_timing, "
            "not_decision_maker, wrong_persona, competitor, student_or_job_seeker, duplicate",
        )
    ]


def test_a_verdict_for_an_unknown_lead_is_returned_unresolved(engine: Engine) -> None:
    setup_people(engine)
    stranger = VerdictRecord("nobody@acme.example", "accept", NOW)
    result = ingest_verdicts(engine, [stranger])
    assert result.unresolved == [(0, "no lead with e-mail 'nobody@acme.example'; import the leads first")]
    assert rows(engine, FeedbackRow) == []


def test_a_quota_is_one_per_rep_and_period_and_a_new_amount_updates_it(engine: Engine) -> None:
    setup_people(engine)
    q1 = QuotaRecord("sam@northwind.example", date(2025, 1, 1), date(2025, 3, 31), 250_000.0)
    q2 = QuotaRecord("sam@northwind.example", date(2025, 4, 1), date(2025, 6, 30), 260_000.0)
    assert ingest_quotas(engine, [q1, q2]).counts.created == 2
    replay = ingest_quotas(engine, [q1, q2])
    assert (replay.counts.created, replay.counts.duplicate) == (0, 2)
    raised = QuotaRecord("sam@northwind.example", date(2025, 4, 1), date(2025, 6, 30), 300_000.0)
    assert ingest_quotas(engine, [raised]).counts.updated == 1
    assert sorted(r.amount for r in rows(engine, QuotaRow)) == [250_000.0, 300_000.0]
    unknown = ingest_quotas(engine, [QuotaRecord("ghost@northwind.example", date(2025, 1, 1), date(2025, 3, 31), 1.0)])
    assert unknown.unresolved == [(0, "no user with e-mail 'ghost@northwind.example'; import the users first")]


def test_campaigns_are_created_once_and_a_missing_channel_is_filled_in(engine: Engine) -> None:
    setup_people(engine)
    LeadIngestor(engine).ingest(
        [LeadRecord("demo", "L9", email="lead9@acme.example", campaign="Spring webinar", created_at=NOW)], now=NOW
    )
    records = [CampaignRecord("Spring webinar", "webinar"), CampaignRecord("Google Ads – Brand", "paid_search")]
    counts = ingest_campaigns(engine, records)
    assert (counts.created, counts.updated) == (1, 1)
    assert ingest_campaigns(engine, records).duplicate == 2
    assert {r.name: r.channel for r in rows(engine, CampaignRow)} == {
        "Spring webinar": "webinar",
        "Google Ads – Brand": "paid_search",
    }
