"""Sales' verdicts through the API: the token's person judges, as the lifecycle's rules allow."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from revbridge.api.app import create_app
from revbridge.services.api_tokens import make_token
from tests.api.test_api import PROBLEM, Client
from tests.services.lead_world import ADA, MARIA, VIC, build, make_mql, other_rep


@pytest.fixture
def world(engine: Engine) -> tuple[Client, str]:
    """Lead 1 is an MQL routed to a rep; the client is not yet anyone."""
    owner = make_mql(engine, 1, build(engine))
    return Client(create_app(engine)), owner


def token(engine: Engine, email: str) -> str:
    return make_token(engine, email=email, name="test").token


def test_the_leads_rep_accepts_it_and_it_moves_on(engine: Engine, world: tuple[Client, str]) -> None:
    client, owner = world
    done = client.as_(token(engine, owner)).post("/api/leads/1/accept", json={"rating": 4, "note": "good fit"})
    assert done.status_code == 200, done.text
    assert (done.json()["from_stage"], done.json()["stage"], done.json()["by"]) == ("mql", "sal", owner)
    story = client.as_(token(engine, owner)).get("/api/leads/1").json()
    assert story["feedback"][0]["rating"] == 4


def test_a_rejection_needs_one_of_the_slas_reasons(engine: Engine, world: tuple[Client, str]) -> None:
    client, owner = world
    rep = client.as_(token(engine, owner))
    wrong = rep.post("/api/leads/1/reject", json={"reason": "meh"})
    assert (wrong.status_code, wrong.headers["content-type"]) == (422, PROBLEM)
    assert "no_budget" in wrong.json()["detail"]
    done = rep.post("/api/leads/1/reject", json={"reason": "no_budget"})
    assert done.json()["stage"] == "nurture"


@pytest.mark.parametrize("who", ["other rep", MARIA, VIC])
def test_only_the_leads_rep_judges_it(engine: Engine, world: tuple[Client, str], who: str) -> None:
    client, owner = world
    email = other_rep(owner) if who == "other rep" else who
    refused = client.as_(token(engine, email)).post("/api/leads/1/accept", json={})
    assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)


def test_a_rating_is_from_one_to_five(engine: Engine, world: tuple[Client, str]) -> None:
    client, _ = world
    answer = client.as_(token(engine, ADA)).post("/api/leads/1/accept", json={"rating": 9})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.rating"


def test_marketing_disputes_a_rejection_once(engine: Engine, world: tuple[Client, str]) -> None:
    client, owner = world
    rejected = client.as_(token(engine, owner)).post("/api/leads/1/reject", json={"reason": "no_budget"}).json()
    feedback = rejected["feedback_id"]
    maria = client.as_(token(engine, MARIA))
    disputed = maria.post(f"/api/feedback/{feedback}/dispute", json={"note": "They booked a demo the next day."})
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["dispute"]["note"] == "They booked a demo the next day."
    again = maria.post(f"/api/feedback/{feedback}/dispute", json={"note": "Really."})
    assert (again.status_code, again.headers["content-type"]) == (403, PROBLEM)
    by_sales = client.as_(token(engine, owner)).post(f"/api/feedback/{feedback}/dispute", json={"note": "no"})
    assert by_sales.status_code == 403
    assert "only admin and marketing may dispute" in by_sales.json()["detail"]
