"""How simulated sales reps work their queue of MQLs: when each answers, what it says, how they follow up.

Each rep has a profile drawn from the demo's seed and the rep's index: most answer a new MQL within one to
three business hours; one or two are slow and often miss a four-hour deadline; now and then someone is away
for a day, and answers nothing until back. A verdict follows the lead's truth: the chance the simulation
gives sales accepting a lead of its channel and fit tier (``model.odds``), and, when the lead is rejected,
a reason from the SLA's list weighted by what the lead is (a student is turned away as one, a good fit more
often for budget or timing than for persona). After an acceptance come the calls and e-mails: the first
sometimes later than the first-touch deadline, and now and then a rep who stops before the attempts the SLA
asks for.

Pure: every draw comes from the ``random.Random`` passed in, every moment from the clock passed in.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from revbridge.domain.durations import Duration
from revbridge.domain.records import LeadRecord
from revbridge.domain.simulation import model
from revbridge.domain.simulation.catalogue import ACCEPT_NOTES, FREE_MAIL, REJECT_NOTES, SIZE_BANDS, TITLES
from revbridge.domain.simulation.companies import Targets
from revbridge.domain.simulation.model import Uniform
from revbridge.domain.sla_sections import RejectionReason

MAX_AWAY_DAYS = 60  # a rep is back within this many days, whatever the draws say
STUDENT_TITLES = frozenset({"student", "intern"})
_RATINGS: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "accept:high": ((5, 4, 3), (0.5, 0.4, 0.1)),
    "accept:medium": ((5, 4, 3, 2), (0.2, 0.45, 0.3, 0.05)),
    "accept:low": ((4, 3, 2), (0.15, 0.5, 0.35)),
    "reject:disqualify": ((1, 2), (0.7, 0.3)),
    "reject:recycle": ((3, 2, 1), (0.3, 0.5, 0.2)),
}
# How much more often a rejection gives each reason, for what the lead is.
_TRAIT_WEIGHTS: dict[str, dict[str, float]] = {
    "student": {"student_or_job_seeker": 12.0},
    "free_mail": {"student_or_job_seeker": 2.0, "duplicate": 2.0, "wrong_persona": 1.5},
    "junior_title": {"wrong_persona": 2.5, "not_decision_maker": 1.5},
    "practitioner_title": {"not_decision_maker": 2.5},
    "poor_company": {"wrong_persona": 1.5, "no_budget": 1.5},
    "ideal_company": {"bad_timing": 1.5, "no_budget": 1.2},
}
_CALL_OUTCOMES = (("connected", "voicemail", "no_answer"), (0.3, 0.4, 0.3))


class WorkingHours(Protocol):
    """What queue work needs of a business-hours clock; ``domain.business_time.BusinessClock`` is one."""

    zone: ZoneInfo

    def add(self, start: datetime, duration: Duration) -> datetime: ...

    def next_open(self, at: datetime) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta: ...


# --- the reps -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepProfile:
    """How one rep works: speeds in business hours, and the chances of slipping."""

    index: int
    seed: int
    slow: bool
    answer_hours: Uniform  # from an MQL reaching the queue to the verdict, most of the time
    late_share: float  # the chance a verdict slips to ``late_hours`` instead
    late_hours: Uniform
    touch_on_time: float  # the chance the first call or e-mail comes within the first-touch deadline
    gives_up: float  # the chance of stopping before the attempts the SLA asks for
    away_share: float  # the chance of being away on a given day


def rep_profiles(count: int, seed: int) -> tuple[RepProfile, ...]:
    """Profiles of ``count`` reps, by index; one of them slow (two from six reps on)."""
    slow_count = 0 if count < 2 else 1 if count < 6 else 2
    slow = frozenset(random.Random(f"slow-reps/{seed}").sample(range(count), slow_count))
    return tuple(rep_profile(index, seed, slow=index in slow) for index in range(count))


def rep_profile(index: int, seed: int, *, slow: bool) -> RepProfile:
    """One rep's profile, drawn from the seed and the rep's index alone."""
    rng = random.Random(f"rep/{seed}/{index}")
    if slow:
        return RepProfile(
            index=index,
            seed=seed,
            slow=True,
            answer_hours=Uniform(1.5, 6.0),
            late_share=rng.uniform(0.15, 0.3),
            late_hours=Uniform(6.0, 20.0),
            touch_on_time=rng.uniform(0.4, 0.6),
            gives_up=rng.uniform(0.2, 0.35),
            away_share=rng.uniform(0.05, 0.12),
        )
    return RepProfile(
        index=index,
        seed=seed,
        slow=False,
        answer_hours=Uniform(rng.uniform(0.3, 1.0), rng.uniform(2.0, 3.0)),
        late_share=rng.uniform(0.02, 0.08),
        late_hours=Uniform(4.5, 12.0),
        touch_on_time=rng.uniform(0.8, 0.95),
        gives_up=rng.uniform(0.03, 0.1),
        away_share=rng.choice((0.0, 0.03, 0.06)),
    )


def is_away(profile: RepProfile, day: date) -> bool:
    """Whether the rep is away on ``day`` (a local date): the same answer whoever asks, whenever."""
    return random.Random(f"away/{profile.seed}/{profile.index}/{day.isoformat()}").random() < profile.away_share


def in_office(profile: RepProfile, at: datetime, clock: WorkingHours) -> datetime:
    """The first moment from ``at`` on when the business is open and the rep is not away."""
    moment = clock.next_open(at)
    for _ in range(MAX_AWAY_DAYS):
        day = moment.astimezone(clock.zone).date()
        if not is_away(profile, day):
            return moment
        moment = clock.next_open(datetime.combine(day + timedelta(days=1), time(0), clock.zone))
    return moment


def work_moment(profile: RepProfile, start: datetime, hours: float, clock: WorkingHours) -> datetime:
    """``hours`` of the rep's business time after ``start``; work that falls on a day they are away waits
    for their return."""
    begin = in_office(profile, start, clock)
    minutes = max(1, round(hours * 60))
    return in_office(profile, clock.add(begin, Duration(minutes, "m", business=True)), clock)


# --- what a lead really is ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadTruth:
    """What the simulation knows about a lead: its channel, how well it and its company fit, its traits."""

    channel: str
    tier: str  # fit to the ideal customer profile: high, medium, low
    company_tier: str
    title_tier: str
    student: bool
    free_mail: bool

    @property
    def accept_chance(self) -> float:
        """The chance sales accepts this lead as an MQL, as the simulation's funnel has it."""
        return model.odds(self.channel, self.tier).accept

    def traits(self) -> tuple[str, ...]:
        """The traits that make some rejection reasons likelier (names of ``_TRAIT_WEIGHTS``)."""
        found: list[str] = []
        if self.student:
            found.append("student")
        if self.free_mail:
            found.append("free_mail")
        if self.title_tier == "low" and not self.student:
            found.append("junior_title")
        if self.title_tier == "medium":
            found.append("practitioner_title")
        found.append({"low": "poor_company", "high": "ideal_company"}.get(self.company_tier, ""))
        return tuple(t for t in found if t)


