"""Scoring as the SLA says: fit from who the lead is, engagement from what the lead does, each explained.

**Fit** is the sum of the points of every fit rule that holds on the lead's fields (or its account's,
``account.employees``; custom properties as ``properties.<name>``). Text comparisons ignore case.

**Engagement** is the sum over touchpoints of their points, decayed by half every ``half_life``:
``points * 2 ** (-(now - occurred_at) / half_life)``. A type's ``cap`` (``20 per 7d``) limits the points
that type earns in each window of that length, counted from the Unix epoch in UTC: the earliest
touchpoints in a window earn points until the cap is reached, later ones earn nothing. Negative points
(an unsubscribe) are never capped. A lead writing from a competitor's domain gets the competitors'
points on top, without decay.

Because decay is exponential, the sum can be kept as one value at a reference time and read at any
later time by multiplying by the decay factor: ``EngagementState.add`` updates a lead's score for one
touchpoint in O(1) (per touchpoint type, of which the SLA names a handful), and the batch rescoring in
``services/scoring`` computes the same numbers for every lead in one pass. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from revbridge.domain.durations import Duration
from revbridge.domain.identity import email_domain
from revbridge.domain.sla_sections import Engagement, FitRule, Scoring

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIT_LINE_HEAD = "fit: "
TYPE_LINE_HEAD = "engagement: "  # a touchpoint type's line: "engagement: 3 × webinar, decayed"
TYPE_LINE_MARK = " × "


@dataclass(frozen=True, slots=True)
class ScoreReason:
    """One line of a score's explanation: which rule gave how many points."""

    rule: str
    points: float

    def __str__(self) -> str:
        return f"{self.points:+.1f}  {self.rule}"


@dataclass(frozen=True, slots=True)
class Score:
    """A lead's scores at one moment, with the reasons for each."""

    fit: float
    engagement: float
    p_convert: float | None
    combined: float
    reasons: tuple[ScoreReason, ...]

    def as_names(self) -> dict[str, float | None]:
        """The names a qualification condition reads: ``fit >= 30 and engagement >= 40``."""
        return {"fit": self.fit, "engagement": self.engagement, "score": self.combined, "p_convert": self.p_convert}


# --- fit ------------------------------------------------------------------------------------------------


def field_value(name: str, lead: Mapping[str, Any], account: Mapping[str, Any] | None) -> Any:
    """The value a fit rule reads: ``industry``, ``account.employees``, ``properties.plan``."""
    source: Mapping[str, Any] | None = lead
    if name.startswith("account."):
        source, name = account, name.removeprefix("account.")
    if source is None:
        return None
    if name.startswith("properties."):
        properties = source.get("properties") or {}
        return properties.get(name.removeprefix("properties."))
    return source.get(name)


def lead_columns_read(scoring: Scoring) -> frozenset[str]:
    """The lead's own columns its score depends on: those its fit rules name (``properties.plan`` reads
    ``properties``, ``campaign`` the lead's ``campaign_id``, an ``account.`` rule its ``account_id``),
    its e-mail (a competitor's domain costs points) and the model's probability."""
    names = {"email", "predicted"}
    for rule in scoring.fit:
        if rule.field.startswith("account."):
            names.add("account_id")
            continue
        column = rule.field.split(".")[0]
        names.add("campaign_id" if column == "campaign" else column)
    return frozenset(names)


def account_columns_read(scoring: Scoring) -> frozenset[str]:
    """The account's columns its leads' scores depend on: those the ``account.`` fit rules name."""
    return frozenset(
        rule.field.removeprefix("account.").split(".")[0] for rule in scoring.fit if rule.field.startswith("account.")
    )


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    number_a, number_b = _number(a), _number(b)
    if number_a is not None and number_b is not None:
        return number_a == number_b
    return bool(a == b)


def rule_holds(rule: FitRule, value: Any) -> bool:
    """Whether one fit rule holds for a field's value; a missing value matches nothing but ``exists``."""
    if rule.op == "exists":
        return value is not None and value != ""
    if value is None or value == "":
        return False
    if rule.op == "equals":
        return _same(value, rule.value)
    if rule.op == "in":
        return any(_same(value, option) for option in rule.value)
    if rule.op == "regex":
        return _pattern(rule.value).search(str(value)) is not None
    number = _number(value)
    if number is None:
        return False
    if rule.op == "between":
        return float(rule.value[0]) <= number <= float(rule.value[1])
    if rule.op == "gte":
        return number >= float(rule.value)
    return number <= float(rule.value)  # lte


def fit_score(
    rules: Iterable[FitRule], lead: Mapping[str, Any], account: Mapping[str, Any] | None = None
) -> tuple[float, tuple[ScoreReason, ...]]:
    reasons = tuple(
        ScoreReason(f"{FIT_LINE_HEAD}{rule.describe()}", rule.points)
        for rule in rules
        if rule_holds(rule, field_value(rule.field, lead, account))
    )
    return float(sum(r.points for r in reasons)), reasons


# --- engagement -----------------------------------------------------------------------------------------


