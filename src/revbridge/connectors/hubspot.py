"""HubSpot contact exports -> LeadRecords: the "All contacts" view, the "All properties" export, or a
file with internal property names, in any case.

Values are made the same whichever way the file names them: lifecycle stages become our stage ids,
Original Source and Lead Status become HubSpot's internal values (``PAID_SEARCH``, ``IN_PROGRESS``),
dates become aware UTC, durations become seconds. Properties are JSON values (dates as ISO 8601 text).
HubSpot writes dates without a zone; they are read as UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

from revbridge.connectors.batches import DEFAULT_BATCH_SIZE, Batch
from revbridge.connectors.headers import (
    CellInvalid,
    Json,
    MappedRow,
    Property,
    property_parsers,
    read_batches,
    with_properties,
)
from revbridge.connectors.values import ValueInvalid, parse_bool, parse_datetime, parse_float, parse_int
from revbridge.domain.identity import normalise_email
from revbridge.domain.records import LeadRecord, StageEntry
from revbridge.domain.stages import HUBSPOT_STAGES, impossible_sequences, stage_rank

SOURCE = "hubspot"

FIELDS: dict[str, tuple[str, ...]] = {
    "record_id": ("Record ID", "hs_object_id", "Contact ID"),
    "email": ("Email", "Email Address"),
    "first_name": ("First Name", "firstname"),
    "last_name": ("Last Name", "lastname"),
    "company": ("Company Name", "company"),
    "associated_company": ("Associated Company",),  # the default view's company column
    "job_title": ("Job Title", "jobtitle"),
    "industry": ("Industry",),
    "employees": ("Number of Employees", "numemployees"),
    "annual_revenue": ("Annual Revenue", "annualrevenue"),
    "country": ("Country/Region", "country"),
    "region": ("State/Region", "state"),
    "city": ("City",),
    "phone": ("Phone Number", "phone"),
    "owner": ("Contact owner", "hubspot_owner_id"),
    "created_at": ("Create Date", "createdate"),
    "lifecycle_stage": ("Lifecycle Stage", "lifecyclestage"),
    "lead_status": ("Lead Status", "hs_lead_status"),
    "original_source": ("Original Source", "hs_analytics_source", "Original Source Type"),
    "first_touch_campaign": (
        "First Touch Converting Campaign",
        "hs_analytics_first_touch_converting_campaign",
    ),
}


def _became(label: str, value: str) -> tuple[str, ...]:
    return (f"Became {label} Date", f"hs_lifecyclestage_{value}_date", f"hs_v2_date_entered_{value}")


# The "Became a ... Date" columns of the funnel's stages, by our stage id.
STAGE_DATES: dict[str, tuple[str, ...]] = {
    "subscriber": _became("a Subscriber", "subscriber"),
    "lead": _became("a Lead", "lead"),
    "mql": _became("a Marketing Qualified Lead", "marketingqualifiedlead"),
    "sql": _became("a Sales Qualified Lead", "salesqualifiedlead"),
    "opportunity": _became("an Opportunity", "opportunity"),
    "customer": _became("a Customer", "customer"),
}

_ENUM_LABELS = {"organic social": "SOCIAL_MEDIA", "offline sources": "OFFLINE"}
_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")
_DURATION = re.compile(r"^(\d+):([0-5]\d):([0-5]\d)(?:\.\d+)?$")
_EMPLOYEE_BAND = re.compile(r"^(\d[\d,]*)\s*(?:\+|(?:-|–|to)\s*\d[\d,]*)$")


def _enum(raw: str) -> str:
    """HubSpot's internal option value for an option label: ``Paid Search`` -> ``PAID_SEARCH``."""
    return _ENUM_LABELS.get(raw.casefold()) or _NOT_WORD.sub("_", raw).strip("_").upper()


def _iso(raw: str) -> str:
    return parse_datetime(raw).isoformat()


def _duration(raw: str) -> int:
    """Seconds, from an export's ``HH:mm:ss`` (hours may exceed 24) or the API's milliseconds."""
    match = _DURATION.match(raw)
    if match:
        hours, minutes, seconds = (int(part) for part in match.groups())
        return hours * 3600 + minutes * 60 + seconds
    if raw.isdigit():
        return round(int(raw) / 1000)
    raise ValueInvalid(f"expected a duration as HH:mm:ss or milliseconds, got {raw!r}")


def _marketable(raw: str) -> bool:
    labels = {"marketing contact": True, "non-marketing contact": False}
    return labels[raw.casefold()] if raw.casefold() in labels else parse_bool(raw)


