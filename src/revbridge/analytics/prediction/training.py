"""Training the predictive score on the store's own history, and scoring the leads with it.

**Label**: became an opportunity within 90 days of becoming an MQL (the defaults; the SLA may name
other stages and another horizon). **Rows**: every lead that became an MQL before ``until`` and whose
outcome is known by then, described as it stood when it became an MQL (``analytics/training_set.py``).
**Split in time**: the model learns from the earlier 80% of those leads and is measured on the later
20%, as it will be used: on leads it has not seen, after the ones it learned from. The figures
(ROC AUC, PR AUC, Brier, and the base rate) are of that later part. The model kept is the one measured.

**Scoring** (``predict``): every lead, as it stands at ``at``, by the same features and the saved
model; each with its probability of converting and its top reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from revbridge.analytics.prediction.metrics import brier, pr_auc, roc_auc
from revbridge.analytics.prediction.model import LeadModel, Reason
from revbridge.analytics.prediction.saved_model import SavedModel
from revbridge.analytics.source import Source
from revbridge.analytics.training_set import (
    Vocabulary,
    lead_features,
    split_in_time,
    training_set,
    vocabulary_of,
)
from revbridge.domain.errors import InvalidInput

TEST_SHARE = 0.2


@dataclass(frozen=True)
class Label:
    """What the score predicts: reaching ``outcome`` within ``horizon`` of reaching ``scored``."""

    scored: str = "mql"
    outcome: str = "opportunity"
    horizon: timedelta = timedelta(days=90)

    def __str__(self) -> str:
        return f"{self.outcome} within {self.horizon.days} days of {self.scored}"


@dataclass(frozen=True)
class Trained:
    """A model and what it is worth: the label, the moments of the leads it learned from and was
    measured on, and the figures on the later part."""

    model: SavedModel
    vocabulary: Vocabulary
    label: Label
    learned_from: tuple[datetime, datetime]
    measured_on: tuple[datetime, datetime]
    metrics: dict[str, float] = field(default_factory=dict)
    spread: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())  # ``deciles`` of its scores, measured

    def description(self) -> dict[str, Any]:
        """Everything but the trees, as JSON-able data."""
        return {
            "label": str(self.label),
            "scored": self.label.scored,
            "outcome": self.label.outcome,
            "horizon_days": self.label.horizon.days,
            "learned_from": [m.isoformat() for m in self.learned_from],
            "measured_on": [m.isoformat() for m in self.measured_on],
            "metrics": self.metrics,
            "spread": {"cuts": list(self.spread[0]), "shares": list(self.spread[1])},
            "vocabulary": {"types": list(self.vocabulary.kinds), "channels": list(self.vocabulary.channels)},
        }


class NotEnoughHistory(InvalidInput):
    """Too few known outcomes to learn from or to measure on."""


def train(source: Source, *, until: datetime, label: Label = Label(), seed: int = 0) -> Trained:
    """Learn the score from the leads scored before ``until`` (see the module's text)."""
    rows = training_set(source, until=until, scored=label.scored, outcome=label.outcome, horizon=label.horizon)
    learn, measure = split_in_time(rows, TEST_SHARE)
    converted = rows.converted
    for part, name in ((learn, "learn from"), (measure, "measure on")):
        if len(part) == 0 or converted[part].all() or not converted[part].any():
            raise NotEnoughHistory(
                f"{len(rows.lead_ids):,} leads reached {label.scored} with a known outcome "
                f"({int(converted.sum()):,} reached {label.outcome} within {label.horizon.days} days): too few "
                f"to {name}, which needs leads that did and leads that did not. Import more history (an "
                f"outcome is known {label.horizon.days} days after a lead is scored), or train with a later "
                "--until or a shorter --horizon."
            )
    model = LeadModel(seed=seed).fit(rows.features.iloc[learn], converted[learn])
    p = model.predict_proba(rows.features.iloc[measure])
    truth = converted[measure]
    metrics = {
        "roc_auc": roc_auc(truth, p),
        "pr_auc": pr_auc(truth, p),
        "brier": brier(truth, p),
        "base_rate": float(truth.mean()),
        "learned_from_leads": float(len(learn)),
        "measured_on_leads": float(len(measure)),
    }
    moments = rows.scored_at
    return Trained(
        SavedModel.of(model),
        vocabulary_of(rows.features),
        label,
        (moments.iloc[learn].min().to_pydatetime(), moments.iloc[learn].max().to_pydatetime()),
        (moments.iloc[measure].min().to_pydatetime(), moments.iloc[measure].max().to_pydatetime()),
        metrics,
        deciles(p),
    )


def deciles(probability: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """How a set of scores is spread: the nine cuts between its tenths, and the share of the scores in
    each of the ten bins they make (a tenth each, unless scores tie at a cut)."""
    cuts = np.quantile(probability, np.linspace(0.1, 0.9, 9))
    counts = np.bincount(np.searchsorted(cuts, probability, side="right"), minlength=len(cuts) + 1)
    return tuple(float(c) for c in cuts), tuple(float(c) for c in counts / max(len(probability), 1))


@dataclass(frozen=True)
class Predictions:
    """Per lead: its probability of converting, and its top reasons (None where not asked for)."""

    lead_ids: np.ndarray
    probability: np.ndarray
    reasons: list[list[Reason] | None]

    def spread(self) -> dict[str, float | None]:
        """How the probabilities are spread: their mean and their 10th, 50th and 90th percentiles."""
        p = self.probability
        if len(p) == 0:
            return {"mean_p_convert": None, "p_convert_p10": None, "p_convert_p50": None, "p_convert_p90": None}
        p10, p50, p90 = (round(float(v), 4) for v in np.quantile(p, [0.1, 0.5, 0.9]))
        return {
            "mean_p_convert": round(float(p.mean()), 4),
            "p_convert_p10": p10,
            "p_convert_p50": p50,
            "p_convert_p90": p90,
        }


REASONS = ("open", "all", "none")
CLOSED = ("opportunity", "customer", "disqualified")  # no longer anyone's to qualify: no reasons by default
REASON_CHUNK = 2_000


def predict(
    source: Source,
    model: SavedModel,
    vocabulary: Vocabulary,
    *,
    at: datetime,
    reasons: str = "open",
    progress: Callable[[int, int], None] | None = None,
) -> Predictions:
    """Every lead as it stands at ``at``, scored by ``model``; the top reasons of the leads ``reasons``
    says: ``open`` (not yet an opportunity, a customer or disqualified), ``all`` or ``none``. Reasons
    cost far more than the probability (TreeSHAP over every tree: about 0.6 ms a lead against 0.02 ms),
    so they are computed a chunk at a time, reporting ``progress(done, total)``."""
    if reasons not in REASONS:
        raise InvalidInput(f"reasons for {reasons!r}? say one of {', '.join(REASONS)}")
    leads = source.table("leads")
    read = source.arrow(leads.select("id", "stage"))
    order = np.argsort(read.column("id").to_numpy(), kind="stable")
    ids = read.column("id").to_numpy().astype(np.int64)[order]
    stage = read.column("stage").to_numpy(zero_copy_only=False)[order]
    moment = np.full(len(ids), int(at.timestamp()), dtype=np.int64)
    frame = lead_features(source, leads.id, ids, moment, vocabulary)
    scorer = model.scorer()
    probability = scorer.probability(frame)
    wanted = {
        "all": np.arange(len(ids)),
        "open": np.flatnonzero(~np.isin(stage, CLOSED)),
        "none": np.zeros(0, dtype=np.int64),
    }[reasons]
    explained: list[list[Reason] | None] = [None] * len(ids)
    for start in range(0, len(wanted), REASON_CHUNK):
        part = wanted[start : start + REASON_CHUNK]
        for position, found in zip(part, scorer.reasons(frame.iloc[part]), strict=True):
            explained[position] = found
        if progress is not None:
            progress(start + len(part), len(wanted))
    return Predictions(ids, probability, explained)


def vocabulary_of_description(description: dict[str, Any]) -> Vocabulary:
    """The vocabulary a stored model's description holds (``Trained.description``)."""
    words = description["vocabulary"]
    return Vocabulary(tuple(words["types"]), tuple(words["channels"]))


def reasons_frame(predictions: Predictions) -> pd.DataFrame:
    """The reasons as rows: lead, rank, feature, value, contribution (log odds)."""
    rows = [
        {"lead_id": int(lead), "rank": rank, "feature": r.feature, "value": r.value, "contribution": r.contribution}
        for lead, reasons in zip(predictions.lead_ids, predictions.reasons, strict=True)
        for rank, r in enumerate(reasons or [], start=1)
    ]
    return pd.DataFrame(rows, columns=["lead_id", "rank", "feature", "value", "contribution"])
