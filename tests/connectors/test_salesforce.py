from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from revbridge.connectors.salesforce import (
    LEAD_STATUS_STAGES,
    read_salesforce_leads,
    read_salesforce_opportunities,
)
from revbridge.domain.errors import ImportFileInvalid
from revbridge.domain.identity import salesforce_id18
from revbridge.domain.records import LeadRecord, OpportunityRecord, Reject, StageEntry

DATA = Path(__file__).parents[1] / "data"
API = DATA / "salesforce_leads_api.csv"
REPORT = DATA / "salesforce_leads_report.csv"
OPPORTUNITIES = DATA / "salesforce_opportunities.csv"


def leads(path: Path, status_stages: dict[str, str] | None = None) -> tuple[dict[str, LeadRecord], list[Reject]]:
    """Every lead, by 18-character id, and every reject of a file."""
    records: dict[str, LeadRecord] = {}
    rejects: list[Reject] = []
    for batch in read_salesforce_leads(path, status_stages=status_stages):
        records.update((r.external_id, r) for r in batch.records)
        rejects.extend(batch.rejects)
    return records, rejects


def opportunities(path: Path) -> tuple[dict[str, OpportunityRecord], list[Reject]]:
    records: dict[str, OpportunityRecord] = {}
    rejects: list[Reject] = []
    for batch in read_salesforce_opportunities(path):
        records.update((r.external_id, r) for r in batch.records)
        rejects.extend(batch.rejects)
    return records, rejects


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_api_export_reads_into_lead_records() -> None:
    records, _ = leads(API)

    assert records["00Q5e00000Ab1CdEAJ"] == LeadRecord(
        source="salesforce",
        external_id="00Q5e00000Ab1CdEAJ",
        email="ada@analytical-engines.io",
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines Ltd",
        job_title="Head of Data",
        industry="Technology",
        country="United Kingdom",
        city="London",
        employees=250,
        annual_revenue=12_500_000.0,
        phone="+44 20 7946 0018",
        lead_source="Web",
        owner="0055e000001Rv7TAAS",
        status="Open - Not Contacted",
        stage="mql",
        created_at=datetime(2024, 1, 15, 10, 32, tzinfo=UTC),
        converted=False,
        properties={
            "rating": "Hot",
            "has_opted_out_of_email": False,
            "do_not_call": False,
            "last_modified_at": "2024-01-15T10:32:00+00:00",
            "lead_score__c": "85",
            "mql_date__c": "2024-01-15",
        },
    )


def test_15_character_ids_become_18_character_ids() -> None:
    records, _ = leads(API)

    grace = records["00Q5e00000Ab2EfEAJ"]  # written as 00Q5e00000Ab2Ef
    assert grace.first_name == "Grace"
    assert grace.owner == "0055e000002Pn9KAAS"  # written as 0055e000002Pn9K
    assert all(len(lead_id) == 18 for lead_id in records)


def test_rejects_name_the_spreadsheet_row_the_column_and_the_value() -> None:
    _, rejects = leads(API)

    assert rejects == [
        Reject(
            str(API),
            7,
            "Id",
            "expected a 15- or 18-character Salesforce id, got '00Q5e00000AbX'",
            "00Q5e00000AbX",
        ),
        Reject(
            str(API),
            8,
            "Id",
            "expected a Salesforce id, got '00q5e00000abcxyEAN': its last 3 characters do not match the "
            "first 15 (was the id's case changed?)",
            "00q5e00000abcxyEAN",
        ),
        Reject(str(API), 10, "IsDeleted", "deleted in Salesforce (in its recycle bin); not imported", "true"),
        Reject(
            str(API),
            13,
            "CreatedDate",
            "expected a date or date-time like 2024-03-01 14:05, got '2024-31-01T10:00:00.000Z'",
            "2024-31-01T10:00:00.000Z",
        ),
    ]


