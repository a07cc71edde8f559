from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from revbridge.connectors.hubspot import read_hubspot_contacts
from revbridge.domain.errors import ImportFileInvalid
from revbridge.domain.records import LeadRecord, Reject, StageEntry

from .exports import write_hubspot_export

DATA = Path(__file__).parents[1] / "data"
LABELS = DATA / "hubspot_contacts_all_properties.csv"
INTERNAL = DATA / "hubspot_contacts_internal_names.csv"


def read(path: Path, stage_labels: dict[str, str] | None = None) -> tuple[dict[str, LeadRecord], list[Reject]]:
    """Every record, by Record ID, and every reject of a file."""
    records: dict[str, LeadRecord] = {}
    rejects: list[Reject] = []
    for batch in read_hubspot_contacts(path, stage_labels=stage_labels):
        records.update((r.external_id, r) for r in batch.records)
        rejects.extend(batch.rejects)
    return records, rejects


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_an_all_properties_export_reads_into_lead_records() -> None:
    records, _ = read(LABELS)

    ada = records["501"]
    assert ada == LeadRecord(
        source="hubspot",
        external_id="501",
        email="ada@analytical-engines.io",
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines Ltd",
        job_title="Head of Data",
        industry="Computer Software",
        country="United Kingdom",
        region="England",
        city="London",
        employees=100,
        annual_revenue=12_500_000.0,
        phone="+44 20 7946 0018",
        lead_source="PAID_SEARCH",
        campaign="Q3 Analytics Webinar",
        owner="Sam Rivera",
        status="CONNECTED",
        stage="customer",
        created_at=at("2023-09-01 08:00"),
        stage_history=(
            StageEntry("subscriber", at("2023-09-01 08:00")),
            StageEntry("lead", at("2023-09-14 10:12")),
            StageEntry("mql", at("2023-10-02 15:30")),
            StageEntry("sql", at("2023-10-05 09:00")),
            StageEntry("opportunity", at("2023-10-20 11:00")),
            StageEntry("customer", at("2023-12-01 16:45")),
        ),
        properties={
            "employees_band": "100-500",
            "hubspot_score": 85.0,
            "owner_assigned_at": "2023-10-02T15:31:00+00:00",
            "last_modified_at": "2024-01-10T12:00:00+00:00",
            "times_contacted": 7,
            "last_activity_at": "2023-12-01T16:40:00+00:00",
            "original_source_drill_down_1": "google",
            "original_source_drill_down_2": "data governance software",
            "latest_source": "EMAIL_MARKETING",
            "latest_source_at": "2023-11-28T09:14:00+00:00",
            "first_conversion": "Q3 Analytics Webinar: Registration",
            "first_conversion_at": "2023-09-14T10:12:00+00:00",
            "last_touch_campaign": "Customer Stories Nurture",
            "close_date": "2023-12-01T16:45:00+00:00",
            "days_to_close": 42,
            "recent_deal_amount": 48000.0,
            "total_revenue": 48000.0,
            "associated_deals": 1,
            "seconds_from_lead_to_customer": 1878 * 3600 + 33 * 60,
            "unsubscribed_from_all_email": False,
            "marketing_emails_opened": 12,
            "marketing_emails_clicked": 4,
            "marketing_contact": True,
        },
    )


def test_labels_and_internal_names_give_the_same_records_except_the_owner() -> None:
    by_label, label_rejects = read(LABELS)
    by_name, name_rejects = read(INTERNAL)

    assert by_label["501"].owner == "Sam Rivera"
    assert by_name["501"].owner == "41592653"  # the internal export holds owner ids, not names
    assert {k: dataclasses.replace(r, owner=None) for k, r in by_label.items()} == {
        k: dataclasses.replace(r, owner=None) for k, r in by_name.items()
    }
    assert [r.row for r in label_rejects] == [r.row for r in name_rejects]


