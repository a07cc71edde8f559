"""Scoring leads as the SLA says, one touchpoint at a time or every lead at once, and qualifying them.

``add_touchpoint`` stores one touchpoint and updates its lead's scores in O(1) from the stored
engagement state, in the same transaction; if the lead now meets the MQL condition (or, in nurture,
the re-entry condition) the lifecycle hands it to sales. ``rescore_all`` recomputes every lead's fit
and engagement in one vectorised pass (Arrow for the fit rules, numpy for engagement), writes the
scores, their reasons and the engagement state back in bulk (their JSON built by Arrow, in
``services/score_writes``), then qualifies the leads that now meet their condition, many to a transaction.
It counts every touchpoint that arrived up to a settled arrival number and sets the mark of touchpoints
scored there as it writes. The touchpoints the API and imports store in bulk are scored after them, in
batches, by ``services/scoring_new.score_new_touchpoints`` (the worker, ``score --new``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Connection, Engine

from revbridge.domain.lifecycle import MQL, LeadState, Scored, decide
from revbridge.domain.score_digest import batch_digests, rules_key
from revbridge.domain.scoring import Score
from revbridge.domain.scoring_arrivals import StoredScore, after_touchpoint
from revbridge.domain.scoring_batch import BatchEngagement, Ints, batch_engagement_in_parts, condition_mask
from revbridge.domain.sla import Sla
from revbridge.domain.sla_sections import Engagement
from revbridge.domain.stages import NURTURE
from revbridge.services.contract import Contract
from revbridge.services.fit_columns import fit_points
from revbridge.services.lifecycle import Outcome, persist
from revbridge.services.lifecycle_batch import persist_all
from revbridge.services.memory import reusing_freed_memory
from revbridge.services.people import People
from revbridge.services.score_writes import LeadScores, write_scores
from revbridge.services.scoring_new import score_columns
from revbridge.store import mirror
from revbridge.store import score_queries as queries
from revbridge.store.engine import writing
from revbridge.store.lifecycle_queries import lead_state_of, read_states
from revbridge.store.new_touchpoints import settled_arrival
from revbridge.store.score_batches import read_leads_for_scoring, read_scored_touchpoints

Progress = Callable[[str], None]
ENGAGEMENT_THREADS = max(1, min(4, os.cpu_count() or 1))  # numpy lets go of the interpreter lock
QUALIFY_CHUNK = 5000  # hand-offs per transaction: one commit for many, without holding the write lock long


# --- one touchpoint -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TouchpointOutcome:
    stored: bool  # False: the same (source, external_id) was already there
    score: Score | None
    lifecycle: Outcome | None


def add_touchpoint(
    engine: Engine,
    *,
    lead_id: int,
    kind: str,
    occurred_at: datetime,
    source: str,
    external_id: str,
    contract: Contract,
    channel: str | None = None,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> TouchpointOutcome:
    """Store one touchpoint, rescore its lead in O(1) and qualify it, in one transaction."""
    now = now or datetime.now(UTC)
    with writing(engine).begin() as conn:
        values = {
            "lead_id": lead_id,
            "source": source,
            "external_id": external_id,
            "type": kind,
            "channel": channel,
            "campaign_id": campaign_id,
            "occurred_at": occurred_at,
        }  # stored as scored on arrival: counted here, the scoring of new touchpoints leaves it be
        if not queries.insert_touchpoint(conn, values):
            return TouchpointOutcome(False, None, None)
        score, state = _rescore_one(conn, lead_id, kind, occurred_at, contract.sla, now)
        decision = decide(state, Scored(score, now), contract.sla, contract.clock)
        outcome = persist(conn, state, decision, contract, at=now)
        return TouchpointOutcome(True, score, outcome)


def _rescore_one(
    conn: Connection, lead_id: int, kind: str, occurred_at: datetime, sla: Sla, now: datetime
) -> tuple[Score, LeadState]:
    """The lead's new score, stored, and its lifecycle state as a score change needs it (no clocks: a
    score only moves a lead that has none open). The lead's row is locked on PostgreSQL, so that two
    touchpoints of one lead at once add up instead of one overwriting the other."""
    row = queries.lead_for_scoring(conn, lead_id)
    lead = lead_state_of(row)
    stored = StoredScore.of(row.engagement_state, row.fit_score, row.score_reasons, row.email, row.predicted)
    score, stored = after_touchpoint(sla.scoring, stored, kind, occurred_at, now)
    key = rules_key(sla.scoring.engagement)
    queries.store_score(conn, lead_id, **score_columns(score, stored.state, key), now=now, cause="touchpoint")
    return score, lead


# --- every lead at once ---------------------------------------------------------------------------------


@dataclass
class RescoreSummary:
    leads: int = 0
    touchpoints: int = 0
    qualified: int = 0  # became MQL
    recycled: int = 0  # came back from nurture
    rewritten: int = 0  # leads whose engagement state or reasons changed, written anew (the rest only decayed)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def competitor_penalties(sla: Sla, emails: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Per lead of ``emails``: the SLA's points for an e-mail at a competitor's domain, else 0."""
    engagement = sla.scoring.engagement
    if engagement is None or engagement.competitors is None:
        return np.zeros(len(emails))
    domains = pc.utf8_lower(pc.utf8_trim_whitespace(pc.fill_null(emails, "")))
    domain = pc.struct_field(pc.extract_regex(domains.combine_chunks(), r"@(?P<d>[^@]+)$"), [0])
    wanted = pa.array([d.strip().lower() for d in engagement.competitors.domains], pa.string())
    hit = pc.fill_null(pc.is_in(domain, value_set=wanted), False).to_numpy(zero_copy_only=False)
    return np.where(hit, float(engagement.competitors.points), 0.0)