def lead_truth(lead: LeadRecord, targets: Targets) -> LeadTruth:
    """A simulated lead's truth, read back from what the simulation made of it: the title comes from its
    tier's list, the company's pool shows in its industry, country and size, and the lead's tier is the
    pair of them (``model.TIER_SOURCES`` read backwards)."""
    title = (lead.job_title or "").strip()
    title_tier = next((tier for tier, titles in TITLES.items() if title in titles), "medium")
    company = company_tier(lead.industry, lead.country, lead.employees, targets)
    if company == "high" and title_tier == "high":
        tier = "high"
    elif "low" in (company, title_tier):
        tier = "low"
    else:
        tier = "medium"
    domain = (lead.email or "").rpartition("@")[2].lower()
    return LeadTruth(
        channel=lead.lead_source or "direct",
        tier=tier,
        company_tier=company,
        title_tier=title_tier,
        student=title.lower() in STUDENT_TITLES,
        free_mail=domain in FREE_MAIL,
    )


def company_tier(industry: str | None, country: str | None, employees: int | None, targets: Targets) -> str:
    """The pool a simulated company was drawn from: ideal ones are in a target industry and country and
    past the smallest size band; poor ones are small and miss the industry or the country."""
    target_industry = industry in targets.industries
    home = country in targets.countries
    if employees is not None and employees <= SIZE_BANDS[0].high:
        return "medium" if target_industry and home else "low"
    if target_industry and home:
        return "high"
    return "medium" if target_industry or home else "low"


# --- the verdict ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    at: datetime
    accept: bool
    reason: str | None  # one of the SLA's rejection reasons when rejected
    rating: int  # 1 (useless) .. 5 (perfect)
    note: str | None
    put_aside: bool = False  # the rep let this one wait (a late answer); the rest of the queue goes on


