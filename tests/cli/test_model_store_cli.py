"""`revbridge model train | score | list` on the store, and the reasons in `lead show`, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from revbridge.cli.main import app
from revbridge.services.sla_versions import apply_sla
from revbridge.store.tables import LeadRow
from tests.analytics.prediction.test_training import history

UNTIL = "2026-02-05T09:00:00Z"  # day 400 of the history
EARLY = "2025-03-15T09:00:00Z"  # day 73: too few known outcomes
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"
NOW = datetime(2026, 2, 5, 9, tzinfo=UTC)


@pytest.fixture
def store(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", database_url)
    history(engine)
    return engine


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["model", *args])


def as_json(*args: str) -> Any:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_train_keeps_a_version_and_score_writes_every_lead_with_its_reasons(store: Engine) -> None:
    trained = as_json("train", "--until", UNTIL)
    assert trained["version"] == 1
    assert trained["label"] == "opportunity within 90 days of mql"
    assert (trained["learned_from_leads"], trained["measured_on_leads"]) == (240, 60)
    assert trained["roc_auc"] > 0.9
    assert as_json("train", "--until", UNTIL, "--seed", "1")["version"] == 2

    scored = as_json("score", "--at", "2025-05-30T09:00:00Z", "--version", "1")
    assert (scored["version"], scored["leads_scored"]) == (1, 300)
    with store.connect() as conn:
        rows = conn.execute(sa.select(LeadRow.predicted, LeadRow.predicted_version, LeadRow.predicted_reasons)).all()
    assert all(0 <= p <= 1 and version == 1 for p, version, _ in rows)
    assert all(len(reasons) <= 3 for _, _, reasons in rows)

    listed = as_json("list")
    assert [m["version"] for m in listed] == [2, 1]
    leads = json.loads(CliRunner().invoke(app, ["lead", "list", "--format", "json"]).stdout)
    assert all(0 <= line["p_convert"] <= 1 for line in leads)  # wherever the score appears

    shown = CliRunner().invoke(app, ["lead", "show", "147"])
    assert shown.exit_code == 0, shown.output
    assert "why this p(convert)" in shown.stdout
    story = json.loads(CliRunner().invoke(app, ["lead", "show", "147", "--format", "json"]).stdout)
    reasons = story["lead"]["p_convert_reasons"]
    assert reasons
    assert {"feature", "value", "contribution"} <= set(reasons[0])


def test_too_little_history_and_no_model_say_what_to_do(store: Engine) -> None:
    result = run("train", "--until", EARLY)
    assert result.exit_code == 2
    assert "train with a later --until or a shorter --horizon" in " ".join(result.output.split())
    result = run("score")
    assert result.exit_code == 1
    assert "train one with `revbridge model train`" in " ".join(result.output.split())


def test_evaluate_without_an_export_checks_the_stored_model(store: Engine) -> None:
    as_json("train", "--until", "2025-09-08T09:00:00Z")  # day 250
    checked = as_json("evaluate", "--at", "2025-11-02T09:00:00Z")  # day 305
    assert (checked["version"], checked["verdict"], checked["recent_leads"]) == (1, "fresh", 55)
    assert len(checked["calibration"]) > 0
    shown = run("evaluate", "--at", "2025-11-02T09:00:00Z")
    assert shown.exit_code == 0, shown.output
    assert "Model version 1: fresh" in shown.stdout
    assert run("evaluate", "--csv", "x.csv").exit_code == 2  # an export needs its mapping and label


def test_reasons_are_worked_out_for_the_open_leads_unless_told_otherwise(store: Engine) -> None:
    as_json("train", "--until", UNTIL)
    with store.begin() as conn:
        conn.execute(sa.update(LeadRow).where(LeadRow.id == 147).values(stage="customer"))

    def reasons() -> dict[int, Any]:
        with store.connect() as conn:
            return dict(conn.execute(sa.select(LeadRow.id, LeadRow.predicted_reasons)).all())

    as_json("score", "--at", "2025-05-30T09:00:00Z")
    assert reasons()[147] is None
    assert reasons()[146]
    as_json("score", "--at", "2025-05-30T09:00:00Z", "--reasons", "none")
    assert set(reasons().values()) == {None}
    assert run("score", "--reasons", "some").exit_code == 2


def test_the_sla_says_what_the_score_predicts_and_the_options_win(store: Engine) -> None:
    text = EXAMPLE.read_text().replace("    within: 90d ", "    within: 30d ")
    signed = {"marketing": "m", "sales": "s"}
    apply_sla(store, text, effective_from=datetime(2024, 1, 1, tzinfo=UTC), signed_by=signed, now=NOW)
    assert as_json("train", "--until", UNTIL)["label"] == "opportunity within 30 days of mql"
    assert as_json("train", "--until", UNTIL, "--horizon", "90")["label"] == "opportunity within 90 days of mql"
