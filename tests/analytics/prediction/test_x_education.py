"""The acceptance check on the real X Education export (skipped without the shared data sets, required
in CI): without the columns sales fills in after contact, the model beats the SLA's rules score and the
naive Bayes baseline on ROC AUC and on Brier score."""

from __future__ import annotations

from pathlib import Path

import pytest

from revbridge.analytics.prediction.export_evaluation import evaluate_export
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[3]
AFTER_CONTACT = [
    "Lead Number", "Tags", "Lead Quality", "Last Activity", "Last Notable Activity", "Lead Profile",
    "Asymmetrique Activity Index", "Asymmetrique Profile Index", "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
]  # fmt: skip


@pytest.mark.datasets
@pytest.mark.slow
def test_the_model_beats_rules_and_naive_bayes_before_contact(datasets: Path) -> None:
    csv = datasets / "x-education-leads" / "Leads.csv"
    if not csv.is_file():
        if IN_CI:
            pytest.fail(f"{csv} is required in CI")
        pytest.skip(f"{csv} not found")
    result = evaluate_export(
        csv,
        ROOT / "examples" / "mappings" / "x-education.yaml",
        "Converted",
        exclude=AFTER_CONTACT,
        sla=ROOT / "examples" / "x-education-sla.yaml",
    ).as_json()
    assert (result["rows"], result["positives"]) == (9240, 3561)
    for other in ("rules", "naive_bayes"):
        assert result["model"]["roc_auc"] > result[other]["roc_auc"], other
        assert result["model"]["brier"] < result[other]["brier"], other
