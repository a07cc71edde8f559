from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from revbridge.cli.main import app

EXAMPLE = files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8")
EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"
MISTAKES = (
    EXAMPLE.replace("accept_within: 4h business", "accept_within: 4 hours")
    .replace("mql: fit >= 30 and engagement >= 40", "mql: fit >= 30 and engagment >= 40")
    .replace("action: recycle, cool_off: 90d}", "action: recycle, cool_of: 90d}")
)
SIGNERS = ["--signed-by", "marketing=Maria Lopez", "--signed-by", "sales=Sam Okafor"]


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def words(text: str) -> str:
    """Output with line wrapping undone, for asserting sentences."""
    return " ".join(text.split())


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'revbridge.db'}")
    monkeypatch.chdir(tmp_path)
    cli = CliRunner()
    assert cli.invoke(app, ["init"]).exit_code == 0
    return cli


def sla(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, ["sla", *args])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_example_validates(runner: CliRunner) -> None:
    result = sla(runner, "validate", str(EXAMPLE_FILE))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "ok: 7 stages (4 required), 7 fit rules, 7 engagement touchpoint types, 7 rejection reasons; "
        "MQL when fit ≥ 30 and engagement ≥ 40; accept within 4 business hours\n"
    )


def test_a_file_with_three_mistakes_lists_all_three_and_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = sla(runner, "validate", write(tmp_path, "sla.yaml", MISTAKES))
    assert result.exit_code == 2
    assert result.stdout == ""
    path = str(tmp_path / "sla.yaml")
    assert words(result.stderr) == words(
        f"""error: {path} has 3 error(s):
        qualification.mql (line {line_of(MISTAKES, "mql: fit")}): unknown score 'engagment' at column 15;
        did you mean 'engagement'? expected fit, engagement, score or p_convert
        clocks.accept_within (line {line_of(MISTAKES, "accept_within: 4 hours")}): expected a duration like
        '4h business', '30m', '2d business' or '1w', got '4 hours'
        feedback.reasons.no_budget.cool_of (line {line_of(MISTAKES, "no_budget:")}): unknown key 'cool_of'
        (did you mean 'cool_off'?); expected one of: label, action, cool_off"""
    )


def test_validate_as_json_is_machine_readable_and_still_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = sla(runner, "validate", write(tmp_path, "sla.yaml", MISTAKES), "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [(e["path"], e["line"]) for e in report["errors"]] == [
        ("qualification.mql", line_of(MISTAKES, "mql: fit")),
        ("clocks.accept_within", line_of(MISTAKES, "accept_within: 4 hours")),
        ("feedback.reasons.no_budget.cool_of", line_of(MISTAKES, "no_budget:")),
    ]
    assert report["errors"][1]["message"] == (
        "expected a duration like '4h business', '30m', '2d business' or '1w', got '4 hours'"
    )
    ok = sla(runner, "validate", str(EXAMPLE_FILE), "--format", "json")
    assert (ok.exit_code, json.loads(ok.stdout)) == (0, {"valid": True, "errors": []})


def test_apply_then_show_the_version_in_force(runner: CliRunner) -> None:
    applied = sla(runner, "apply", str(EXAMPLE_FILE), "--effective", "2025-01-01", *SIGNERS)
    assert applied.exit_code == 0, applied.output
    assert applied.stdout == (
        "applied: version 1, in force from 2025-01-01T00:00:00-05:00, "
        "signed by Maria Lopez (marketing) and Sam Okafor (sales)\n"
    )
    shown = sla(runner, "show", "--format", "json")
    assert shown.exit_code == 0, shown.output
    summary = json.loads(shown.stdout)
    assert summary["version"] == 1
    assert summary["effective_from"] == "2025-01-01T00:00:00-05:00"
    assert summary["signed_by"] == "Maria Lopez (marketing), Sam Okafor (sales)"
    assert summary["sla"]["qualification"]["mql"] == "fit >= 30 and engagement >= 40"
    table = sla(runner, "show")
    assert "fit ≥ 30 and engagement ≥ 40" in table.stdout
    raw = sla(runner, "show", "--version", "1", "--raw")
    assert raw.stdout == EXAMPLE


def test_apply_needs_both_teams_to_sign(runner: CliRunner) -> None:
    result = sla(runner, "apply", str(EXAMPLE_FILE), "--effective", "2025-01-01", "--signed-by", "marketing=Maria")
    assert result.exit_code == 2
    assert words(result.stderr) == (
        "error: missing a signature for sales: an SLA version is signed by one person for each of marketing and sales"
    )


def test_apply_refuses_a_signature_without_a_name(runner: CliRunner) -> None:
    result = sla(runner, "apply", str(EXAMPLE_FILE), "--effective", "2025-01-01", "--signed-by", "marketing")
    assert result.exit_code == 2
    usage_error = words(result.stderr.replace("│", " "))
    assert "Invalid value for --signed-by: expected TEAM=NAME, like marketing='Maria Lopez', got 'marketing'" in (
        usage_error
    )


def test_applying_the_same_file_twice_is_refused(runner: CliRunner) -> None:
    assert sla(runner, "apply", str(EXAMPLE_FILE), "--effective", "2025-01-01", *SIGNERS).exit_code == 0
    again = sla(runner, "apply", str(EXAMPLE_FILE), "--effective", "2025-02-01", *SIGNERS)
    assert again.exit_code == 1
    assert words(again.stderr).startswith("error: this SLA is already version 1 (checksum ")


def test_show_before_any_version_says_how_to_apply_one(runner: CliRunner) -> None:
    result = sla(runner, "show")
    assert result.exit_code == 1
    assert "apply one with `revbridge sla apply FILE --effective DATE" in words(result.stderr)


def test_diff_between_a_stored_version_and_a_file_speaks_in_sentences(runner: CliRunner, tmp_path: Path) -> None:
    sla(runner, "apply", str(EXAMPLE_FILE), "--effective", "2025-01-01", *SIGNERS)
    proposal = EXAMPLE.replace("engagement >= 40", "engagement >= 50").replace(
        "accept_within: 4h business", "accept_within: 8h business"
    )
    path = write(tmp_path, "proposal.yaml", proposal)
    result = sla(runner, "diff", "1", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "~ MQL condition: engagement ≥ 40 → ≥ 50\n~ Accept deadline: 4 business hours → 8 business hours\n"
    )
    as_json = sla(runner, "diff", "current", path, "--format", "json")
    assert json.loads(as_json.stdout) == [
        {"path": "qualification.mql", "kind": "changed", "change": "MQL condition: engagement ≥ 40 → ≥ 50"},
        {
            "path": "clocks.accept_within",
            "kind": "changed",
            "change": "Accept deadline: 4 business hours → 8 business hours",
        },
    ]
    same = sla(runner, "diff", str(EXAMPLE_FILE), "1")
    assert same.stdout == "no changes: the two contracts say the same\n"


def test_diff_of_an_unknown_version_names_the_stored_ones(runner: CliRunner) -> None:
    sla(runner, "apply", str(EXAMPLE_FILE), "--effective", "2025-01-01", *SIGNERS)
    result = sla(runner, "diff", "1", "4")
    assert result.exit_code == 1
    assert words(result.stderr) == "error: no SLA version 4; stored versions: 1"


@pytest.mark.parametrize("command", ["validate", "apply", "show", "diff"])
def test_every_sla_command_teaches_with_examples(runner: CliRunner, command: str) -> None:
    result = sla(runner, command, "--help")
    assert result.exit_code == 0
    assert "revbridge sla " + command in result.stdout
    assert "--format" in result.stdout
