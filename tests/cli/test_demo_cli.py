"""``revbridge demo``: one command from nothing to a database full of a simulated year."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revbridge.cli.main import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'revbridge.db'}")
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_the_demo_creates_the_database_and_prints_its_summary_as_json(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--leads", "200", "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["leads"] == 200
    assert summary["seed"] == 0
    assert summary["funnel"]["leads"] == 200
    assert summary["tables"]["leads"] == 200
    assert summary["tables"]["touchpoints"] == summary["funnel"]["touchpoints"] > 200
    assert summary["sla_applied"] is True
    assert summary["sla_version"] == 1
    assert summary["database"] == f"sqlite:///{tmp_path / 'revbridge.db'}"
    assert 0 < summary["truth"]["overall"]["mql_to_sal"] < 1
    assert (tmp_path / "revbridge.db").exists()


def test_running_it_again_adds_nothing_and_says_so(runner: CliRunner) -> None:
    assert runner.invoke(app, ["demo", "--leads", "200"]).exit_code == 0
    again = runner.invoke(app, ["demo", "--leads", "200"])
    assert again.exit_code == 0, again.output
    assert "Nothing added: this database already holds this demo." in again.stdout
    assert "next:" in again.stdout
    assert "revbridge sla show" in again.stdout


def test_the_table_names_the_funnel_and_where_the_database_is(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--leads", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in result.stdout.splitlines() if "│" in line]
    table = {row[0]: row[1] for row in cells}
    assert list(table)[:10] == [
        "year",
        "leads",
        "touchpoints",
        "activities",
        "MQLs",
        "SALs",
        "opportunities",
        "won",
        "revenue",
        "spend",
    ]
    assert table["leads"] == "200"
    assert f"database: sqlite:///{tmp_path / 'revbridge.db'}\n" in result.stdout


def test_truth_is_written_to_the_file_asked_for(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "truth.json"
    result = runner.invoke(app, ["demo", "--leads", "200", "--truth", str(target), "--format", "csv"])
    assert result.exit_code == 0, result.output
    truth = json.loads(target.read_text(encoding="utf-8"))
    assert truth["leads"] == 200
    assert set(truth["channels"]) == {
        "paid_search",
        "paid_social",
        "organic_search",
        "email",
        "events",
        "webinar",
        "referral",
        "direct",
    }
    assert result.stdout.splitlines()[0].startswith("year,leads,touchpoints")


def test_the_help_explains_the_options(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for option in ("--leads", "--seed", "--database", "--truth", "--format"):
        assert option in text
    assert "Running the demo again adds nothing" in text


def test_zero_leads_is_refused_as_bad_input(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "--leads", "0"])
    assert result.exit_code == 2
