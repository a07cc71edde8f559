"""The one place a lead changes stage: ``decide(lead, event, sla, clock)`` returns what should happen.

A ``Decision`` holds the transition to record (from, to, when, who, why), the SLA clocks to open and
those to close, whether the lead must be routed, and the escalation a breach calls for. It never
writes: the service persists all of it in one transaction, checking the lead's version so that two
people acting on one lead cannot both win. Anything the SLA does not allow raises
``TransitionNotAllowed`` before anything is decided, so nothing is written.

The engine works with the milestones of the default funnel (``mql``, ``sal``, ``sql``,
``opportunity``, ``customer``) and the side states ``nurture`` and ``disqualified``; which moves are
allowed between them is the SLA's ``transitions``, which never let a lead skip a required stage.
Pure: no I/O; ``now`` comes in with each event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from revbridge.domain.durations import Duration
from revbridge.domain.errors import InvalidInput, TransitionNotAllowed
from revbridge.domain.scoring import Score
from revbridge.domain.sla import Sla
from revbridge.domain.sla_sections import Escalation
from revbridge.domain.stages import DISQUALIFIED, NURTURE

MQL, SAL, SQL, OPPORTUNITY, CUSTOMER = "mql", "sal", "sql", "opportunity", "customer"
ENGINE = "engine"  # the actor of decisions nobody made by hand
ObligationKind = Literal["accept", "first_touch", "attempts"]
CONTACT_ACTIVITIES = frozenset({"call", "email", "meeting", "meeting_held", "linkedin", "sms", "voicemail"})


class Deadlines(Protocol):
    """What the lifecycle needs of a clock: a deadline ``duration`` after ``start`` (business time or not)."""

    def add(self, start: datetime, duration: Duration) -> datetime: ...


@dataclass(frozen=True, slots=True)
class LeadState:
    """What the lifecycle reads of a lead."""

    lead_id: int
    stage: str
    version: int
    owner_id: int | None = None
    recycle_count: int = 0
    stage_changed_at: datetime | None = None
    nurture_until: datetime | None = None  # a rejected lead's cool-off ends here
    open_obligations: tuple[OpenObligation, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenObligation:
    id: int
    kind: ObligationKind
    due_at: datetime
    required_count: int = 1
    done_count: int = 0


# --- events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scored:
    """The lead's scores changed (a touchpoint, a rescoring, a new model)."""

    score: Score
    at: datetime


@dataclass(frozen=True, slots=True)
class Accepted:
    by: str  # the person's e-mail
    at: datetime
    rating: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    by: str
    reason: str  # one of the SLA's rejection reasons
    at: datetime
    rating: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityLogged:
    """Sales touched the lead: a call, an e-mail, a meeting."""

    kind: str
    by: str
    at: datetime
    score: Score | None = None  # for the SQL condition, when the SLA has one


@dataclass(frozen=True, slots=True)
class Advanced:
    """A person moves the lead on by hand: SAL → SQL, SQL → opportunity, opportunity → customer."""

    to: str
    by: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Lost:
    """The deal was lost: the lead goes back to nurture, or out if the reason says so."""

    by: str
    reason: str
    at: datetime
    disqualify: bool = False


@dataclass(frozen=True, slots=True)
class Breached:
    """An obligation's deadline passed without it being met."""

    obligation: OpenObligation
    at: datetime


Event = Scored | Accepted | Rejected | ActivityLogged | Advanced | Lost | Breached


# --- decisions ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transition:
    from_stage: str
    to_stage: str
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class NewObligation:
    kind: ObligationKind
    team: str
    opened_at: datetime
    due_at: datetime
    required_count: int = 1


@dataclass(frozen=True, slots=True)
class Closing:
    obligation_id: int
    status: Literal["met", "breached", "cancelled"]
    at: datetime
    done_count: int | None = None


