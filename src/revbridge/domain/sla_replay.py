"""Replaying stored touchpoints under an SLA: when would each lead's MQL condition first have held?

**When the condition is read.** The lifecycle engine reads a lead's MQL condition when one of its
touchpoints arrives (``services/scoring.add_touchpoint``), with the scores as they stand just after
it. The replay does the same at every stored touchpoint of the lead, of any type, in time order (two
at the same moment in the order they were read): the lead's **MQL moment** is the first of those at
which the condition holds. A lead with no touchpoint is never read, so never an MQL.

**The scores at a touchpoint.** Fit: the SLA's fit rules on the lead's fields as they are now (the
store keeps no history of them). Engagement: every earlier or simultaneous touchpoint's points, capped
per type and window and decayed by the half-life to that moment, as ``domain/scoring`` defines them,
plus the competitors' points. ``p_convert``: the model's probability stored on the lead now (none:
comparisons on it are false), the same at every moment; ``score``: ``combined_score`` of the three.

**Exactness.** Between two touchpoints scores only decay, so for a condition that only *rises* with
the scores (every comparison ``>=`` or ``>``, no ``not``) the first touchpoint at which it holds is the
first moment at all. A condition such as ``engagement < 10``, or negative points fading under a
``score`` threshold, can start to hold between touchpoints: the engine notices that at the lead's next
touchpoint (or ``revbridge score --all``), and the replay at the next touchpoint;
``exact_between_touches`` says when this can happen.

``replay_one`` is the definition, one touchpoint at a time through ``EngagementState.add`` and
``score_lead``; ``touch_scores`` and ``first_moments`` compute the same for every lead at once with
numpy (a test holds the two equal). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from revbridge.domain.conditions import AllOf, AnyOf, Comparison, Condition, Node, Not
from revbridge.domain.scoring import EngagementState, score_lead
from revbridge.domain.scoring_batch import Bools, Floats, Ints, capped_in_groups, condition_mask, engagement_rules
from revbridge.domain.sla_sections import Scoring

RISING_OPS = frozenset({">=", ">"})


# --- the definition: one lead, one touchpoint at a time -------------------------------------------------


def replay_one(
    scoring: Scoring,
    condition: Condition,
    lead: Mapping[str, Any],
    account: Mapping[str, Any] | None,
    touches: Iterable[tuple[str, datetime]],
    p_convert: float | None = None,
) -> datetime | None:
    """The first touchpoint moment at which ``condition`` holds for the lead, or None: each touchpoint
    (type, moment) added in time order to its engagement state, the lead scored at that moment."""
    state = EngagementState()
    for kind, at in sorted(touches, key=lambda t: t[1]):
        if scoring.engagement is not None:
            state = state.add(scoring.engagement, kind, at)
        score = score_lead(scoring, lead, account, state, at, p_convert)
        if condition.holds(score.as_names()):
            return at
    return None


# --- every lead at once ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Touches:
    """Every touchpoint as parallel arrays: its lead (an index into the leads, 0..n-1), its type (an
    index into ``kinds``; a name the SLA gives no points earns none) and its moment in seconds since the
    epoch. Any order; rows of one moment keep their order."""

    lead: Ints
    kind: Ints
    seconds: Floats


@dataclass(frozen=True)
class TouchScores:
    """One row per touchpoint, sorted by lead then moment: the lead's scores just after it."""

    lead: Ints
    seconds: Floats
    scores: dict[str, Floats]  # fit, engagement, score, p_convert (NaN: none)

    def __len__(self) -> int:
        return len(self.lead)


def touch_scores(
    scoring: Scoring,
    kinds: Sequence[str],
    touches: Touches,
    fit: Floats,
    penalty: Floats,
    p_convert: Floats,
) -> TouchScores:
    """Each touchpoint's lead's scores just after it. ``fit``, ``penalty`` (competitors' points) and
    ``p_convert`` (NaN: none) are per lead."""
    order = np.lexsort((np.arange(len(touches.lead)), touches.seconds, touches.lead))
    lead, kind, seconds = touches.lead[order], touches.kind[order], touches.seconds[order]
    engagement = np.zeros(len(lead))
    if scoring.engagement is not None and len(lead):
        counted = capped_points(scoring, kinds, lead, kind, seconds)
        half_life = scoring.engagement.half_life.as_timedelta().total_seconds()
        engagement = decayed_running_sums(lead, seconds, counted, half_life)
    engagement += penalty[lead]
    lead_fit, lead_p = fit[lead], p_convert[lead]
    rules = lead_fit + engagement
    combined = rules
    if scoring.predictive_weight is not None:  # as ``combined_score``
        weight = scoring.predictive_weight
        combined = np.where(np.isnan(lead_p), rules, (1 - weight) * rules + weight * 100 * lead_p)
    return TouchScores(
        lead, seconds, {"fit": lead_fit, "engagement": engagement, "score": combined, "p_convert": lead_p}
    )


