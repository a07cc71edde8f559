"""Storing the past: campaigns with their channels, sales' verdicts on MQLs, and reps' quotas.

Each call is one transaction, and a replay changes nothing: a verdict is the same verdict when its
lead, moment and answer are (the feedback table is append-only); a quota is one per rep and period
start, updated in place; a campaign is one per name.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from revbridge.domain.business_time import BusinessClock
from revbridge.domain.durations import Duration
from revbridge.domain.history_records import CampaignRecord, QuotaRecord, VerdictRecord
from revbridge.domain.past_clocks import PastClock, PastVerdict, accept_clock, clock_for
from revbridge.domain.sla import Sla, UnknownRejectionReason, load_sla
from revbridge.services.ingest_leads import IngestCounts
from revbridge.store import history_queries as queries
from revbridge.store import repositories as repo
from revbridge.store.engine import writing


@dataclass
class HistoryResult:
    counts: IngestCounts = field(default_factory=IngestCounts)
    unresolved: list[tuple[int, str]] = field(default_factory=list)  # (index in batch, reason)


def ingest_campaigns(engine: Engine, records: Sequence[CampaignRecord]) -> IngestCounts:
    """Campaigns by name; a known campaign without a channel gets the record's channel."""
    counts = IngestCounts()
    channels: dict[str, str | None] = {}
    for record in records:
        channels[record.name] = channels.get(record.name) or record.channel
    with writing(engine).begin() as conn:
        stored = queries.find_campaigns(conn, list(channels))
        new = {name: channel for name, channel in channels.items() if name not in stored}
        repo.get_or_create_campaigns(conn, new, {})
        counts.created = len(new)
        for name, (campaign_id, channel) in stored.items():
            wanted = channels[name]
            if channel is None and wanted is not None:
                queries.set_campaign_channel(conn, campaign_id, wanted)
                counts.updated += 1
            else:
                counts.duplicate += 1
    return counts


class _SlaCalendar:
    """The SLA version in force at each moment, read once per batch; texts parsed when first needed."""

    def __init__(self, conn: Connection) -> None:
        rows = queries.list_sla_texts(conn)
        self._starts = [effective for _, effective, _ in rows]
        self._rows = rows
        self._parsed: dict[int, Sla] = {}

    def at(self, moment: datetime) -> tuple[int, Sla] | None:
        index = bisect_right(self._starts, moment) - 1
        if index < 0:
            return None
        version, _, text = self._rows[index]
        if version not in self._parsed:
            self._parsed[version] = load_sla(text, source=f"SLA version {version}")
        return version, self._parsed[version]


def ingest_verdicts(engine: Engine, records: Sequence[VerdictRecord]) -> HistoryResult:
    """Sales verdicts on MQLs, each stamped with the SLA version in force when it was given.

    A verdict whose lead is unknown, or whose rejection reason is not in that SLA version's list, is
    returned as unresolved with the reason; the rest are stored.
    """
    result = HistoryResult()
    if not records:
        return result
    with writing(engine).begin() as conn:
        leads = repo.find_lead_ids_by_email(conn, sorted({r.lead_email.lower() for r in records}))
        users = repo.find_users(conn)
        seen = queries.find_feedback_keys(conn, list(leads.values()))
        slas = _SlaCalendar(conn)
        rows: list[dict[str, Any]] = []
        for index, record in enumerate(records):
            lead_id = leads.get(record.lead_email.lower())
            if lead_id is None:
                result.unresolved.append((index, f"no lead with e-mail {record.lead_email!r}; import the leads first"))
                continue
            in_force = slas.at(record.at)
            problem = _reason_problem(record, in_force)
            if problem:
                result.unresolved.append((index, problem))
                continue
            key = (lead_id, record.at, record.verdict)
            if key in seen:
                result.counts.duplicate += 1
                continue
            seen.add(key)
            rows.append(
                {
                    "lead_id": lead_id,
                    "user_id": users.get(record.user.lower()) if record.user else None,
                    "verdict": record.verdict,
                    "reason": record.reason,
                    "rating": record.rating,
                    "note": record.note,
                    "at": record.at,
                    "sla_version": in_force[0] if in_force else None,
                }
            )
        queries.insert_feedback(conn, rows)
    result.counts.created = len(rows)
    return result