def verdict(
    profile: RepProfile,
    truth: LeadTruth,
    *,
    seen_at: datetime,
    busy_until: datetime | None,
    clock: WorkingHours,
    reasons: Mapping[str, RejectionReason],
    rng: random.Random,
) -> Verdict:
    """When and what the rep answers about an MQL that reached their queue at ``seen_at``; the rep finishes
    the verdict before (``busy_until``) first, unless they put this one aside."""
    put_aside = rng.random() < profile.late_share
    at = verdict_moment(profile, seen_at, busy_until, clock, rng, put_aside=put_aside)
    if rng.random() < truth.accept_chance:
        return _acceptance(at, truth, put_aside, rng)
    return _rejection(at, truth, reasons, put_aside, rng)


def _acceptance(at: datetime, truth: LeadTruth, put_aside: bool, rng: random.Random) -> Verdict:
    ratings, weights = _RATINGS[f"accept:{truth.tier}"]
    note = rng.choice(ACCEPT_NOTES) if rng.random() < 0.3 else None
    return Verdict(at, True, None, rng.choices(ratings, weights)[0], note, put_aside)


def _rejection(
    at: datetime, truth: LeadTruth, reasons: Mapping[str, RejectionReason], put_aside: bool, rng: random.Random
) -> Verdict:
    """A reason from the SLA's list, a rating as low as the reason is final, and now and then a note."""
    reason = rejection_reason(truth, reasons, rng)
    ratings, weights = _RATINGS[f"reject:{reasons[reason].action}"]
    note = None
    if rng.random() < 0.45:
        label = reasons[reason].label or reason.replace("_", " ")
        note = f"{label}." if rng.random() < 0.6 else rng.choice(REJECT_NOTES)
    return Verdict(at, False, reason, rng.choices(ratings, weights)[0], note, put_aside)


def verdict_moment(
    profile: RepProfile,
    seen_at: datetime,
    busy_until: datetime | None,
    clock: WorkingHours,
    rng: random.Random,
    *,
    put_aside: bool = False,
) -> datetime:
    """``answer_hours`` of business time after the lead arrives, and never before the rep's previous verdict
    plus a few minutes of work; a lead put aside waits ``late_hours`` instead, whatever the queue."""
    if put_aside:
        return work_moment(profile, seen_at, rng.uniform(profile.late_hours.low, profile.late_hours.high), clock)
    at = work_moment(profile, seen_at, rng.uniform(profile.answer_hours.low, profile.answer_hours.high), clock)
    if busy_until is not None and at <= busy_until:
        at = work_moment(profile, busy_until, rng.uniform(0.05, 0.3), clock)
    return at


def rejection_reason(truth: LeadTruth, reasons: Mapping[str, RejectionReason], rng: random.Random) -> str:
    """One of the SLA's reasons: the simulation's chances for the lead's tier, weighted by its traits."""
    chances = model.reason_chances({name: r.action for name, r in reasons.items()}, (truth.tier,))[truth.tier]
    weights = dict(chances)
    for trait in truth.traits():
        for name, factor in _TRAIT_WEIGHTS[trait].items():
            if name in weights:
                weights[name] *= factor
    return rng.choices(list(weights), list(weights.values()))[0]


# --- after an acceptance --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUp:
    at: datetime
    kind: str  # call | email
    outcome: str  # connected, voicemail, no_answer | sent, replied


def follow_ups(
    profile: RepProfile,
    accepted_at: datetime,
    *,
    clock: WorkingHours,
    first_touch: Duration,
    attempts: int,
    rng: random.Random,
) -> tuple[FollowUp, ...]:
    """The calls and e-mails after an acceptance: the first within ``first_touch`` when the rep is on time,
    then attempts a few business hours apart, ``attempts`` of them or one more, fewer when the rep gives up."""
    deadline = clock.add(accepted_at, first_touch)
    span = max(clock.elapsed(accepted_at, deadline).total_seconds() / 3600, 0.25)
    share = rng.uniform(0.05, 0.9) if rng.random() < profile.touch_on_time else rng.uniform(1.2, 4.0)
    at = work_moment(profile, accepted_at, share * span, clock)
    if attempts > 1 and rng.random() < profile.gives_up:
        count = rng.randint(1, attempts - 1)
    else:
        count = attempts + rng.randint(0, 1)
    out: list[FollowUp] = []
    for _ in range(count):
        out.append(_contact(at, rng))
        at = work_moment(profile, at, rng.uniform(2.0, 14.0), clock)
    return tuple(out)


def _contact(at: datetime, rng: random.Random) -> FollowUp:
    if rng.random() < 0.6:
        outcomes, weights = _CALL_OUTCOMES
        return FollowUp(at, "call", rng.choices(outcomes, weights)[0])
    return FollowUp(at, "email", "replied" if rng.random() < 0.15 else "sent")
