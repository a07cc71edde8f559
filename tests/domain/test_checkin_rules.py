"""Who may write into the weekly check-in: decisions by those who work the funnel, sign-off by the team leads.

Personas: Maria (marketing, named the marketing lead in the SLA), Sam (sales, titled sales_manager, named
the sales lead), Sofia (a sales rep), Mia (marketing, no title), Alex (admin), Nina (viewer).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.domain.checkin import (
    LEAD_TITLES,
    MAX_TEXT,
    NotACheckinWriter,
    Person,
    TeamLeads,
    WeekNotStarted,
    check_decision,
    check_sign_off,
    clean_text,
    signs_for,
)
from revbridge.domain.errors import InvalidInput
from revbridge.domain.iso_weeks import IsoWeek

LEADS = TeamLeads.of(
    {"marketing": "Maria Lopez", "sales": "Sam Okafor"}, {"marketing": "Maria  Lopez", "sales": "Sam Okafor"}
)
WEEK = IsoWeek(2026, 47)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)

maria = Person("maria@x", "Maria Lopez", "marketing")
sam = Person("sam@x", "Sam Okafor", "sales", "sales_manager")
sofia = Person("sofia@x", "Sofia Rossi", "sales")
mia = Person("mia@x", "Mia Brandt", "marketing")
alex = Person("alex@x", "Alex Chen", "admin")
nina = Person("nina@x", "Nina Patel", "viewer")


def test_the_leads_the_sla_names_sign_for_their_teams() -> None:
    assert check_sign_off(maria, LEADS, WEEK, NOW) == "marketing"
    assert check_sign_off(sam, LEADS, WEEK, NOW) == "sales"


def test_a_title_makes_a_team_lead_even_unnamed() -> None:
    assert signs_for(Person("ann@x", "Ann Other", "sales", "sales_manager"), LEADS) == "sales"
    assert signs_for(Person("bo@x", "Bo Other", "marketing", "marketing_lead"), LEADS) == "marketing"
    assert signs_for(Person("cy@x", "Cy Other", "marketing", "sales_manager"), LEADS) is None


def test_a_rep_may_not_sign_and_is_told_who_may() -> None:
    with pytest.raises(NotACheckinWriter) as refused:
        check_sign_off(sofia, LEADS, WEEK, NOW)
    assert str(refused.value) == (
        "sofia@x is sales: only the team leads sign the week off — for marketing Maria Lopez (or a "
        "marketing_lead or a marketing_manager); for sales Sam Okafor (or a sales_manager)"
    )
    assert signs_for(mia, LEADS) is None


def test_an_admin_signs_only_when_the_sla_names_them() -> None:
    assert signs_for(alex, LEADS) is None
    named = TeamLeads.of({"marketing": "alex chen", "sales": "Sam Okafor"}, {})
    assert signs_for(alex, named) == "marketing"


def test_a_viewer_neither_signs_nor_decides_even_when_named() -> None:
    named = TeamLeads.of({"marketing": "Nina Patel"}, {})
    assert signs_for(nina, named) is None
    with pytest.raises(NotACheckinWriter, match="viewers read"):
        check_decision(nina, WEEK, NOW)


def test_a_person_on_one_team_does_not_sign_for_the_other_by_name() -> None:
    crossed = TeamLeads.of({"sales": "Maria Lopez"}, {})
    assert signs_for(maria, crossed) is None


def test_an_inactive_lead_signs_nothing() -> None:
    assert signs_for(Person("sam@x", "Sam Okafor", "sales", "sales_manager", active=False), LEADS) is None


def test_marketing_sales_and_admins_write_decisions() -> None:
    for person in (maria, sofia, mia, alex):
        check_decision(person, WEEK, NOW)


def test_nobody_writes_into_a_week_not_begun() -> None:
    with pytest.raises(WeekNotStarted, match="2026-W49 has not begun"):
        check_decision(maria, IsoWeek(2026, 49), NOW)
    with pytest.raises(WeekNotStarted):
        check_sign_off(sam, LEADS, IsoWeek(2026, 49), NOW)
    check_sign_off(sam, LEADS, IsoWeek(2026, 48), NOW)  # the week running now


def test_a_decision_needs_words_and_not_too_many() -> None:
    assert clean_text("  Move budget to webinars  ", "decision") == "Move budget to webinars"
    assert clean_text("   ", "comment", required=False) == ""
    with pytest.raises(InvalidInput, match="decision: write what was decided"):
        clean_text(" \n ", "decision")
    with pytest.raises(InvalidInput, match=f"at most {MAX_TEXT} characters"):
        clean_text("x" * (MAX_TEXT + 1), "decision")


roles = st.sampled_from(["admin", "marketing", "sales", "viewer", "partner"])
titles = st.one_of(st.none(), st.sampled_from(["sales_manager", "marketing_lead", "marketing_manager", "sdr", "ae"]))
names = st.sampled_from(["Maria Lopez", "Sam Okafor", "Sofia Rossi", "Alex Chen"])


@given(roles, titles, names, st.booleans())
def test_whoever_signs_signs_for_a_team_their_role_or_name_gives_them(
    role: str, title: str | None, name: str, active: bool
) -> None:
    person = Person("p@x", name, role, title, active)
    team = signs_for(person, LEADS)
    if team is None:
        return
    assert active
    assert role != "viewer"
    assert team == role or role == "admin"
    assert LEADS.named(team, person) or title in LEAD_TITLES[team]
    if role == "admin":
        assert LEADS.named(team, person)
