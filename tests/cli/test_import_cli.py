"""``revbridge import``: the JSON summary tools read, and errors that name the file, row and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revbridge.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data"
MAPPINGS = Path(__file__).resolve().parents[2] / "examples" / "mappings"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    return CliRunner()


def test_import_json_summary_has_the_documented_keys(runner: CliRunner, tmp_path: Path) -> None:
    export = tmp_path / "contacts.csv"
    export.write_bytes((DATA / "hubspot_contacts_all_properties.csv").read_bytes())
    result = runner.invoke(app, ["import", "hubspot", str(export), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {"read", "created", "updated", "duplicate", "rejected", "rejects_file"} <= set(summary)
    assert summary["rejects_file"] == str(export) + ".rejects.csv"
    again = json.loads(runner.invoke(app, ["import", "hubspot", str(export), "--format", "json"]).stdout)
    assert again["created"] == 0


def test_a_wrong_mapping_exits_2_and_lists_each_mistake(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "events.csv"
    data.write_text("id,mail\n1,a@b.com\n")
    result = runner.invoke(app, ["import", "csv", str(data), "--mapping", str(MAPPINGS / "touchpoints.yaml")])
    assert result.exit_code == 2
    assert "the file has no column 'event_id' (it has: id, mail)" in result.stderr


def test_a_missing_file_is_refused_before_anything_is_written(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "hubspot", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
