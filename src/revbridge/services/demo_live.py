"""The demo's last weeks, played through the lifecycle engine in simulated time.

``run_demo`` imports the simulated year as finished facts, all but the leads that arrive in its last
``live_days``: those are played here, in order of simulated time. Each lead is created when it arrives
(``LeadIngestor``) and scored for fit; each of its touchpoints goes through ``scoring.add_touchpoint``, so
the engine's scoring makes the MQLs, routes them to reps and starts their accept clocks. The simulated reps
(``domain.simulation.queue_work``) work their queues: when a rep's moment comes they accept or reject
(``lifecycle.handle`` with the verdict's feedback), and after an acceptance they call and e-mail (an
``ActivityLogged`` for the clocks, and the activity itself through ``EventIngestor``). Reps are marked away on
the days they are away, so that routing passes them over. The clocks tick every simulated hour and at each
deadline the loop knows of, breaching what was missed and escalating it, with notifications in the outbox.

The live weeks are played once: if any of their leads is already stored, an earlier run played them.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from itertools import count
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.domain.durations import Duration
from revbridge.domain.lifecycle import MQL, Accepted, ActivityLogged, Event, LeadState, Rejected
from revbridge.domain.records import ActivityRecord, LeadRecord, StageEntry, TouchpointRecord
from revbridge.domain.simulation import World
from revbridge.domain.simulation import queue_work as work
from revbridge.domain.simulation.companies import Targets
from revbridge.services.clocks import tick
from revbridge.services.contract import Contract, contract_at
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.ingest_leads import LeadIngestor
from revbridge.services.lifecycle import handle, read_state
from revbridge.services.people import People
from revbridge.services.scoring import add_touchpoint
from revbridge.store import history_queries
from revbridge.store import live_demo_queries as queries
from revbridge.store import repositories as repo
from revbridge.store.engine import writing
from revbridge.store.live_demo_queries import AcceptClock

Progress = Callable[[str, int, int], None]  # (step, done, total)
Action = Callable[[datetime], None]
DEFAULT_FIRST_TOUCH = Duration(1, "h", business=True)  # when the SLA sets no first-touch deadline
DEFAULT_ATTEMPTS = 3
STEP = timedelta(hours=1)
# What happens first when several things fall on one moment: a lead arrives before its touchpoints, and
# people act before the clock ticks (a verdict given at its deadline is on time).
_ARRIVE, _TOUCH, _WORK, _TICK = 0, 1, 2, 3


@dataclass
class LiveCounts:
    """What the live weeks brought; with ``played_before``, what an earlier run's live weeks brought."""

    leads: int = 0
    touchpoints: int = 0
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    activities: int = 0
    breaches: int = 0
    escalations: int = 0
    notifications: int = 0
    played_before: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def recorded(cls, data: dict[str, Any] | None) -> LiveCounts:
        """The counts a run log kept, marked as played before."""
        known = {k: int(v) for k, v in (data or {}).items() if k in cls.__dataclass_fields__ and k != "played_before"}
        return cls(**known, played_before=True)

    @property
    def added_anything(self) -> bool:
        return not self.played_before and any(v for k, v in self.as_dict().items() if k != "played_before")


@dataclass(frozen=True)
class LivePart:
    """The leads to play live, and their touchpoints in time order."""

    since: datetime
    until: datetime
    leads: list[LeadRecord]
    touchpoints: list[TouchpointRecord]


def split_world(world: World, since: datetime) -> tuple[World, LivePart]:
    """The history to import (every record of the leads that arrived before ``since``) and the leads that
    arrive from ``since`` on, with their touchpoints, to play live. Their simulated activities, verdicts
    and deals are left out: the engine and the simulated reps decide those."""
    live = [lead for lead in world.leads if lead.created_at is not None and lead.created_at >= since]
    emails = {lead.email for lead in live}
    history = replace(
        world,
        leads=[lead for lead in world.leads if lead.email not in emails],
        touchpoints=[t for t in world.touchpoints if t.lead_email not in emails],
        activities=[a for a in world.activities if a.lead_email not in emails],
        verdicts=[v for v in world.verdicts if v.lead_email not in emails],
        opportunities=[
            o for o in world.opportunities if not (o.contact_emails and emails.issuperset(o.contact_emails))
        ],
    )
    touchpoints = sorted((t for t in world.touchpoints if t.lead_email in emails), key=lambda t: t.occurred_at)
    return history, LivePart(since, world.until, live, touchpoints)


def run_live(engine: Engine, part: LivePart, *, seed: int, progress: Progress | None = None) -> LiveCounts:
    """Play the live leads through the engine from ``part.since`` to ``part.until``, unless an earlier run
    did (then ``LiveCounts(played_before=True)``, all zero)."""
    if not part.leads or part.since >= part.until:
        return LiveCounts()
    with engine.connect() as conn:
        if repo.find_lead_ids_by_external_id(conn, [(lead.source, lead.external_id) for lead in part.leads]):
            return LiveCounts(played_before=True)
    contract = contract_at(engine, part.since)
    return _LiveWeeks(engine, contract, part, seed, progress or (lambda step, done, total: None)).play()


