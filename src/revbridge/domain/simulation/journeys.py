"""One lead's year: who they are, what they did, and how far through the funnel they got.

A lead arrives through a campaign, touches marketing before and after (page views, e-mails, a webinar,
a demo request), may become an MQL, gets sales' verdict in business hours, and if accepted gets calls
and e-mails, a discovery meeting, maybe an opportunity that is won or lost. Every chance comes from
``model.odds``; every moment is cut off at the end of the simulated year.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from revbridge.domain.durations import Duration
from revbridge.domain.history_records import VerdictRecord
from revbridge.domain.records import ActivityRecord, LeadRecord, OpportunityRecord, StageEntry, TouchpointRecord
from revbridge.domain.simulation import model
from revbridge.domain.simulation.catalogue import (
    ACCEPT_NOTES,
    DEAL_SPREAD,
    FIRST_NAMES,
    FREE_MAIL,
    LAST_NAMES,
    LOST_REASONS,
    PAGES,
    PRODUCT,
    REJECT_NOTES,
    SOURCE,
    TITLES,
    ChannelSpec,
)
from revbridge.domain.simulation.companies import Company, mailbox
from revbridge.domain.simulation.model import OnTime, Uniform
from revbridge.domain.simulation.staff import Staff, route
from revbridge.domain.simulation.worktime import WorkClock
from revbridge.domain.sla import Sla
from revbridge.domain.stages import DISQUALIFIED, NURTURE

DEFAULT_FIRST_TOUCH = Duration(1, "h", business=True)  # when the SLA sets no first-touch deadline
NURTURE_TOUCHES = ("email_open", "email_open", "email_click", "page_view", "page_view", "content_download")
_RATINGS: dict[tuple[str, str], tuple[tuple[int, ...], tuple[float, ...]]] = {
    ("accept", "high"): ((5, 4, 3), (0.5, 0.4, 0.1)),
    ("accept", "medium"): ((5, 4, 3, 2), (0.2, 0.45, 0.3, 0.05)),
    ("accept", "low"): ((4, 3, 2), (0.15, 0.5, 0.35)),
    ("reject", "disqualify"): ((1, 2), (0.7, 0.3)),
    ("reject", "recycle"): ((3, 2, 1), (0.3, 0.5, 0.2)),
}


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _days(value: float) -> timedelta:
    return timedelta(days=value)


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where and when a lead came in, and who they are."""

    channel: ChannelSpec
    campaign: str
    created: datetime
    session: datetime | None  # the webinar they registered for
    tier: str
    title_tier: str
    company: Company
    account_owner: str | None


