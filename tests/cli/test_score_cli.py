"""`revbridge score`: --new scores what arrived through the API and says what it did; --all rescores everyone."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from revbridge.cli.main import app
from revbridge.domain.records import TouchpointRecord
from revbridge.services.ingest_events import EventIngestor
from revbridge.store.tables import LeadRow
from tests.services.lead_world import MONDAY, build

AT = MONDAY.isoformat()


@pytest.fixture
def database(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Two leads that fit; a demo request from the first and a page view from each, sent as the API does."""
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", database_url)
    build(engine, leads=2)
    sent = [
        TouchpointRecord("forms", "f1", "demo_request", MONDAY, lead_email="p1@acme.com"),
        TouchpointRecord("web", "w1", "page_view", MONDAY, lead_email="p1@acme.com"),
        TouchpointRecord("web", "w2", "page_view", MONDAY, lead_email="p2@acme.com"),
    ]
    EventIngestor(engine).ingest(sent, now=MONDAY)
    return database_url


def test_new_scores_the_touchpoints_that_arrived_and_says_how_many_mqls_went_to_sales(
    database: str, engine: Engine
) -> None:
    result = CliRunner().invoke(app, ["score", "--new", "--at", AT, "--format", "json"])

    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert (done["touchpoints"], done["leads"], done["qualified"], done["pending"]) == (3, 2, 1, False)
    with engine.connect() as conn:
        assert conn.execute(sa.select(LeadRow.stage).order_by(LeadRow.id)).scalars().all() == ["mql", "lead"]
    again = CliRunner().invoke(app, ["score", "--new", "--at", AT, "--format", "json"])
    assert json.loads(again.stdout)["touchpoints"] == 0


def test_new_prints_a_table_for_people(database: str) -> None:
    result = CliRunner().invoke(app, ["score", "--new", "--at", AT])

    assert result.exit_code == 0, result.output
    printed = " ".join(result.stdout.split())
    assert printed.startswith("New touchpoints scored under SLA version 1")
    assert "│ touchpoints │ 3 │" in printed
    assert "│ qualified │ 1 │" in printed


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ([], "say --all to rescore every lead, or --new"),
        (["--all", "--new"], "say --all to rescore every lead, or --new"),
        (["--new", "--mirror", "m"], "--mirror goes with --all"),
    ],
)
def test_it_asks_for_one_mode(database: str, arguments: list[str], says: str) -> None:
    result = CliRunner().invoke(app, ["score", *arguments])

    assert result.exit_code == 2
    assert says in " ".join(result.output.split()).replace("│", "").replace("  ", " ")