def test_statuses_of_leads_not_converted_map_to_our_stages() -> None:
    records, _ = leads(API)

    assert {r.status: r.stage for r in records.values() if not r.converted} == {
        "Open - Not Contacted": "mql",
        "Working - Contacted": "sal",
        "Closed - Not Converted": "nurture",
        "Recycled": None,
        "Unqualified": "disqualified",
    }


@pytest.mark.parametrize(("status", "stage"), sorted(LEAD_STATUS_STAGES.items()))
def test_each_default_status_maps_to_its_stage_in_any_case(tmp_path: Path, status: str, stage: str) -> None:
    path = write(tmp_path / "leads.csv", f"Id,Status\n00Q5e00000Ab1Cd,{status.upper()}\n")

    records, _ = leads(path)

    assert records["00Q5e00000Ab1CdEAJ"].stage == stage
    assert records["00Q5e00000Ab1CdEAJ"].status == status.upper()


def test_a_lead_converted_with_an_opportunity_reached_opportunity_on_its_converted_date() -> None:
    records, _ = leads(API)

    alan = records["00Q5e00000Ab3GhEAJ"]
    assert (alan.converted, alan.stage) == (True, "opportunity")
    assert alan.stage_history == (StageEntry("opportunity", datetime(2024, 3, 4, tzinfo=UTC)),)
    assert alan.properties["converted_opportunity_id"] == "0065e00000Xy1ZqAAJ"
    assert alan.properties["converted_contact_id"] == "0035e00000Ty1UiAAJ"  # written as 15 characters


def test_a_lead_converted_without_an_opportunity_is_an_sql() -> None:
    records, _ = leads(API)

    mary = records["00Q5e00000Ab4IjEAJ"]
    assert (mary.converted, mary.stage) == (True, "sql")
    assert mary.stage_history == (StageEntry("sql", datetime(2024, 2, 20, tzinfo=UTC)),)


def test_a_converted_leads_opportunity_id_matches_the_opportunity_export() -> None:
    lead_records, _ = leads(API)
    opportunity_records, _ = opportunities(OPPORTUNITIES)

    opportunity_id = lead_records["00Q5e00000Ab3GhEAJ"].properties["converted_opportunity_id"]
    assert opportunity_records[opportunity_id].name == "Bletchley Analytics - Platform"


def test_an_unknown_status_keeps_the_status_and_is_flagged() -> None:
    records, _ = leads(API)

    katherine = records["00Q5e00000Ab7OpEAJ"]
    assert (katherine.status, katherine.stage) == ("Recycled", None)
    assert katherine.flags == ("unknown lead status 'Recycled'; no stage set",)


def test_status_stages_map_an_orgs_own_statuses() -> None:
    records, _ = leads(API, status_stages={"recycled": "nurture", "Working - Contacted": "mql"})

    assert records["00Q5e00000Ab7OpEAJ"].stage == "nurture"
    assert records["00Q5e00000Ab7OpEAJ"].flags == ()
    assert records["00Q5e00000Ab2EfEAJ"].stage == "mql"


def test_an_invalid_email_is_dropped_and_flagged() -> None:
    records, _ = leads(API)

    dorothy = records["00Q5e00000Ab9StEAJ"]
    assert dorothy.email is None
    assert dorothy.flags == ("not an e-mail address: 'n/a'; imported without one",)


def test_report_labels_and_api_names_give_the_same_leads() -> None:
    from_api, _ = leads(API)
    from_report, report_rejects = leads(REPORT)
    compared = (
        *("email", "first_name", "last_name", "company", "job_title", "employees", "annual_revenue"),
        *("lead_source", "status", "created_at", "converted", "country", "region", "city"),
    )

    assert from_report.keys() <= from_api.keys()
    for lead_id, lead in from_report.items():
        assert [getattr(lead, f) for f in compared] == [getattr(from_api[lead_id], f) for f in compared]
    assert from_report["00Q5e00000Ab1CdEAJ"].owner == "Sam Rivera"  # reports show the owner's name
    assert from_report["00Q5e00000Ab3GhEAJ"].stage == "sql"  # the report has no ConvertedOpportunityId
    assert report_rejects == [
        Reject(
            str(REPORT),
            10,
            "Create Date",
            "expected a date or date-time like 2024-03-01 14:05, got '31/1/2024 10:00 AM'",
            "31/1/2024 10:00 AM",
        )
    ]


