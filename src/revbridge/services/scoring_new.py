"""Scoring the touchpoints that arrived since the last batch: what ``add_touchpoint`` does one at a time, many at once.

The API (``POST /api/touchpoints``) and imports store touchpoints in bulk and do not score them: scoring
in the request would cost the ingest rate. ``score_new_touchpoints`` scores them afterwards, batch after
batch; the worker calls it every round, before the tick, and ``revbridge score --new`` calls it once.
A demo request sent through the API thus makes its lead an MQL, routed and notified, within a round.

**Which touchpoints are new.** Touchpoints are numbered as they arrive (SQLite's rowid, PostgreSQL's
``seq``), and ``score_marks`` keeps the highest number already in the leads' scores
(``store/new_touchpoints.py``, which also explains why no number below the mark can still arrive).
Those stored by ``scoring.add_touchpoint``, which scores its touchpoint as it stores it, are marked
``scored_on_arrival`` and skipped: they are in their lead's score already. So are the types the SLA gives
no points. A full rescoring (``score --all``) counts every touchpoint up to the highest number it read
and sets the mark there, in the transaction that writes its scores: nothing it counted is counted again.
When a batch was written between the rescoring's read and its write, the rescoring overwrites those
leads and sets the mark back below that batch, which is then scored again, once.

**One batch, one transaction.** A batch takes about ``limit`` arrivals past the mark (on PostgreSQL
every row of an imported batch, which share a number) and, in one transaction: locks the mark (two
scorers, or a scorer and a rescoring, take turns), reads the new touchpoints in arrival order and their
leads' rows in one query (locked on PostgreSQL), scores each lead's touchpoints one after another exactly
as ``add_touchpoint`` would have (``domain.scoring_arrivals``: the same state, scores and reasons, the
same stage and transition), writes the scores (``executemany``), persists the decisions set by set
(``lifecycle_batch.persist_all``: the new MQLs handed off, routed, their accept clocks started, their
owners notified through the outbox) and moves the mark to the batch's last arrival. A crash anywhere
rolls all of it back, the mark included, and the next call does the batch again: no touchpoint is lost,
none is counted twice.

**What differs from one at a time, on purpose.** A lead gets one snapshot in its score history per batch
(its score after the batch), not one per touchpoint; the hand-off's message quotes that score. Touchpoints
of a type the SLA gives no points are not read (``add_touchpoint`` rewrites its lead's decayed score even
for those; the nightly rescoring does it here). A touchpoint scored on arrival counts from when it was
stored, ahead of older arrivals of its lead still waiting for a batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.domain.score_digest import rules_key, state_digest
from revbridge.domain.scoring import EngagementState, Score, reasons_to_store
from revbridge.domain.scoring_arrivals import ArrivalScorer, StoredScore
from revbridge.services.contract import Contract
from revbridge.services.lifecycle_batch import persist_all
from revbridge.store import new_touchpoints as arrivals
from revbridge.store import score_queries as queries
from revbridge.store.engine import writing
from revbridge.store.lifecycle_queries import lead_state_of

DEFAULT_BATCH = 20_000  # arrivals per transaction: SQLite's write lock is held about a second
LOCK_WAIT_SECONDS = 2.0  # PostgreSQL: how long to wait for the touchpoints' SHARE lock before trying later


@dataclass
class NewScores:
    """What scoring new touchpoints did."""

    touchpoints: int = 0  # scored
    leads: int = 0  # whose scores were written
    qualified: int = 0  # became MQL and were handed to sales
    recycled: int = 0  # came back from nurture
    notifications: int = 0  # written to the outbox
    batches: int = 0
    pending: bool = False  # arrivals left for the next call (max_batches reached, or the table was busy)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_columns(score: Score, state: EngagementState, digest_key: int) -> dict[str, Any]:
    """What a lead's row and its score history keep of a score: the state referenced to the scoring
    moment and its digest under rules of key ``digest_key`` (``domain.score_digest``), the reasons it
    does not hold, and every reason for the history."""
    return {
        "state": state.to_json(),
        "ref_at": state.ref_at,
        "digest": state_digest(state, digest_key),
        "fit": score.fit,
        "engagement": score.engagement,
        "p_convert": score.p_convert,
        "combined": score.combined,
        "reasons": reasons_to_store(score.reasons),
        "history": [[r.rule, r.points] for r in score.reasons],
    }


def score_new_touchpoints(
    engine: Engine,
    contract: Contract,
    now: datetime,
    *,
    limit: int = DEFAULT_BATCH,
    max_batches: int | None = None,
    progress: Callable[[NewScores], None] | None = None,
) -> NewScores:
    """Score every touchpoint that arrived since the last call (at most ``max_batches`` batches of about
    ``limit``), at ``now``: each batch in one transaction, as the module says. ``progress`` hears the
    running totals after each batch."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    started = time.perf_counter()
    summary = NewScores()
    settled = arrivals.settled_arrival(engine, wait_seconds=LOCK_WAIT_SECONDS)
    if settled is None:
        summary.pending = True
    else:
        while True:
            end = _score_batch(engine, contract, now, settled, limit, summary)
            if end is None:
                break
            if progress is not None:
                progress(summary)
            if end >= settled:
                break
            if max_batches is not None and summary.batches >= max_batches:
                summary.pending = True
                break
    summary.seconds = time.perf_counter() - started
    return summary


