"""Trying an SLA on the stored history before both teams sign it: ``sla simulate`` and ``sla suggest-threshold``.

Reads what the replay needs the way a batch rescoring reads it (``store/score_batches``: the leads'
fit-rule fields, model score and e-mail through ADBC; the fit rules over whole columns by
``services/fit_columns``, the competitors' points as ``rescore_all`` gives them), every touchpoint and
the lifecycle's history (``store/simulation_reads``); replays and compares in ``domain/`` (``sla_replay``,
``sla_whatif``, ``threshold_sweep``). Nothing is written.

It lives with the services, not the analytics: its inputs are the rescoring's own (the same reads and
the same column rules, so a replay scores exactly as the engine does), and ``services/fit_columns`` is
a service; the history it needs is per lead (who, when), read in bulk, not an aggregate.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Engine

from revbridge.domain.errors import InvalidInput
from revbridge.domain.lifecycle import CUSTOMER, MQL, OPPORTUNITY, SQL
from revbridge.domain.scoring_batch import Floats, Ints
from revbridge.domain.sla import Sla
from revbridge.domain.sla_replay import Touches, TouchScores, exact_between_touches, first_moments, touch_scores
from revbridge.domain.sla_whatif import Events, History, WhatIf, Window, what_if
from revbridge.domain.threshold_sweep import (
    SWEPT,
    SweepRow,
    current_threshold,
    expected_outcomes,
    main_score,
    propose,
    sweep,
    thresholds,
)
from revbridge.services.fit_columns import fit_points
from revbridge.services.scoring import competitor_penalties
from revbridge.store.score_batches import read_leads_for_scoring
from revbridge.store.simulation_reads import read_history, read_touch_moments

OTHER_TYPE = "(not scored)"


@dataclass
class Replayed:
    """Every lead (sorted ids) and its scores after each of its touchpoints, under one SLA."""

    ids: Ints
    p_convert: Floats
    scored: TouchScores
    touchpoints: int
    seconds: dict[str, float] = field(default_factory=dict)


def replay(engine: Engine, sla: Sla) -> Replayed:
    """Read the leads and every touchpoint, and score each touchpoint's lead just after it under ``sla``."""
    started = time.perf_counter()
    engagement = sla.scoring.engagement
    kinds = sorted(engagement.touchpoints) if engagement is not None else []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="revbridge-whatif") as reader:
        reading = reader.submit(read_leads_for_scoring, engine, [rule.field for rule in sla.scoring.fit])
        touches = read_touch_moments(engine, kinds)
        leads, aliases = reading.result()
    read_at = time.perf_counter()
    ids = leads.column("id").to_numpy().astype(np.int64)
    fit, _ = fit_points(sla.scoring.fit, leads, aliases)
    penalty = competitor_penalties(sla, leads.column("email"))
    p_convert = _floats(leads.column("predicted"))
    place, known = _places(ids, touches.column("lead_id"))  # an event of no stored lead is left out
    moments = Touches(
        place[known],
        touches.column("kind").to_numpy().astype(np.int64)[known],
        _floats(touches.column("seconds"))[known],
    )
    scored = touch_scores(sla.scoring, [*kinds, OTHER_TYPE], moments, fit, penalty, p_convert)
    done = time.perf_counter()
    return Replayed(ids, p_convert, scored, len(moments.lead), {"read": read_at - started, "replay": done - read_at})


