"""Keeping the predictive score: trained models by version, and every lead's probability and reasons.

Training and scoring are computed in ``analytics.prediction`` (from any engine); this side stores what
they give, as plain data: a model's description and its text, and per lead its probability, its top
reasons (``[[feature, value, log odds], ...]``) and the version that scored it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from revbridge.domain.errors import NotFound
from revbridge.store import predictions

Reason = tuple[str, Any, float]


@dataclass(frozen=True)
class StoredModel:
    version: int
    label: str
    trained_until: datetime
    created_at: datetime
    description: dict[str, Any]
    model: dict[str, Any] | None  # the text, parsed; None when listed without it

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "label": self.label,
            "trained_until": self.trained_until.isoformat(),
            "created_at": self.created_at.isoformat(),
            **self.description,
        }


def save_model(
    engine: Engine, *, label: str, trained_until: datetime, description: dict[str, Any], model: dict[str, Any]
) -> int:
    """Store a trained model as the next version; its version."""
    return predictions.insert_model(engine, label, trained_until, description, json.dumps(model))


def current_model(engine: Engine, version: int | None = None) -> StoredModel:
    """The model of ``version``, or the latest; says what to do when there is none."""
    row = predictions.model_row(engine, version)
    if row is None:
        which = f"version {version}" if version is not None else "a model"
        raise NotFound(f"there is no {which} yet: train one with `revbridge model train`")
    return _stored(row, json.loads(row["model"]))


def models(engine: Engine) -> list[StoredModel]:
    """Every stored model, latest first, without their text."""
    return [_stored(row, None) for row in predictions.model_rows(engine)]


def save_predictions(
    engine: Engine,
    version: int,
    at: datetime,
    ids: Sequence[int],
    probability: Sequence[float],
    reasons: Sequence[Sequence[Reason] | None],
) -> int:
    """Write each lead's probability and reasons (none where None), scored by model ``version`` at
    ``at``; how many leads."""
    texts = [
        None if lead is None else json.dumps([[feature, value, round(push, 6)] for feature, value, push in lead])
        for lead in reasons
    ]
    predictions.update_predictions(engine, version, at, ids, probability, texts)
    return len(ids)


def _stored(row: dict[str, Any], model: dict[str, Any] | None) -> StoredModel:
    return StoredModel(
        int(row["version"]), row["label"], row["trained_until"], row["created_at"], dict(row["description"]), model
    )