def capped_points(scoring: Scoring, kinds: Sequence[str], lead: Ints, kind: Ints, seconds: Floats) -> Floats:
    """The points each touchpoint earns after its type's cap (rows sorted by lead, then moment): in
    each (lead, type, cap window), the earliest earn their points until the cap is reached. The rules
    are read as the batch rescoring reads them (``scoring_batch.engagement_rules``)."""
    assert scoring.engagement is not None
    points, cap, window_length = engagement_rules(scoring.engagement, kinds)
    gained = points[kind]
    capped = np.isfinite(cap[kind])
    if not capped.any():
        return gained
    window = np.where(capped, np.floor(seconds / window_length[kind]), -1).astype(np.int64)
    order = np.lexsort((np.arange(len(lead)), window, kind, lead))  # time order within each group
    g_lead, g_kind, g_window = lead[order], kind[order], window[order]
    start = np.ones(len(order), dtype=bool)
    start[1:] = (g_lead[1:] != g_lead[:-1]) | (g_kind[1:] != g_kind[:-1]) | (g_window[1:] != g_window[:-1])
    counted = np.empty(len(order))
    counted[order] = capped_in_groups(gained[order], cap[g_kind], np.flatnonzero(start))
    return counted


def decayed_running_sums(lead: Ints, seconds: Floats, counted: Floats, half_life: float) -> Floats:
    """For rows sorted by lead then moment: the sum of the lead's points so far, each decayed to the row's
    moment. The recurrence ``EngagementState.add`` follows (``value * 2 ** (-dt / half_life) + points``),
    run for the k-th touchpoint of every lead at once: as many numpy steps as the busiest lead has rows."""
    n = len(lead)
    out = np.zeros(n)
    if n == 0:
        return out
    starts = np.flatnonzero(np.append(True, lead[1:] != lead[:-1]))
    counts = np.diff(np.append(starts, n))
    by_count = np.argsort(-counts, kind="stable")
    first_row = starts[by_count]
    alive = np.searchsorted(-counts[by_count], -np.arange(1, int(counts.max()) + 1), side="right")
    value = np.zeros(len(starts))
    last = seconds[first_row].copy()
    for rank, k in enumerate(alive.tolist()):
        rows = first_row[:k] + rank
        now = seconds[rows]
        value[:k] = value[:k] * np.exp2(-(now - last[:k]) / half_life) + counted[rows]
        last[:k] = now
        out[rows] = value[:k]
    return out


def first_moments(condition: Condition, scored: TouchScores, leads: int, *, until: float = np.inf) -> Floats:
    """Per lead (0..leads-1): the moment (seconds since the epoch) of its first touchpoint before
    ``until`` at which ``condition`` holds; NaN if none."""
    holds = condition_mask(condition, scored.scores, len(scored)) & (scored.seconds < until)
    return first_where(holds, scored, leads)


def first_where(holds: Bools, scored: TouchScores, leads: int) -> Floats:
    """Per lead, the moment of its first row where ``holds``; NaN if none."""
    out = np.full(leads, np.nan)
    rows = np.flatnonzero(holds)
    if len(rows):
        lead = scored.lead[rows]  # ascending: rows are sorted by lead
        first = rows[np.append(True, lead[1:] != lead[:-1])]
        out[scored.lead[first]] = scored.seconds[first]
    return out


# --- when reading at touchpoints is exact ---------------------------------------------------------------


def rises_with_scores(condition: Condition) -> bool:
    """Whether higher scores can only make the condition hold: every comparison ``>=`` or ``>``, no ``not``."""
    return _rises(condition.root)


def _rises(node: Node) -> bool:
    if isinstance(node, Comparison):
        return node.op in RISING_OPS
    if isinstance(node, Not):
        return False
    assert isinstance(node, AllOf | AnyOf)
    return all(_rises(p) for p in node.parts)


def exact_between_touches(scoring: Scoring, condition: Condition) -> str | None:
    """None when the first touchpoint at which the condition holds is the first moment it holds at all;
    else why not, in words, for the report."""
    if not rises_with_scores(condition):
        return (
            f"the condition {condition.pretty()} can start to hold as scores fall, between touchpoints: "
            "the engine and the replay notice it only at the lead's next touchpoint"
        )
    engagement = scoring.engagement
    negative = sorted(n for n, rule in (engagement.touchpoints if engagement else {}).items() if rule.points < 0)
    # Fading negative points leave engagement below the (constant) competitors' points, at most 0: only a
    # combined score, or engagement against a negative number, can climb past its threshold meanwhile.
    climbs = any(c.name == "score" or (c.name == "engagement" and c.value < 0) for c in condition.comparisons())
    if negative and climbs:
        names = negative
        return (
            f"negative points ({', '.join(names)}) fade between touchpoints, so scores can rise without one: "
            "the engine and the replay notice it only at the lead's next touchpoint"
        )
    return None
