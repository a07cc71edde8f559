"""The rows a predictive lead score learns from: one per lead that reached the scoring stage (by default,
MQL) before ``until``, described as it stood at that moment, and whether it went on to the outcome stage
(by default, opportunity) within the horizon (by default, 90 days).

- **Scored at**: the lead's first transition into the scoring stage. Its features are what it was
  (the fit fields on the lead: country, region, industry, employees, annual revenue, job title, lead
  source) and what it had done by then (``domain/lead_features.py``: touches by window, type and
  channel, recency, velocity), from nothing after that moment.
- **Outcome**: its first transition into the outcome stage, if within the horizon after it was scored.
  A lead scored less than a horizon before ``until`` has no known outcome yet and is left out.
- **Split in time**: ``split_in_time`` trains on the earlier leads and tests on the later ones, as the
  model will be used: on leads it has not seen, after the ones it learned from.

The fit fields are the lead's current values: the store keeps no history of them, so a field changed
after the scoring moment would leak; the SLA's fit fields are ones set when a lead arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revbridge.analytics.journey_steps import NEVER, index_of, micros, micros_of
from revbridge.analytics.source import Source
from revbridge.domain.lead_features import RECENT, Touches, features_as_of, outcome_within

NONE = "(none)"
RECENT_SUFFIX = f"_{RECENT}d"
FIT_FIELDS = ("country", "region", "industry", "employees", "annual_revenue", "job_title", "lead_source")
SECOND = 1_000_000


@dataclass(frozen=True)
class Vocabulary:
    """The touch types and the channels a model's features count."""

    kinds: tuple[str, ...]
    channels: tuple[str, ...]


@dataclass(frozen=True)
class TrainingSet:
    """Per lead with a known outcome: its id, when it was scored, its features and its outcome."""

    lead_ids: np.ndarray
    scored_at: pd.Series  # aware UTC
    features: pd.DataFrame  # fit fields (text as categories, numbers as floats) and behaviour
    converted: np.ndarray  # bool


def training_set(
    source: Source,
    *,
    until: datetime,
    scored: str = "mql",
    outcome: str = "opportunity",
    horizon: timedelta = timedelta(days=90),
    vocabulary: Vocabulary | None = None,
) -> TrainingSet:
    """The leads scored (first reached ``scored``) before ``until`` whose outcome is known by then; with
    a model's ``vocabulary``, described in that model's columns (see ``lead_features``)."""
    t = source.table("stage_transitions")
    t = t.filter(t.to_stage.isin([scored, outcome]) & (t.at < until))
    # A case with no else is nullable: ``min(where=)`` of a column that is never null is typed not null
    # by Ibis, and a lead with no outcome breaks the read.
    firsts = t.group_by(lead=t.lead_id).aggregate(
        scored_at=ibis.cases((t.to_stage == scored, t.at)).min(),
        reached=ibis.cases((t.to_stage == outcome, t.at)).min(),
    )
    firsts = firsts.filter(firsts.scored_at.notnull())
    moments = source.arrow(firsts)
    moments = moments.take(np.argsort(moments.column("lead").to_numpy(), kind="stable"))  # by lead, on any engine
    lead_ids = moments.column("lead").to_numpy().astype(np.int64)
    at = micros(moments.column("scored_at")) // SECOND
    reached = micros(moments.column("reached"))
    reached = np.where(reached == NEVER, -1, reached // SECOND)
    converted, known = outcome_within(at, reached, int(horizon.total_seconds()), micros_of(until) // SECOND)
    lead_ids, at, converted = lead_ids[known], at[known], converted[known]
    features = lead_features(source, firsts.lead, lead_ids, at, vocabulary)
    return TrainingSet(lead_ids, pd.Series(pd.to_datetime(at, unit="s", utc=True)), features, converted)


def lead_features(
    source: Source,
    scope: ir.Column,
    lead_ids: np.ndarray,
    at: np.ndarray,
    vocabulary: Vocabulary | None = None,
) -> pd.DataFrame:
    """The features of each of ``lead_ids`` as of its ``at`` (seconds since the epoch): its fit fields,
    and its behaviour by then from the touches of the leads in ``scope`` (an expression on the engine:
    no list of ids is sent to it). With a ``vocabulary`` (a trained model's), the touch types and
    channels are those, each counted even when no touch has it now, and others are left out."""
    behaviour = _behaviour(source, scope, lead_ids, at, vocabulary)
    return pd.concat([_fit(source, lead_ids), pd.DataFrame(behaviour)], axis=1)


def vocabulary_of(features: pd.DataFrame) -> Vocabulary:
    """The touch types and channels a feature frame counts, to build the same columns again."""
    names = [str(c) for c in features.columns]
    return Vocabulary(
        kinds=tuple(n[5:] for n in names if n.startswith("type:") and not n.endswith(RECENT_SUFFIX)),
        channels=tuple(n[8:] for n in names if n.startswith("channel:") and not n.endswith(RECENT_SUFFIX)),
    )


def split_in_time(rows: TrainingSet, test_share: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Row positions to train on (the earlier leads) and to test on (the last ``test_share`` of them by
    the moment they were scored)."""
    order = np.argsort(rows.scored_at.to_numpy(dtype="datetime64[ns]"), kind="stable")  # not Timestamps: 200x faster
    cut = len(order) - round(len(order) * test_share)
    return np.sort(order[:cut]), np.sort(order[cut:])


def _behaviour(
    source: Source, scope: ir.Column, lead_ids: np.ndarray, at: np.ndarray, vocabulary: Vocabulary | None
) -> dict[str, np.ndarray]:
    touchpoints = source.table("touchpoints")
    kept = touchpoints.filter(touchpoints.lead_id.isin(scope))
    touches = source.arrow(kept.select("lead_id", "occurred_at", "type", "channel"))
    lead = index_of(lead_ids, touches.column("lead_id").to_numpy().astype(np.int64))
    kinds, kind = _codes(touches.column("type"), None if vocabulary is None else vocabulary.kinds)
    channels, channel = _codes(touches.column("channel"), None if vocabulary is None else vocabulary.channels)
    moment = micros(touches.column("occurred_at")) // SECOND
    known = (lead >= 0) & (kind >= 0) & (channel >= 0)
    return features_as_of(Touches(lead[known], moment[known], kind[known], channel[known]), at, kinds, channels)


def _fit(source: Source, lead_ids: np.ndarray) -> pd.DataFrame:
    leads = source.table("leads")
    rows = source.arrow(leads.select("id", *FIT_FIELDS)).to_pandas()
    place = index_of(rows["id"].to_numpy().astype(np.int64), lead_ids)
    picked = rows.iloc[place].reset_index(drop=True).drop(columns="id")
    for name in FIT_FIELDS:
        column = picked[name]
        picked[name] = column.astype(float) if name in ("employees", "annual_revenue") else column.astype("category")
    return picked


def _codes(column: pa.ChunkedArray, names: tuple[str, ...] | None) -> tuple[list[str], np.ndarray]:
    """The distinct names of a text column (empty as "(none)"), sorted, or the ``names`` given, and each
    row's index into them (-1 for a name not among those given)."""
    text = pc.fill_null(pc.cast(column, pa.string()), NONE)
    encoded = pc.dictionary_encode(text).combine_chunks()
    found = [str(name) for name in encoded.dictionary.to_pylist()]
    chosen = sorted(found) if names is None else list(names)
    place = {name: number for number, name in enumerate(chosen)}
    mapping = np.array([place.get(name, -1) for name in found] or [-1], dtype=np.int64)
    return chosen, mapping[encoded.indices.to_numpy(zero_copy_only=False)]
