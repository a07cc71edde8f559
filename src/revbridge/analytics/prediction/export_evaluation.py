"""The whole offline evaluation of one CSV export: what ``revbridge model evaluate`` and
``benchmarks/leadscoring_real.py`` both run.

Read the export through its mapping, take the label, leave out the excluded columns, and cross-validate
on the same folds: ``model`` (calibrated LightGBM), ``naive_bayes`` (Odoo's way), and, given an SLA,
``rules`` (its fit rules' points).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from revbridge.analytics.prediction.evaluation import (
    Evaluation,
    Scorer,
    cross_validate,
    model_scorer,
    naive_bayes_scorer,
    rules_scorer,
)
from revbridge.analytics.prediction.exports import labelled, read_export
from revbridge.analytics.prediction.rules import rule_points
from revbridge.domain.errors import FieldError, ImportFileInvalid, SlaInvalid
from revbridge.domain.sla import Sla, load_sla


@dataclass(frozen=True)
class ExportEvaluation:
    """An evaluation and what it was run on."""

    evaluation: Evaluation
    file: str
    label: str
    rows: int  # leads with a label, the ones evaluated
    positives: int  # of which converted
    dropped: int  # leads without a label
    rejected: int  # rows the importer refused
    features: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "label": self.label,
            "folds": self.evaluation.folds,
            "seed": self.evaluation.seed,
            "rows": self.rows,
            "positives": self.positives,
            "dropped_without_label": self.dropped,
            "rejected_rows": self.rejected,
            "features": self.features,
            **self.evaluation.as_json(),
        }


def read_sla(path: Path) -> Sla:
    """An SLA file, checked by the SLA's own loader (every problem with its path and line)."""
    try:
        return load_sla(path.read_text(encoding="utf-8"), source=str(path))
    except FileNotFoundError:
        raise SlaInvalid([FieldError("(document)", "no such file")], str(path)) from None
    except UnicodeDecodeError:
        raise SlaInvalid([FieldError("(document)", "not UTF-8 text; save the file as UTF-8")], str(path)) from None


def evaluate_export(
    csv: Path,
    mapping: Path,
    label: str,
    *,
    exclude: Sequence[str] = (),
    folds: int = 5,
    seed: int = 0,
    sla: Path | None = None,
) -> ExportEvaluation:
    """Cross-validate the scorers on ``csv``; see the module's docstring."""
    contract = read_sla(sla) if sla is not None else None
    export = read_export(csv, mapping)
    data = labelled(export, label, exclude=exclude)
    if data.features.shape[1] == 0:
        raise ImportFileInvalid(str(csv), "no column is left to learn from; exclude fewer columns")
    scorers: dict[str, Scorer] = {"model": model_scorer(seed), "naive_bayes": naive_bayes_scorer()}
    if contract is not None:
        scorers["rules"] = rules_scorer(rule_points(contract.scoring.fit, data.records))
    positives = int(data.labels.sum())
    smaller = min(positives, len(data.labels) - positives)
    if not 2 <= folds <= smaller:
        raise ImportFileInvalid(
            str(csv), f"{folds} folds need at least {folds} leads of each outcome; the rarer one has {smaller}"
        )
    evaluation = cross_validate(data.features, data.labels, scorers, folds=folds, seed=seed)
    return ExportEvaluation(
        evaluation,
        str(csv),
        label,
        len(data.labels),
        positives,
        data.dropped,
        export.rejected,
        [str(c) for c in data.features.columns],
    )