def rescore_all(
    engine: Engine,
    *,
    contract: Contract,
    now: datetime,
    progress: Progress | None = None,
    mirror_root: Path | None = None,
) -> RescoreSummary:
    """Recompute every lead's scores in one pass, store them with their reasons, qualify who now qualifies.

    With ``mirror_root`` the touchpoints are read from the analytical mirror there, brought up to date
    first (only what is new is copied): reading Parquet is several times faster than reading the store."""
    with reusing_freed_memory():
        return _rescore_all(engine, contract, now, progress, mirror_root)


def _rescore_all(
    engine: Engine, contract: Contract, now: datetime, progress: Progress | None, mirror_root: Path | None
) -> RescoreSummary:
    started = time.perf_counter()
    say = progress or (lambda _step: None)
    sla = contract.sla
    engagement = sla.scoring.engagement
    kinds = sorted(engagement.touchpoints) if engagement is not None else []
    # The touchpoints counted are those that arrived up to ``through``, and the mark of touchpoints scored
    # is set there with the scores, so that the scoring of new ones starts after it. Fixed before the leads
    # are read, so that every lead those touchpoints name is read too.
    through = _counted_through(engine, engagement is not None, mirror_root, say)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="revbridge-leads") as reader:
        # The leads are read (by a child process) while the touchpoints are read and weighed.
        say("reading leads and touchpoints")
        reading = reader.submit(read_leads_for_scoring, engine, [rule.field for rule in sla.scoring.fit])
        batch, touchpoints = _engagement(engine, engagement, kinds, now, mirror_root, through, say)
        leads, aliases = reading.result()
    ids = leads.column("id").to_numpy().astype(np.int64)
    summary = RescoreSummary(leads=len(ids), touchpoints=touchpoints)
    say("fit rules")
    fit, matched = fit_points(sla.scoring.fit, leads, aliases)
    penalty = competitor_penalties(sla, leads.column("email"))
    engaged = penalty.copy()
    if batch is not None:
        engaged += batch.totals(ids)
    predicted = pc.fill_null(pc.cast(leads.column("predicted"), pa.float64()), float("nan")).to_numpy(
        zero_copy_only=False
    )
    combined = fit + engaged
    if sla.scoring.predictive_weight is not None:
        weight = sla.scoring.predictive_weight
        combined = np.where(np.isnan(predicted), combined, (1 - weight) * combined + weight * 100 * predicted)
    say("writing scores")
    digests = _digests(ids, batch, kinds, rules_key(engagement))
    stored = LeadScores(
        ids,
        fit,
        matched,
        engaged,
        penalty,
        combined,
        batch,
        kinds,
        digests,
        pc.cast(leads.column("stored_digest"), pa.int64()),
        pc.cast(leads.column("stored_reasons"), pa.string()),
    )
    summary.rewritten = write_scores(engine, sla, stored, now, mark=through)
    say("qualifying")
    scores = {"fit": fit, "engagement": engaged, "score": combined, "p_convert": predicted}
    stages = leads.column("stage").to_numpy(zero_copy_only=False)
    _qualify(engine, contract, ids, stages, scores, now, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _digests(ids: Ints, batch: BatchEngagement | None, kinds: list[str], key: int) -> Ints:
    """Each lead's state's digest (``domain.score_digest``); an empty state's for leads without touchpoints."""
    if batch is None:
        return batch_digests(ids, *(np.zeros(0, dtype=np.int64),) * 4, np.zeros(0), kinds, key)
    return batch_digests(ids, batch.lead, batch.kind, batch.count, batch.window, batch.earned_in_window, kinds, key)


def _counted_through(engine: Engine, engaged: bool, mirror_root: Path | None, say: Progress) -> int:
    """The last arrival a rescoring counts: the mirror's watermark once it is brought up to date (it
    holds every touchpoint up to it), or the store's highest settled arrival."""
    if engaged and mirror_root is not None:
        say("bringing the mirror up to date")
        mirror.sync(engine, mirror_root, tables=("touchpoints",), snapshots=())
        return mirror.watermark(mirror_root, "touchpoints")
    through = settled_arrival(engine)
    assert through is not None  # waited for as long as it took
    return through


def _engagement(
    engine: Engine,
    engagement: Engagement | None,
    kinds: list[str],
    now: datetime,
    mirror_root: Path | None,
    through: int,
    say: Progress,
) -> tuple[BatchEngagement | None, int]:
    """Every touchpoint's points, decayed and capped, per (lead, type), and how many touchpoints were
    scored: read from the mirror at ``mirror_root`` (brought up to date already) or from the store, up
    to arrival ``through``."""
    if engagement is None:
        return None, 0
    if mirror_root is not None:
        touchpoints = mirror.scored_touchpoints(mirror_root, kinds)
    else:
        touchpoints = read_scored_touchpoints(engine, kinds, through=through)
    count = touchpoints.num_rows
    if not count:
        return None, 0
    say("engagement")
    # Columns out one at a time, the Arrow table dropped before the engagement's own arrays are made:
    # at 16.7 million touchpoints each copy is 130 MB, and the peak is what the memory goal counts.
    lead = touchpoints.column("lead_id").to_numpy().astype(np.int64, copy=False)
    touchpoints = touchpoints.drop_columns(["lead_id"])
    code = touchpoints.column("kind").to_numpy().astype(np.int64, copy=False)
    touchpoints = touchpoints.drop_columns(["kind"])
    seconds = touchpoints.column("seconds").to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    del touchpoints
    with ThreadPoolExecutor(max_workers=ENGAGEMENT_THREADS, thread_name_prefix="revbridge-engagement") as pool:
        batch = batch_engagement_in_parts(engagement, kinds, lead, code, seconds, now.timestamp(), map_parts=pool.map)
    return batch, count


def _qualify(
    engine: Engine,
    contract: Contract,
    ids: np.ndarray[Any, np.dtype[np.int64]],
    stages: np.ndarray[Any, Any],
    scores: dict[str, np.ndarray[Any, np.dtype[np.float64]]],
    now: datetime,
    summary: RescoreSummary,
) -> None:
    """The leads whose condition now holds go through the lifecycle: each decided by ``domain.lifecycle``
    and persisted as one event is (transition, clocks, routing, notifications), ``QUALIFY_CHUNK`` leads
    to a transaction, their states read together, under the write lock (row locks on PostgreSQL), written
    together by ``persist_all``."""
    sla = contract.sla
    before_mql = [s for s in sla.stage_order if sla.allowed(s, MQL)]
    mql = condition_mask(sla.qualification.mql, scores, len(ids)) & np.isin(stages, before_mql)
    back = condition_mask(sla.recycling.reenter_when, scores, len(ids)) & (stages == NURTURE)
    candidates = np.flatnonzero(mql | back).tolist()
    if not candidates:
        return
    people: People | None = None
    for start in range(0, len(candidates), QUALIFY_CHUNK):
        part = candidates[start : start + QUALIFY_CHUNK]
        with writing(engine).begin() as conn:
            people = people or People.load(conn)  # once for all: each hand-off updates it as it routes
            states = read_states(conn, [int(ids[i]) for i in part], lock=True)
            decided = []
            for i in part:
                state = states.get(int(ids[i]))
                if state is None:  # deleted since it was scored
                    continue
                decided.append((state, decide(state, Scored(_score_of(scores, i), now), sla, contract.clock)))
            persist_all(conn, decided, contract, at=now, people=people)
        for _, decision in decided:
            if decision.transition is not None:
                summary.qualified += int(not decision.recycled)
                summary.recycled += int(decision.recycled)


def _score_of(scores: dict[str, np.ndarray[Any, np.dtype[np.float64]]], i: int) -> Score:
    p_convert = float(scores["p_convert"][i])
    return Score(
        float(scores["fit"][i]),
        float(scores["engagement"][i]),
        None if np.isnan(p_convert) else p_convert,
        float(scores["score"][i]),
        (),
    )