@dataclass(frozen=True, slots=True)
class Escalate:
    obligation_id: int
    kind: ObligationKind
    to: Escalation


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything one event causes; empty when it changes nothing."""

    transition: Transition | None = None
    open: tuple[NewObligation, ...] = ()
    close: tuple[Closing, ...] = ()
    route: bool = False  # find the lead an owner (a new MQL)
    escalate: Escalate | None = None
    nurture_until: datetime | None = None
    recycled: bool = False  # the lead came back from nurture: one more loop
    progress: tuple[tuple[int, int], ...] = field(default=())  # (obligation id, done count) still open

    @property
    def changes_anything(self) -> bool:
        return bool(self.transition or self.open or self.close or self.route or self.escalate or self.progress)

    @property
    def stage(self) -> str | None:
        return self.transition.to_stage if self.transition else None


def _move(lead: LeadState, sla: Sla, to: str, at: datetime, actor: str, reason: str, event: str) -> Transition:
    if not sla.allowed(lead.stage, to):
        raise TransitionNotAllowed(lead.stage, event, sla.transitions_from(lead.stage))
    return Transition(lead.stage, to, at, actor, reason)


def _cancel_all(lead: LeadState, at: datetime) -> tuple[Closing, ...]:
    return tuple(Closing(o.id, "cancelled", at) for o in lead.open_obligations)


def _open(kind: ObligationKind, duration: Duration, at: datetime, clock: Deadlines, count: int = 1) -> NewObligation:
    return NewObligation(kind, "sales", at, clock.add(at, duration), count)


# --- the transition function ----------------------------------------------------------------------------


def decide(lead: LeadState, event: Event, sla: Sla, clock: Deadlines) -> Decision:
    """What ``event`` does to ``lead`` under ``sla``; raises ``TransitionNotAllowed`` for a move the SLA
    forbids and ``InvalidInput`` for a verdict it does not know."""
    if isinstance(event, Scored):
        return _on_scored(lead, event, sla, clock)
    if isinstance(event, Accepted):
        return _on_accepted(lead, event, sla, clock)
    if isinstance(event, Rejected):
        return _on_rejected(lead, event, sla)
    if isinstance(event, ActivityLogged):
        return _on_activity(lead, event, sla)
    if isinstance(event, Advanced):
        return _on_advanced(lead, event, sla)
    if isinstance(event, Lost):
        target = DISQUALIFIED if event.disqualify else NURTURE
        transition = _move(lead, sla, target, event.at, event.by, f"lost: {event.reason}", "lost")
        return Decision(transition=transition, close=_cancel_all(lead, event.at))
    return _on_breached(lead, event, sla, clock)


def _on_scored(lead: LeadState, event: Scored, sla: Sla, clock: Deadlines) -> Decision:
    names = event.score.as_names()
    if lead.stage == NURTURE:
        if not _may_reenter(lead, sla, event.at) or not sla.recycling.reenter_when.holds(names):
            return Decision()
        reason = f"recycled (loop {lead.recycle_count + 1}): {sla.recycling.reenter_when} holds"
        recycled = True
    elif lead.stage in sla.stage_order and sla.allowed(lead.stage, MQL) and sla.qualification.mql.holds(names):
        reason = (
            f"MQL: {sla.qualification.mql} holds (fit {event.score.fit:.0f}, engagement {event.score.engagement:.0f})"
        )
        recycled = False
    else:
        return Decision()
    transition = _move(lead, sla, MQL, event.at, ENGINE, reason, "qualify")
    accept = _open("accept", sla.clocks.accept_within, event.at, clock)
    return Decision(transition=transition, open=(accept,), route=True, recycled=recycled)


def _may_reenter(lead: LeadState, sla: Sla, at: datetime) -> bool:
    if lead.recycle_count >= sla.recycling.max_loops:
        return False
    if lead.nurture_until is not None and at < lead.nurture_until:
        return False
    rest = sla.recycling.min_time_in_nurture
    if rest is not None and lead.stage_changed_at is not None:
        return at >= lead.stage_changed_at + _calendar(rest)
    return True


def _calendar(duration: Duration) -> timedelta:
    """Calendar length of a duration; a business duration counts its days or hours as calendar ones
    here (cool-offs and rests are measured in weeks, where the difference does not matter)."""
    return timedelta(hours=duration.hours) if not duration.in_days else timedelta(days=duration.days)


def _verdict_closings(lead: LeadState, at: datetime) -> tuple[Closing, ...]:
    return tuple(Closing(o.id, "met", at) for o in lead.open_obligations if o.kind == "accept")


def _check_rating(rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 5:
        raise InvalidInput(f"a quality rating is 1 to 5, got {rating}")


def _on_accepted(lead: LeadState, event: Accepted, sla: Sla, clock: Deadlines) -> Decision:
    _check_rating(event.rating)
    transition = _move(lead, sla, SAL, event.at, event.by, "accepted by sales", "accept")
    opened: list[NewObligation] = []
    if sla.clocks.first_touch_within is not None:
        opened.append(_open("first_touch", sla.clocks.first_touch_within, event.at, clock))
    if sla.clocks.attempts is not None:
        attempts = sla.clocks.attempts
        opened.append(_open("attempts", attempts.within, event.at, clock, attempts.count))
    return Decision(transition=transition, open=tuple(opened), close=_verdict_closings(lead, event.at))


def _on_rejected(lead: LeadState, event: Rejected, sla: Sla) -> Decision:
    _check_rating(event.rating)
    reason = sla.rejection_reason(event.reason)
    label = reason.label or event.reason
    if reason.action == "disqualify":
        transition = _move(lead, sla, DISQUALIFIED, event.at, event.by, f"rejected: {label}", "reject")
        return Decision(transition=transition, close=_cancel_others(lead, event.at))
    transition = _move(lead, sla, NURTURE, event.at, event.by, f"rejected: {label}", "reject")
    until = event.at + _calendar(reason.cool_off) if reason.cool_off is not None else None
    return Decision(transition=transition, close=_cancel_others(lead, event.at), nurture_until=until)


def _cancel_others(lead: LeadState, at: datetime) -> tuple[Closing, ...]:
    """The verdict meets the accept clock; any other clock of the lead stops."""
    return tuple(Closing(o.id, "met" if o.kind == "accept" else "cancelled", at) for o in lead.open_obligations)


def _on_activity(lead: LeadState, event: ActivityLogged, sla: Sla) -> Decision:
    closings: list[Closing] = []
    progress: list[tuple[int, int]] = []
    if event.kind in CONTACT_ACTIVITIES:
        for o in lead.open_obligations:
            if o.kind == "first_touch" and event.at <= o.due_at:
                closings.append(Closing(o.id, "met", event.at, 1))
            elif o.kind == "attempts" and event.at <= o.due_at:
                done = o.done_count + 1
                if done >= o.required_count:
                    closings.append(Closing(o.id, "met", event.at, done))
                else:
                    progress.append((o.id, done))
    transition = None
    criteria = sla.qualification.sql
    if (
        lead.stage == SAL
        and criteria.requires_activity is not None
        and event.kind == criteria.requires_activity
        and (criteria.when is None or (event.score is not None and criteria.when.holds(event.score.as_names())))
    ):
        transition = _move(lead, sla, SQL, event.at, event.by, f"SQL: {event.kind} logged", "qualify_sql")
    return Decision(transition=transition, close=tuple(closings), progress=tuple(progress))


def _on_advanced(lead: LeadState, event: Advanced, sla: Sla) -> Decision:
    if event.to in (NURTURE, DISQUALIFIED, MQL):
        raise TransitionNotAllowed(lead.stage, f"move to {event.to} by hand (reject or mark lost instead)")
    reason = event.reason or f"moved to {sla.label_of(event.to)}"
    transition = _move(lead, sla, event.to, event.at, event.by, reason, f"advance to {event.to}")
    return Decision(transition=transition)


def _on_breached(lead: LeadState, event: Breached, sla: Sla, clock: Deadlines) -> Decision:
    """The obligation is marked breached and escalated; if the SLA says so, the lead goes to another
    rep, who gets a fresh clock for the same duty."""
    obligation = event.obligation
    if obligation.id not in {o.id for o in lead.open_obligations}:
        return Decision()  # met or closed in the meantime: nothing to escalate
    return _breach(obligation, event.at, sla, clock)


def _breach(obligation: OpenObligation, at: datetime, sla: Sla, clock: Deadlines) -> Decision:
    """What breaching an open obligation does; it depends on the obligation alone, not on its lead."""
    closing = Closing(obligation.id, "breached", at, obligation.done_count)
    rule: Escalation | None = getattr(sla.clocks.escalations, _deadline_name(obligation.kind))
    if rule is None:
        return Decision(close=(closing,))
    escalate = Escalate(obligation.id, obligation.kind, rule)
    if not rule.reassign:
        return Decision(close=(closing,), escalate=escalate)
    duration = _duration_of(sla, obligation.kind)
    fresh = _open(obligation.kind, duration, at, clock, obligation.required_count)
    return Decision(close=(closing,), escalate=escalate, route=True, open=(fresh,))


@dataclass(frozen=True, slots=True)
class BreachRule:
    """What breaching an open clock of one kind and required count at ``at`` decides: the same for every
    such clock, whatever its lead, but for the clock's own id and count (``decision`` gives one clock's,
    which is what ``decide`` says of it)."""

    kind: ObligationKind
    required_count: int
    at: datetime
    escalation: Escalation | None  # who hears of it; None: it is only closed
    route: bool  # the lead goes to another rep...
    open: tuple[NewObligation, ...]  # ...who gets a fresh clock for the same duty

    def decision(self, obligation: OpenObligation) -> Decision:
        """The decision for one open clock of this kind and count."""
        escalation = self.escalation
        return Decision(
            close=(Closing(obligation.id, "breached", self.at, obligation.done_count),),
            escalate=Escalate(obligation.id, self.kind, escalation) if escalation is not None else None,
            route=self.route,
            open=self.open,
        )


def breach_rules(
    clocks: Iterable[tuple[ObligationKind, int]], at: datetime, sla: Sla, clock: Deadlines
) -> dict[tuple[ObligationKind, int], BreachRule]:
    """A ``BreachRule`` for each (kind, required count) of ``clocks``: a tick after an outage breaches
    thousands of alike clocks, and decides once per kind what ``decide`` would say of each."""
    rules: dict[tuple[ObligationKind, int], BreachRule] = {}
    for kind, required in clocks:
        if (kind, required) not in rules:
            template = _breach(OpenObligation(0, kind, at, required), at, sla, clock)
            escalation = template.escalate.to if template.escalate is not None else None
            rules[(kind, required)] = BreachRule(kind, required, at, escalation, template.route, template.open)
    return rules


def _duration_of(sla: Sla, kind: ObligationKind) -> Duration:
    clocks = sla.clocks
    if kind == "accept":
        return clocks.accept_within
    if kind == "first_touch" and clocks.first_touch_within is not None:
        return clocks.first_touch_within
    if kind == "attempts" and clocks.attempts is not None:
        return clocks.attempts.within
    raise InvalidInput(f"the SLA has no {kind} deadline")


def _deadline_name(kind: ObligationKind) -> str:
    return {"accept": "accept_within", "first_touch": "first_touch_within", "attempts": "attempts"}[kind]
