"""The HTTP API over ASGI (httpx), on both databases: batches of touchpoints, leads, problem details."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from revbridge.api.app import create_app

PROBLEM = "application/problem+json"


class Client:
    """httpx over ASGI, called from plain tests: each request runs the app in this process."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://revbridge") as api:
                return await api.request(method, url, **options)

        return asyncio.run(send())

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(create_app(engine))


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
    first = client.post("/touchpoints", json=batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 6, "added": 6, "already_stored": 0, "leads_created": 3, "unresolved": []}
    again = client.post("/touchpoints", json=batch).json()
    assert (again["added"], again["already_stored"], again["leads_created"]) == (0, 6, 0)
    leads = client.get("/leads").json()["items"]
    assert sorted(lead["email"] for lead in leads) == [f"person{i}@example.com" for i in range(3)]
    story = client.get(f"/leads/{leads[0]['id']}").json()
    assert len(story["timeline"]) == 2


def test_an_unknown_person_is_listed_not_stored(client: Client) -> None:
    batch = {"touchpoints": [touch(1), {**touch(2, lead_email=None), "lead_external_id": "nobody"}]}
    result = client.post("/touchpoints", json=batch).json()
    assert result["added"] == 1
    assert [u["index"] for u in result["unresolved"]] == [1]
    assert "nobody" in result["unresolved"][0]["reason"]


def test_a_bad_request_is_a_problem_that_names_the_field(client: Client) -> None:
    batch = {"touchpoints": [touch(1), touch(2, occurred_at="yesterday"), touch(3, lead_email=None)]}
    response = client.post("/touchpoints", json=batch)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert (problem["status"], problem["title"]) == (422, "The request is not valid")
    fields = [e["field"] for e in problem["errors"]]
    assert fields == ["body.touchpoints[1].occurred_at", "body.touchpoints[2]"]
    assert "name the person" in problem["errors"][1]["message"]
    too_many = client.post("/touchpoints", json={"touchpoints": [touch(n) for n in range(1001)]})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "body.touchpoints"


def test_an_unknown_lead_and_an_unknown_route_are_problems(client: Client) -> None:
    missing = client.get("/leads/999")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    assert "999" in missing.json()["detail"]
    assert client.get("/nothing-here").status_code == 404
    assert client.get("/leads", params={"limit": 0}).json()["errors"][0]["field"] == "query.limit"


def test_the_schema_documents_every_route(client: Client) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/leads", "/leads/{lead_id}", "/touchpoints"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200