def test_rejects_name_the_spreadsheet_row_the_column_what_was_expected_and_the_value() -> None:
    _, rejects = read(LABELS)

    assert rejects == [
        Reject(
            str(LABELS),
            6,
            "Create Date",
            "expected a date or date-time like 2024-03-01 14:05, got '2024-02-30 10:00'",
            "2024-02-30 10:00",
        ),
        Reject(str(LABELS), 7, "Record ID", "missing: every HubSpot contact has a Record ID", ""),
        Reject(
            str(LABELS),
            10,
            "Email",
            "not an e-mail address, and the row has no Record ID either",
            "not-an-email",
        ),
        Reject(str(LABELS), 11, "Annual Revenue", "expected a number, got 'about 2M'", "about 2M"),
    ]


def test_rejects_name_the_columns_as_the_file_spells_them() -> None:
    _, rejects = read(INTERNAL)

    assert [(r.row, r.field) for r in rejects] == [
        (6, "CreateDate"),
        (7, "HS_OBJECT_ID"),
        (10, "EMAIL"),
        (11, "AnnualRevenue"),
    ]


def test_every_row_is_either_a_record_or_a_reject() -> None:
    (batch,) = read_hubspot_contacts(LABELS)

    assert batch.rows_read == 14
    assert len(batch.records) + len(batch.rejects) == 14
    assert batch.bytes_read == LABELS.stat().st_size


def test_a_customer_dated_before_their_mql_is_flagged_and_still_imported() -> None:
    records, _ = read(LABELS)

    alan = records["504"]
    assert alan.stage == "customer"
    assert alan.flags == (
        "impossible sequence: became customer on 2023-06-30 17:00 UTC, before mql on 2023-08-15 10:00 UTC",
    )
    assert alan.stage_history == (
        StageEntry("lead", at("2023-05-01 09:30")),
        StageEntry("customer", at("2023-06-30 17:00")),
        StageEntry("mql", at("2023-08-15 10:00")),
    )


def test_contacts_whose_stages_are_dated_in_funnel_order_carry_no_flags() -> None:
    records, _ = read(LABELS)

    assert [k for k, r in records.items() if r.flags] == ["504", "507", "508"]


def test_a_custom_lifecycle_stage_id_is_kept_and_flagged() -> None:
    records, _ = read(LABELS)

    katherine = records["507"]
    assert katherine.stage is None
    assert katherine.properties["lifecycle_stage"] == "1452450030"
    assert katherine.flags == ("unknown lifecycle stage 1452450030",)


def test_stage_labels_map_a_custom_stage_id_to_one_of_ours() -> None:
    records, _ = read(LABELS, stage_labels={"1452450030": "sal"})

    katherine = records["507"]
    assert katherine.stage == "sal"
    assert katherine.properties["lifecycle_stage"] == "1452450030"
    assert katherine.flags == ()


def test_evangelists_are_customers_and_other_is_known_but_outside_the_funnel() -> None:
    records, _ = read(LABELS)

    assert records["513"].stage == "customer"
    assert records["513"].properties["became_evangelist_at"] == "2023-04-01T12:00:00+00:00"
    assert records["514"].stage is None
    assert records["514"].properties == {"lifecycle_stage": "other"}
    assert records["514"].flags == ()


def test_an_invalid_email_with_a_record_id_is_imported_without_it_and_flagged() -> None:
    records, _ = read(LABELS)

    dorothy = records["508"]
    assert dorothy.email is None
    assert dorothy.flags == ("not an e-mail address: 'dorothy.vaughan@'; imported without one",)


def test_emails_differing_only_in_case_become_the_same_address() -> None:
    records, _ = read(LABELS)

    assert records["502"].email == records["503"].email == "grace.hopper@navy-labs.com"


def test_option_labels_become_hubspots_internal_values() -> None:
    records, _ = read(LABELS)

    assert records["511"].lead_source == "SOCIAL_MEDIA"  # "Organic Social"
    assert records["511"].status == "IN_PROGRESS"
    assert records["504"].lead_source == "OFFLINE"  # "Offline Sources"


