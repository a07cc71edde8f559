"""Adding and updating leads: deduplicated by normalised e-mail, matched to accounts, history kept.

A batch is one transaction. Replaying a batch changes nothing: every row counts as a duplicate. Each new
lead is given its first scores in it, under the SLA in force (``services/first_scores.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from revbridge.domain.accounts import AccountIndex
from revbridge.domain.identity import email_domain, normalise_company
from revbridge.domain.records import PERSON_FIELDS, LeadRecord, lead_keys, merge_leads
from revbridge.domain.scoring import lead_columns_read
from revbridge.domain.sla import Scoring
from revbridge.services.first_scores import rescore_changed_leads, score_new_leads
from revbridge.services.sla_versions import scoring_in_force
from revbridge.store import repositories as repo
from revbridge.store.engine import writing

# LeadRecord fields stored as lead columns of the same name.
_PLAIN_FIELDS = (*PERSON_FIELDS, "converted")


_ATTEMPTS = 3


@dataclass
class IngestCounts:
    created: int = 0
    updated: int = 0
    duplicate: int = 0

    def add(self, other: IngestCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.duplicate += other.duplicate


@dataclass
class _Caches:
    accounts: AccountIndex | None = None
    campaigns: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] | None = None


class LeadIngestor:
    """Ingests batches of leads for one import run, keeping its look-ups warm between batches."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._caches = _Caches()

    def ingest(self, records: Sequence[LeadRecord], *, now: datetime) -> IngestCounts:
        """Store one batch in one transaction.

        Two imports that bring the same new person at once collide on the unique e-mail: the loser's
        transaction is rolled back and the batch redone, when it finds the person stored and updates it.
        """
        scoring = scoring_in_force(self.engine, now) if records else None
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with writing(self.engine).begin() as conn:
                    return self._ingest(conn, records, now, scoring)
            except sa.exc.IntegrityError:
                self._caches = _Caches()  # ids seen in the rolled-back transaction are gone
                if attempt == _ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    # -- one transaction -------------------------------------------------------------------------
    def _ingest(
        self, conn: Connection, records: Sequence[LeadRecord], now: datetime, scoring: Scoring | None
    ) -> IngestCounts:
        counts = IngestCounts()
        if not records:
            return counts
        accounts = self._accounts(conn)
        users = self._users(conn)
        campaign_ids = repo.get_or_create_campaigns(
            conn, {r.campaign: None for r in records if r.campaign}, self._caches.campaigns
        )
        existing = repo.find_leads_by_keys(
            conn,
            sorted({r.email for r in records if r.email}),
            sorted({(r.source, r.external_id) for r in records}),
        )
        by_email = {row.email: dict(row._mapping) for row in existing if row.email}
        by_key = {(row.source, row.external_id): dict(row._mapping) for row in existing}
        history_seen = repo.recorded_transitions(conn, [row.id for row in existing])

        new_rows: list[dict[str, Any]] = []
        new_histories: list[LeadRecord] = []
        changed: list[int] = []  # leads whose score may move: a column it reads has changed
        scored_columns = lead_columns_read(scoring) if scoring is not None else frozenset[str]()
        transitions: list[dict[str, Any]] = []
        merged, twins = _merge_twins(records)
        counts.duplicate += twins
        for record in merged:
            stored = (by_email.get(record.email) if record.email else None) or by_key.get(
                (record.source, record.external_id)
            )
            values = self._values(record, campaign_ids, users)
            if stored is None:
                new_rows.append(self._new_row(record, values, accounts, conn, now))
                new_histories.append(record)
                counts.created += 1
                continue
            changes = _changes(stored, values)
            if record.stage and record.stage != stored["stage"]:
                changes["stage"] = record.stage
                changes["stage_changed_at"] = now
                transitions.append(
                    _transition(
                        stored["id"],
                        stored["stage"],
                        record.stage,
                        now,
                        record.source,
                        "stage changed in " + record.source,
                    )
                )
            for entry_from, entry_to, at in _history(record):
                if (stored["id"], entry_to, at) not in history_seen:
                    transitions.append(
                        _transition(stored["id"], entry_from, entry_to, at, record.source, "imported history")
                    )
                    history_seen.add((stored["id"], entry_to, at))
            if changes:
                changes["version"] = stored["version"] + 1
                changes["updated_at"] = now
                repo.update_lead(conn, stored["id"], changes)
                stored.update(changes)
                if changes.keys() & scored_columns:
                    changed.append(stored["id"])
                counts.updated += 1
            else:
                counts.duplicate += 1

        if new_rows:
            repo.insert_leads(conn, new_rows)
            ids = repo.find_lead_ids_by_external_id(conn, [(r["source"], r["external_id"]) for r in new_rows])
            for record, row in zip(new_histories, new_rows, strict=True):
                lead_id = ids[(row["source"], row["external_id"])]
                transitions.extend(_initial_transitions(lead_id, record, row, now))
            if scoring is not None:
                score_new_leads(conn, list(ids.values()), scoring, now)
        if changed and scoring is not None:
            rescore_changed_leads(conn, changed, scoring, now)
        if transitions:
            repo.insert_transitions(conn, transitions)
        return counts

    def _new_row(
        self,
        record: LeadRecord,
        values: dict[str, Any],
        accounts: AccountIndex,
        conn: Connection,
        now: datetime,
    ) -> dict[str, Any]:
        history = _history(record)
        stage = record.stage or (history[-1][1] if history else "lead")
        match = accounts.match(record.email, record.company)
        account_id = match.account_id if match else None
        flags = {f"flag_{i}": text for i, text in enumerate(record.flags, start=1)}
        if match is None and (record.company or email_domain(record.email)):
            domain = email_domain(record.email)
            name = record.company or (domain or "")
            account_id = repo.insert_account(
                conn,
                {
                    "name": name,
                    "normalised_name": normalise_company(name),
                    "domain": domain,
                    "industry": record.industry,
                    "country": record.country,
                    "region": record.region,
                    "employees": record.employees,
                    "annual_revenue": record.annual_revenue,
                    "properties": {},
                    "created_at": now,
                },
            )
            accounts.add(account_id, name, domain)
        elif match is not None:
            flags["account_match"] = match.why
        return {
            "source": record.source,
            "external_id": record.external_id,
            **{k: values.get(k) for k in _PLAIN_FIELDS},
            "campaign_id": values.get("campaign_id"),
            "owner_id": values.get("owner_id"),
            "account_id": account_id,
            "stage": stage,
            "stage_changed_at": history[-1][2] if history else (record.created_at or now),
            "recycle_count": 0,
            "flags": flags,
            "properties": values.get("properties", {}),
            "created_at": record.created_at or now,
            "updated_at": now,
            "version": 1,
        }

    def _values(self, record: LeadRecord, campaign_ids: dict[str, int], users: dict[str, int]) -> dict[str, Any]:
        values: dict[str, Any] = {k: getattr(record, k) for k in _PLAIN_FIELDS if getattr(record, k) is not None}
        if record.campaign:
            values["campaign_id"] = campaign_ids[record.campaign]
        properties = dict(record.properties)
        if record.owner:
            owner_id = users.get(record.owner.lower())
            if owner_id is not None:
                values["owner_id"] = owner_id
            else:
                properties["owner"] = record.owner
        if properties:
            values["properties"] = properties
        return values

    def _accounts(self, conn: Connection) -> AccountIndex:
        if self._caches.accounts is None:
            index = AccountIndex()
            for account_id, name, domain in repo.list_account_keys(conn):
                index.add(account_id, name, domain)
            self._caches.accounts = index
        return self._caches.accounts

    def _users(self, conn: Connection) -> dict[str, int]:
        if self._caches.users is None:
            self._caches.users = repo.find_users(conn)
        return self._caches.users