class _Moved(Exception):
    """The lead is no longer where the simulated rep saw it (reassigned, answered): the rep lets it be."""


class _LiveWeeks:
    """The discrete-event loop: an agenda of (moment, order, sequence, action), played in time order."""

    def __init__(self, engine: Engine, contract: Contract, part: LivePart, seed: int, report: Progress) -> None:
        self.engine = engine
        self.contract = contract
        self.part = part
        self.seed = seed
        self.report = report
        self.counts = LiveCounts()
        self.agenda: list[tuple[datetime, int, int, Action]] = []
        self._sequence = count()
        self.lead_ingestor = LeadIngestor(engine)
        self.event_ingestor = EventIngestor(engine)
        self.targets = Targets.from_sla(contract.sla)
        self.leads: dict[int, tuple[LeadRecord, work.LeadTruth]] = {}
        self.touches: dict[str | None, list[TouchpointRecord]] = {}
        for touchpoint in part.touchpoints:
            self.touches.setdefault(touchpoint.lead_email, []).append(touchpoint)
        self.planned: set[int] = set()  # accept clocks a verdict is on the way for
        self.rounds: dict[int, int] = {}  # verdicts planned per lead (a reassigned lead gets another)
        self.busy: dict[int, datetime] = {}  # each rep's latest verdict in queue order (not those put aside)
        self.ticked: set[datetime] = set()
        self.away: set[int] = set()
        self.day: date | None = None
        with engine.connect() as conn:
            reps = sorted(People.load(conn).reps(), key=lambda rep: rep.id)
            names = sorted({t.campaign for t in part.touchpoints if t.campaign})
            self.campaigns = {name: ids[0] for name, ids in history_queries.find_campaigns(conn, names).items()}
        profiles = work.rep_profiles(len(reps), seed)
        self.reps = {rep.id: (rep.email, profile) for rep, profile in zip(reps, profiles, strict=True)}
        clocks = contract.sla.clocks
        self.first_touch = clocks.first_touch_within or DEFAULT_FIRST_TOUCH
        self.attempts = clocks.attempts.count if clocks.attempts else DEFAULT_ATTEMPTS

    # -- the loop --------------------------------------------------------------------------------------
    def play(self) -> LiveCounts:
        since, until = self.part.since, self.part.until
        for lead in self.part.leads:
            assert lead.created_at is not None
            self._schedule(lead.created_at, _ARRIVE, partial(self._arrive, lead))
        hours = max(1, -(-(until - since) // STEP))
        for hour in range(1, hours + 1):
            self._schedule(min(since + hour * STEP, until), _TICK, partial(self._hour, hour, hours))
        self._new_day(since)
        try:
            while self.agenda:
                at, _, _, action = heapq.heappop(self.agenda)
                if at > until:
                    break
                action(at)
        finally:
            with writing(self.engine).begin() as conn:
                queries.set_away(conn, self.away, False)
        return self.counts

    def _schedule(self, at: datetime, order: int, action: Action) -> None:
        heapq.heappush(self.agenda, (at, order, next(self._sequence), action))

    def _hour(self, hour: int, hours: int, at: datetime) -> None:
        self._new_day(at)
        self._tick(at)
        self.report("live", hour, hours)

    def _new_day(self, at: datetime) -> None:
        """Mark who is away today, so that routing passes them over."""
        day = at.astimezone(self.contract.clock.zone).date()
        if day == self.day:
            return
        self.day = day
        away = {rep_id for rep_id, (_, profile) in self.reps.items() if work.is_away(profile, day)}
        with writing(self.engine).begin() as conn:
            queries.set_away(conn, self.away - away, False)
            queries.set_away(conn, away - self.away, True)
        self.away = away

    def _tick(self, at: datetime) -> None:
        if at in self.ticked:
            return
        self.ticked.add(at)
        done = tick(self.engine, now=at, contract=self.contract)
        self.counts.breaches += done.breached
        self.counts.escalations += done.escalated
        self.counts.notifications += done.notifications
        self._collect(at)

    # -- marketing's side ------------------------------------------------------------------------------
    def _arrive(self, record: LeadRecord, at: datetime) -> None:
        """The lead is created as it arrives, with nothing but its arrival in its history (the ingestion
        gives it its fit)."""
        fresh = replace(record, owner=None, stage=None, stage_history=(StageEntry("lead", at),))
        self.lead_ingestor.ingest([fresh], now=at)
        key = (record.source, record.external_id)
        with self.engine.connect() as conn:
            lead_id = repo.find_lead_ids_by_external_id(conn, [key])[key]
        self.leads[lead_id] = (record, work.lead_truth(record, self.targets))
        self.counts.leads += 1
        for touchpoint in self.touches.get(record.email, []):
            self._schedule(max(touchpoint.occurred_at, at), _TOUCH, partial(self._touch, lead_id, touchpoint))

    def _touch(self, lead_id: int, touchpoint: TouchpointRecord, at: datetime) -> None:
        outcome = add_touchpoint(
            self.engine,
            lead_id=lead_id,
            kind=touchpoint.type,
            occurred_at=touchpoint.occurred_at,
            source=touchpoint.source,
            external_id=touchpoint.external_id,
            contract=self.contract,
            channel=touchpoint.channel,
            campaign_id=self.campaigns.get(touchpoint.campaign) if touchpoint.campaign else None,
            now=at,
        )
        self.counts.touchpoints += int(outcome.stored)
        moved = outcome.lifecycle
        if moved is not None and moved.decision.stage == MQL:
            self.counts.mqls += 1
            self.counts.notifications += moved.notifications
            self._collect(at)

    # -- sales' side -----------------------------------------------------------------------------------
    def _collect(self, at: datetime) -> None:
        """Every MQL newly in a rep's queue gets that rep's verdict planned, and its deadline a tick."""
        with self.engine.connect() as conn:
            waiting = queries.open_accept_clocks(conn)
        for clock in waiting:
            if clock.obligation_id in self.planned or clock.lead_id not in self.leads:
                continue
            self.planned.add(clock.obligation_id)
            self._schedule(clock.due_at, _TICK, self._tick)
            if clock.owner_id in self.reps:
                self._plan_verdict(clock, at)

    def _plan_verdict(self, clock: AcceptClock, at: datetime) -> None:
        record, truth = self.leads[clock.lead_id]
        _, profile = self.reps[clock.owner_id]
        round_ = self.rounds[clock.lead_id] = self.rounds.get(clock.lead_id, 0) + 1
        answer = work.verdict(
            profile,
            truth,
            seen_at=at,
            busy_until=self.busy.get(clock.owner_id),
            clock=self.contract.clock,
            reasons=self.contract.sla.feedback.reasons,
            rng=random.Random(f"verdict/{self.seed}/{record.external_id}/{round_}"),
        )
        if not answer.put_aside:
            self.busy[clock.owner_id] = max(answer.at, self.busy.get(clock.owner_id, answer.at))
        self._schedule(answer.at, _WORK, partial(self._give_verdict, clock, answer))

    def _give_verdict(self, clock: AcceptClock, answer: work.Verdict, at: datetime) -> None:
        email, _ = self.reps[clock.owner_id]

        def event(state: LeadState) -> Event:
            waiting = {o.id for o in state.open_obligations}
            if state.stage != MQL or state.owner_id != clock.owner_id or clock.obligation_id not in waiting:
                raise _Moved
            if answer.accept:
                return Accepted(email, at, answer.rating, answer.note)
            assert answer.reason is not None
            return Rejected(email, answer.reason, at, answer.rating, answer.note)

        feedback = {
            "verdict": "accept" if answer.accept else "reject",
            "reason": answer.reason,
            "rating": answer.rating,
            "note": answer.note,
            "user_id": clock.owner_id,
        }
        try:
            outcome = handle(self.engine, clock.lead_id, event, self.contract, feedback=feedback)
        except _Moved:
            return
        self.counts.notifications += outcome.notifications
        if not answer.accept:
            self.counts.rejected += 1
            return
        self.counts.accepted += 1
        self._plan_follow_ups(clock.lead_id, clock.owner_id, at)

    def _plan_follow_ups(self, lead_id: int, rep_id: int, at: datetime) -> None:
        record, _ = self.leads[lead_id]
        _, profile = self.reps[rep_id]
        steps = work.follow_ups(
            profile,
            at,
            clock=self.contract.clock,
            first_touch=self.first_touch,
            attempts=self.attempts,
            rng=random.Random(f"follow-up/{self.seed}/{record.external_id}"),
        )
        for number, step in enumerate(steps, start=1):
            self._schedule(step.at, _WORK, partial(self._follow_up, lead_id, rep_id, step, number))
        with self.engine.connect() as conn:
            state = read_state(conn, lead_id)
        for obligation in state.open_obligations:
            self._schedule(obligation.due_at, _TICK, self._tick)

    def _follow_up(self, lead_id: int, rep_id: int, step: work.FollowUp, number: int, at: datetime) -> None:
        """A call or e-mail: the clocks hear of it, and it joins the lead's activities."""
        record, _ = self.leads[lead_id]
        email, _ = self.reps[rep_id]

        def event(state: LeadState) -> Event:
            if state.owner_id != rep_id:
                raise _Moved
            return ActivityLogged(step.kind, email, at)

        try:
            handle(self.engine, lead_id, event, self.contract)
        except _Moved:
            return
        activity = ActivityRecord(
            source=record.source,
            external_id=f"{record.external_id}-live-a{number}",
            type=step.kind,
            occurred_at=at,
            lead_email=record.email,
            user=email,
            outcome=step.outcome,
        )
        self.counts.activities += self.event_ingestor.ingest([activity], now=at).counts.created
