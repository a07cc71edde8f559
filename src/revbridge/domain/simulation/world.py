"""A simulated year of a B2B software company, as the plain records our importers produce.

``build_world(sla, leads=5000, seed=0, until=now)`` is pure and deterministic: the same SLA, size,
seed and end give the same world, record for record. The year is the 365 days before ``until``.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from revbridge.domain.errors import InvalidInput
from revbridge.domain.history_records import CampaignRecord, QuotaRecord, VerdictRecord
from revbridge.domain.records import (
    AccountRecord,
    ActivityRecord,
    LeadRecord,
    OpportunityRecord,
    SpendRecord,
    TouchpointRecord,
    UserRecord,
)
from revbridge.domain.simulation import model
from revbridge.domain.simulation.catalogue import (
    CHANNELS,
    MONTH_FACTOR,
    SIZE_BANDS,
    SOURCE,
    TIERS,
    WEEKDAY_FACTOR,
    CampaignSpec,
    ChannelSpec,
)
from revbridge.domain.simulation.companies import Pool, Targets, account_record, make_pools
from revbridge.domain.simulation.journeys import Arrival, Journeys
from revbridge.domain.simulation.staff import Staff, build_staff, matches_territory
from revbridge.domain.simulation.truth import Cell, Truth, funnel_truth, grouped, reason_shares
from revbridge.domain.simulation.worktime import WorkClock
from revbridge.domain.sla import Sla
from revbridge.domain.stages import DISQUALIFIED, NURTURE

YEAR_DAYS = 365
LEADS_PER_ACCOUNT = 4
_FUNNEL = ("lead", "mql", "sal", "sql", "opportunity", "customer")
_MOVES = (
    ("lead", "mql"),
    ("mql", "sal"),
    ("mql", NURTURE),
    ("mql", DISQUALIFIED),
    ("sal", "sql"),
    ("sal", NURTURE),
    ("sal", DISQUALIFIED),
    ("sql", "opportunity"),
    ("sql", NURTURE),
    ("sql", DISQUALIFIED),
    ("opportunity", "customer"),
    ("opportunity", NURTURE),
)
# When people fill in forms, in UTC hours: (low, high, mode) per region.
_HOURS: dict[str, tuple[float, float, float]] = {
    "NA": (12.0, 24.0, 17.0),
    "EMEA": (6.0, 19.0, 11.0),
    "APAC": (0.0, 12.0, 5.0),
    "LATAM": (11.0, 24.0, 16.0),
}


class SlaUnfitForDemo(InvalidInput):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "the demo simulates the funnel lead → mql → sal → sql → opportunity → customer, but the SLA "
            f"{'; '.join(problems)}. Run the demo with the packaged SLA (examples/sla.yaml)"
        )


@dataclass(frozen=True, slots=True)
class World:
    """Everything the simulated company's tools would export about its year."""

    seed: int
    since: datetime
    until: datetime
    users: list[UserRecord]
    quotas: list[QuotaRecord]
    accounts: list[AccountRecord]
    campaigns: list[CampaignRecord]
    spend: list[SpendRecord]
    leads: list[LeadRecord]
    touchpoints: list[TouchpointRecord]
    activities: list[ActivityRecord]
    verdicts: list[VerdictRecord]
    opportunities: list[OpportunityRecord]
    truth: Truth


def check_funnel(sla: Sla) -> None:
    """Raise ``SlaUnfitForDemo`` unless the SLA has the stages and moves the simulation uses."""
    problems = [f"has no stage {stage!r}" for stage in _FUNNEL if stage not in sla.stage_order]
    if not problems:
        problems = [f"does not allow {a} → {b}" for a, b in _MOVES if not sla.allowed(a, b)]
    if problems:
        raise SlaUnfitForDemo(problems)


# --- when leads arrive --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Slot:
    channel: ChannelSpec
    campaign: CampaignSpec
    day: int  # days after ``since``
    session: int | None  # the day of the webinar a registration is for