def decay_factor(later: datetime, earlier: datetime, half_life_seconds: float) -> float:
    """``2 ** (-(later - earlier) / half_life)``: what one point at ``earlier`` is worth at ``later``."""
    return math.pow(2.0, -(later - earlier).total_seconds() / half_life_seconds)


@cache
def seconds_of(duration: Duration) -> float:
    """A calendar duration in seconds (a half-life, a cap's window), worked out once per duration."""
    return duration.as_timedelta().total_seconds()


def cap_window(at: datetime, window_seconds: float) -> int:
    """The number of the cap window ``at`` falls in, counted from the Unix epoch in UTC."""
    return math.floor((at - EPOCH).total_seconds() / window_seconds)


@dataclass(frozen=True, slots=True)
class TypeState:
    """One touchpoint type's part of a lead's engagement: its value at the state's reference time,
    how many touchpoints gave it, and the points already earned in the latest cap window."""

    value: float = 0.0
    count: int = 0
    window: int | None = None
    earned_in_window: float = 0.0

    def decayed(self, factor: float) -> TypeState:
        """The same with its value times ``factor`` (made directly: ``dataclasses.replace`` costs 5x more,
        and a batch of new touchpoints does this for every type of every touchpoint)."""
        return TypeState(self.value * factor, self.count, self.window, self.earned_in_window)


