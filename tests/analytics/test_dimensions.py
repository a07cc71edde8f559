"""Slices: each lead falls in exactly one, named by what the slice means; on every engine."""

from __future__ import annotations

from revbridge.analytics.funnel import conversion
from revbridge.domain.stages import DEFAULT_STAGES
from tests.analytics import tiny
from tests.analytics.conftest import On


def test_by_owner_slices_by_the_owners_email_not_the_leads(on: On) -> None:
    with on(tiny.two_teams) as source:
        frame = conversion(source, DEFAULT_STAGES[1:], by="owner").set_index("owner")
    assert frame.leads.to_dict() == {"ana@nw.com": 2, "bo@nw.com": 3}
