"""The SLA's rules score as a scorer: the points of the fit rules that hold on each lead, by the very
code that scores leads in production (``domain/scoring.fit_score``).

Points rank leads but are not a probability. For the Brier score and the calibration table they are
mapped to one by an isotonic fit of outcome on points over the training rows only: each points level
gets the conversion rate of the training leads at or near it (never decreasing in points). The ranking
metrics (ROC AUC, PR AUC, gain) use the points themselves, so the map can neither help nor hurt them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

from revbridge.domain.records import LeadRecord
from revbridge.domain.scoring import fit_score
from revbridge.domain.sla_sections import FitRule


def lead_fields(record: LeadRecord) -> dict[str, Any]:
    """What a fit rule reads of a lead: its fields by name, and ``properties``."""
    return {name: getattr(record, name) for name in LeadRecord.__dataclass_fields__}


def rule_points(rules: Sequence[FitRule], records: Sequence[LeadRecord]) -> np.ndarray:
    """Each lead's fit score: the sum of the points of the rules that hold on it."""
    return np.array([fit_score(rules, lead_fields(record))[0] for record in records], dtype=float)


def points_to_probability(train_points: np.ndarray, train_labels: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` as probabilities, by the isotonic map fitted on the training rows (clipped beyond them)."""
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(train_points, train_labels)
    return np.asarray(fitted.predict(points), dtype=float)