def test_a_file_without_an_id_column_is_refused_with_the_accepted_names(tmp_path: Path) -> None:
    path = write(tmp_path / "leads.csv", "LastName,Company\nLovelace,Analytical Engines\n")

    with pytest.raises(ImportFileInvalid, match=r"missing required column: 'Id' \(or 'Lead ID'\)"):
        read_salesforce_leads(path)


def test_opportunities_read_with_won_only_when_closed() -> None:
    records, rejects = opportunities(OPPORTUNITIES)

    won, open_deal, lost = (
        records["0065e00000Xy1ZqAAJ"],
        records["0065e00000Xy2AbAAJ"],
        records["0065e00000Xy3CdAAJ"],
    )
    assert won == OpportunityRecord(
        source="salesforce",
        external_id="0065e00000Xy1ZqAAJ",
        name="Bletchley Analytics - Platform",
        account="0015e00000Qw1ErAAJ",
        amount=48000.0,
        stage="Closed Won",
        created_at=datetime(2024, 3, 4, 12, tzinfo=UTC),
        closed_at=datetime(2024, 4, 18, tzinfo=UTC),
        won=True,
        owner="0055e000001Rv7TAAS",
        properties={
            "account_id": "0015e00000Qw1ErAAJ",
            "campaign_id": "7015e000000Hq3AAAS",
            "lead_source": "Trade Show",
            "close_date": "2024-04-18T00:00:00+00:00",
            "probability": 100.0,
            "type": "New Business",
            "forecast_category": "Closed",
        },
    )
    assert (open_deal.won, open_deal.closed_at, open_deal.amount) == (None, None, 75000.0)
    assert open_deal.properties["close_date"] == "2024-09-30T00:00:00+00:00"  # a forecast, not a close
    assert (lost.won, lost.lost_reason, lost.properties["competitor__c"]) == (False, "Price", "Contoso")
    assert [(r.row, r.field, r.value) for r in rejects] == [(5, "Amount", "12k"), (6, "Id", "006-not-an-id")]


def test_a_report_without_closed_and_won_columns_reads_the_default_closed_stages(tmp_path: Path) -> None:
    path = write(
        tmp_path / "opportunities.csv",
        "Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner\n"
        "0065e00000Xy1Zq,Platform,Bletchley Analytics,Closed Won,48000,4/18/2024,Sam Rivera\n"
        "0065e00000Xy2Ab,Pilot,Navy Labs,Negotiation/Review,75000,9/30/2024,Priya Natarajan\n"
        "0065e00000Xy3Cd,Expansion,Wind Tunnel,Closed Lost,22000,5/2/2024,Priya Natarajan\n",
    )

    records, _ = opportunities(path)

    assert [(r.account, r.won, r.closed_at) for r in records.values()] == [
        ("Bletchley Analytics", True, datetime(2024, 4, 18, tzinfo=UTC)),
        ("Navy Labs", None, None),
        ("Wind Tunnel", False, datetime(2024, 5, 2, tzinfo=UTC)),
    ]
    assert records[salesforce_id18("0065e00000Xy2Ab")].owner == "Priya Natarajan"


def test_a_converted_date_on_a_lead_not_converted_is_flagged(tmp_path: Path) -> None:
    path = write(
        tmp_path / "leads.csv",
        "Id,Status,IsConverted,ConvertedDate\n00Q5e00000Ab1Cd,Working - Contacted,false,2024-03-04\n",
    )

    records, _ = leads(path)

    lead = records["00Q5e00000Ab1CdEAJ"]
    assert (lead.stage, lead.stage_history) == ("sal", ())
    assert lead.flags == ("has a converted date (2024-03-04) but is not converted",)
