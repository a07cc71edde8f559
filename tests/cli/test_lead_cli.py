"""`revbridge lead`: reading a lead's story and acting on it, through the command line, on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from revbridge.cli.main import app
from revbridge.services.audit import entries
from tests.services.lead_world import MARIA, MONDAY, build, make_mql, other_rep

AN_HOUR_LATER = "2026-03-02T16:00:00Z"


def words(text: str) -> str:
    """Output with line wrapping undone, for asserting sentences."""
    return " ".join(text.split())


@pytest.fixture
def owner(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Lead 1 is an MQL routed to this rep; lead 2 is a plain lead. The CLI reads the test database."""
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", database_url)
    return make_mql(engine, 1, build(engine))


def lead(*args: str) -> Result:
    return CliRunner().invoke(app, ["lead", *args])


def as_json(*args: str) -> Any:
    result = lead(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_accepting_as_the_assigned_rep_says_what_moved_and_which_clocks_closed_and_opened(owner: str) -> None:
    result = lead("accept", "1", "--as", owner, "--rating", "4", "--at", AN_HOUR_LATER)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "lead 1: mql → sal (accepted by sales), under SLA version 1"
    assert lines[1] == "  clock met: accept (was due 2026-03-02 19:00)"
    assert lines[2] == "  clock opened: first_touch, due 2026-03-02 17:00"
    assert lines[3].startswith("  clock opened: attempts (3 needed), due ")
    assert lines[4].startswith("  feedback ")
    assert lines[4].endswith(" recorded")


def test_show_as_json_is_the_whole_story_with_iso_datetimes(owner: str) -> None:
    accepted = as_json("accept", "1", "--as", owner, "--at", AN_HOUR_LATER, "--note", "booked a call")
    called = as_json("activity", "1", "--as", owner, "--kind", "call", "--outcome", "connected", "--at", AN_HOUR_LATER)

    story = as_json("show", "1")

    assert (accepted["from_stage"], accepted["stage"], accepted["moved"]) == ("mql", "sal", True)
    assert [c["kind"] for c in called["clocks"]] == ["first_touch", "attempts"]
    assert story["lead"]["stage"] == "sal"
    assert story["lead"]["owner_email"] == owner
    assert story["lead"]["score_reasons"][0] == {
        "rule": "fit: industry in software, fintech, healthcare it",
        "points": 15,
    }
    assert [(t["from_stage"], t["to_stage"], t["at"]) for t in story["transitions"]] == [
        ("lead", "mql", MONDAY.isoformat()),
        ("mql", "sal", "2026-03-02T16:00:00+00:00"),
    ]
    assert [(e["kind"], e["type"], e["by"]) for e in story["timeline"]] == [("activity", "call", owner)]
    assert [(c["kind"], c["status"]) for c in story["obligations"]] == [
        ("accept", "met"),
        ("first_touch", "met"),
        ("attempts", "open"),
    ]
    assert [(f["id"], f["verdict"], f["note"]) for f in story["feedback"]] == [
        (accepted["feedback_id"], "accept", "booked a call")
    ]


def test_show_as_a_table_has_the_facts_the_score_reasons_and_every_section(owner: str) -> None:
    lead("accept", "1", "--as", owner, "--at", AN_HOUR_LATER)

    result = lead("show", "1")

    assert result.exit_code == 0, result.output
    text = words(result.stdout)
    for part in ("lead 1 · Pat Number1", "why this score", "+15.0 fit: industry in", "Journey (UTC)", "none yet"):
        assert part in text
    for section in ("Scores over time (UTC)", "Stage changes (UTC)", "SLA clocks (UTC)", "Verdicts (UTC)"):
        assert section in text
    assert "accepted by sales" in text


def test_another_rep_is_refused_with_the_sla_rule_and_exit_code_1(owner: str) -> None:
    result = lead("accept", "1", "--as", other_rep(owner), "--at", AN_HOUR_LATER)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "qualification.sal.accepted_by: assigned_rep" in words(result.stderr)
    assert as_json("show", "1")["lead"]["stage"] == "mql"


def test_a_rejection_for_an_unknown_reason_exits_2_and_lists_the_valid_ones(owner: str) -> None:
    result = lead("reject", "1", "--as", owner, "--reason", "too_small")

    assert result.exit_code == 2
    assert "no_budget" in result.stderr
    assert "wrong_persona" in result.stderr


def test_marketing_disputes_a_rejection_once(owner: str) -> None:
    rejected = lead("reject", "1", "--as", owner, "--reason", "no_budget", "--at", AN_HOUR_LATER)
    assert rejected.exit_code == 0, rejected.output
    feedback_id = as_json("show", "1")["feedback"][0]["id"]
    assert f"revbridge lead dispute {feedback_id} --as EMAIL --note TEXT" in rejected.stdout

    disputed = as_json("dispute", str(feedback_id), "--as", MARIA, "--note", "They asked for pricing twice")
    again = lead("dispute", str(feedback_id), "--as", MARIA, "--note", "Really")

    assert disputed["dispute"]["by"] == MARIA
    assert disputed["dispute"]["note"] == "They asked for pricing twice"
    assert again.exit_code == 1
    assert "disputed once" in words(again.stderr)


def test_a_held_meeting_makes_an_sql_and_the_deal_moves_on_by_hand(owner: str) -> None:
    lead("accept", "1", "--as", owner, "--at", AN_HOUR_LATER)

    meeting = lead("activity", "1", "--as", owner, "--kind", "meeting_held", "--at", "2026-03-03T15:00:00Z")
    opportunity = as_json("advance", "1", "--to", "opportunity", "--as", owner, "--at", "2026-03-04T15:00:00Z")

    assert meeting.exit_code == 0, meeting.output
    assert meeting.stdout.startswith("lead 1: sal → sql (SQL: meeting_held logged), under SLA version 1")
    assert (opportunity["from_stage"], opportunity["stage"]) == ("sql", "opportunity")


def test_leads_are_listed_as_csv(owner: str) -> None:
    result = lead("list", "--stage", "mql", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "id,name,email,company,stage,owner,score,p_convert,stage_changed_at",
        f"1,Pat Number1,p1@acme.com,Acme,mql,{owner},70,,{MONDAY.isoformat()}",  # no model has scored it
    ]


def test_a_moment_that_is_not_iso_8601_is_a_usage_error(owner: str) -> None:
    result = lead("accept", "1", "--as", owner, "--at", "yesterday")

    assert result.exit_code == 2
    assert "2026-03-02T15:00:00Z, got 'yesterday'" in words(result.output)


def test_an_unknown_lead_says_how_to_find_one(owner: str) -> None:
    result = lead("show", "99")

    assert result.exit_code == 1
    assert "no lead with id 99; list leads with `revbridge lead list`" in words(result.stderr)


def test_the_help_says_where_rejection_reasons_come_from_and_shows_examples() -> None:
    group = CliRunner().invoke(app, ["lead", "--help"])
    reject = CliRunner().invoke(app, ["lead", "reject", "--help"])

    assert group.exit_code == reject.exit_code == 0
    for command in ("show", "list", "accept", "reject", "activity", "advance", "lost", "dispute", "resolve"):
        assert command in group.stdout
    # The help is Markdown: `feedback.reasons` shows as code, without its backticks.
    assert "The reasons are the SLA's closed list (feedback.reasons)" in words(reject.stdout)
    assert "revbridge lead reject 42 --as ana@northwind.example --reason no_budget" in words(reject.stdout)


def _audit(engine: Engine) -> list[tuple[object, ...]]:
    keys = ("email", "via", "action", "subject", "status", "detail")
    return [tuple(e[k] for k in keys) for e in reversed(entries(engine))]


def test_each_write_for_a_person_is_in_the_audit_log_with_how_it_ended(engine: Engine, owner: str) -> None:
    bad = lead("reject", "1", "--as", owner, "--reason", "too_small")
    accepted = lead("accept", "1", "--as", owner, "--at", AN_HOUR_LATER)
    refused = lead("accept", "1", "--as", other_rep(owner), "--at", AN_HOUR_LATER)
    unknown = lead("activity", "1", "--as", "nobody@nowhere.example", "--kind", "call")
    lead("show", "1")  # a read: not audited

    assert [r.exit_code for r in (bad, accepted, refused, unknown)] == [2, 0, 1, 1]
    assert _audit(engine) == [
        (owner, "cli", "revbridge lead reject", "lead 1", 422, {}),
        (owner, "cli", "revbridge lead accept", "lead 1", 200, {}),
        (other_rep(owner), "cli", "revbridge lead accept", "lead 1", 403, {}),
        (None, "cli", "revbridge lead activity", "lead 1", 404, {"as": "nobody@nowhere.example"}),
    ]