def _record_id(raw: str) -> str:
    if raw.isdigit():
        return raw
    raise ValueInvalid(
        f"expected HubSpot's numeric Record ID, got {raw!r}; if a spreadsheet reformatted it, "
        "export again and open the file as text"
    )


def _employees(raw: str) -> int:
    """A count, or the lower bound of HubSpot's contact bands (``25-50``, ``1000+``)."""
    band = _EMPLOYEE_BAND.match(raw)
    return parse_int(band.group(1)) if band else parse_int(raw)


PROPERTIES: dict[str, Property] = {
    "hubspot_score": (parse_float, ("HubSpot Score", "hubspotscore")),
    "predictive_lead_score": (parse_float, ("Predictive Lead Score", "hs_predictivecontactscore")),
    "likelihood_to_close": (parse_float, ("Likelihood to close", "hs_predictivecontactscore_v2")),
    "lead_rating": (str, ("Lead Rating",)),
    "owner_assigned_at": (_iso, ("Owner Assigned Date", "hubspot_owner_assigneddate")),
    "last_modified_at": (_iso, ("Last Modified Date", "lastmodifieddate")),
    "last_contacted_at": (_iso, ("Last Contacted", "notes_last_contacted")),
    "times_contacted": (parse_int, ("Number of times contacted", "num_contacted_notes")),
    "sales_activities": (parse_int, ("Number of Sales Activities", "num_notes")),
    "last_activity_at": (_iso, ("Last Activity Date", "notes_last_updated")),
    "original_source_drill_down_1": (str, ("Original Source Drill-Down 1", "hs_analytics_source_data_1")),
    "original_source_drill_down_2": (str, ("Original Source Drill-Down 2", "hs_analytics_source_data_2")),
    "latest_source": (_enum, ("Latest Source", "hs_latest_source")),
    "latest_source_at": (_iso, ("Latest Source Date", "hs_latest_source_timestamp")),
    "latest_source_drill_down_1": (str, ("Latest Source Drill-Down 1", "hs_latest_source_data_1")),
    "latest_source_drill_down_2": (str, ("Latest Source Drill-Down 2", "hs_latest_source_data_2")),
    "first_conversion": (str, ("First Conversion", "first_conversion_event_name")),
    "first_conversion_at": (_iso, ("First Conversion Date", "first_conversion_date")),
    "recent_conversion": (str, ("Recent Conversion", "recent_conversion_event_name")),
    "recent_conversion_at": (_iso, ("Recent Conversion Date", "recent_conversion_date")),
    "last_touch_campaign": (
        str,
        ("Last Touch Converting Campaign", "hs_analytics_last_touch_converting_campaign"),
    ),
    "became_evangelist_at": (_iso, _became("an Evangelist", "evangelist")),
    "became_other_at": (_iso, ("Became an Other Lifecycle Date", *_became("an Other", "other")[1:])),
    "first_deal_created_at": (_iso, ("First Deal Created Date", "first_deal_created_date")),
    "close_date": (_iso, ("Close Date", "closedate")),
    "days_to_close": (parse_int, ("Days To Close", "days_to_close")),
    "recent_deal_amount": (parse_float, ("Recent Deal Amount", "recent_deal_amount")),
    "total_revenue": (parse_float, ("Total Revenue", "total_revenue")),
    "associated_deals": (parse_int, ("Number of Associated Deals", "num_associated_deals")),
    "associated_deal_ids": (str, ("Associated Deal IDs",)),
    "associated_company_ids": (str, ("Associated Company IDs",)),
    "primary_company_id": (str, ("Primary Associated Company ID", "associatedcompanyid")),
    "unsubscribed_from_all_email": (parse_bool, ("Unsubscribed from all email", "hs_email_optout")),
    "marketing_emails_opened": (parse_int, ("Marketing emails opened", "hs_email_open")),
    "marketing_emails_clicked": (parse_int, ("Marketing emails clicked", "hs_email_click")),
    "marketing_emails_delivered": (parse_int, ("Marketing emails delivered", "hs_email_delivered")),
    "marketing_contact": (_marketable, ("Marketing contact status", "hs_marketable_status")),
    "seconds_between_creation_and_deal": (
        _duration,
        (
            "Time between contact creation and deal creation (HH:mm:ss)",
            "hs_time_between_contact_creation_and_deal_creation",
        ),
    ),
}
for _label, _value in [
    ("lead", "lead"),
    ("marketing qualified lead", "marketingqualifiedlead"),
    ("sales qualified lead", "salesqualifiedlead"),
    ("opportunity", "opportunity"),
    ("subscriber", "subscriber"),
]:
    PROPERTIES[f"seconds_from_{_value}_to_customer"] = (
        _duration,
        (f"Time to move from {_label} to customer (HH:mm:ss)", f"hs_time_to_move_from_{_value}_to_customer"),
    )

