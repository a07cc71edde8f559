"""Writing a batch rescoring back: every lead's scores, and the reasons and engagement state that changed.

Every lead's numbers are written (decay moves them all). Its reasons and state are written only when
they differ from what its row holds: the reasons as text, the state by its digest
(``domain.score_digest``), since a state that only decayed is exact as stored, at its earlier reference.
On a night when the worker has scored each day's touchpoints as they came, that leaves the wide lead rows
alone but for the leads whose fields an import changed.

The reasons (``[[rule, points], ...]``, as ``domain.scoring.reasons_to_store`` keeps them: the fit lines
and the competitor line; the touchpoint types' lines are read from the state, taken to the scoring
moment) and the state (``EngagementState.to_json()``) are built as JSON text with Arrow compute,
never lead by lead in Python. Texts (rules, touchpoint types) are escaped once
by ``json.dumps``; only numbers vary per lead. The fit reasons of a lead depend only on which rules hold,
so each combination that occurs is written once and taken per lead; the competitor line likewise. Floats
are written as Python writes them when they are whole numbers below 1e16 (``10.0``), otherwise in Arrow's
shortest form that reads back as the same double (``1e-7`` where Python writes ``1e-07``): ``json.loads``
gives exactly what ``json.dumps`` of the same structures would have stored, and the text is mostly the
same bytes. A value that is not finite (never expected) is written ``null``: JSON has no NaN. All the text
is ASCII (``json.dumps`` escapes the rest).

Leads are built a chunk at a time in a worker thread (Arrow releases the GIL) while the previous chunk is
written, all in one transaction (``store.score_batches.update_lead_scores``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Engine

from revbridge.connectors.prefetch import prefetch
from revbridge.domain.scoring import FIT_LINE_HEAD
from revbridge.domain.scoring_batch import BatchEngagement, Bools, Floats, Ints
from revbridge.domain.sla import Sla
from revbridge.store.score_batches import update_lead_scores

CHUNK_LEADS = 50_000  # leads built and written at a time: bounds the memory their text takes
COMPETITOR = "engagement: e-mail from a competitor's domain"
_RULES_PER_CODE = 62  # fit rules folded into one int64 code of which rules hold
_NULL = pa.scalar("null", pa.string())


class ScoreChunk(NamedTuple):
    """A chunk of leads to write: every one's ``id`` and numbers (``store.score_batches.NUMBER_COLUMNS``),
    and the changed ones' ``STATE_COLUMNS`` and ``id``."""

    numbers: pa.Table
    states: pa.Table


@dataclass(frozen=True)
class LeadScores:
    """Every lead's scores as parallel arrays, ``ids`` ascending, and the engagement per (lead, type)."""

    ids: Ints
    fit: Floats
    matched: Sequence[Bools]  # per fit rule of the SLA, in its order: where it holds
    engagement: Floats  # the engagement score, the competitor's points included (as ``score_lead`` gives it)
    penalty: Floats  # the competitor points, 0 for most leads
    combined: Floats
    batch: BatchEngagement | None  # sorted by lead then type, as ``batch_engagement`` returns it
    kinds: Sequence[str]  # the touchpoint types ``batch.kind`` indexes, sorted by name
    digests: Ints  # of each lead's engagement state (``domain.score_digest``)
    stored_digests: pa.ChunkedArray  # what each lead's row holds of its last scoring: its state's digest
    stored_reasons: pa.ChunkedArray  # and its reasons, as JSON text


def write_scores(engine: Engine, sla: Sla, scores: LeadScores, now: datetime, *, mark: int | None = None) -> int:
    """Store every lead's scores, scored at ``now``, and the reasons and engagement state of those whose
    reasons or state's digest differ from what their row holds, in one transaction; with ``mark``, the
    mark of touchpoints scored is set to it in that transaction. How many leads' states were written."""
    if len(scores.ids) == 0:
        if mark is not None:
            update_lead_scores(engine, iter(()), now, mark=mark)
        return 0
    chunks = _Rows(sla, scores, now.astimezone(UTC)).chunks()
    return update_lead_scores(engine, chunks, now, ahead=prefetch, mark=mark)


def json_floats(values: Floats) -> pa.Array:
    """Each float as JSON text: ``10.0`` for whole numbers below 1e16 as Python writes them, otherwise the
    shortest text that reads back as the same double; ``null`` where not finite."""
    if len(values) == 0:
        return pa.array([], pa.string())
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        whole = finite & (np.abs(values) < 1e16) & (np.trunc(values) == values)
    text: pa.Array | None = None
    if whole.any():
        integers = pc.cast(pa.array(np.where(whole, values, 0.0).astype(np.int64)), pa.string())
        text = pc.binary_join_element_wise(integers, ".0", "")
    if not whole.all():
        shortest = pc.cast(pa.array(values, pa.float64()), pa.string())
        text = shortest if text is None else pc.if_else(pa.array(whole), text, shortest)
    assert text is not None
    if finite.all():
        return text
    return pc.if_else(pa.array(finite), text, _NULL)