@dataclass
class Journeys:
    """Simulates leads one by one, collecting every record they leave behind."""

    rng: random.Random
    sla: Sla
    clock: WorkClock
    staff: Staff
    seed: int
    since: datetime
    until: datetime
    reasons: dict[str, dict[str, float]]  # tier -> reason -> P(reason | rejected)
    nurture_campaigns: tuple[str, ...]
    meeting_type: str  # the activity that makes a SAL an SQL
    leads: list[LeadRecord] = field(default_factory=list)
    touchpoints: list[TouchpointRecord] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    verdicts: list[VerdictRecord] = field(default_factory=list)
    opportunities: list[OpportunityRecord] = field(default_factory=list)
    _emails: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        clocks = self.sla.clocks
        self._first_touch = clocks.first_touch_within or DEFAULT_FIRST_TOUCH
        self._attempts = clocks.attempts.count if clocks.attempts else 3
        self._actions = {name: reason.action for name, reason in self.sla.feedback.reasons.items()}
        self._labels = {
            name: reason.label or name.replace("_", " ") for name, reason in self.sla.feedback.reasons.items()
        }

    # -- the person ------------------------------------------------------------------------------------
    def _email(self, first: str, last: str, company: Company, tier: str) -> str:
        rng = self.rng
        free = rng.random() < {"high": 0.0, "medium": 0.03, "low": 0.06}[tier]
        local = mailbox(first, last)
        domain = rng.choice(FREE_MAIL) if free else company.domain
        email = f"{local}{rng.randrange(10, 9999)}@{domain}" if free else f"{local}@{domain}"
        number = 2
        while email in self._emails:
            user, _, domain = email.partition("@")
            email = f"{user.rstrip('0123456789')}{number}@{domain}"
            number += 1
        self._emails.add(email)
        return email

    # -- one lead --------------------------------------------------------------------------------------
    def add(self, number: int, arrival: Arrival) -> None:
        """Simulate one lead from its arrival to wherever it is when the year ends."""
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = self._email(first, last, arrival.company, arrival.tier)
        lead = _Lead(number, arrival, email, [StageEntry("lead", arrival.created)])
        trail = _Trail(self, f"s{self.seed}-L{number:06d}", email)
        self._before(trail, arrival)
        self._journey(lead, trail, model.odds(arrival.channel.name, arrival.tier))
        company = arrival.company
        self.leads.append(
            LeadRecord(
                source=SOURCE,
                external_id=trail.ext,
                email=email,
                first_name=first,
                last_name=last,
                company=company.name,
                job_title=rng.choice(TITLES[arrival.title_tier]),
                industry=company.industry,
                country=company.country.code,
                region=company.country.region,
                city=company.city,
                employees=company.employees,
                annual_revenue=company.annual_revenue,
                phone=_phone(rng, company) if rng.random() < 0.55 else None,
                lead_source=arrival.channel.name,
                campaign=arrival.campaign,
                owner=lead.owner,
                created_at=arrival.created,
                stage_history=tuple(lead.stages),
            )
        )

    def _journey(self, lead: _Lead, trail: _Trail, odds: model.StageOdds) -> None:
        """The funnel, step by step; each step returns when it becomes the lead's last by year end."""
        rng = self.rng
        created = lead.arrival.created
        if rng.random() >= odds.mql:
            self._engagement(trail, created, created + _days(rng.uniform(3, 120)), rng.randint(0, 4))
            if rng.random() < 0.04:
                trail.touch("unsubscribe", created + _days(rng.uniform(5, 150)), "email", None)
            return
        fast = rng.random() < model.FAST_MQL_SHARE
        delay = model.FAST_MQL_DAYS if fast else model.SLOW_MQL_DAYS
        mql_at = _second(created + _days(rng.uniform(delay.low, delay.high)))
        self._warm_up(trail, created, mql_at, fast)
        if not lead.enter("mql", mql_at, self.until):
            return
        lead.owner = route(self.sla, self.staff, lead.arrival.company, lead.arrival.account_owner)
        accepted = rng.random() < odds.accept
        verdict_at = _second(self.clock.after(mql_at, self.sla.clocks.accept_within, _on_time(rng, model.VERDICT)))
        if verdict_at >= self.until:
            return
        if not accepted:
            self._reject(lead, trail, mql_at, verdict_at)
            return
        self._accept(lead, verdict_at)
        lead.enter("sal", verdict_at, self.until)
        self._follow_up(trail, lead.owner, verdict_at)
        if rng.random() >= odds.sql:
            self._stall(lead, verdict_at, model.SAL_STALL_DAYS)
            return
        sql_at = _second(verdict_at + _days(rng.uniform(model.SAL_TO_SQL_DAYS.low, model.SAL_TO_SQL_DAYS.high)))
        meeting_at = self.clock.next_open(sql_at - _days(1))
        if meeting_at >= sql_at:
            meeting_at = sql_at - timedelta(hours=rng.uniform(1, 4))
        trail.act(self.meeting_type, meeting_at, lead.owner, "held")
        if not lead.enter("sql", sql_at, self.until):
            return
        if rng.random() >= odds.opportunity:
            self._stall(lead, sql_at, model.SQL_STALL_DAYS)
            return
        self._deal(lead, trail, sql_at, odds.win)

    def _deal(self, lead: _Lead, trail: _Trail, sql_at: datetime, win: float) -> None:
        """An opportunity, owned by an account executive, won or lost after its sales cycle."""
        rng = self.rng
        delay = model.SQL_TO_OPPORTUNITY_DAYS
        opened_at = _second(sql_at + _days(rng.uniform(delay.low, delay.high)))
        owner = lead.owner
        executive = owner if owner in self.staff.account_executives else self.staff.next_account_executive()
        won = rng.random() < win
        company = lead.arrival.company
        band = company.band
        amount = round(band.mean_deal * math.exp(rng.gauss(0, DEAL_SPREAD) - DEAL_SPREAD**2 / 2), -2)
        cycle = rng.uniform(*band.cycle_days)
        closed_at = _second(opened_at + _days(cycle))
        lost_reason = None if won else rng.choices([r for r, _ in LOST_REASONS], [w for _, w in LOST_REASONS])[0]
        if not lead.enter("opportunity", opened_at, self.until):
            return
        lead.owner = executive
        self._deal_activities(trail, executive, opened_at, closed_at, cycle)
        closed = lead.enter("customer" if won else NURTURE, closed_at, self.until)
        self.opportunities.append(
            OpportunityRecord(
                source=SOURCE,
                external_id=f"s{self.seed}-O{lead.number:06d}",
                name=f"{company.name} – {band.plan}",
                account=company.name,
                amount=amount,
                stage=("closed_won" if won else "closed_lost") if closed else _open_stage(opened_at, cycle, self.until),
                created_at=opened_at,
                closed_at=closed_at if closed else None,
                won=won if closed else None,
                lost_reason=lost_reason if closed else None,
                owner=executive,
                product=f"{PRODUCT} {band.plan}",
                contact_emails=(lead.email,),
            )
        )

    # -- marketing's side ------------------------------------------------------------------------------
    def _before(self, trail: _Trail, arrival: Arrival) -> None:
        """What the person did up to becoming a lead: visits, an ad or e-mail click, the conversion."""
        rng = self.rng
        created = arrival.created
        channel = arrival.channel
        browse = channel.name if channel.name in ("organic_search", "direct", "referral") else "direct"
        for _ in range(rng.randint(0, 3)):
            at = created - _days(rng.uniform(0.05, 21))
            trail.touch("page_view", at, browse, None, {"path": rng.choice(PAGES)})
        if channel.pre_touch != "page_view":
            at = created - timedelta(minutes=rng.uniform(1, 30))
            trail.touch(channel.pre_touch, at, channel.name, arrival.campaign)
        trail.touch(channel.conversion, created, channel.name, arrival.campaign)
        if arrival.session is not None and arrival.session > created and rng.random() < 0.55:
            trail.touch("webinar_attended", arrival.session, channel.name, arrival.campaign)

    def _engagement(self, trail: _Trail, start: datetime, end: datetime, count: int) -> None:
        rng = self.rng
        span = (end - start).total_seconds()
        for _ in range(count):
            at = start + timedelta(seconds=rng.uniform(0, span))
            kind = rng.choice(NURTURE_TOUCHES)
            if kind.startswith("email"):
                trail.touch(kind, at, "email", rng.choice(self.nurture_campaigns))
            elif kind == "page_view":
                trail.touch(kind, at, "direct", None, {"path": rng.choice(PAGES)})
            else:
                trail.touch(kind, at, "organic_search", None)

    def _warm_up(self, trail: _Trail, created: datetime, mql_at: datetime, fast: bool) -> None:
        """Engagement that earns the MQL: a demo request, or pricing pages and a download."""
        rng = self.rng
        if not fast:
            self._engagement(trail, created, mql_at - timedelta(hours=2), rng.randint(2, 6))
        if fast or rng.random() < 0.5:
            trail.touch("demo_request", mql_at - timedelta(minutes=rng.uniform(1, 25)), "direct", None)
            return
        lead_time = (mql_at - created).total_seconds()
        for hours in sorted((rng.uniform(2, 48), rng.uniform(2, 48)), reverse=True):
            at = mql_at - timedelta(seconds=min(hours * 3600, 0.9 * lead_time))
            trail.touch("pricing_page_view", at, "direct", None)
        trail.touch("content_download", mql_at - timedelta(minutes=rng.uniform(5, 60)), "organic_search", None)

    # -- sales' side -----------------------------------------------------------------------------------
    def _reject(self, lead: _Lead, trail: _Trail, mql_at: datetime, at: datetime) -> None:
        """A rejection with a reason from the SLA's list; the reason's action decides where the lead goes."""
        rng = self.rng
        chances = self.reasons[lead.arrival.tier]
        reason = rng.choices(list(chances), list(chances.values()))[0]
        action = self._actions[reason]
        ratings, weights = _RATINGS[("reject", action)]
        note = None
        if rng.random() < 0.45:
            note = f"{self._labels[reason]}." if rng.random() < 0.6 else rng.choice(REJECT_NOTES)
        if rng.random() < 0.4:
            call_at = max(mql_at + timedelta(minutes=1), at - timedelta(minutes=rng.uniform(5, 45)))
            trail.act("call", call_at, lead.owner, "connected")
        rating = rng.choices(ratings, weights)[0]
        self.verdicts.append(VerdictRecord(lead.email, "reject", at, reason, rating, note, lead.owner))
        lead.enter(NURTURE if action == "recycle" else DISQUALIFIED, at, self.until)
        if action == "recycle":  # still on the newsletter
            self._engagement(trail, at, at + _days(rng.uniform(20, 90)), rng.randint(0, 3))

    def _accept(self, lead: _Lead, at: datetime) -> None:
        rng = self.rng
        ratings, weights = _RATINGS[("accept", lead.arrival.tier)]
        note = rng.choice(ACCEPT_NOTES) if rng.random() < 0.3 else None
        rating = rng.choices(ratings, weights)[0]
        self.verdicts.append(VerdictRecord(lead.email, "accept", at, None, rating, note, lead.owner))

    def _follow_up(self, trail: _Trail, owner: str | None, accepted_at: datetime) -> None:
        """The first touch, then attempts until the lead picks up."""
        rng = self.rng
        at = self.clock.after(accepted_at, self._first_touch, _on_time(rng, model.FIRST_TOUCH))
        for _ in range(self._attempts + rng.randint(0, 2)):
            if rng.random() < 0.6:
                outcome = rng.choices(("connected", "voicemail", "no_answer"), (0.3, 0.4, 0.3))[0]
                trail.act("call", at, owner, outcome)
                if outcome == "connected":
                    return
            else:
                trail.act("email", at, owner, "replied" if rng.random() < 0.15 else "sent")
            at = self.clock.add(at, rng.uniform(2, 14))

    def _stall(self, lead: _Lead, since: datetime, delay: Uniform) -> None:
        """A SAL or SQL that goes nowhere: recycled to nurture, or now and then disqualified."""
        rng = self.rng
        at = _second(since + _days(rng.uniform(delay.low, delay.high)))
        lead.enter(DISQUALIFIED if rng.random() < model.STALLED_DISQUALIFIED else NURTURE, at, self.until)

    def _deal_activities(
        self, trail: _Trail, executive: str, opened_at: datetime, closed_at: datetime, cycle: float
    ) -> None:
        rng = self.rng
        for offset in sorted(rng.uniform(0, cycle) for _ in range(rng.randint(2, 6))):
            at = self.clock.next_open(opened_at + _days(offset))
            if at >= closed_at:
                continue
            kind = rng.choices(("meeting", "email", "call"), (0.4, 0.35, 0.25))[0]
            trail.act(kind, at, executive, {"meeting": "held", "email": "sent", "call": "connected"}[kind])


