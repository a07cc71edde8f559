"""A trained score as plain data, to store and to score with later: LightGBM's own text form of the trees
(with the categories it learned), the calibration's steps, and the columns in order. No pickle: a
saved model still loads after scikit-learn or Python is upgraded, and it can be read.

Scoring needs LightGBM only: the trees' raw score (log odds, what the calibration maps), then the
isotonic calibration as the piecewise linear map through its steps (what ``IsotonicRegression``
computes, clipped at the ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import Booster

from revbridge.analytics.prediction.model import LeadModel, Reason, reasons_of

FORMAT = 1


@dataclass(frozen=True)
class SavedModel:
    """What scores a lead: ``columns`` in order, the trees as LightGBM text, the calibration's steps."""

    columns: tuple[str, ...]
    trees: str
    steps_x: tuple[float, ...]
    steps_y: tuple[float, ...]

    @classmethod
    def of(cls, model: LeadModel) -> SavedModel:
        if model.isotonic is None:
            raise ValueError("fit the model first")
        isotonic = model.isotonic
        return cls(
            model.columns,
            model.trees.booster_.model_to_string(),
            tuple(float(x) for x in isotonic.X_thresholds_),
            tuple(float(y) for y in isotonic.y_thresholds_),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "columns": list(self.columns),
            "trees": self.trees,
            "calibration": {"x": list(self.steps_x), "y": list(self.steps_y)},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SavedModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"a saved model of format {data.get('format')!r}; this version reads {FORMAT}")
        steps = data["calibration"]
        return cls(tuple(data["columns"]), data["trees"], tuple(steps["x"]), tuple(steps["y"]))

    def scorer(self) -> Scorer:
        return Scorer(self, Booster(model_str=self.trees))


@dataclass(frozen=True)
class Scorer:
    """A saved model loaded: the calibrated probability of each row of a frame, and its reasons."""

    saved: SavedModel
    booster: Booster

    def _coded(self, frame: pd.DataFrame) -> pd.DataFrame:
        coded = frame.reindex(columns=list(self.saved.columns))
        coded.columns = [f"f{i}" for i in range(len(self.saved.columns))]
        return coded

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        raw = np.asarray(self.booster.predict(self._coded(frame), raw_score=True), dtype=float)
        calibrated: np.ndarray = np.interp(raw, self.saved.steps_x, self.saved.steps_y)
        return calibrated

    def reasons(self, frame: pd.DataFrame, *, top: int = 3) -> list[list[Reason]]:
        raw = np.asarray(self.booster.predict(self._coded(frame), pred_contrib=True), dtype=float)
        return reasons_of(raw, self.saved.columns, frame, top)
