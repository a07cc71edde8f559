"""The HTTP API over ASGI (httpx), on both databases: batches of touchpoints, leads, problem details."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.api.app import create_app
from revbridge.services.api_tokens import make_token, revoke_token
from revbridge.services.api_tokens import tokens as tokens_of
from revbridge.store.engine import writing
from revbridge.store.tables import UserRow

PROBLEM = "application/problem+json"


class Client:
    """httpx over ASGI, called from plain tests: each request runs the app in this process."""

    def __init__(self, app: Any, token: str | None = None) -> None:
        self.app = app
        self.token = token

    def as_(self, token: str | None) -> Client:
        return Client(self.app, token)

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        if self.token is not None:
            options.setdefault("headers", {})["Authorization"] = f"Bearer {self.token}"

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://revbridge") as api:
                return await api.request(method, url, **options)

        return asyncio.run(send())

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)


ROLES = ("admin", "marketing", "sales", "viewer")


def people(engine: Engine) -> dict[str, str]:
    """A person of each role, and a token for each: their role's name; ``viewer-read`` only reads."""
    with writing(engine).begin() as conn:
        for role in ROLES:
            conn.execute(sa.insert(UserRow).values(email=f"{role}@nw.example", name=role.title(), role=role))
    made = {role: make_token(engine, email=f"{role}@nw.example", name="test").token for role in ROLES}
    made["admin-read"] = make_token(engine, email="admin@nw.example", name="reader", scopes=["read"]).token
    return made


@pytest.fixture
def tokens(engine: Engine) -> dict[str, str]:
    return people(engine)


@pytest.fixture
def client(engine: Engine, tokens: dict[str, str]) -> Client:
    """Calls as the admin unless a test says otherwise."""
    return Client(create_app(engine), tokens["admin"])


def touch(n: int, **more: Any) -> dict[str, Any]:
    return {
        "source": "web",
        "external_id": f"t{n}",
        "type": "page_view",
        "occurred_at": "2026-03-02T10:00:00Z",
        "lead_email": f"person{n % 3}@example.com",
        "channel": "organic_search",
        **more,
    }


def test_a_batch_of_touchpoints_is_stored_once_and_its_new_people_become_leads(client: Client) -> None:
    batch = {"touchpoints": [touch(n) for n in range(6)]}
    first = client.post("/api/touchpoints", json=batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 6, "added": 6, "already_stored": 0, "leads_created": 3, "unresolved": []}
    again = client.post("/api/touchpoints", json=batch).json()
    assert (again["added"], again["already_stored"], again["leads_created"]) == (0, 6, 0)
    leads = client.get("/api/leads").json()["items"]
    assert sorted(lead["email"] for lead in leads) == [f"person{i}@example.com" for i in range(3)]
    story = client.get(f"/api/leads/{leads[0]['id']}").json()
    assert len(story["timeline"]) == 2


def test_an_unknown_person_is_listed_not_stored(client: Client) -> None:
    batch = {"touchpoints": [touch(1), {**touch(2, lead_email=None), "lead_external_id": "nobody"}]}
    result = client.post("/api/touchpoints", json=batch).json()
    assert result["added"] == 1
    assert [u["index"] for u in result["unresolved"]] == [1]
    assert "nobody" in result["unresolved"][0]["reason"]


def test_a_bad_request_is_a_problem_that_names_the_field(client: Client) -> None:
    batch = {"touchpoints": [touch(1), touch(2, occurred_at="yesterday"), touch(3, lead_email=None)]}
    response = client.post("/api/touchpoints", json=batch)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert (problem["status"], problem["title"]) == (422, "The request is not valid")
    fields = [e["field"] for e in problem["errors"]]
    assert fields == ["body.touchpoints[1].occurred_at", "body.touchpoints[2]"]
    assert "name the person" in problem["errors"][1]["message"]
    too_many = client.post("/api/touchpoints", json={"touchpoints": [touch(n) for n in range(1001)]})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "body.touchpoints"


def test_an_unknown_lead_and_an_unknown_route_are_problems(client: Client) -> None:
    missing = client.get("/api/leads/999")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    assert "999" in missing.json()["detail"]
    assert client.get("/api/nothing-here").status_code == 404
    assert client.get("/api/leads", params={"limit": 0}).json()["errors"][0]["field"] == "query.limit"


def test_the_schema_documents_every_route(client: Client) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/leads", "/api/leads/{lead_id}", "/api/touchpoints"} <= set(schema["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert re.findall(r'(?:src|href)="(https?:[^"]+)"', docs.text) == []  # nothing from a CDN
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(
    ("who", "reads", "sends"),
    [
        ("admin", 200, 200),
        ("marketing", 200, 200),
        ("sales", 200, 403),
        ("viewer", 200, 403),
        ("admin-read", 200, 403),
        (None, 401, 401),
        ("rb_not-a-token", 401, 401),
    ],
)
def test_who_may_call_what(client: Client, tokens: dict[str, str], who: str | None, reads: int, sends: int) -> None:
    caller = client.as_(tokens.get(who or "", who))
    answers = [
        caller.get("/api/leads"),
        caller.get("/api/leads/1"),
        caller.post("/api/touchpoints", json={"touchpoints": [touch(1)]}),
    ]
    assert [a.status_code for a in answers[::2]] == [reads, sends]
    assert answers[1].status_code in ((404,) if reads == 200 else (401,))  # no lead 1 yet: found only by a reader
    for answer in answers:
        if answer.status_code >= 400:
            assert answer.headers["content-type"] == PROBLEM
    if reads == 401:
        assert answers[0].headers["www-authenticate"] == "Bearer"
    if sends == 403:
        assert "may" in answers[2].json()["detail"]


def test_a_revoked_token_does_nothing(engine: Engine, client: Client, tokens: dict[str, str]) -> None:
    listed = tokens_of(engine)
    marketing = next(t["id"] for t in listed if t["email"] == "marketing@nw.example")
    revoke_token(engine, marketing)
    assert client.as_(tokens["marketing"]).get("/api/leads").status_code == 401
