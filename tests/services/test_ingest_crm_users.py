"""Users: titles and managers are stored, so that an escalation to role:sales_manager finds a person."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.records import UserRecord
from revbridge.services.ingest_crm import ingest_users
from revbridge.store.tables import UserRow

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def test_a_rep_s_manager_is_linked_by_name_or_e_mail_and_titles_are_kept(engine: Engine) -> None:
    ingest_users(
        engine,
        [
            UserRecord("Ana Ruiz", "sdr", "sales", "ana@nw.com", "sales", manager="Sam Okafor"),
            UserRecord("Bo Chen", "sdr", "sales", "bo@nw.com", "sales", manager="SAM@nw.com"),
            UserRecord("Sam Okafor", "leadership", "sales", "sam@nw.com", "sales", title="sales_manager"),
        ],
        now=NOW,
    )
    with engine.connect() as conn:
        rows = {r.email: r for r in conn.execute(sa.select(UserRow))}
    sam = rows["sam@nw.com"]
    assert sam.title == "sales_manager"
    assert (rows["ana@nw.com"].manager_id, rows["bo@nw.com"].manager_id) == (sam.id, sam.id)
    assert sam.manager_id is None