class Schedule:
    """Every (campaign, day) a lead can arrive on, weighted by campaign size, season and weekday."""

    def __init__(self, since: datetime, until: datetime) -> None:
        self.since = since
        self.until = until
        first = since.date()
        days = [first + timedelta(days=d) for d in range(YEAR_DAYS)]
        season = [MONTH_FACTOR[d.month - 1] * WEEKDAY_FACTOR[d.weekday()] for d in days]
        self.slots: list[_Slot] = []
        self.weights: list[float] = []
        for channel in CHANNELS:
            for campaign in channel.campaigns:
                for day, session in _active_days(campaign, first):
                    self.slots.append(_Slot(channel, campaign, day, session))
                    self.weights.append(channel.volume * campaign.weight * season[day])
        self._cumulative = list(accumulate(self.weights))
        self.total = self._cumulative[-1]

    def draw(self, rng: random.Random) -> _Slot:
        return self.slots[bisect(self._cumulative, rng.random() * self.total)]

    def shares(self) -> dict[str, float]:
        """P(channel) for one lead."""
        out = {c.name: 0.0 for c in CHANNELS}
        for slot, weight in zip(self.slots, self.weights, strict=True):
            out[slot.channel.name] += weight / self.total
        return out

    def spend(self, rng: random.Random, leads: int) -> list[SpendRecord]:
        """Media spend per paid campaign and day, in proportion to the leads it is expected to bring."""
        out: list[SpendRecord] = []
        for slot, weight in zip(self.slots, self.weights, strict=True):
            if slot.channel.cost_per_lead <= 0:
                continue
            expected = leads * weight / self.total
            amount = round(expected * slot.channel.cost_per_lead * rng.uniform(0.75, 1.25), 2)
            if amount > 0:
                day = self.since.date() + timedelta(days=slot.day)
                out.append(SpendRecord(slot.campaign.name, day, amount, slot.channel.name, SOURCE))
        return out


def _active_days(campaign: CampaignSpec, first: date) -> list[tuple[int, int | None]]:
    """(day, session day) for each day of the year the campaign runs."""
    if not campaign.windows:
        return [(d, None) for d in range(YEAR_DAYS)]
    out: list[tuple[int, int | None]] = []
    for month, day, length in campaign.windows:
        for year in (first.year, first.year + 1):
            anchor = (date(year, month, day) - first).days
            start = anchor - length + 1 if campaign.ends_on_date else anchor
            session = anchor if campaign.ends_on_date else None
            out.extend((d, session) for d in range(max(start, 0), min(start + length, YEAR_DAYS)) if anchor >= 0)
    return sorted(set(out), key=lambda pair: pair[0])


# --- the year -----------------------------------------------------------------------------------------