@dataclass
class _Lead:
    """Where one lead's journey stands while it is simulated."""

    number: int
    arrival: Arrival
    email: str
    stages: list[StageEntry]
    owner: str | None = None

    def enter(self, stage: str, at: datetime, until: datetime) -> bool:
        """Record entering ``stage`` at ``at``, unless the year ends first; whether it did."""
        if at >= until:
            return False
        self.stages.append(StageEntry(stage, at))
        return True


class _Trail:
    """Appends one lead's touchpoints and activities, numbered, inside the simulated year."""

    __slots__ = ("_acts", "_journeys", "_touches", "email", "ext")

    def __init__(self, journeys: Journeys, ext: str, email: str) -> None:
        self._journeys = journeys
        self.ext = ext
        self.email = email
        self._touches = 0
        self._acts = 0

    def touch(
        self,
        kind: str,
        at: datetime,
        channel: str | None,
        campaign: str | None,
        properties: dict[str, Any] | None = None,
    ) -> None:
        j = self._journeys
        if not j.since <= at < j.until:
            return
        self._touches += 1
        j.touchpoints.append(
            TouchpointRecord(
                source=SOURCE,
                external_id=f"{self.ext}-t{self._touches}",
                type=kind,
                occurred_at=_second(at),
                lead_email=self.email,
                channel=channel,
                campaign=campaign,
                properties=properties or {},
            )
        )

    def act(self, kind: str, at: datetime, user: str | None, outcome: str) -> None:
        j = self._journeys
        if not j.since <= at < j.until:
            return
        self._acts += 1
        j.activities.append(
            ActivityRecord(
                source=SOURCE,
                external_id=f"{self.ext}-a{self._acts}",
                type=kind,
                occurred_at=_second(at),
                lead_email=self.email,
                user=user,
                outcome=outcome,
            )
        )


def _on_time(rng: random.Random, delay: OnTime) -> float:
    part = delay.early if rng.random() < delay.share else delay.late
    return rng.uniform(part.low, part.high)


def _open_stage(opened_at: datetime, cycle: float, until: datetime) -> str:
    progress = (until - opened_at).total_seconds() / 86400 / cycle
    return "discovery" if progress < 0.3 else "proposal" if progress < 0.7 else "negotiation"


def _phone(rng: random.Random, company: Company) -> str:
    return f"{company.country.dial} 555 {rng.randrange(1000, 9999)} {rng.randrange(100, 999)}"
