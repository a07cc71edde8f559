"""Adding the sales side's records: accounts, users and teams, opportunities, and campaign spend.

Each is an upsert on its natural key, so a replayed batch counts only duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Engine

from revbridge.domain.accounts import AccountIndex
from revbridge.domain.identity import normalise_company
from revbridge.domain.records import AccountRecord, OpportunityRecord, SpendRecord, UserRecord
from revbridge.domain.scoring import account_columns_read
from revbridge.services.first_scores import rescore_changed_leads
from revbridge.services.ingest_leads import IngestCounts
from revbridge.services.sla_versions import scoring_in_force
from revbridge.store import crm_queries as crm
from revbridge.store import repositories as repo
from revbridge.store.engine import writing
from revbridge.store.tables import AccountRow, CampaignSpendRow, OpportunityRow, UserRow, table_of


class Upserted(NamedTuple):
    outcome: str  # created | updated | duplicate
    changed: frozenset[str]  # the columns an update changed


def _upsert(conn: Connection, table: Any, stored: dict[str, Any] | None, values: dict[str, Any]) -> Upserted:
    """Insert, update or leave a row (``properties`` merged into what is stored); says which happened."""
    if stored is None:
        crm.insert_row(conn, table, values)
        return Upserted("created", frozenset())
    changes = _changes(stored, values)
    if not changes:
        return Upserted("duplicate", frozenset())
    crm.update_row(conn, table, stored["id"], changes)
    return Upserted("updated", frozenset(changes))


def _changes(stored: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What ``values`` change in the ``stored`` row, ``properties`` merged into the stored ones."""
    changes = {k: v for k, v in values.items() if stored.get(k) != v and k != "properties"}
    if "properties" in values:
        merged = {**(stored.get("properties") or {}), **values["properties"]}
        if merged != (stored.get("properties") or {}):
            changes["properties"] = merged
    return changes


def _count(counts: IngestCounts, upserted: Upserted) -> None:
    setattr(counts, upserted.outcome, getattr(counts, upserted.outcome) + 1)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".")


def ingest_accounts(engine: Engine, records: Sequence[AccountRecord], *, now: datetime) -> IngestCounts:
    """Accounts, matched by name or domain. When a change touches what fit rules read of an account
    (``account.employees``), its leads get their new fit in the same transaction (``first_scores``)."""
    counts = IngestCounts()
    table = table_of(AccountRow)
    scoring = scoring_in_force(engine, now) if records else None
    scored_columns = account_columns_read(scoring) if scoring is not None else frozenset[str]()
    moved: list[int] = []  # accounts whose leads' fit may move
    with writing(engine).begin() as conn:
        users = repo.find_users(conn)
        for record in records:
            normalised = normalise_company(record.name)
            found = crm.find_account(conn, normalised, record.domain)
            values: dict[str, Any] = {
                "name": record.name,
                "normalised_name": normalised,
                "domain": record.domain,
                "industry": record.industry,
                "country": record.country,
                "region": record.region,
                "employees": record.employees,
                "annual_revenue": record.annual_revenue,
                "owner_id": users.get(record.owner.lower()) if record.owner else None,
                "properties": {**record.properties, **({"parent": record.parent} if record.parent else {})},
            }
            values = {k: v for k, v in values.items() if v is not None}
            if found is None:
                values["created_at"] = now
            upserted = _upsert(conn, table, found, values)
            _count(counts, upserted)
            if found is not None and upserted.changed & scored_columns:
                moved.append(found["id"])
        if moved and scoring is not None:
            rescore_changed_leads(conn, crm.lead_ids_at(conn, moved), scoring, now)
    return counts