def test_employee_bands_read_as_their_lower_bound_and_are_kept_as_written() -> None:
    records, _ = read(LABELS)

    assert (records["511"].employees, records["511"].properties["employees_band"]) == (25, "25-50")
    assert (records["502"].employees, records["502"].properties["employees_band"]) == (1000, "1000+")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_all_contacts_view_is_accepted(tmp_path: Path) -> None:
    path = write(
        tmp_path / "all-contacts.csv",
        "Record ID,First Name,Last Name,Email,Phone Number,Contact owner,Primary Associated Company ID,"
        "Last Activity Date,Lead Status,Marketing contact status,Create Date,Associated Company\n"
        "9001,Linus,Torvalds,linus@kernel.example,,Chen Wei,4242,2024-05-02 10:00,Attempted to Contact,"
        "Marketing contact,2024-05-01 09:00,Kernel Org\n",
    )

    records, rejects = read(path)

    assert rejects == []
    assert records["9001"] == LeadRecord(
        source="hubspot",
        external_id="9001",
        email="linus@kernel.example",
        first_name="Linus",
        last_name="Torvalds",
        company="Kernel Org",
        owner="Chen Wei",
        status="ATTEMPTED_TO_CONTACT",
        created_at=at("2024-05-01 09:00"),
        properties={
            "last_activity_at": "2024-05-02T10:00:00+00:00",
            "primary_company_id": "4242",
            "marketing_contact": True,
        },
    )


def test_a_record_id_a_spreadsheet_reformatted_is_rejected_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path / "contacts.csv", "Record ID,Email\n1.23457E+11,ada@example.com\n")

    _, rejects = read(path)

    assert rejects == [
        Reject(
            str(path),
            2,
            "Record ID",
            "expected HubSpot's numeric Record ID, got '1.23457E+11'; if a spreadsheet reformatted it, "
            "export again and open the file as text",
            "1.23457E+11",
        )
    ]


@pytest.mark.parametrize(("cell", "seconds"), [("01:02:03", 3723), ("100:00:00", 360_000), ("3723000", 3723)])
def test_durations_read_as_seconds_from_the_export_or_the_api(tmp_path: Path, cell: str, seconds: int) -> None:
    path = write(tmp_path / "c.csv", f"Record ID,Time to move from lead to customer (HH:mm:ss)\n1,{cell}\n")

    records, _ = read(path)

    assert records["1"].properties == {"seconds_from_lead_to_customer": seconds}


def test_a_file_without_a_record_id_column_is_refused_before_reading_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "contacts.csv", "Email,First Name\nada@example.com,Ada\n")

    with pytest.raises(ImportFileInvalid) as caught:
        read_hubspot_contacts(path)

    assert str(caught.value) == (
        f"{path}: missing required column: 'Record ID' (or 'hs_object_id', 'Contact ID') (any case or "
        "spacing); the file's columns are 'Email', 'First Name'. Export again with the column included, "
        "or rename the column to one of the accepted names."
    )


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exports") / "hubspot-crm-exports-all-contacts.csv"
    write_hubspot_export(path, 50_000, seed=7)
    return path


def test_a_50k_row_export_streams_in_batches_of_batch_size(tmp_path: Path) -> None:
    path = tmp_path / "hubspot-crm-exports-all-contacts.csv"
    write_hubspot_export(path, 50_000, seed=7)
    sizes: list[int] = []
    ids: set[str] = set()
    emails: set[str | None] = set()

    for batch in read_hubspot_contacts(path, batch_size=4_000):
        if not sizes:  # only the first batch's rows have been read so far
            assert batch.bytes_read < path.stat().st_size / 10
        assert batch.rejects == []
        sizes.append(batch.rows_read)
        ids.update(r.external_id for r in batch.records)
        emails.update(r.email for r in batch.records)

    assert sizes == [4_000] * 12 + [2_000]
    assert len(ids) == len(emails) == 50_000


def test_a_larger_generated_export_starts_with_the_rows_of_a_smaller_one(tmp_path: Path) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_hubspot_export(small, 20, seed=3)
    write_hubspot_export(large, 50, seed=3)

    assert large.read_text(encoding="utf-8").startswith(small.read_text(encoding="utf-8"))
    assert read(small)[0] == dict(list(read(large)[0].items())[:20])