ALIASES = with_properties(
    FIELDS | {f"became_{stage}": spellings for stage, spellings in STAGE_DATES.items()}, PROPERTIES
)
_PARSERS = property_parsers(PROPERTIES)


def read_hubspot_contacts(
    path: Path, *, batch_size: int = DEFAULT_BATCH_SIZE, stage_labels: Mapping[str, str] | None = None
) -> Iterator[Batch[LeadRecord]]:
    """Batches of contacts from a HubSpot export; ImportFileInvalid now if it has no Record ID column.

    ``stage_labels`` maps custom lifecycle stages (numeric ids such as ``1452450030``, or their labels)
    to our stage ids; unmapped custom stages are kept in ``properties["lifecycle_stage"]`` and flagged.
    """
    labels = {key.strip().casefold(): stage for key, stage in (stage_labels or {}).items()}
    contact = partial(_contact, stage_labels=labels)
    return read_batches(path, ALIASES, contact, required=("record_id",), batch_size=batch_size)


def _contact(cells: MappedRow, *, stage_labels: Mapping[str, str]) -> LeadRecord:
    record_id, email, flags = _identity(cells)
    stage, properties, unknown = _lifecycle_stage(cells.text("lifecycle_stage"), stage_labels)
    history = _stage_history(cells)
    flags += unknown + impossible_sequences(history)
    employees = cells.parsed("employees", _employees)
    raw_employees = cells.text("employees")
    if raw_employees is not None and _EMPLOYEE_BAND.match(raw_employees):
        properties["employees_band"] = raw_employees
    properties |= cells.properties(_PARSERS)
    return LeadRecord(
        source=SOURCE,
        external_id=record_id,
        email=email,
        first_name=cells.text("first_name"),
        last_name=cells.text("last_name"),
        company=cells.text("company") or cells.text("associated_company"),
        job_title=cells.text("job_title"),
        industry=cells.text("industry"),
        country=cells.text("country"),
        region=cells.text("region"),
        city=cells.text("city"),
        employees=employees,
        annual_revenue=cells.parsed("annual_revenue", parse_float),
        phone=cells.text("phone"),
        lead_source=cells.parsed("original_source", _enum),
        campaign=cells.text("first_touch_campaign"),
        owner=cells.text("owner"),
        status=cells.parsed("lead_status", _enum),
        stage=stage,
        created_at=cells.parsed("created_at", parse_datetime),
        stage_history=history,
        flags=tuple(flags),
        properties=properties,
    )


def _identity(cells: MappedRow) -> tuple[str, str | None, list[str]]:
    """Record ID, e-mail and flags. Without a Record ID the row is rejected: nothing else names it."""
    raw_email = cells.text("email")
    email = normalise_email(raw_email)
    record_id = cells.parsed("record_id", _record_id)
    if record_id is None:
        if raw_email is not None and email is None:
            reason = "not an e-mail address, and the row has no Record ID either"
            raise CellInvalid(cells.column("email"), reason, raw_email)
        raise CellInvalid(cells.column("record_id"), "missing: every HubSpot contact has a Record ID")
    flags = [] if raw_email is None or email else [f"not an e-mail address: {raw_email!r}; imported without one"]
    return record_id, email, flags


def _lifecycle_stage(raw: str | None, stage_labels: Mapping[str, str]) -> tuple[str | None, dict[str, Json], list[str]]:
    """Our stage id; properties keeping a custom stage's HubSpot value; a flag for an unknown stage."""
    if raw is None:
        return None, {}, []
    key = raw.casefold()
    if key in stage_labels:
        custom = key not in HUBSPOT_STAGES
        return stage_labels[key], {"lifecycle_stage": raw} if custom else {}, []
    if key in HUBSPOT_STAGES:
        return HUBSPOT_STAGES[key], {}, []
    if key == "other":  # HubSpot's own "none of the above": known, but no place in the funnel
        return None, {"lifecycle_stage": key}, []
    return None, {"lifecycle_stage": raw}, [f"unknown lifecycle stage {raw}"]


def _stage_history(cells: MappedRow) -> tuple[StageEntry, ...]:
    entries = []
    for stage in STAGE_DATES:
        at = cells.parsed(f"became_{stage}", parse_datetime)
        if at is not None:
            entries.append(StageEntry(stage, at))
    return tuple(sorted(entries, key=lambda e: (e.at, stage_rank(e.stage) or 0)))
