"""`revbridge score` and `revbridge tick` on a real database, through the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from revbridge.cli.main import app
from revbridge.store import repositories as repo
from revbridge.store.engine import writing
from revbridge.store.tables import LeadRow, TouchpointRow, UserRow

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"
SIGNERS = ["--signed-by", "marketing=Maria Lopez", "--signed-by", "sales=Sam Okafor"]


@pytest.fixture
def runner(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", database_url)
    cli = CliRunner()
    applied = cli.invoke(app, ["sla", "apply", str(EXAMPLE_FILE), "--effective", "2026-01-01", *SIGNERS])
    assert applied.exit_code == 0, applied.output
    with writing(engine).begin() as conn:
        team = repo.get_or_create_team(conn, "sdr", "sales")
        conn.execute(sa.insert(UserRow).values(email="ana@nw.com", name="Ana Ruiz", role="sales", team_id=team))
        conn.execute(
            sa.insert(LeadRow).values(
                source="t",
                external_id="1",
                email="cto@acme.com",
                stage="lead",
                job_title="CTO",
                industry="software",
                country="US",
            )
        )
        conn.execute(
            sa.insert(TouchpointRow).values(
                lead_id=1,
                source="t",
                external_id="d",
                type="demo_request",
                occurred_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
            )
        )
    return cli


def _json(runner: CliRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_score_all_hands_the_new_mql_to_sales_and_tick_breaches_its_clock_once(runner: CliRunner) -> None:
    scored = _json(runner, "score", "--all", "--at", "2026-03-02T15:00:00Z")
    assert (scored["leads"], scored["qualified"]) == (1, 1)
    assert _json(runner, "tick", "--at", "2026-03-02T16:00:00Z")["due"] == 0
    late = _json(runner, "tick", "--at", "2026-03-04T16:00:00Z")
    assert (late["due"], late["breached"], late["escalated"]) == (1, 1, 1)
    assert _json(runner, "tick", "--at", "2026-03-04T16:00:00Z")["due"] == 0


def test_score_without_all_says_what_to_type(runner: CliRunner) -> None:
    result = runner.invoke(app, ["score"])
    assert result.exit_code == 2
    assert "--all" in result.output


def test_mirror_sync_then_score_through_the_mirror(runner: CliRunner, tmp_path: Path) -> None:
    synced = _json(runner, "mirror", "sync", str(tmp_path / "mirror"))
    assert synced["new touchpoints"] == 1
    assert synced["leads (snapshot)"] == 1
    assert _json(runner, "mirror", "sync", str(tmp_path / "mirror"))["new touchpoints"] == 0
    scored = _json(runner, "score", "--all", "--at", "2026-03-02T15:00:00Z", "--mirror", str(tmp_path / "mirror"))
    assert (scored["leads"], scored["touchpoints"], scored["qualified"]) == (1, 1, 1)
