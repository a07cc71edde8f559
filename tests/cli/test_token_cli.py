"""`revbridge token`: a token shown once, listed without itself, revoked."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from revbridge.cli.main import app
from revbridge.services.api_tokens import caller_of
from revbridge.store.engine import writing
from revbridge.store.tables import UserRow


@pytest.fixture
def store(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", database_url)
    with writing(engine).begin() as conn:
        conn.execute(sa.insert(UserRow).values(email="maria@nw.example", name="Maria", role="marketing"))
    return engine


def token(*args: str) -> str:
    result = CliRunner().invoke(app, ["token", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_token_is_shown_once_listed_without_itself_and_revoked(store: Engine) -> None:
    made = json.loads(token("create", "--user", "maria@nw.example", "--name", "HubSpot sync", "--format", "json"))
    assert made["token"].startswith("rb_")
    caller = caller_of(store, made["token"])
    assert caller is not None
    assert (caller.email, caller.role, sorted(caller.scopes)) == ("maria@nw.example", "marketing", ["read", "write"])
    listed = json.loads(token("list", "--format", "json"))
    assert [(t["name"], t["scopes"], t["revoked_at"]) for t in listed] == [("HubSpot sync", "read write", None)]
    assert made["token"] not in json.dumps(listed)
    token("revoke", str(made["id"]))
    assert caller_of(store, made["token"]) is None
    again = CliRunner().invoke(app, ["token", "revoke", str(made["id"])])
    assert again.exit_code == 1
    assert "no live token" in again.output


def test_an_unknown_person_gets_no_token(store: Engine) -> None:
    result = CliRunner().invoke(app, ["token", "create", "--user", "nobody@nw.example", "--name", "x"])
    assert result.exit_code == 1
    assert "no user with e-mail" in result.output
