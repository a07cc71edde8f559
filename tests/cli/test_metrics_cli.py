"""The shared numbers through the command line, on the store and on the mirror, with the help that
defines them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from revbridge.cli.main import app
from revbridge.store import mirror
from tests.analytics import tiny


@pytest.fixture
def runner(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", database_url)
    monkeypatch.delenv("REVBRIDGE_ANALYTICS", raising=False)
    tiny.five_leads(engine)
    return CliRunner()


def _json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_funnel_views_as_json(runner: CliRunner) -> None:
    cohorts = _json(runner, "funnel", "--period", "month")
    january = {r["stage"]: r["leads"] for r in cohorts if r["cohort"].startswith("2026-01")}
    assert january["mql"] == 2
    assert january["customer"] == 1
    conversion = _json(runner, "funnel", "--view", "conversion", "--by", "channel", "--since", "2026-01-01")
    assert [r["channel"] for r in conversion] == ["(none)", "referral", "webinar"]
    period = _json(runner, "funnel", "--view", "period", "--period", "quarter")
    assert {r["stage"] for r in period} >= {"lead", "customer"}


def test_the_same_numbers_from_the_mirror_on_duckdb(runner: CliRunner, engine: Engine, tmp_path: Path) -> None:
    mirror.sync(engine, tmp_path / "mirror")
    on_store = _json(runner, "velocity", "--by", "channel")
    on_mirror = _json(runner, "velocity", "--by", "channel", "--engine", f"duckdb:{tmp_path / 'mirror'}")
    assert on_mirror == on_store
    assert any(r["stage"] == "sal" and r["median_days"] == 13.0 for r in on_store)


def test_csv_and_the_other_commands_run(runner: CliRunner) -> None:
    result = runner.invoke(app, ["velocity", "--view", "stalled", "--at", "2026-03-10T09:00:00Z", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "stage,in_stage,stalled,longest_days,stalled_after_days"
    for args in (["compliance"], ["compliance", "--view", "speed"], ["feedback", "--view", "reasons"], ["kpis"]):
        result = runner.invoke(app, [*args, "--format", "json"])
        assert result.exit_code == 0, (args, result.output)
        assert json.loads(result.stdout) == []  # the five leads have no clocks, verdicts or deals


def test_a_wrong_engine_or_slice_says_what_to_use(runner: CliRunner) -> None:
    result = runner.invoke(app, ["funnel", "--engine", "oracle"])
    assert result.exit_code == 1
    assert "use store, duckdb:PATH or spark:PATH" in result.output
    result = runner.invoke(app, ["funnel", "--by", "colour"])
    assert result.exit_code == 1
    assert "cannot slice by 'colour'" in result.output
    result = runner.invoke(app, ["funnel", "--engine", "duckdb:/nowhere"])
    assert "make it with `revbridge mirror sync /nowhere`" in result.output
    result = runner.invoke(app, ["compliance", "--view", "speed", "--by", "kind"])
    assert result.exit_code == 2
    assert "use --by team or owner" in result.output


def test_each_commands_help_starts_with_the_definition_of_its_numbers() -> None:
    result = CliRunner().invoke(app, ["compliance", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Compliance is met in time ÷ (met in time + met late + breached)." in result.output


EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"


def test_the_scorecard_lists_each_commitment_of_the_sla_in_force(runner: CliRunner) -> None:
    missing = runner.invoke(app, ["scorecard", "--at", "2026-03-10"])
    assert missing.exit_code == 1
    assert "no SLA" in missing.output
    signers = ["--signed-by", "marketing=Maria Lopez", "--signed-by", "sales=Sam Okafor"]
    applied = runner.invoke(app, ["sla", "apply", str(EXAMPLE_FILE), "--effective", "2026-01-01", *signers])
    assert applied.exit_code == 0, applied.output
    card = _json(runner, "scorecard", "--at", "2026-03-10")
    assert [(r["team"], r["commitment"]) for r in card] == [
        ("marketing", "mql_volume"),
        ("marketing", "sal_acceptance_rate"),
        ("sales", "acceptance_speed"),
        ("sales", "follow_up_compliance"),
        ("sales", "sql_to_opportunity_rate"),
    ]
    volume = card[0]
    # February: L4, and L2 again; January: L1, L2. The SLA asks for 400 a month.
    assert (volume["actual"], volume["previous"], volume["status"]) == (2, 2, "red")


def test_signals_and_goals_through_the_command_line(runner: CliRunner) -> None:
    assert _json(runner, "signals", "--at", "2026-03-10") == []
    added = runner.invoke(
        app,
        ["goals", "add", "--name", "Q1 MQLs", "--metric", "mqls", "--target", "10", "--start", "2026-01-01",
         "--end", "2026-03-31", "--teams", "marketing,sales"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    goals = _json(runner, "goals", "list", "--at", "2026-02-15")
    assert [(g["name"], g["progress"]) for g in goals] == [("Q1 MQLs", 3.0)]  # L1, L2, L4 by Feb 15
    refused = runner.invoke(
        app, ["goals", "add", "--name", "x", "--metric", "leads", "--target", "1", "--start", "2026-01-01",
              "--end", "2026-01-31", "--teams", "sales"],
    )  # fmt: skip
    assert refused.exit_code == 2
    assert "metric: 'leads' is not a measure" in refused.output
    assert runner.invoke(app, ["goals", "remove", str(goals[0]["id"])]).exit_code == 0
    assert _json(runner, "goals", "list") == []