def _json_float(value: float) -> str:
    return json.dumps(value) if np.isfinite(value) else "null"


class _Rows:
    """The rows to write, a chunk of leads at a time: the three scores, reasons and state as text, and id.

    Each (lead, type) gets its state entry as text, followed by ", " unless it is its lead's last; a lead's
    entries are then one run of bytes, which becomes the lead's string without copying.
    """

    def __init__(self, sla: Sla, scores: LeadScores, now: datetime) -> None:
        self.scores = scores
        self.batch = _known_leads(scores.batch, scores.ids)
        # Lead i's rows in ``batch`` are starts[i]:starts[i + 1]; ``more``: a row of the same lead follows.
        self.starts = np.zeros(len(scores.ids) + 1, dtype=np.int64)
        self.more = np.zeros(0, dtype=np.int64)
        if self.batch is not None:
            self.starts[:-1] = np.searchsorted(self.batch.lead, scores.ids, side="left")
            self.starts[-1] = len(self.batch.lead)
            self.more = np.append(self.batch.lead[1:] == self.batch.lead[:-1], False).astype(np.int64)
        self.fit_texts, self.fit_codes, self.fit_any = _fit_reasons(sla, scores.matched, len(scores.ids))
        # The competitor line ends the reasons: per distinct penalty, without and with the ", " before it.
        points, penalty_codes = np.unique(scores.penalty, return_inverse=True)
        self.penalty_codes = 2 * penalty_codes.reshape(-1).astype(np.int64)
        self.penalty_texts = pa.array(
            [
                text
                for p in points.tolist()
                for text in (
                    (
                        f"[{json.dumps(COMPETITOR)}, {_json_float(p)}]]",
                        f", [{json.dumps(COMPETITOR)}, {_json_float(p)}]]",
                    )
                    if p != 0
                    else ("]", "]")
                )
            ],
            pa.string(),
        )
        # The JSON of one (lead, type)'s state: constant parts around its numbers.
        self.state_heads = pa.array([json.dumps(name) + ": [" for name in scores.kinds], pa.string())
        self.separators = pa.array(["", ", "], pa.string())
        self.state_heads_by_types = pa.array(
            ['{"ref_at": null, "types": {', '{"ref_at": ' + json.dumps(now.isoformat()) + ', "types": {'], pa.string()
        )

    def chunks(self) -> Iterator[ScoreChunk]:
        """The chunks in lead order, each built in a worker thread while the one before is written."""
        size = len(self.scores.ids)
        # A small first chunk, so that writing starts soon.
        cuts = [0, *range(min(CHUNK_LEADS // 10, size), size, CHUNK_LEADS), size]
        bounds = [(lo, hi) for lo, hi in pairwise(cuts) if hi > lo]
        with ThreadPoolExecutor(1, thread_name_prefix="score-rows") as pool:
            pending: Future[ScoreChunk] = pool.submit(self.chunk, *bounds[0])
            for lo, hi in bounds[1:]:
                ready = pending.result()
                pending = pool.submit(self.chunk, lo, hi)
                yield ready
            yield pending.result()

    def chunk(self, lo: int, hi: int) -> ScoreChunk:
        """Leads ``lo:hi``: every one's numbers, and the reasons and state of those whose reasons or state's
        digest differ from what their row holds (the state's text is made for those alone)."""
        scores = self.scores
        # "[" and the fit reasons, then the competitor line (after ", " if a fit reason came before) and "]".
        reasons = pc.binary_join_element_wise(
            pc.take(self.fit_texts, pa.array(self.fit_codes[lo:hi])),
            pc.take(self.penalty_texts, pa.array(self.penalty_codes[lo:hi] + self.fit_any[lo:hi])),
            "",
        )
        digests = scores.digests[lo:hi]
        same = pc.and_(
            pc.fill_null(pc.equal(scores.stored_digests[lo:hi], pa.array(digests)), False),
            pc.fill_null(pc.equal(scores.stored_reasons[lo:hi], reasons), False),
        )
        ids = scores.ids[lo:hi]
        numbers = pa.table(
            {
                "id": pa.array(ids),
                "fit_score": pa.array(scores.fit[lo:hi]),
                "engagement_score": pa.array(scores.engagement[lo:hi]),
                "score": pa.array(scores.combined[lo:hi]),
            }
        )
        changed = np.flatnonzero(~same.to_numpy(zero_copy_only=False))
        states = pa.table(
            {
                "score_reasons": pc.take(reasons, pa.array(changed)),
                "engagement_state": self._states(lo, changed),
                "engagement_digest": pa.array(digests[changed]),
                "id": pa.array(ids[changed]),
            }
        )
        return ScoreChunk(numbers, states)

    def _states(self, lo: int, leads: Ints) -> pa.Array:
        """The engagement state as JSON text of each lead ``lo + i`` for ``i`` in ``leads`` (ascending)."""
        begins, ends = self.starts[lo + leads], self.starts[lo + leads + 1]
        counts = ends - begins
        bounds = np.zeros(len(leads) + 1, dtype=np.int64)
        np.cumsum(counts, out=bounds[1:])
        types = pa.repeat(pa.scalar("", pa.string()), len(leads))
        if self.batch is not None and bounds[-1] > 0:
            batch = self.batch
            # The rows of those leads, each lead's run whole (its last row ends without ", ").
            rows = np.arange(bounds[-1], dtype=np.int64) + np.repeat(begins - bounds[:-1], counts)
            kind = pa.array(batch.kind[rows])
            more = pc.take(self.separators, pa.array(self.more[rows]))
            count = pc.cast(pa.array(batch.count[rows]), pa.string())
            value = json_floats(batch.value[rows])
            window = batch.window[rows]
            windows = pc.if_else(pa.array(window < 0), _NULL, pc.cast(pa.array(window), pa.string()))
            earned = json_floats(batch.earned_in_window[rows])
            pieces = pc.binary_join_element_wise(
                pc.take(self.state_heads, kind), value, ", ", count, ", ", windows, ", ", earned, "]", more, ""
            )
            types = _runs(pieces, bounds)
        return pc.binary_join_element_wise(
            pc.take(self.state_heads_by_types, pa.array((counts > 0).astype(np.int64))), types, "}}", ""
        )


def _runs(pieces: pa.Array, bounds: Ints) -> pa.Array:
    """Strings each made of ``pieces[bounds[i]:bounds[i + 1]]`` end to end, sharing the pieces' bytes."""
    assert pieces.type == pa.string()
    assert pieces.null_count == 0
    _, offsets, data = pieces.buffers()
    positions = np.frombuffer(offsets, dtype=np.int32)[pieces.offset : pieces.offset + len(pieces) + 1]
    runs = np.ascontiguousarray(positions[bounds])
    return pa.StringArray.from_buffers(len(bounds) - 1, pa.py_buffer(runs), data)


def _fit_reasons(sla: Sla, matched: Sequence[Bools], size: int) -> tuple[pa.Array, Ints, Bools]:
    """The start of each lead's reasons, "[" and the reasons of the fit rules that hold, as one text per
    combination of rules that occurs; per lead, which combination (``texts.take(codes)``); and whether any
    rule holds."""
    entries = [json.dumps([f"{FIT_LINE_HEAD}{rule.describe()}", float(rule.points)]) for rule in sla.scoring.fit]
    combinations: list[list[str]] = [[]]
    codes = np.zeros(size, dtype=np.int64)
    for start in range(0, len(entries), _RULES_PER_CODE):
        group = entries[start : start + _RULES_PER_CODE]
        code = np.zeros(size, dtype=np.int64)
        for bit, mask in enumerate(matched[start : start + _RULES_PER_CODE]):
            code |= mask.astype(np.int64) << bit
        present, inverse = np.unique(code, return_inverse=True)
        # Every (combination of the groups before, combination of this group) that occurs.
        pairs, codes = np.unique(codes * len(present) + inverse.reshape(-1), return_inverse=True)
        combinations = [
            combinations[pair // len(present)]
            + [e for bit, e in enumerate(group) if int(present[pair % len(present)]) >> bit & 1]
            for pair in pairs.tolist()
        ]
        codes = codes.reshape(-1).astype(np.int64)
    texts = pa.array(["[" + ", ".join(c) for c in combinations], pa.string())
    holds = np.array([bool(c) for c in combinations], dtype=bool)
    return texts, codes, holds[codes]


def _known_leads(batch: BatchEngagement | None, ids: Ints) -> BatchEngagement | None:
    """``batch`` without rows of leads not in ``ids`` (a touchpoint of a lead deleted meanwhile)."""
    if batch is None or len(batch.lead) == 0 or len(ids) == 0:
        return None
    position = np.minimum(np.searchsorted(ids, batch.lead), len(ids) - 1)
    known = ids[position] == batch.lead
    if known.all():
        return batch
    return BatchEngagement(
        batch.lead[known],
        batch.kind[known],
        batch.value[known],
        batch.count[known],
        batch.window[known],
        batch.earned_in_window[known],
    )
