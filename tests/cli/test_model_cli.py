"""``revbridge model evaluate`` on a small X Education-style export (invented rows, the real header)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from revbridge.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "x_education_leads_sample.csv"
MAPPING = ROOT / "examples" / "mappings" / "x-education.yaml"
SLA = ROOT / "examples" / "x-education-sla.yaml"
AFTER_CONTACT = "Tags,Lead Quality,Last Activity,Last Notable Activity,Lead Number"


def evaluate(*args: str) -> Result:
    return CliRunner().invoke(app, ["model", "evaluate", "--mapping", str(MAPPING), *args])


def test_json_gives_each_scorer_its_mean_figures_and_folds() -> None:
    result = evaluate(
        "--csv", str(SAMPLE), "--label", "Converted", "--exclude", AFTER_CONTACT,
        "--folds", "3", "--sla", str(SLA), "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["rows"], out["positives"], out["dropped_without_label"], out["folds"]) == (46, 30, 2, 3)
    assert "Tags" not in out["features"]
    for scorer in ("model", "naive_bayes", "rules"):
        assert set(out[scorer]) >= {"roc_auc", "pr_auc", "brier", "per_fold"}
        assert len(out[scorer]["per_fold"]) == 3
        assert 0 <= out[scorer]["brier"] <= 1


def test_without_an_sla_there_is_no_rules_score() -> None:
    result = evaluate("--csv", str(SAMPLE), "--label", "converted", "--folds", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "rules" not in json.loads(result.stdout)


def test_the_table_shows_the_scorers_and_the_models_gain() -> None:
    result = evaluate("--csv", str(SAMPLE), "--label", "Converted", "--folds", "3")
    assert result.exit_code == 0, result.output
    assert "46 leads (30 converted), 3-fold cross-validation" in " ".join(result.stdout.split())
    assert "naive_bayes" in result.stdout
    assert "Gain of the model" in result.stdout


def test_a_missing_file_is_named_with_exit_code_2() -> None:
    result = evaluate("--csv", "nowhere.csv", "--label", "Converted")
    assert result.exit_code == 2
    assert "nowhere.csv: no such file" in result.stderr


def test_a_wrong_label_names_the_file_and_the_column() -> None:
    result = evaluate("--csv", str(SAMPLE), "--label", "Won")
    assert result.exit_code == 2
    assert "x_education_leads_sample.csv: the label: no column 'Won'" in " ".join(result.stderr.split())


def test_a_wrong_exclude_names_the_column() -> None:
    result = evaluate("--csv", str(SAMPLE), "--label", "Converted", "--exclude", "Tagz")
    assert result.exit_code == 2
    assert "cannot exclude: no column 'Tagz'" in " ".join(result.stderr.split())


def test_a_mapping_for_another_entity_is_refused(tmp_path: Path) -> None:
    mapping = tmp_path / "spend.yaml"
    mapping.write_text("entity: spend\ncolumns: {campaign: Lead Source, day: Lead Number, amount: TotalVisits}\n")
    result = CliRunner().invoke(
        app, ["model", "evaluate", "--csv", str(SAMPLE), "--mapping", str(mapping), "--label", "Converted"]
    )
    assert result.exit_code == 2
    assert "evaluating a score needs a leads mapping" in result.stderr