def _changes(stored: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key == "properties":
            merged = {**(stored.get("properties") or {}), **value}
            if merged != (stored.get("properties") or {}):
                changes["properties"] = merged
        elif stored.get(key) != value:
            changes[key] = value
    return changes


def _merge_twins(records: Sequence[LeadRecord]) -> tuple[list[LeadRecord], int]:
    """The batch with each person once (their rows merged, in file order), and how many rows merged away."""
    merged: list[LeadRecord] = []
    where: dict[object, int] = {}
    for record in records:
        index = next((where[k] for k in lead_keys(record) if k in where), None)
        if index is None:
            index = len(merged)
            merged.append(record)
        else:
            merged[index] = merge_leads(merged[index], record)
        for key in lead_keys(merged[index]):
            where[key] = index
    return merged, len(records) - len(merged)


def _history(record: LeadRecord) -> list[tuple[str | None, str, datetime]]:
    """(from, to, at) for each stage the record says the lead entered, oldest first."""
    out: list[tuple[str | None, str, datetime]] = []
    previous: str | None = None
    for entry in sorted(record.stage_history, key=lambda e: e.at):
        out.append((previous, entry.stage, entry.at))
        previous = entry.stage
    return out


def _transition(
    lead_id: int, from_stage: str | None, to_stage: str, at: datetime, source: str, reason: str
) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "at": at,
        "actor": f"import:{source}",
        "reason": reason,
        "sla_version": None,
        "source": f"import:{source}",
    }


def _initial_transitions(lead_id: int, record: LeadRecord, row: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    history = _history(record)
    out = [_transition(lead_id, f, t, at, record.source, "imported history") for f, t, at in history]
    last = history[-1][1] if history else None
    if row["stage"] != last:
        at = row["created_at"] if not history else now
        out.append(_transition(lead_id, last, row["stage"], at, record.source, "stage as of import"))
    return out