def build_world(sla: Sla, *, leads: int, seed: int, until: datetime) -> World:
    """The simulated year ending at ``until`` (aware), with ``leads`` leads, deterministic for ``seed``."""
    if leads < 1:
        raise ValueError(f"leads must be at least 1, got {leads}")
    if until.tzinfo is None:
        raise ValueError(f"until must be an aware datetime, got {until.isoformat()}")
    check_funnel(sla)
    until = until.astimezone(UTC).replace(microsecond=0)
    since = until - timedelta(days=YEAR_DAYS)
    rng = random.Random(seed)
    staff = build_staff(sla)
    pools = make_pools(rng, max(30, leads // LEADS_PER_ACCOUNT), Targets.from_sla(sla))
    owners = _account_owners(sla, staff, pools)
    schedule = Schedule(since, until)
    clock = WorkClock(sla.clocks, range(since.year, until.year + 2))
    reasons = model.reason_chances({n: r.action for n, r in sla.feedback.reasons.items()}, TIERS)
    email = next(c for c in CHANNELS if c.name == "email")
    journeys = Journeys(
        rng=rng,
        sla=sla,
        clock=clock,
        staff=staff,
        seed=seed,
        since=since,
        until=until,
        reasons=reasons,
        nurture_campaigns=tuple(c.name for c in email.campaigns if not c.windows),
        meeting_type=sla.qualification.sql.requires_activity or "meeting",
    )
    for number, arrival in enumerate(_arrivals(rng, schedule, pools, owners, leads), start=1):
        journeys.add(number, arrival)

    spend = schedule.spend(rng, leads)
    truth = _truth(sla, clock, schedule, pools, reasons, seed=seed, leads=leads, since=since, until=until)
    accounts = [account_record(c, owners.get(c.name)) for pool in pools.values() for c in pool.companies]
    accounts.sort(key=lambda a: a.name)
    return World(
        seed=seed,
        since=since,
        until=until,
        users=staff.users,
        quotas=_quotas(staff, truth, leads, since, until),
        accounts=accounts,
        campaigns=[CampaignRecord(k.name, c.name) for c in CHANNELS for k in c.campaigns],
        spend=spend,
        leads=journeys.leads,
        touchpoints=sorted(journeys.touchpoints, key=lambda t: t.occurred_at),
        activities=sorted(journeys.activities, key=lambda a: a.occurred_at),
        verdicts=sorted(journeys.verdicts, key=lambda v: v.at),
        opportunities=sorted(journeys.opportunities, key=lambda o: o.created_at or until),
        truth=truth,
    )


def _arrivals(
    rng: random.Random, schedule: Schedule, pools: dict[str, Pool], owners: dict[str, str], leads: int
) -> list[Arrival]:
    """Every lead's arrival, in time order (so lead numbers and round robins follow the calendar)."""
    out: list[Arrival] = []
    for _ in range(leads):
        slot = schedule.draw(rng)
        channel = slot.channel
        tier = rng.choices(TIERS, channel.tier_mix)[0]
        sources = model.TIER_SOURCES[tier]
        pool, title_tier, _ = rng.choices(sources, [p for _, _, p in sources])[0]
        company = pools[pool].draw(rng)
        low, high, mode = _HOURS.get(company.country.region, (0.0, 24.0, 12.0))
        midnight = datetime.combine(schedule.since.date(), time(0), UTC)
        created = midnight + timedelta(days=slot.day, hours=rng.triangular(low, high, mode))
        created = min(max(created, schedule.since), schedule.until - timedelta(seconds=1)).replace(microsecond=0)
        session = None
        if slot.session is not None:
            session = midnight + timedelta(days=slot.session, hours=16)
        out.append(
            Arrival(channel, slot.campaign.name, created, session, tier, title_tier, company, owners.get(company.name))
        )
    out.sort(key=lambda a: a.created)
    return out


def _account_owners(sla: Sla, staff: Staff, pools: dict[str, Pool]) -> dict[str, str]:
    """Named accounts: each well-fitting company has an AE of its territory as owner."""
    owners: dict[str, str] = {}
    for index, company in enumerate(pools["high"].companies):
        for territory in sla.routing.territories:
            members = staff.teams.get(territory.assign_to.name, []) if territory.assign_to.kind == "team" else []
            if members and set(members) <= set(staff.account_executives) and matches_territory(territory, company):
                owners[company.name] = members[index % len(members)]
                break
    return owners


def _quotas(staff: Staff, truth: Truth, leads: int, since: datetime, until: datetime) -> list[QuotaRecord]:
    """Quarterly bookings quotas for the AEs: a little above what the funnel should bring each."""
    if not staff.account_executives:
        return []
    yearly = leads * truth.overall.lead_to_customer * truth.overall.mean_deal_size
    amount = max(10_000.0, round(yearly / 4 / len(staff.account_executives) * 1.15, -3))
    out: list[QuotaRecord] = []
    start = date(since.year, 3 * ((since.month - 1) // 3) + 1, 1)
    while start < until.date():
        end_month = start.month + 3
        next_start = date(start.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
        for email in staff.account_executives:
            out.append(QuotaRecord(email, start, next_start - timedelta(days=1), amount))
        start = next_start
    return out


def _truth(
    sla: Sla,
    clock: WorkClock,
    schedule: Schedule,
    pools: dict[str, Pool],
    reasons: dict[str, dict[str, float]],
    *,
    seed: int,
    leads: int,
    since: datetime,
    until: datetime,
) -> Truth:
    shares = schedule.shares()
    tier_deal: dict[str, float] = {}
    tier_cycle: dict[str, float] = {}
    for tier in TIERS:
        sources = model.TIER_SOURCES[tier]
        tier_deal[tier] = sum(p * pools[pool].mean("deal") for pool, _, p in sources)
        tier_cycle[tier] = sum(p * pools[pool].mean("cycle") for pool, _, p in sources)
    cells = [
        Cell(
            channel=channel.name,
            tier=tier,
            weight=shares[channel.name] * mix,
            odds=model.odds(channel.name, tier),
            mean_deal=tier_deal[tier],
            mean_cycle=tier_cycle[tier],
            cost_per_lead=channel.cost_per_lead,
        )
        for channel in CHANNELS
        for tier, mix in zip(TIERS, channel.tier_mix, strict=True)
    ]
    accept_within = sla.clocks.accept_within
    deadline_hours = (
        accept_within.days * clock.day_hours
        if accept_within.business and accept_within.in_days
        else accept_within.hours
    )
    longest_verdict = deadline_hours * model.VERDICT.late.high
    if accept_within.business:  # business hours → calendar days, across weekends and holidays
        longest_verdict_days = longest_verdict / clock.day_hours * 7 / len(clock.days) + 5
    else:
        longest_verdict_days = longest_verdict / 24
    return Truth(
        seed=seed,
        leads=leads,
        since=since,
        until=until,
        settled_after_days=model.settled_after_days(max(b.cycle_days[1] for b in SIZE_BANDS), longest_verdict_days),
        overall=funnel_truth(cells, 1.0),
        channels=grouped(cells, lambda c: c.channel, [c.name for c in CHANNELS]),
        tiers=grouped(cells, lambda c: c.tier, TIERS),
        rejection_reasons=reason_shares(cells, reasons),
        verdicts_on_time=model.VERDICT.share,
        first_touch_on_time=model.FIRST_TOUCH.share if sla.clocks.first_touch_within else None,
        mean_days_to_mql=model.mean_days_to_mql(),
        mean_hours_to_verdict=model.VERDICT.mean_fraction * deadline_hours,
        mean_days_sal_to_sql=model.SAL_TO_SQL_DAYS.mean,
        mean_days_sql_to_opportunity=model.SQL_TO_OPPORTUNITY_DAYS.mean,
    )