def _places(ids: Ints, lead_id: pa.ChunkedArray) -> tuple[Ints, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Where each of ``lead_id`` is in the sorted ``ids``, and whether it is there at all."""
    wanted = lead_id.to_numpy().astype(np.int64)
    place = np.searchsorted(ids, wanted)
    found = place < len(ids)
    found[found] = ids[place[found]] == wanted[found]
    return place, found


def _floats(column: pa.ChunkedArray | pa.Array) -> Floats:
    values: Floats = (
        pc.fill_null(pc.cast(column, pa.float64()), float("nan")).to_numpy(zero_copy_only=False).astype(np.float64)
    )
    return values


def history(engine: Engine, ids: Ints) -> History:
    """Who entered MQL, SQL, opportunity and customer when, and sales' verdicts, for the leads ``ids``."""
    moves, judged = read_history(engine, [MQL, SQL, OPPORTUNITY, CUSTOMER])

    def events(table: pa.Table, keep: np.ndarray[Any, np.dtype[np.bool_]] | None = None) -> tuple[Events, Ints]:
        place, mine = _places(ids, table.column("lead_id"))
        if keep is not None:
            mine &= keep
        return Events(place[mine], _floats(table.column("seconds"))[mine]), np.flatnonzero(mine)

    stage = moves.column("to_stage").to_numpy(zero_copy_only=False).astype(str)
    entered: dict[str, Events] = {}
    for name in (SQL, OPPORTUNITY, CUSTOMER):
        entered[name], _ = events(moves, stage == name)
    mql, rows = events(moves, stage == MQL)
    version = moves.column("sla_version").to_numpy(zero_copy_only=False).astype(np.int64)[rows]
    verdict, rows = events(judged)
    accepted = judged.column("accepted").to_numpy(zero_copy_only=False).astype(np.int64)[rows] == 1
    return History(mql, version, verdict, accepted, entered)


def simulate(
    engine: Engine, sla: Sla, *, since: datetime, until: datetime, per: str
) -> tuple[WhatIf, dict[str, float]]:
    """The proposed SLA's MQLs in [since, until) beside the actual ones, and what became of them
    (``domain/sla_whatif``); and how long each step took, in seconds."""
    _check_window(since, until)
    replayed = replay(engine, sla)
    started = time.perf_counter()
    proposed_at = first_moments(sla.qualification.mql, replayed.scored, len(replayed.ids), until=until.timestamp())
    caveat = exact_between_touches(sla.scoring, sla.qualification.mql)
    past = history(engine, replayed.ids)
    report = what_if(
        proposed_at,
        past,
        Window(since, until),
        per=per,
        commitments=sla.commitments,
        caveats=[caveat] if caveat else [],
    )
    timings = {**replayed.seconds, "compare": time.perf_counter() - started}
    return report, {**timings, "leads": float(len(replayed.ids)), "touchpoints": float(replayed.touchpoints)}


@dataclass
class Suggestion:
    on: str
    per: str
    capacity: float
    since: datetime
    until: datetime
    current: float | None
    rows: list[SweepRow]
    proposal: SweepRow | None
    chances: dict[str, int]  # how many leads' chance came from p_convert, the actual outcome, a band's rate
    caveats: list[str]
    seconds: dict[str, float]


def suggest_threshold(
    engine: Engine,
    sla: Sla,
    *,
    since: datetime,
    until: datetime,
    per: str,
    capacity: float,
    on: str | None = None,
    step: float | None = None,
) -> Suggestion:
    """Sweep the MQL condition's threshold on ``on`` (``domain/threshold_sweep``) and propose one."""
    _check_window(since, until)
    condition = sla.qualification.mql
    on = on or main_score(condition)
    if on is None or current_threshold(condition, on) is None:
        compared = ", ".join(sorted({c.name for c in condition.comparisons()}))
        raise InvalidInput(
            f"the MQL condition {condition.pretty()} has no '{on or 'score'} >= N' to sweep; "
            f"sweep one of the scores it compares with >= or > ({compared}) with --on {'|'.join(SWEPT)}"
        )
    replayed = replay(engine, sla)
    started = time.perf_counter()
    leads = len(replayed.ids)
    low, high = since.timestamp(), until.timestamp()
    scored = replayed.scored
    in_window = (scored.seconds >= low) & (scored.seconds < high)
    peak = np.full(leads, -np.inf)
    np.maximum.at(peak, scored.lead[in_window], scored.scores[on][in_window])
    peak[np.isinf(peak)] = np.nan
    past = history(engine, replayed.ids)
    handed = np.zeros(leads, dtype=bool)
    handed[past.mql.within(low, high).lead] = True
    converted = np.zeros(leads, dtype=bool)
    for name in (OPPORTUNITY, CUSTOMER):
        converted[past.entered[name].within(low, high).lead] = True
    chance = expected_outcomes(replayed.p_convert, handed, converted, peak)
    current = current_threshold(condition, on)
    grid = thresholds(scored.scores[on][in_window], step=step, current=current)
    window = Window(since, until)
    rows = sweep(condition, on, grid.tolist(), scored, leads, window, per, chance, capacity)
    has_p = ~np.isnan(replayed.p_convert)
    chances = {
        "p_convert": int(has_p.sum()),
        "actual outcome": int((handed & ~has_p).sum()),
        "band rate": int((~handed & ~has_p).sum()),
    }
    caveat = exact_between_touches(sla.scoring, condition)
    seconds = {**replayed.seconds, "sweep": time.perf_counter() - started}
    return Suggestion(
        on, per, capacity, since, until, current, rows, propose(rows), chances, [caveat] if caveat else [], seconds
    )


def _check_window(since: datetime, until: datetime) -> None:
    if until <= since:
        raise InvalidInput(f"--until ({until.isoformat()}) must come after --since ({since.isoformat()})")