def _reason_problem(record: VerdictRecord, in_force: tuple[int, Sla] | None) -> str | None:
    """Why a rejection's reason cannot be stored, if it is not in the SLA version in force then."""
    if record.verdict != "reject" or in_force is None:
        return None
    version, sla = in_force
    if record.reason in sla.feedback.reasons:
        return None
    return f"SLA version {version}: {UnknownRejectionReason(record.reason or '', sla.feedback.reasons)}"


def ingest_quotas(engine: Engine, records: Sequence[QuotaRecord]) -> HistoryResult:
    """Quotas per rep and period: a new period is added, a changed end or amount updates it."""
    result = HistoryResult()
    if not records:
        return result
    with writing(engine).begin() as conn:
        users = repo.find_users(conn)
        stored = queries.find_quotas(conn, list(set(users.values())))
        new: dict[tuple[int, Any], dict[str, Any]] = {}
        for index, record in enumerate(records):
            user_id = users.get(record.user_email.lower())
            if user_id is None:
                result.unresolved.append((index, f"no user with e-mail {record.user_email!r}; import the users first"))
                continue
            key = (user_id, record.period_start)
            values = {
                "user_id": user_id,
                "period_start": record.period_start,
                "period_end": record.period_end,
                "amount": record.amount,
            }
            found = stored.get(key)
            if found is None:
                if key in new:
                    result.counts.duplicate += 1
                new[key] = values
                continue
            changes = {k: v for k, v in values.items() if found[k] != v}
            if changes:
                queries.update_quota(conn, found["id"], changes)
                found.update(changes)
                result.counts.updated += 1
            else:
                result.counts.duplicate += 1
        queries.insert_quotas(conn, list(new.values()))
    result.counts.created = len(new)
    return result


def rebuild_clocks(engine: Engine) -> dict[str, int]:
    """Give imported history the SLA clocks the engine would have kept (``domain/past_clocks.py``), under
    the SLA version in force when each opened: an accept clock for each verdict, opened when its lead
    became an MQL, and a first-touch clock for each acceptance, met by the lead's first sales activity.
    Clocks the engine already keeps are left alone; running it again adds nothing. Returns the clocks
    added by kind."""
    clocks: dict[int, BusinessClock] = {}
    added = {"accept": 0, "first_touch": 0}
    with writing(engine).begin() as conn:
        slas = _SlaCalendar(conn)
        rows: list[dict[str, Any]] = []

        def add(kind: str, made: PastClock) -> None:
            added[kind] += 1
            rows.append(
                {
                    "lead_id": made.lead_id,
                    "kind": kind,
                    "team": "sales",
                    "owner_id": made.owner_id,
                    "opened_at": made.opened_at,
                    "due_at": made.due_at,
                    "status": made.status,
                    "closed_at": made.closed_at,
                    "escalation_level": 0,
                    "required_count": 1,
                    "done_count": 1 if made.status == "met" else 0,
                    "sla_version": made.sla_version,
                }
            )

        def terms(at: datetime, deadline: str) -> tuple[int, Duration, BusinessClock] | None:
            in_force = slas.at(at)
            within = getattr(in_force[1].clocks, deadline) if in_force else None
            if in_force is None or within is None:
                return None
            version, sla = in_force
            return version, within, clocks.setdefault(version, BusinessClock.from_clocks(sla.clocks))

        for row in queries.verdicts_without_clocks(conn):
            found = terms(row.mql_at, "accept_within")
            if found is not None:
                version, within, clock = found
                past = PastVerdict(row.lead_id, row.mql_at, row.at, row.user_id, row.sla_version or version)
                add("accept", accept_clock(past, within, clock))
        for row in queries.acceptances_without_touch_clocks(conn):
            found = terms(row.at, "first_touch_within")
            if found is not None:
                version, within, clock = found
                owner, version = row.user_id, row.sla_version or version
                add("first_touch", clock_for(row.lead_id, owner, row.at, row.touched_at, within, clock, version))
        queries.insert_obligations(conn, rows)
    return added
