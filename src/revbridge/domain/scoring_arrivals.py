"""A lead's new touchpoints scored one after another, as each would have been scored on arrival.

Scoring one touchpoint (``after_touchpoint``, what ``services/scoring.add_touchpoint`` does) adds it to
the lead's engagement state, references the state to the scoring moment, reads the engagement score and
its reasons from it, and combines that with the stored fit (and the model's probability, when the SLA
weighs it in); the fit lines of the stored reasons are kept. The lifecycle then decides what the new
score does: a lead that now meets the MQL condition is handed to sales, a nurtured one that meets the
re-entry condition comes back.

``score_arrivals`` does exactly that for several touchpoints of one lead, in the order given, and returns
the end: the last score and state, and the decision that changed something, made on the score as it
stood just after the touchpoint that caused it (its transition's reason quotes that fit and engagement).
A score moves a lead only into MQL, from a stage before it or from nurture, and no stage may move to
itself; so once one touchpoint has handed the lead off, the later ones only add to its score, and a lead
gets at most one decision however many touchpoints it had. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from revbridge.domain.conditions import Condition
from revbridge.domain.lifecycle import MQL, Deadlines, Decision, LeadState, Scored, decide
from revbridge.domain.scoring import (
    FIT_LINE_HEAD,
    EngagementState,
    Score,
    ScoreReason,
    combined_score,
    competitor_points,
    engagement_score,
    engagement_value,
)
from revbridge.domain.sla import Sla
from revbridge.domain.sla_sections import Scoring
from revbridge.domain.stages import NURTURE


@dataclass(frozen=True, slots=True)
class StoredScore:
    """What scoring a touchpoint reads of its lead's row: the engagement state, the fit and its lines, the
    e-mail (a competitor's domain costs points) and the model's probability."""

    state: EngagementState
    fit: float
    fit_reasons: tuple[ScoreReason, ...]
    email: str | None
    p_convert: float | None

    @classmethod
    def of(
        cls,
        engagement_state: dict[str, Any] | None,
        fit_score: float | None,
        score_reasons: Iterable[Sequence[Any]] | None,
        email: str | None,
        predicted: float | None,
    ) -> StoredScore:
        """From the row's columns; of the stored reasons only the fit lines carry over."""
        fit_reasons = tuple(
            ScoreReason(str(rule), float(points))
            for rule, points in score_reasons or []
            if str(rule).startswith(FIT_LINE_HEAD)
        )
        state = EngagementState.from_json(engagement_state)
        return cls(state, float(fit_score or 0.0), fit_reasons, email, predicted)


def after_touchpoint(
    scoring: Scoring, lead: StoredScore, kind: str, occurred_at: datetime, now: datetime
) -> tuple[Score, StoredScore]:
    """The lead's score once one touchpoint of type ``kind`` is counted at ``now``, and what its row then
    holds. Without an engagement section the touchpoint counts for nothing: the score is the fit alone."""
    state = lead.state
    if scoring.engagement is not None:
        # Referenced to the scoring moment, the state holds the values the type lines show.
        state = state.add(scoring.engagement, kind, occurred_at).referenced(scoring.engagement, now)
    return _scored(scoring, lead, state, now)


@dataclass(frozen=True, slots=True)
class Arrivals:
    """A lead after its new touchpoints: its last score, what its row holds, and the decision (if any)."""

    score: Score
    stored: StoredScore
    decision: Decision | None  # the one that changed something, else None
    counted: int  # touchpoints scored


class ArrivalScorer:
    """Scores lead after lead at ``now`` under ``sla``: what does not change from one lead to the next
    (which stages a score moves a lead out of) is worked out once."""

    def __init__(self, sla: Sla, clock: Deadlines, now: datetime) -> None:
        self.sla, self.clock, self.now = sla, clock, now
        self.movable = {s for s in sla.stage_order if sla.allowed(s, MQL)} | {NURTURE}

    def score(
        self, lead: LeadState, stored: StoredScore, touchpoints: Iterable[tuple[str, datetime]]
    ) -> Arrivals | None:
        """``(type, occurred_at)`` touchpoints of one lead scored one after another, each score put to
        the lifecycle until one changes something; None when there were none.

        Only the last score is written, so only its reasons are made; each score on the way is put to
        the lifecycle only where it could move the lead: from a stage a score moves out of, when the
        condition that moves it holds (``decide`` asks both before anything else, so it would decide
        nothing else)."""
        sla, now = self.sla, self.now
        scoring, engagement = sla.scoring, sla.scoring.engagement
        penalty = competitor_points(engagement, stored.email) if engagement is not None else 0.0
        condition = sla.recycling.reenter_when if lead.stage == NURTURE else sla.qualification.mql
        movable = lead.stage in self.movable
        touched = list(touchpoints)
        state = stored.state
        decision: Decision | None = None
        for n, (kind, occurred_at) in enumerate(touched, start=1):
            if engagement is not None:
                state = state.add(engagement, kind, occurred_at).referenced(engagement, now)
            if n == len(touched):
                break  # the last score is made below, with its reasons
            if decision is None and movable:
                value = engagement_value(engagement, state, penalty, now) if engagement is not None else 0.0
                combined = combined_score(scoring, stored.fit, value, stored.p_convert)
                decision = self._decide(lead, condition, Score(stored.fit, value, stored.p_convert, combined, ()))
        if not touched:
            return None
        last, stored = _scored(scoring, stored, state, now)
        if decision is None and movable:
            decision = self._decide(lead, condition, last)
        return Arrivals(last, stored, decision, len(touched))

    def _decide(self, lead: LeadState, condition: Condition, score: Score) -> Decision | None:
        if not condition.holds(score.as_names()):
            return None
        decided = decide(lead, Scored(score, self.now), self.sla, self.clock)
        return decided if decided.changes_anything else None


def score_arrivals(
    sla: Sla,
    clock: Deadlines,
    lead: LeadState,
    stored: StoredScore,
    touchpoints: Iterable[tuple[str, datetime]],
    now: datetime,
) -> Arrivals | None:
    """One lead's touchpoints scored one after another at ``now`` (``ArrivalScorer.score``)."""
    return ArrivalScorer(sla, clock, now).score(lead, stored, touchpoints)


def _scored(scoring: Scoring, lead: StoredScore, state: EngagementState, now: datetime) -> tuple[Score, StoredScore]:
    """The score of a lead whose state (referenced to ``now``) holds its touchpoints, with every reason,
    as ``after_touchpoint`` gives it."""
    value, reasons = 0.0, tuple[ScoreReason, ...]()
    if scoring.engagement is not None:
        value, reasons = engagement_score(scoring.engagement, state, lead.email, now)
    combined = combined_score(scoring, lead.fit, value, lead.p_convert)
    row = StoredScore(state, lead.fit, lead.fit_reasons, lead.email, lead.p_convert)
    return Score(lead.fit, value, lead.p_convert, combined, lead.fit_reasons + reasons), row
