"""schemathesis against the API's own OpenAPI schema, over ASGI: requests generated from it to every
operation, as an admin, on a small store (SQLite), find no server error (``not_a_server_error``).

A bounded number of examples per operation keeps it to about a minute; a 5xx it finds is a bug to
mend in the code, never one to mark as expected.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.engine import Engine

from revbridge.api.app import create_app
from revbridge.services.api_tokens import make_token
from revbridge.services.leads import reject
from tests.services.lead_world import ADA, BO, MONDAY, build, make_mql

ADMIN_TOKEN: dict[str, str] = {}


@pytest.fixture
def api_schema(sqlite_engine: Engine) -> Any:
    """The app over a store with the example SLA, its people, and three MQLs (one rejected); the
    admin's token kept for the calls."""
    contract = build(sqlite_engine, leads=3)
    for lead_id in (1, 2, 3):
        make_mql(sqlite_engine, lead_id, contract)
    reject(sqlite_engine, 2, BO, "no_budget", at=MONDAY)
    ADMIN_TOKEN["token"] = make_token(sqlite_engine, email=ADA, name="fuzz").token
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(sqlite_engine))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_TOKEN['token']}"}, checks=[not_a_server_error])
