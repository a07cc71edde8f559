"""``revbridge attribution`` with the models of ages and roles, per lead and per opportunity, on a tiny store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from revbridge.cli.main import app
from tests.analytics.test_journey_steps import deal_world, lead_world


def _run(engine: Engine, *args: str) -> Result:
    url = engine.url.render_as_string(hide_password=False)
    common = ["attribution", "--database", url, "--at", "2026-03-10T00:00:00Z", "--format", "json"]
    return CliRunner().invoke(app, [*common, *args])


def _conversions(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.output
    return {r["channel"]: pytest.approx(r["conversions"]) for r in json.loads(result.stdout)}


def test_w_shaped_per_lead(sqlite_engine: Engine) -> None:
    lead_world(sqlite_engine)
    result = _run(sqlite_engine, "--model", "w_shaped", "--to", "customer", "--lookback", "30")
    # Only L1 converts: webinar (first), paid_search (lead creation), social (opportunity) 0.3 each; email
    # and direct (the won touch, no role in W-shaped) share 0.1.
    assert _conversions(result) == {"webinar": 0.3, "paid_search": 0.3, "social": 0.3, "email": 0.05, "direct": 0.05}


def test_time_decay_with_its_half_life(sqlite_engine: Engine) -> None:
    lead_world(sqlite_engine)
    result = _run(sqlite_engine, "--model", "time_decay", "--half-life", "1", "--lookback", "30")
    # L1's touches are 19, 17, 9, 4 and 1 day old at its winning: 2^-18, 2^-16, 2^-8, 2^-3 and 1 of the youngest.
    total = 2**-18 + 2**-16 + 2**-8 + 2**-3 + 1
    assert _conversions(result) == {
        "webinar": 2**-18 / total, "paid_search": 2**-16 / total, "email": 2**-8 / total,
        "social": 2**-3 / total, "direct": 1 / total,
    }  # fmt: skip


def test_full_path_per_opportunity(sqlite_engine: Engine) -> None:
    deal_world(sqlite_engine)
    result = _run(sqlite_engine, "--model", "full_path", "--per", "opportunity", "--to", "customer")
    # Only O1 is won: webinar is first touch and lead creation (0.225 twice), direct opportunity creation,
    # social the won touch (0.225 each); email and paid_search share 0.1. Worth 100 in the same shares.
    assert _conversions(result) == {
        "webinar": 0.45,
        "direct": 0.225,
        "social": 0.225,
        "email": 0.05,
        "paid_search": 0.05,
    }
    assert {r["channel"]: r["value"] for r in json.loads(result.stdout)}["webinar"] == pytest.approx(45)


def test_the_models_of_roles_and_per_opportunity_refuse_a_paths_file(tmp_path: Path) -> None:
    file = tmp_path / "paths.csv"
    file.write_text("path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\n")
    refused = CliRunner().invoke(app, ["attribution", "--paths", str(file), "--model", "w_shaped"])
    assert refused.exit_code == 2
    assert "run without --paths" in refused.output
    refused = CliRunner().invoke(app, ["attribution", "--paths", str(file), "--per", "opportunity"])
    assert refused.exit_code == 2
    assert "--per builds the journeys from the store" in refused.output


def test_per_opportunity_refuses_a_lead_milestone(sqlite_engine: Engine) -> None:
    deal_world(sqlite_engine)
    refused = _run(sqlite_engine, "--per", "opportunity", "--to", "sql")
    assert refused.exit_code == 2
    assert "not at 'sql'" in refused.output


def test_compare_puts_every_model_side_by_side_at_each_milestone(sqlite_engine: Engine) -> None:
    lead_world(sqlite_engine)
    result = _run(sqlite_engine, "--compare", "--to", "all", "--lookback", "30")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["milestone"] for r in rows} == {"mql", "sal", "sql", "opportunity", "customer"}
    won = {r["channel"]: r for r in rows if r["milestone"] == "customer"}
    # Only L1 converts to customer: webinar first, direct last, W-shaped as worked out above.
    assert won["webinar"]["first_touch"] == pytest.approx(1)
    assert won["direct"]["last_touch"] == pytest.approx(1)
    assert won["social"]["w_shaped"] == pytest.approx(0.3)
    models = {"first_touch", "last_touch", "linear", "u_shaped", "time_decay", "w_shaped", "markov", "shapley"}
    assert models <= set(rows[0])


def test_compare_on_a_paths_file_names_the_models_it_cannot_feed(tmp_path: Path) -> None:
    file = tmp_path / "paths.csv"
    file.write_text("path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nb,1,5,4\n")
    result = CliRunner().invoke(app, ["attribution", "--paths", str(file), "--compare", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["channel"] for r in rows] == ["a", "b"]
    assert rows[0]["first_touch"] == pytest.approx(0.75)
    assert "w_shaped" not in rows[0]
    assert "w_shaped: left out" in result.stderr
    refused = CliRunner().invoke(app, ["attribution", "--paths", str(file), "--to", "all"])
    assert refused.exit_code == 2
    assert "--to all goes with --compare" in refused.output


def test_intervals_of_the_conversion_and_value_shares(tmp_path: Path) -> None:
    file = tmp_path / "paths.csv"
    file.write_text("path,total_conversions,total_conversion_value,total_null\na > b,30,3000,10\nb,10,50,40\n")
    args = ["attribution", "--paths", str(file), "--model", "shapley", "--intervals", "30", "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for row in json.loads(result.stdout):
        assert row["share_low"] <= row["share"] <= row["share_high"]
        assert row["value_share_low"] <= row["value"] / 3050 <= row["value_share_high"]


def test_the_journeys_are_saved_in_the_aggregated_format_for_other_tools(sqlite_engine: Engine, tmp_path: Path) -> None:
    from revbridge.connectors.path_files import read_paths

    lead_world(sqlite_engine)
    saved = tmp_path / "journeys.csv"
    result = _run(sqlite_engine, "--model", "linear", "--lookback", "30", "--save-paths", str(saved))
    assert "paths" in result.stderr
    again = CliRunner().invoke(app, ["attribution", "--paths", str(saved), "--model", "linear", "--format", "json"])
    assert _conversions(again) == _conversions(result)
    assert read_paths(saved).conversions.sum() == 1


def test_a_slow_build_on_the_store_suggests_the_mirror(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import revbridge.cli.attribution as command

    lead_world(sqlite_engine)
    monkeypatch.setattr(command, "SLOW", 0.0)
    result = _run(sqlite_engine, "--model", "linear", "--lookback", "30")
    assert result.exit_code == 0, result.output
    assert "revbridge mirror sync ./mirror" in result.stderr
    monkeypatch.setattr(command, "SLOW", 1e9)
    assert "mirror" not in _run(sqlite_engine, "--model", "linear", "--lookback", "30").stderr


def test_few_conversions_are_said_to_make_the_data_driven_shares_uncertain(tmp_path: Path) -> None:
    file = tmp_path / "paths.csv"
    file.write_text("path,total_conversions,total_null\na > b,3,1\nb,1,4\n")
    result = CliRunner().invoke(app, ["attribution", "--paths", str(file), "--model", "shapley"])
    assert result.exit_code == 0, result.output
    assert "Only 4 conversions" in result.stderr
    assert "--intervals 200" in result.stderr
    quiet = CliRunner().invoke(app, ["attribution", "--paths", str(file), "--model", "shapley", "--intervals", "20"])
    assert "Only 4 conversions" not in quiet.stderr
    rule = CliRunner().invoke(app, ["attribution", "--paths", str(file), "--model", "linear"])
    assert "Only" not in rule.stderr
