"""Salesforce Lead and Opportunity exports -> LeadRecords and OpportunityRecords.

Accepts API names (Data Loader, Workbench, ``SELECT`` dumps) or report labels, in any case. Every
Salesforce id is made the 18-character, case-safe form, so a lead's ConvertedOpportunityId matches the
opportunity's Id whichever export each came from. Custom fields (``…__c``) go into ``properties`` as text.
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
from revbridge.domain.identity import normalise_email, salesforce_id18
from revbridge.domain.records import LeadRecord, OpportunityRecord, StageEntry
from revbridge.domain.stages import DISQUALIFIED, NURTURE

SOURCE = "salesforce"

# Lead Status -> our stage. A Salesforce lead is a person handed to sales (or entered by sales); the
# status says how far sales has taken it, and a stage must not claim more than sales has done:
# - not yet touched: still marketing's MQL, waiting for a rep to accept it (the SLA's acceptance clock);
# - a rep is working it: the rep has accepted it, so SAL;
# - converted: sales qualified it, so SQL ("opportunity" when the conversion created one, see below);
# - closed without converting: we cannot tell "not now" from "never", so recycle to nurture rather
#   than disqualify; only an explicit "Unqualified" disqualifies.
# Keys are lower case. Classic orgs' default picklist first, then Lightning orgs' default picklist.
# ``read_salesforce_leads(status_stages=...)`` adds or overrides entries for an org's own statuses.
LEAD_STATUS_STAGES: dict[str, str] = {
    "open - not contacted": "mql",
    "working - contacted": "sal",
    "closed - converted": "sql",
    "closed - not converted": NURTURE,
    "new": "mql",
    "working": "sal",
    "nurturing": NURTURE,
    "qualified": "sql",
    "unqualified": DISQUALIFIED,
}


def _id18(raw: str) -> str:
    """The 18-character id; an 18-character id whose suffix does not fit its first 15 is refused."""
    try:
        value = salesforce_id18(raw)
        if len(raw) == 18 and salesforce_id18(raw[:15]) != value:
            raise ValueInvalid(
                f"expected a Salesforce id, got {raw!r}: its last 3 characters do not match the first 15 "
                "(was the id's case changed?)"
            )
    except ValueError as exc:
        raise ValueInvalid(str(exc)) from None
    return value


def _iso(raw: str) -> str:
    return parse_datetime(raw).isoformat()


LEAD_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("Id", "Lead ID"),
    "first_name": ("FirstName", "First Name"),
    "last_name": ("LastName", "Last Name"),
    "company": ("Company", "Company / Account"),
    "title": ("Title",),
    "email": ("Email",),
    "phone": ("Phone",),
    "country": ("Country",),
    "state": ("State", "State/Province"),
    "city": ("City",),
    "industry": ("Industry",),
    "employees": ("NumberOfEmployees", "No. of Employees", "Employees"),
    "annual_revenue": ("AnnualRevenue", "Annual Revenue"),
    "lead_source": ("LeadSource", "Lead Source"),
    "status": ("Status", "Lead Status"),
    "owner_id": ("OwnerId", "Owner ID", "Lead Owner ID"),
    "owner_name": ("Lead Owner", "Owner Name", "Owner"),
    "is_converted": ("IsConverted", "Converted"),
    "converted_date": ("ConvertedDate", "Converted Date"),
    "converted_opportunity_id": ("ConvertedOpportunityId", "Converted Opportunity ID"),
    "created_at": ("CreatedDate", "Create Date", "Created Date"),
    "is_deleted": ("IsDeleted", "Deleted"),
}

LEAD_PROPERTIES: dict[str, Property] = {
    "converted_account_id": (_id18, ("ConvertedAccountId", "Converted Account ID")),
    "converted_contact_id": (_id18, ("ConvertedContactId", "Converted Contact ID")),
    "rating": (str, ("Rating",)),
    "website": (str, ("Website",)),
    "mobile_phone": (str, ("MobilePhone", "Mobile", "Mobile Phone")),
    "has_opted_out_of_email": (parse_bool, ("HasOptedOutOfEmail", "Email Opt Out")),
    "do_not_call": (parse_bool, ("DoNotCall", "Do Not Call")),
    "last_activity_at": (_iso, ("LastActivityDate", "Last Activity")),
    "last_modified_at": (_iso, ("LastModifiedDate", "Last Modified Date")),
    "email_bounced_reason": (str, ("EmailBouncedReason", "Email Bounced Reason")),
    "email_bounced_at": (_iso, ("EmailBouncedDate", "Email Bounced Date")),
}

OPPORTUNITY_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("Id", "Opportunity ID"),
    "name": ("Name", "Opportunity Name"),
    "account_name": ("Account Name", "Account.Name"),
    "account_id": ("AccountId", "Account ID"),
    "amount": ("Amount",),
    "stage": ("StageName", "Stage"),
    "close_date": ("CloseDate", "Close Date"),
    "is_won": ("IsWon", "Won"),
    "is_closed": ("IsClosed", "Closed"),
    "created_at": ("CreatedDate", "Created Date", "Create Date"),
    "owner_id": ("OwnerId", "Owner ID", "Opportunity Owner ID"),
    "owner_name": ("Opportunity Owner", "Owner Name", "Owner"),
    "lost_reason": ("Loss_Reason__c", "Lost_Reason__c", "Closed_Lost_Reason__c", "Loss Reason"),
    "is_deleted": ("IsDeleted", "Deleted"),
}

OPPORTUNITY_PROPERTIES: dict[str, Property] = {
    "account_id": (_id18, OPPORTUNITY_FIELDS["account_id"]),
    "campaign_id": (_id18, ("CampaignId", "Campaign ID")),
    "primary_campaign_source": (str, ("Primary Campaign Source",)),
    "lead_source": (str, ("LeadSource", "Lead Source")),
    "close_date": (_iso, OPPORTUNITY_FIELDS["close_date"]),
    "probability": (parse_float, ("Probability", "Probability (%)")),
    "type": (str, ("Type",)),
    "forecast_category": (str, ("ForecastCategoryName", "Forecast Category")),
}

# Opportunity stages every org starts with; used only when the file has no IsClosed / IsWon columns.
_DEFAULT_CLOSED_STAGES = {"closed won": True, "closed lost": False}
_CUSTOM_FIELD = re.compile(r"__c$", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


LEAD_ALIASES = with_properties(LEAD_FIELDS, LEAD_PROPERTIES)
OPPORTUNITY_ALIASES = with_properties(OPPORTUNITY_FIELDS, OPPORTUNITY_PROPERTIES)
_LEAD_PARSERS = property_parsers(LEAD_PROPERTIES)
_OPPORTUNITY_PARSERS = property_parsers(OPPORTUNITY_PROPERTIES)


def read_salesforce_leads(
    path: Path, *, batch_size: int = DEFAULT_BATCH_SIZE, status_stages: Mapping[str, str] | None = None
) -> Iterator[Batch[LeadRecord]]:
    """Batches of leads from a Salesforce export; ImportFileInvalid now if it has no Id column.

    ``status_stages`` maps an org's own Lead Status values to our stage ids, over LEAD_STATUS_STAGES.
    """
    stages = LEAD_STATUS_STAGES | {key.strip().casefold(): v for key, v in (status_stages or {}).items()}
    lead = partial(_lead, stages=stages)
    return read_batches(path, LEAD_ALIASES, lead, required=("id",), batch_size=batch_size)


def read_salesforce_opportunities(
    path: Path, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[Batch[OpportunityRecord]]:
    """Batches of opportunities from a Salesforce export; ImportFileInvalid now if it has no Id column."""
    return read_batches(path, OPPORTUNITY_ALIASES, _opportunity, required=("id",), batch_size=batch_size)


def _lead(cells: MappedRow, *, stages: Mapping[str, str]) -> LeadRecord:
    lead_id = _record_id(cells)
    raw_email = cells.text("email")
    email = normalise_email(raw_email)
    flags = [] if raw_email is None or email else [f"not an e-mail address: {raw_email!r}; imported without one"]
    status = cells.text("status")
    converted = cells.parsed("is_converted", parse_bool)
    converted_on = cells.parsed("converted_date", parse_datetime)
    opportunity_id = cells.parsed("converted_opportunity_id", _id18)
    if converted:
        stage: str | None = "opportunity" if opportunity_id else "sql"
    elif status is not None and status.casefold() in stages:
        stage = stages[status.casefold()]
    else:
        stage = None
        if status is not None:
            flags.append(f"unknown lead status {status!r}; no stage set")
    if converted is False and converted_on is not None:
        flags.append(f"has a converted date ({converted_on.date()}) but is not converted")
    history = (StageEntry(stage, converted_on),) if converted and stage and converted_on else ()
    properties = cells.properties(_LEAD_PARSERS) | _custom_fields(cells)
    if opportunity_id:
        properties["converted_opportunity_id"] = opportunity_id
    return LeadRecord(
        source=SOURCE,
        external_id=lead_id,
        email=email,
        first_name=cells.text("first_name"),
        last_name=cells.text("last_name"),
        company=cells.text("company"),
        job_title=cells.text("title"),
        industry=cells.text("industry"),
        country=cells.text("country"),
        region=cells.text("state"),
        city=cells.text("city"),
        employees=cells.parsed("employees", parse_int),
        annual_revenue=cells.parsed("annual_revenue", parse_float),
        phone=cells.text("phone"),
        lead_source=cells.text("lead_source"),
        owner=cells.parsed("owner_id", _id18) or cells.text("owner_name"),
        status=status,
        stage=stage,
        created_at=cells.parsed("created_at", parse_datetime),
        converted=converted,
        stage_history=history,
        flags=tuple(flags),
        properties=properties,
    )


def _opportunity(cells: MappedRow) -> OpportunityRecord:
    opportunity_id = _record_id(cells)
    stage = cells.text("stage")
    default_outcome = _DEFAULT_CLOSED_STAGES.get(stage.casefold()) if stage else None
    is_closed = cells.parsed("is_closed", parse_bool)
    if not cells.has("is_closed"):
        is_closed = default_outcome is not None
    is_won = cells.parsed("is_won", parse_bool) if cells.has("is_won") else default_outcome
    close_date = cells.parsed("close_date", parse_datetime)
    return OpportunityRecord(
        source=SOURCE,
        external_id=opportunity_id,
        name=cells.text("name"),
        account=cells.text("account_name") or cells.parsed("account_id", _id18),
        amount=cells.parsed("amount", parse_float),
        stage=stage,
        created_at=cells.parsed("created_at", parse_datetime),
        closed_at=close_date if is_closed else None,  # an open deal's CloseDate is only a forecast
        won=is_won if is_closed else None,
        lost_reason=cells.text("lost_reason"),
        owner=cells.parsed("owner_id", _id18) or cells.text("owner_name"),
        properties=cells.properties(_OPPORTUNITY_PARSERS) | _custom_fields(cells),
    )


def _record_id(cells: MappedRow) -> str:
    """The row's own 18-character id; a row deleted in Salesforce (recycle bin) is rejected."""
    record_id = cells.parsed("id", _id18)
    if record_id is None:
        raise CellInvalid(cells.column("id"), "missing: every Salesforce record has an Id")
    if cells.parsed("is_deleted", parse_bool):
        reason = "deleted in Salesforce (in its recycle bin); not imported"
        raise CellInvalid(cells.column("is_deleted"), reason, cells.text("is_deleted") or "")
    return record_id


def _custom_fields(cells: MappedRow) -> dict[str, Json]:
    """Custom fields (``Lead_Score__c``) as text under snake_case keys (``lead_score__c``)."""
    mapped = set(cells.columns.values())
    return {
        _CAMEL.sub("_", name).lower(): value.strip()
        for name, value in cells.row.values.items()
        if _CUSTOM_FIELD.search(name) and name not in mapped and value.strip()
    }