def ingest_users(engine: Engine, records: Sequence[UserRecord], *, now: datetime) -> IngestCounts:
    """People and their teams. A person without an e-mail gets name@team.invalid as a stand-in."""
    counts = IngestCounts()
    table = table_of(UserRow)
    with writing(engine).begin() as conn:
        for record in records:
            team_id = repo.get_or_create_team(conn, record.team, record.team_kind)
            email = (record.email or f"{_slug(record.name)}@{_slug(record.team)}.invalid").lower()
            found = crm.find_user(conn, email)
            values: dict[str, Any] = {
                "email": email,
                "name": record.name,
                "team_id": team_id,
                "role": record.role or record.team_kind,
                "capacity": record.capacity,
                "territory": {"region": record.region} if record.region else {},
                "title": record.title,
            }
            values = {k: v for k, v in values.items() if v is not None}
            if found is None:
                values["created_at"] = now
            _count(counts, _upsert(conn, table, found, values))
        _link_managers(conn, records)
    return counts


def _link_managers(conn: Connection, records: Sequence[UserRecord]) -> None:
    """Each person's manager, named by name or e-mail, once everyone in the batch is stored."""
    by_key = {key.lower(): user_id for user_id, *keys in crm.user_keys(conn) for key in keys if key}
    for record in records:
        manager = by_key.get(record.manager.lower()) if record.manager else None
        person = by_key.get((record.email or "").lower()) or by_key.get(record.name.lower())
        if manager is not None and person is not None and manager != person:
            crm.set_manager(conn, person, manager)


class OpportunityIngestor:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._accounts: AccountIndex | None = None

    def ingest(self, records: Sequence[OpportunityRecord], *, now: datetime) -> IngestCounts:
        counts = IngestCounts()
        table = table_of(OpportunityRow)
        with writing(self.engine).begin() as conn:
            users = repo.find_users(conn)
            accounts = self._index(conn)
            for record in records:
                account_id = None
                if record.account:
                    match = accounts.match(None, record.account)
                    if match is None:
                        account_id = repo.insert_account(
                            conn,
                            {
                                "name": record.account,
                                "normalised_name": normalise_company(record.account),
                                "properties": {},
                                "created_at": now,
                            },
                        )
                        accounts.add(account_id, record.account, None)
                    else:
                        account_id = match.account_id
                properties = dict(record.properties)
                owner_id = None
                if record.owner:
                    owner_id = users.get(record.owner.lower())
                    if owner_id is None:
                        properties["owner"] = record.owner
                values: dict[str, Any] = {
                    "source": record.source,
                    "external_id": record.external_id,
                    "name": record.name,
                    "account_id": account_id,
                    "owner_id": owner_id,
                    "amount": record.amount,
                    "stage": record.stage,
                    "product": record.product,
                    "created_at": record.created_at,
                    "closed_at": record.closed_at,
                    "won": record.won,
                    "lost_reason": record.lost_reason,
                    "properties": properties,
                }
                found = crm.find_opportunity(conn, record.source, record.external_id)
                upserted = _upsert(conn, table, found, values)
                if upserted.outcome != "duplicate":
                    crm.touch_opportunity(conn, record.source, record.external_id, now)
                _count(counts, upserted)
                if record.contact_emails:
                    lead_ids = repo.find_lead_ids_by_email(conn, list(record.contact_emails))
                    crm.link_contacts(conn, record.source, record.external_id, set(lead_ids.values()))
        return counts

    def _index(self, conn: Connection) -> AccountIndex:
        if self._accounts is None:
            self._accounts = AccountIndex()
            for account_id, name, domain in repo.list_account_keys(conn):
                self._accounts.add(account_id, name, domain)
        return self._accounts


def ingest_spend(
    engine: Engine, records: Sequence[SpendRecord], *, campaigns: dict[str, int] | None = None
) -> IngestCounts:
    """Spend per campaign and day; the latest figure for a (campaign, day, source) replaces the last."""
    counts = IngestCounts()
    known = campaigns if campaigns is not None else {}
    table = table_of(CampaignSpendRow)
    with writing(engine).begin() as conn:
        ids = repo.get_or_create_campaigns(conn, {r.campaign: r.channel for r in records}, known)
        for record in records:
            campaign_id = ids[record.campaign]
            found = crm.find_spend(conn, campaign_id, record.day, record.source)
            values = {
                "campaign_id": campaign_id,
                "day": record.day,
                "amount": record.amount,
                "source": record.source,
            }
            _count(counts, _upsert(conn, table, found, values))
    return counts
