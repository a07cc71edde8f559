"""What adding the sales side's records reads and writes: accounts, users, opportunities and their
contacts, and campaign spend, each found by its natural key; ``services/ingest_crm.py`` decides whether a
record is new, changed or a duplicate."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from revbridge.store.tables import (
    AccountRow,
    CampaignSpendRow,
    LeadRow,
    OpportunityContactRow,
    OpportunityRow,
    UserRow,
    table_of,
)


def insert_row(conn: Connection, table: sa.Table, values: dict[str, Any]) -> None:
    conn.execute(sa.insert(table), values)


def update_row(conn: Connection, table: sa.Table, row_id: int, changes: dict[str, Any]) -> None:
    conn.execute(sa.update(table).where(table.c.id == row_id).values(**changes))


def _first(conn: Connection, query: sa.Select[Any]) -> dict[str, Any] | None:
    found = conn.execute(query).first()
    return dict(found._mapping) if found is not None else None


def find_account(conn: Connection, normalised_name: str | None, domain: str | None) -> dict[str, Any] | None:
    """The account with this normalised name, or this domain."""
    table = table_of(AccountRow)
    by_domain = (table.c.domain == domain) if domain else sa.false()
    return _first(conn, sa.select(table).where((table.c.normalised_name == normalised_name) | by_domain))


def lead_ids_at(conn: Connection, account_ids: list[int]) -> list[int]:
    """The leads who work at any of ``account_ids``."""
    query = sa.select(LeadRow.id).where(LeadRow.account_id.in_(account_ids)).order_by(LeadRow.id)
    return list(conn.execute(query).scalars())


def find_user(conn: Connection, email: str) -> dict[str, Any] | None:
    table = table_of(UserRow)
    return _first(conn, sa.select(table).where(table.c.email == email))


def user_keys(conn: Connection) -> list[tuple[int, str | None, str | None]]:
    """(id, e-mail, name) of every user."""
    table = table_of(UserRow)
    return [(int(i), e, n) for i, e, n in conn.execute(sa.select(table.c.id, table.c.email, table.c.name))]


def set_manager(conn: Connection, user_id: int, manager_id: int) -> None:
    table = table_of(UserRow)
    conn.execute(table.update().where(table.c.id == user_id).values(manager_id=manager_id))


def _opportunity_key(source: str, external_id: str) -> sa.ColumnElement[bool]:
    table = table_of(OpportunityRow)
    return (table.c.source == source) & (table.c.external_id == external_id)


def find_opportunity(conn: Connection, source: str, external_id: str) -> dict[str, Any] | None:
    return _first(conn, sa.select(table_of(OpportunityRow)).where(_opportunity_key(source, external_id)))


def touch_opportunity(conn: Connection, source: str, external_id: str, at: datetime) -> None:
    table = table_of(OpportunityRow)
    conn.execute(sa.update(table).where(_opportunity_key(source, external_id)).values(updated_at=at))


def link_contacts(conn: Connection, source: str, external_id: str, lead_ids: set[int]) -> None:
    """The leads become contacts of the opportunity, unless they are already."""
    opportunity_id = conn.execute(
        sa.select(table_of(OpportunityRow).c.id).where(_opportunity_key(source, external_id))
    ).scalar_one()
    linked = set(
        conn.execute(
            sa.select(OpportunityContactRow.lead_id).where(OpportunityContactRow.opportunity_id == opportunity_id)
        ).scalars()
    )
    new = [{"opportunity_id": opportunity_id, "lead_id": i, "role": None} for i in sorted(lead_ids - linked)]
    if new:
        conn.execute(sa.insert(OpportunityContactRow), new)


def find_spend(conn: Connection, campaign_id: int, day: date, source: str) -> dict[str, Any] | None:
    table = table_of(CampaignSpendRow)
    return _first(
        conn,
        sa.select(table).where(
            (table.c.campaign_id == campaign_id) & (table.c.day == day) & (table.c.source == source)
        ),
    )