@dataclass(frozen=True, slots=True)
class EngagementState:
    """A lead's engagement as values at ``ref_at``; read it at any later time with ``at``."""

    ref_at: datetime | None = None
    by_type: Mapping[str, TypeState] = field(default_factory=dict)

    def add(self, engagement: Engagement, kind: str, occurred_at: datetime) -> EngagementState:
        """The state after one more touchpoint of type ``kind``: O(1). Types the SLA gives no points
        are ignored. A touchpoint older than the reference time is decayed to it (exact: decay is
        linear); its cap window is honoured when it is the latest window seen for its type."""
        rule = engagement.touchpoints.get(kind)
        if rule is None:
            return self
        half_life = seconds_of(engagement.half_life)
        current = self.by_type.get(kind, TypeState())
        points = float(rule.points)
        window, earned = current.window, current.earned_in_window
        if rule.cap is not None and points > 0:
            number = cap_window(occurred_at, seconds_of(rule.cap.window))
            if window is None or number > window:
                window, earned = number, 0.0
            if number == window:
                points = max(0.0, min(points, rule.cap.points - earned))
                earned += points
        ref = self.ref_at
        if ref is None or occurred_at >= ref:
            factor = 1.0 if ref is None else decay_factor(occurred_at, ref, half_life)
            by_type = {name: state.decayed(factor) for name, state in self.by_type.items()}
            ref, worth = occurred_at, points
        else:
            by_type = dict(self.by_type)
            worth = points * decay_factor(ref, occurred_at, half_life)
        before = by_type.get(kind, current)
        by_type[kind] = TypeState(before.value + worth, before.count + 1, window, earned)
        return EngagementState(ref, by_type)

    def referenced(self, engagement: Engagement, now: datetime) -> EngagementState:
        """The same state with its values decayed to ``now`` and ``now`` as the reference time (itself
        when ``now`` is not later). Exact: decay is a factor; cap windows and counts do not move."""
        if self.ref_at is None or now <= self.ref_at:
            return self
        factor = decay_factor(now, self.ref_at, seconds_of(engagement.half_life))
        return EngagementState(now, {name: s.decayed(factor) for name, s in self.by_type.items()})

    def at(self, engagement: Engagement, now: datetime) -> dict[str, float]:
        """Each type's decayed value at ``now`` (not before the reference time)."""
        return {name: state.value for name, state in self.referenced(engagement, now).by_type.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "ref_at": self.ref_at.isoformat() if self.ref_at else None,
            "types": {
                name: [s.value, s.count, s.window, s.earned_in_window] for name, s in sorted(self.by_type.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> EngagementState:
        if not data or not data.get("ref_at"):
            return cls()
        types = {
            name: TypeState(float(v), int(c), None if w is None else int(w), float(e))
            for name, (v, c, w, e) in (data.get("types") or {}).items()
        }
        return cls(datetime.fromisoformat(data["ref_at"]), types)


def engagement_from_touchpoints(
    engagement: Engagement, touchpoints: Iterable[tuple[str, datetime]], now: datetime
) -> dict[str, float]:
    """The definition, one touchpoint at a time: each type's decayed, capped points at ``now`` from
    (type, occurred_at) pairs. Touchpoints after ``now`` do not count. The reference the O(1) state and
    the batch rescoring are checked against, and the per-row baseline of ``benchmarks/scoring.py``."""
    half_life = engagement.half_life.as_timedelta().total_seconds()
    earned: dict[tuple[str, int], float] = {}
    totals: dict[str, float] = {}
    for kind, at in sorted(touchpoints, key=lambda t: t[1]):
        rule = engagement.touchpoints.get(kind)
        if rule is None or at > now:
            continue
        points = float(rule.points)
        if rule.cap is not None and points > 0:
            key = (kind, cap_window(at, rule.cap.window.as_timedelta().total_seconds()))
            points = max(0.0, min(points, rule.cap.points - earned.get(key, 0.0)))
            earned[key] = earned.get(key, 0.0) + points
        totals[kind] = totals.get(kind, 0.0) + points * decay_factor(now, at, half_life)
    return totals


def competitor_points(engagement: Engagement, email: str | None) -> float:
    if engagement.competitors is None or not email:
        return 0.0
    domain = email_domain(email.strip().lower())
    return float(engagement.competitors.points) if domain in _domains(tuple(engagement.competitors.domains)) else 0.0


@cache
def _domains(listed: tuple[str, ...]) -> frozenset[str]:
    return frozenset(d.strip().lower() for d in listed)


def type_lines(state: EngagementState) -> list[ScoreReason]:
    """One line per touchpoint type that gives points, worth its value at the state's reference time."""
    return [
        ScoreReason(f"{TYPE_LINE_HEAD}{s.count}{TYPE_LINE_MARK}{name}, decayed", s.value)
        for name, s in sorted(state.by_type.items())
        if s.value != 0
    ]


def is_type_line(rule: str) -> bool:
    return rule.startswith(TYPE_LINE_HEAD) and TYPE_LINE_MARK in rule


def reasons_to_store(reasons: Iterable[ScoreReason]) -> list[list[Any]]:
    """A score's reasons as stored beside its engagement state (``[[rule, points], ...]``): the lines of
    the touchpoint types are left out, because the state, referenced to the scoring moment, holds them."""
    return [[r.rule, r.points] for r in reasons if not is_type_line(r.rule)]


def stored_reasons(
    stored: Iterable[Sequence[Any]] | None,
    state: EngagementState,
    engagement: Engagement | None = None,
    scored_at: datetime | None = None,
) -> tuple[ScoreReason, ...]:
    """Every reason of a stored score, in the order ``score_lead`` gives them: the fit lines, the
    touchpoint types' lines from ``state``, then the rest. A state left referenced to an earlier moment
    (a rescoring rewrites a state only when it changed, not when it only decayed) is read at the scoring
    moment ``scored_at`` under ``engagement``'s half-life, so that its lines add up to the score. Reasons
    stored with their type lines (before they were left out) are read as they are."""
    lines = [ScoreReason(str(rule), float(points)) for rule, points in stored or []]
    if any(is_type_line(r.rule) for r in lines):
        return tuple(lines)
    if engagement is not None and scored_at is not None:
        state = state.referenced(engagement, scored_at)
    fit = [r for r in lines if r.rule.startswith(FIT_LINE_HEAD)]
    rest = [r for r in lines if not r.rule.startswith(FIT_LINE_HEAD)]
    return (*fit, *type_lines(state), *rest)


def engagement_score(
    engagement: Engagement, state: EngagementState, email: str | None, now: datetime
) -> tuple[float, tuple[ScoreReason, ...]]:
    reasons = type_lines(state.referenced(engagement, now))
    penalty = competitor_points(engagement, email)
    if penalty:
        reasons.append(ScoreReason("engagement: e-mail from a competitor's domain", penalty))
    return float(sum(r.points for r in reasons)), tuple(reasons)


def engagement_value(engagement: Engagement, state: EngagementState, penalty: float, now: datetime) -> float:
    """The number ``engagement_score`` gives, without writing its reasons, given the lead's competitor
    points: the same additions in the same order, so the very same float."""
    total: float = 0
    for _, typed in sorted(state.referenced(engagement, now).by_type.items()):
        if typed.value != 0:
            total += typed.value
    if penalty:
        total += penalty
    return float(total)


# --- the combined score ---------------------------------------------------------------------------------


def combined_score(scoring: Scoring, fit: float, engagement: float, p_convert: float | None) -> float:
    """fit + engagement; with a model and a ``predictive_weight`` w, ``(1 - w) * (fit + engagement) +
    w * 100 * p_convert``, so that a probability of 0.6 weighs like 60 points."""
    rules = fit + engagement
    if scoring.predictive_weight is None or p_convert is None:
        return rules
    weight = scoring.predictive_weight
    return (1 - weight) * rules + weight * 100 * p_convert


def score_lead(
    scoring: Scoring,
    lead: Mapping[str, Any],
    account: Mapping[str, Any] | None,
    state: EngagementState,
    now: datetime,
    p_convert: float | None = None,
) -> Score:
    """Every score of one lead at ``now``, explained."""
    fit, fit_reasons = fit_score(scoring.fit, lead, account)
    engagement, engagement_reasons = 0.0, tuple[ScoreReason, ...]()
    if scoring.engagement is not None:
        engagement, engagement_reasons = engagement_score(scoring.engagement, state, lead.get("email"), now)
    combined = combined_score(scoring, fit, engagement, p_convert)
    reasons = fit_reasons + engagement_reasons
    if p_convert is not None and scoring.predictive_weight is not None:
        reasons += (ScoreReason(f"model: p(convert) = {p_convert:.2f}, weight {scoring.predictive_weight:g}", 0.0),)
    return Score(fit, engagement, p_convert, combined, reasons)
