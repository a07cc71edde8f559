"""Loading the demo: a simulated year of a B2B software company, pushed through the real ingest services.

Nothing is written behind the services' backs: users, quotas, accounts, campaigns and spend, leads
with their stage history, touchpoints, activities, verdicts and opportunities go in through the same
code an import uses, in that order. The leads of the year's last ``live_days`` are not imported as
history: they are played through the lifecycle engine in simulated time (``demo_live``), so that the
database also holds MQLs the scoring made, verdicts of reps working their queues, clocks met and
breached, escalations and notifications. Running it again adds nothing: the simulated year keeps the
end and the live weeks keep the start they got the first time (kept in the run log, ``import_runs``),
so the same seed makes the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from revbridge.domain.errors import RevBridgeError
from revbridge.domain.simulation import World, build_world
from revbridge.domain.simulation.world import YEAR_DAYS
from revbridge.domain.sla import load_sla
from revbridge.services.demo_live import LiveCounts, run_live, split_world
from revbridge.services.ingest_crm import OpportunityIngestor, ingest_accounts, ingest_spend, ingest_users
from revbridge.services.ingest_events import EventIngestor, EventRecord
from revbridge.services.ingest_history import (
    HistoryResult,
    ingest_campaigns,
    ingest_quotas,
    ingest_verdicts,
    rebuild_clocks,
)
from revbridge.services.ingest_leads import LeadIngestor
from revbridge.services.logins import give_passwords
from revbridge.services.scoring_new import leave_to_rescoring
from revbridge.services.sla_versions import apply_sla, list_sla_versions
from revbridge.store import history_queries as queries
from revbridge.store.engine import writing

Progress = Callable[[str, int, int], None]  # (step, done, total)
T = TypeVar("T")

TABLES: tuple[str, ...] = (
    "teams",
    "users",
    "quotas",
    "accounts",
    "campaigns",
    "campaign_spend",
    "leads",
    "stage_transitions",
    "touchpoints",
    "activities",
    "feedback",
    "opportunities",
    "opportunity_contacts",
    "sla_versions",
    "obligations",
    "outbox",
    "score_snapshots",
)
_BATCH = {
    "accounts": 2_000,
    "spend": 5_000,
    "leads": 5_000,
    "events": 50_000,
    "verdicts": 10_000,
    "opportunities": 1_000,
}


class DemoIncomplete(RevBridgeError):
    """Some simulated records could not be stored (say, an SLA in the database that lacks the packaged
    rejection reasons). What was stored stays; running the demo again completes the rest."""

    def __init__(self, kind: str, problems: Sequence[tuple[int, str]], count: int) -> None:
        self.kind = kind
        self.problems = list(problems)
        first = f" (first: {problems[0][1]})" if problems else ""
        super().__init__(
            f"{count} simulated {kind} could not be stored{first}. The demo expects the packaged SLA "
            "(examples/sla.yaml) or none; run it on a fresh database"
        )


@dataclass
class DemoSummary:
    seed: int
    leads: int
    since: datetime
    until: datetime
    sla_version: int | None
    sla_applied: bool
    funnel: dict[str, float]  # what the simulated year holds: leads, MQLs, SALs, ..., revenue, spend
    added: dict[str, int] = field(default_factory=dict)  # rows this run created, per kind of record
    tables: dict[str, int] = field(default_factory=dict)  # rows in each table afterwards
    truth: dict[str, Any] = field(default_factory=dict)
    live_since: datetime | None = None  # the live weeks run from here to ``until``
    live: LiveCounts = field(default_factory=LiveCounts)  # what the engine did in them

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat()
        data["until"] = self.until.isoformat()
        data["live_since"] = self.live_since.isoformat() if self.live_since else None
        return data

    @property
    def added_anything(self) -> bool:
        return any(self.added.values()) or self.live.added_anything


DEMO_PASSWORD = "northwind-demo"  # every demo account's, to log in to the dashboard


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    why: str  # what to try as them


def demo_accounts(engine: Engine) -> list[DemoAccount]:
    """Whom to log in as, to see each side: marketing's lead, the rep with the most MQLs waiting, the
    sales manager, the admin. Their password is ``DEMO_PASSWORD``."""
    with engine.connect() as conn:
        people = queries.demo_people(conn)
    found: list[DemoAccount] = []
    for row in people:
        if row["role"] == "marketing" and row["manager_id"] is None:
            found.append(DemoAccount(row["email"], "marketing", "the campaigns' feedback; dispute a rejection"))
        elif row["role"] == "sales" and row["title"] == "sales_manager":
            found.append(DemoAccount(row["email"], "sales manager", "the team's SLA queue and breaches"))
        elif row["role"] == "admin":
            found.append(DemoAccount(row["email"], "admin", "everything, and the SLA's versions"))
    busiest = max(
        (r for r in people if r["role"] == "sales" and r["waiting"]), key=lambda r: r["waiting"], default=None
    )
    if busiest is not None:
        waiting = busiest["waiting"]
        why = f"my queue: {waiting} MQL{'' if waiting == 1 else 's'} waiting to be accepted or rejected"
        found.insert(1, DemoAccount(busiest["email"], "sales rep", why))
    return found


def packaged_sla_text() -> str:
    return files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8")


def run_demo(
    engine: Engine,
    *,
    leads: int = 5000,
    seed: int = 0,
    now: datetime,
    live_days: int = 28,
    progress: Progress | None = None,
) -> DemoSummary:
    """Simulate a year of ``leads`` leads ending at ``now`` (or at the end the first demo run chose) and
    store it through the ingest services, but for the leads of its last ``live_days``, which are played
    through the lifecycle engine. The database must be initialised (``init_database``)."""
    if now.tzinfo is None:
        raise ValueError(f"now must be an aware datetime, got {now.isoformat()}")
    if not 0 <= live_days < YEAR_DAYS:
        raise ValueError(f"live_days must be from 0 to {YEAR_DAYS - 1}, got {live_days}")
    report = progress or (lambda step, done, total: None)
    label = f"revbridge demo --seed {seed} --leads {leads}"
    with writing(engine).begin() as conn:
        first = queries.first_demo_run(conn)
        until = datetime.fromisoformat(first["until"]) if first and first.get("until") else now
        until = until.replace(microsecond=0)
        live_since = _live_since(first, until, live_days)
        kept = {"until": until.isoformat(), "live_since": live_since.isoformat()}
        run_id = queries.start_demo_run(conn, label, now, kept)

    text = packaged_sla_text()
    sla = load_sla(text, source="examples/sla.yaml")
    report("simulating", 0, leads)
    world = build_world(sla, leads=leads, seed=seed, until=until)
    report("simulating", leads, leads)

    history, live_part = split_world(world, live_since)
    version, applied = _ensure_sla(engine, text, world, sla.teams.marketing.lead, sla.teams.sales.lead, now)
    added = _load(engine, history, now, report)
    if added.get("touchpoints"):
        # The year's touchpoints are history: the leads' stages say what they did. Left to `score --all`,
        # they are not new for the worker, which would otherwise hand old leads to sales on its first round.
        leave_to_rescoring(engine, now)
    for kind, count in rebuild_clocks(engine).items():  # the history's, so compliance covers the year
        added[f"{kind} clocks"] = count
    live = run_live(engine, live_part, seed=seed, progress=report)
    give_passwords(engine, [u.email for u in world.users if u.email], DEMO_PASSWORD)
    if live.played_before:
        live = LiveCounts.recorded((first or {}).get("live"))
    with writing(engine).begin() as conn:
        tables = queries.count_rows(conn, TABLES)
        queries.finish_demo_run(conn, run_id, now, {**kept, **added, "live": live.as_dict()})
    return DemoSummary(
        seed=seed,
        leads=leads,
        since=world.since,
        until=world.until,
        sla_version=version,
        sla_applied=applied,
        funnel=funnel_figures(world),
        added=added,
        tables=tables,
        truth=world.truth.as_dict(),
        live_since=live_since if live_since < world.until else None,
        live=live,
    )


def _live_since(first: dict[str, Any] | None, until: datetime, live_days: int) -> datetime:
    """Where the live weeks start: where the first demo run started them; a database the demo filled
    before there were live weeks keeps its whole year as history."""
    if first is None:
        return until - timedelta(days=live_days)
    recorded = first.get("live_since")
    return datetime.fromisoformat(recorded) if recorded else until


def _ensure_sla(
    engine: Engine, text: str, world: World, marketing: str | None, sales: str | None, now: datetime
) -> tuple[int | None, bool]:
    """Apply the packaged SLA from the start of the simulated year, unless some version exists."""
    versions = list_sla_versions(engine)
    if versions:
        return versions[-1].version, False
    signed_by = {"marketing": marketing or "Maria Lopez", "sales": sales or "Sam Okafor"}
    version = apply_sla(
        engine, text, effective_from=world.since, signed_by=signed_by, now=now, source="examples/sla.yaml"
    )
    return version, True


def _batches(records: Sequence[T], size: int) -> list[Sequence[T]]:
    return [records[i : i + size] for i in range(0, len(records), size)]


def _load(engine: Engine, world: World, now: datetime, report: Progress) -> dict[str, int]:
    """Push the world through the services in dependency order; returns rows created per kind."""
    added: dict[str, int] = {}

    def step(name: str, records: Sequence[T], size: int, store: Callable[[Sequence[T]], int]) -> None:
        done = created = 0
        report(name, 0, len(records))
        for batch in _batches(records, size):
            created += store(batch)
            done += len(batch)
            report(name, done, len(records))
        added[name] = created

    step("users", world.users, len(world.users) or 1, lambda b: ingest_users(engine, b, now=now).created)
    step("quotas", world.quotas, len(world.quotas) or 1, lambda b: _stored(ingest_quotas(engine, b), "quotas"))
    step("accounts", world.accounts, _BATCH["accounts"], lambda b: ingest_accounts(engine, b, now=now).created)
    step("campaigns", world.campaigns, len(world.campaigns) or 1, lambda b: ingest_campaigns(engine, b).created)
    campaign_ids: dict[str, int] = {}
    step("spend", world.spend, _BATCH["spend"], lambda b: ingest_spend(engine, b, campaigns=campaign_ids).created)
    lead_ingestor = LeadIngestor(engine)
    step("leads", world.leads, _BATCH["leads"], lambda b: lead_ingestor.ingest(b, now=now).created)
    events = EventIngestor(engine)
    step("touchpoints", world.touchpoints, _BATCH["events"], lambda b: _events(events, b, now, "touchpoints"))
    step("activities", world.activities, _BATCH["events"], lambda b: _events(events, b, now, "activities"))
    step("verdicts", world.verdicts, _BATCH["verdicts"], lambda b: _stored(ingest_verdicts(engine, b), "verdicts"))
    opportunities = OpportunityIngestor(engine)
    step(
        "opportunities",
        world.opportunities,
        _BATCH["opportunities"],
        lambda b: opportunities.ingest(b, now=now).created,
    )
    return added


def _events(ingestor: EventIngestor, batch: Sequence[EventRecord], now: datetime, kind: str) -> int:
    result = ingestor.ingest(batch, now=now)
    if result.unresolved or result.leads_created:
        raise DemoIncomplete(kind, result.unresolved, len(result.unresolved) + result.leads_created)
    return result.counts.created


def _stored(result: HistoryResult, kind: str) -> int:
    if result.unresolved:
        raise DemoIncomplete(kind, result.unresolved, len(result.unresolved))
    return result.counts.created


def funnel_figures(world: World) -> dict[str, float]:
    """What the simulated year holds, as the summary shows it."""
    reached: dict[str, int] = {}
    for lead in world.leads:
        for entry in lead.stage_history:
            reached[entry.stage] = reached.get(entry.stage, 0) + 1
    won = [o for o in world.opportunities if o.won]
    return {
        "leads": len(world.leads),
        "touchpoints": len(world.touchpoints),
        "activities": len(world.activities),
        "mqls": reached.get("mql", 0),
        "sals": reached.get("sal", 0),
        "sqls": reached.get("sql", 0),
        "opportunities": len(world.opportunities),
        "won": len(won),
        "lost": sum(1 for o in world.opportunities if o.won is False),
        "revenue": round(sum(o.amount or 0.0 for o in won), 2),
        "spend": round(sum(s.amount for s in world.spend), 2),
    }