def leave_to_rescoring(engine: Engine, now: datetime) -> int:
    """Move the mark past every touchpoint stored so far, without scoring them, and return it: for a
    history loaded as finished facts (the demo's year), whose leads' stages already say what the
    touchpoints did, and which only a full rescoring counts. Never moves the mark back."""
    settled = arrivals.settled_arrival(engine)
    assert settled is not None  # waited for as long as it took
    with writing(engine).begin() as conn:
        mark = arrivals.locked_mark(conn)
        if settled > mark:
            arrivals.move_mark(conn, settled, now)
    return max(settled, mark)


def _score_batch(
    engine: Engine, contract: Contract, now: datetime, settled: int, limit: int, summary: NewScores
) -> int | None:
    """One batch past the mark, up to ``settled`` at most, in one transaction; where the mark now is
    (None when there was nothing past it)."""
    sla = contract.sla
    kinds = sorted(sla.scoring.engagement.touchpoints) if sla.scoring.engagement is not None else []
    with writing(engine).begin() as conn:
        mark = arrivals.locked_mark(conn)
        end = arrivals.batch_end(conn, mark, settled, limit)
        if end <= mark:
            return None
        by_lead: dict[int, list[tuple[str, datetime]]] = {}
        for lead_id, kind, occurred_at in arrivals.new_touchpoints(conn, mark, end, kinds):
            by_lead.setdefault(lead_id, []).append((kind, occurred_at))
        rows = queries.leads_for_scoring(conn, list(by_lead))
        scorer = ArrivalScorer(sla, contract.clock, now)
        key = rules_key(sla.scoring.engagement)
        scores: list[dict[str, Any]] = []
        decided = []
        counted = 0
        for lead_id, touchpoints in by_lead.items():
            row = rows.get(lead_id)
            if row is None:  # leads are never deleted; a touchpoint without one has nothing to score
                continue
            lead = lead_state_of(row)
            stored = StoredScore.of(row.engagement_state, row.fit_score, row.score_reasons, row.email, row.predicted)
            scored = scorer.score(lead, stored, touchpoints)
            if scored is None:
                continue
            counted += scored.counted
            scores.append({"lead": lead_id, **score_columns(scored.score, scored.stored.state, key)})
            if scored.decision is not None:
                decided.append((lead, scored.decision))
        queries.store_scores(conn, scores, now, cause="touchpoint")
        persisted = persist_all(conn, decided, contract, at=now)
        arrivals.move_mark(conn, end, now)
    summary.batches += 1
    summary.touchpoints += counted
    summary.leads += len(scores)
    summary.notifications += persisted.notifications
    for _, decision in decided:
        summary.qualified += int(not decision.recycled)
        summary.recycled += int(decision.recycled)
    return end
