"""``sla simulate`` against the engine itself: the replay's MQL moment is the one add_touchpoint decided."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from revbridge.cli.main import app
from revbridge.domain.sla import load_sla
from revbridge.services.scoring import add_touchpoint
from revbridge.services.sla_simulation import simulate, suggest_threshold
from revbridge.store.engine import writing
from revbridge.store.tables import LeadRow, StageTransitionRow
from tests.stored_scores import set_scores

from .lead_world import EXAMPLE, MONDAY, build

SLA_TEXT = EXAMPLE.read_text(encoding="utf-8").replace(
    "mql: fit >= 30 and engagement >= 40", "mql: fit >= 20 and engagement >= 40"
)


def _world(engine: Engine) -> None:
    contract = build(engine, leads=3, sla_text=SLA_TEXT)
    with writing(engine).begin() as conn:  # fit 15 + 10 + 2 = 27, stored as the engine would have it
        conn.execute(
            sa.update(LeadRow).values(industry="software", job_title="VP Data", phone="1", engagement_state={})
        )
        set_scores(conn, at=MONDAY, fit=27.0)
    touches = [
        (1, "pricing_page_view", 0), (1, "pricing_page_view", 1), (1, "webinar_attended", 30), (1, "form_fill", 50),
        (2, "email_click", 0), (2, "email_click", 2), (2, "demo_request", 24 * 40),
        (3, "page_view", 5),
    ]  # fmt: skip
    for number, (lead, kind, hours) in enumerate(touches):
        at = MONDAY + timedelta(hours=hours)
        add_touchpoint(
            engine, lead_id=lead, kind=kind, occurred_at=at, source="t", external_id=str(number),
            contract=contract, now=at,
        )  # fmt: skip


def test_the_replay_finds_the_mqls_the_engine_made_when_it_made_them(engine: Engine) -> None:
    _world(engine)
    with engine.connect() as conn:
        query = sa.select(StageTransitionRow.lead_id, StageTransitionRow.at).where(StageTransitionRow.to_stage == "mql")
        made = {row.lead_id: row.at for row in conn.execute(query)}
    # Lead 1: 10 + 10 + 15 after 30 hours, decayed: 34.5; not yet. Lead 2: 3 + 3, then 40 days later a demo.
    assert set(made) == {2}
    report, _ = simulate(
        engine, load_sla(SLA_TEXT), since=MONDAY - timedelta(days=1), until=MONDAY + timedelta(days=60), per="week"
    )
    assert (report.proposed.leads, report.actual.leads, report.both) == (1, 1, 1)
    assert (report.proposed.never_judged, report.only_proposed, report.only_actual) == (1, 0, 0)
    weeks = [row for row in report.period_rows if row["proposed"]]
    assert len(weeks) == 1
    assert weeks[0]["period"] <= made[2] < weeks[0]["period"] + timedelta(days=7)
    # A looser SLA makes lead 1 an MQL at its webinar, 30 hours in; the history has nothing to say of it.
    looser = load_sla(SLA_TEXT.replace("engagement >= 40", "engagement >= 30"))
    report, _ = simulate(
        engine, looser, since=MONDAY - timedelta(days=1), until=MONDAY + timedelta(days=60), per="week"
    )
    assert (report.proposed.leads, report.only_proposed, report.proposed.never_judged) == (2, 1, 2)
    sweep = suggest_threshold(
        engine, looser, since=MONDAY - timedelta(days=1), until=MONDAY + timedelta(days=60), per="week", capacity=1,
        step=10,
    )  # fmt: skip
    assert sweep.proposal is not None
    assert all(row.busiest <= 1 for row in sweep.rows if row.fits)


def test_the_cli_prints_the_what_if_as_json(tmp_path: Path, sqlite_engine: Engine) -> None:
    _world(sqlite_engine)
    new = tmp_path / "new.yaml"
    new.write_text(SLA_TEXT.replace("engagement >= 40", "engagement >= 30"), encoding="utf-8")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    since = (MONDAY - timedelta(days=1)).date().isoformat()
    until = (MONDAY + timedelta(days=60)).date().isoformat()
    cli = CliRunner()
    result = cli.invoke(app, ["sla", "simulate", str(new), "--since", since, "--until", until, "--database", url,
                              "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["proposed"]["leads"] == 2
    assert data["overlap"] == {"both": 1, "only_proposed": 1, "only_actual": 0}
    result = cli.invoke(app, ["sla", "suggest-threshold", "--capacity", "1", "--per", "week", "--sla", str(new),
                              "--since", since, "--until", until, "--database", url])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "proposed: engagement >=" in " ".join(result.stdout.split())
    result = cli.invoke(app, ["sla", "suggest-threshold", "--capacity", "1", "--on", "score", "--sla", str(new),
                              "--database", url])  # fmt: skip
    assert result.exit_code == 2
