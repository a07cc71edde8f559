"""A new MQL goes to a rep by the SLA's routing section: account owner, territory, round robin, fallback."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.domain.routing import LeadFacts, Rep, RoutingDecision, anyone_can_take, route, territory_matches
from revbridge.domain.sla import load_sla
from revbridge.domain.sla_sections import Routing, TerritoryMatch

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = load_sla((REPO / "examples" / "sla.yaml").read_text(encoding="utf-8")).routing
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TEAMS = ("na_enterprise", "na_midmarket", "emea", "sdr")


def rep(
    id: int,
    name: str,
    team: str | None,
    *,
    away: bool = False,
    active: bool = True,
    open_leads: int = 0,
    capacity: int | None = None,
    last: int | None = None,
) -> Rep:
    """A rep; ``last`` is minutes after T0 of their last assignment (None: never assigned)."""
    email = name.lower().replace(" ", ".") + "@northwind.example"
    when = None if last is None else T0 + timedelta(minutes=last)
    return Rep(id, email, name, team, away, active, open_leads, capacity, when)


def staff(**changes: dict[str, Any]) -> list[Rep]:
    """Two enterprise AEs, one mid-market AE, two EMEA AEs, two SDRs; ``changes`` by first name."""
    people = [
        rep(1, "Ana Ruiz", "na_enterprise", open_leads=3, last=10),
        rep(2, "Ben Ode", "na_enterprise", open_leads=5, last=20),
        rep(3, "Cara Lund", "na_midmarket"),
        rep(4, "Dirk Maas", "emea", last=5),
        rep(5, "Eva Roth", "emea", last=50),
        rep(6, "Bo Chen", "sdr", last=1),
        rep(7, "Cy Diaz", "sdr", last=2),
    ]
    return [_changed(p, changes.get(p.name.split()[0].lower(), {})) for p in people]


def _changed(person: Rep, change: dict[str, Any]) -> Rep:
    change = dict(change)
    if "last" in change:
        last = change.pop("last")
        change["last_assigned_at"] = None if last is None else T0 + timedelta(minutes=last)
    return replace(person, **change)


def lead(
    country: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    employees: int | None = None,
    owner: int | None = None,
) -> LeadFacts:
    return LeadFacts(country, region, industry, employees, owner)


def routing(**section: Any) -> Routing:
    return Routing.model_validate(section)


def team_of(decision: RoutingDecision, reps: list[Rep]) -> str | None:
    return next(r.team for r in reps if r.id == decision.rep_id)


# --- the example SLA ----------------------------------------------------------------------------------


def test_a_us_company_with_2000_employees_goes_to_the_north_america_enterprise_team() -> None:
    reps = staff()
    decision = route(lead("US", "NA", employees=2000), EXAMPLE, reps)
    assert team_of(decision, reps) == "na_enterprise"
    assert decision.rule == "territory: North America enterprise"
    assert decision.skipped == ()


def test_the_reason_names_the_territory_its_match_and_why_this_rep_came_next() -> None:
    decision = route(lead("US", employees=2000), EXAMPLE, staff())
    assert decision.rep_id == 1
    assert decision.reason == (
        "Territory North America enterprise (country in [US, CA] and employees 1000+), team na_enterprise: "
        "Ana Ruiz waited longest since their last lead (3 of 40 open leads)"
    )


@pytest.mark.parametrize(
    ("employees", "team"),
    [(1000, "na_enterprise"), (999, "na_midmarket"), (0, "na_midmarket"), (250_000, "na_enterprise")],
)
def test_employee_bounds_are_inclusive(employees: int, team: str) -> None:
    reps = staff()
    assert team_of(route(lead("CA", employees=employees), EXAMPLE, reps), reps) == team


def test_a_german_lead_in_emea_goes_to_the_emea_team() -> None:
    reps = staff()
    decision = route(lead("DE", "EMEA", "software", 300), EXAMPLE, reps)
    assert (decision.rep_id, decision.rule) == (4, "territory: Europe")
    assert team_of(decision, reps) == "emea"


def test_country_codes_match_whatever_their_case() -> None:
    reps = staff()
    assert team_of(route(lead(" us ", employees=5000), EXAMPLE, reps), reps) == "na_enterprise"


def test_a_lead_no_territory_claims_goes_to_the_sdr_fallback() -> None:
    reps = staff()
    decision = route(lead("BR", "LATAM", "retail", 800), EXAMPLE, reps)
    assert (decision.rep_id, decision.rule) == (6, "fallback")
    assert decision.reason == (
        "No territory matches the lead; fallback team sdr: Bo Chen waited longest since their last lead "
        "(0 of 40 open leads)"
    )


def test_a_lead_missing_a_field_a_territory_tests_does_not_match_it() -> None:
    reps = staff()
    assert route(lead("US"), EXAMPLE, reps).rule == "fallback"
    assert route(lead(employees=5000), EXAMPLE, reps).rule == "fallback"
    assert not territory_matches(TerritoryMatch.model_validate({"region": ["EMEA"]}), lead("DE"))


def test_an_away_rep_is_skipped_and_named() -> None:
    decision = route(lead("US", employees=2000), EXAMPLE, staff(ana={"away": True}))
    assert decision.rep_id == 2
    assert decision.skipped == ("Ana Ruiz: away",)
    assert "Ben Ode is the only one who can take it (5 of 40 open leads)" in decision.reason


def test_a_rep_at_the_slas_capacity_is_skipped_with_their_count() -> None:
    decision = route(lead("US", employees=2000), EXAMPLE, staff(ana={"open_leads": 40}))
    assert decision.rep_id == 2
    assert decision.skipped == ("Ana Ruiz: at capacity (40 of 40)",)


def test_a_reps_own_capacity_replaces_the_slas() -> None:
    smaller = route(lead("US", employees=2000), EXAMPLE, staff(ana={"capacity": 3}))
    assert (smaller.rep_id, smaller.skipped) == (2, ("Ana Ruiz: at capacity (3 of 3)",))
    larger = route(lead("US", employees=2000), EXAMPLE, staff(ana={"capacity": 60, "open_leads": 45}))
    assert larger.rep_id == 1
    assert "45 of 60 open leads" in larger.reason


def test_inactive_reps_never_get_leads_and_every_reason_a_rep_is_passed_over_is_given() -> None:
    decision = route(lead("US", employees=2000), EXAMPLE, staff(ana={"active": False, "away": True, "open_leads": 41}))
    assert decision.rep_id == 2
    assert decision.skipped == ("Ana Ruiz: inactive, away, at capacity (41 of 40)",)


def test_an_excluded_rep_is_passed_over_when_a_breach_reassigns_the_lead() -> None:
    decision = route(lead("US", employees=2000), EXAMPLE, staff(), exclude=frozenset({1}))
    assert decision.rep_id == 2
    assert decision.skipped == ("Ana Ruiz: excluded from this assignment",)


def test_a_territory_whose_team_has_nobody_eligible_falls_back_and_says_so() -> None:
    decision = route(lead("DE", "EMEA"), EXAMPLE, staff(dirk={"away": True}, eva={"open_leads": 40}))
    assert (decision.rep_id, decision.rule) == (6, "fallback")
    assert decision.skipped == ("Dirk Maas: away", "Eva Roth: at capacity (40 of 40)")
    assert decision.reason.startswith(
        "Territory Europe (region in [EMEA]) goes to team emea, but nobody in it can take a lead now; "
        "fallback team sdr: Bo Chen"
    )


def test_a_territory_team_nobody_is_on_falls_back_too() -> None:
    reps = [r for r in staff() if r.team != "emea"]
    decision = route(lead("DE", "EMEA"), EXAMPLE, reps)
    assert (decision.rep_id, decision.rule) == (6, "fallback")
    assert "goes to team emea, but nobody is on that team" in decision.reason


def test_when_nobody_can_take_the_lead_it_stays_unassigned_and_the_reason_says_so() -> None:
    reps = staff(dirk={"away": True}, eva={"away": True}, bo={"active": False}, cy={"open_leads": 40})
    decision = route(lead("DE", "EMEA"), EXAMPLE, reps)
    assert (decision.rep_id, decision.rule) == (None, "unassigned")
    assert decision.skipped == (
        "Dirk Maas: away",
        "Eva Roth: away",
        "Bo Chen: inactive",
        "Cy Diaz: at capacity (40 of 40)",
    )
    assert decision.reason.endswith("fallback team sdr: nobody in it can take a lead now; the lead stays unassigned")


def test_a_territory_that_sends_leads_to_the_fallback_team_is_not_tried_twice() -> None:
    section = EXAMPLE.model_dump(mode="json")
    section["territories"][2]["assign_to"] = "team:sdr"
    reps = staff(bo={"away": True}, cy={"away": True})
    decision = route(lead("DE", "EMEA"), routing(**section), reps)
    assert decision.rep_id is None
    assert decision.skipped == ("Bo Chen: away", "Cy Diaz: away")
    assert decision.reason.endswith("team sdr is also the fallback; the lead stays unassigned")


def test_the_decision_does_not_depend_on_the_order_of_the_reps() -> None:
    reps = staff(ana={"last": None, "open_leads": 2}, ben={"last": None, "open_leads": 2})
    for facts in (lead("US", employees=2000), lead("DE", "EMEA"), lead("BR")):
        assert route(facts, EXAMPLE, reps) == route(facts, EXAMPLE, list(reversed(reps)))


# --- the round-robin order ----------------------------------------------------------------------------


def test_a_rep_never_assigned_goes_first_then_the_longest_waiting() -> None:
    never = route(lead("US", employees=2000), EXAMPLE, staff(ben={"last": None}))
    assert never.rep_id == 2
    assert "Ben Ode has not had a lead yet" in never.reason


def test_equal_waits_are_broken_by_fewer_open_leads_then_by_lower_id() -> None:
    fewer = route(lead("US", employees=2000), EXAMPLE, staff(ben={"last": 10, "open_leads": 1}))
    assert fewer.rep_id == 2
    assert "Ben Ode waited as long as others and had the fewest open leads (1 of 40 open leads)" in fewer.reason
    tied = route(lead("US", employees=2000), EXAMPLE, staff(ben={"last": 10, "open_leads": 3}))
    assert tied.rep_id == 1
    assert "Ana Ruiz tied with Ben Ode on waiting time and open leads, and comes first" in tied.reason


def test_round_robin_strategy_rotates_through_the_fallback_team() -> None:
    section = routing(strategy="round_robin", fallback="team:sdr")
    decision = route(lead("US", employees=2000), section, staff())
    assert (decision.rep_id, decision.rule) == (6, "round robin in team sdr")
    assert (
        decision.reason
        == "Round robin in team sdr: Bo Chen waited longest since their last lead (0 open leads, no cap)"
    )


# --- away reps and the capacity section ---------------------------------------------------------------


def test_away_reps_take_leads_when_the_sla_says_not_to_skip_them() -> None:
    section = routing(
        strategy="round_robin", fallback="team:sdr", capacity={"max_open_leads_per_rep": 5, "skip_away": False}
    )
    assert route(lead(), section, staff(bo={"away": True})).rep_id == 6


def test_away_reps_are_skipped_even_without_a_capacity_section() -> None:
    decision = route(lead(), routing(fallback="team:sdr"), staff(bo={"away": True}))
    assert (decision.rep_id, decision.skipped) == (7, ("Bo Chen: away",))


def test_without_any_cap_a_rep_with_many_open_leads_still_takes_leads() -> None:
    decision = route(lead(), routing(fallback="team:sdr"), staff(bo={"open_leads": 10_000}, cy={"active": False}))
    assert decision.rep_id == 6


# --- account owners and people ------------------------------------------------------------------------


def test_the_account_owner_wins_under_the_account_owner_strategy() -> None:
    section = routing(strategy="account_owner", fallback="team:sdr", capacity={"max_open_leads_per_rep": 40})
    decision = route(lead("US", employees=2000, owner=5), section, staff())
    assert (decision.rep_id, decision.rule) == (5, "account owner")
    assert decision.reason == "Eva Roth owns the lead's account (0 of 40 open leads)"


def test_an_account_owner_who_is_away_is_skipped_and_the_fallback_takes_the_lead() -> None:
    section = routing(strategy="account_owner", fallback="team:sdr")
    decision = route(lead(owner=5), section, staff(eva={"away": True}))
    assert (decision.rep_id, decision.rule) == (6, "fallback")
    assert decision.skipped == ("Eva Roth: away",)
    assert decision.reason.startswith("The account owner Eva Roth cannot take it (away); fallback team sdr: Bo Chen")


def test_an_account_owner_who_is_not_a_rep_leaves_the_lead_to_the_fallback() -> None:
    decision = route(lead(owner=99), routing(strategy="account_owner", fallback="team:sdr"), staff())
    assert (decision.rep_id, decision.rule) == (6, "fallback")
    assert decision.skipped == ("rep 99 (the account owner): not among the reps",)


def test_the_account_owner_counts_only_under_the_account_owner_strategy() -> None:
    decision = route(lead("US", employees=2000, owner=5), EXAMPLE, staff())
    assert decision.rule == "territory: North America enterprise"
    assert route(lead(owner=5), routing(fallback="team:sdr"), staff()).rule == "round robin in team sdr"


def test_a_person_target_takes_the_lead_when_eligible_and_the_fallback_otherwise() -> None:
    section = EXAMPLE.model_dump(mode="json")
    section["territories"][1]["assign_to"] = "person:Cara.Lund@northwind.example"
    named = route(lead("US", employees=50), routing(**section), staff())
    assert (named.rep_id, named.rule) == (3, "territory: North America mid-market")
    assert "Cara Lund is named by the SLA" in named.reason
    away = route(lead("US", employees=50), routing(**section), staff(cara={"away": True}))
    assert (away.rep_id, away.rule, away.skipped) == (6, "fallback", ("Cara Lund: away",))


def test_a_person_fallback_who_cannot_take_it_leaves_the_lead_unassigned() -> None:
    section = routing(fallback="person:bo.chen@northwind.example")
    assert route(lead(), section, staff()).rep_id == 6
    decision = route(lead(), section, staff(bo={"away": True}))
    assert (decision.rep_id, decision.rule, decision.skipped) == (None, "unassigned", ("Bo Chen: away",))
    unknown = route(lead(), routing(fallback="person:zed@northwind.example"), staff())
    assert (unknown.rep_id, unknown.skipped) == (None, ("zed@northwind.example: not among the reps",))


# --- properties ---------------------------------------------------------------------------------------


def eligible(r: Rep, section: Routing, exclude: frozenset[int]) -> bool:
    """The rule written out once more, independently of the module under test."""
    cap = section.capacity
    limit = r.capacity if r.capacity is not None else (cap.max_open_leads_per_rep if cap else None)
    skip_away = cap is None or cap.skip_away
    return r.active and r.id not in exclude and not (r.away and skip_away) and (limit is None or r.open_leads < limit)


@given(
    waits=st.lists(st.one_of(st.none(), st.integers(0, 10_000)), min_size=1, max_size=8),
    loads=st.lists(st.integers(0, 50), min_size=8, max_size=8),
    others=st.lists(st.sampled_from(["away", "inactive", "excluded"]), max_size=4),
    calls=st.integers(0, 60),
)
def test_over_many_assignments_a_team_gets_leads_evenly(
    waits: list[int | None], loads: list[int], others: list[str], calls: int
) -> None:
    team = [rep(i, f"Rep {i}", "sdr", open_leads=loads[i], last=w) for i, w in enumerate(waits)]
    passed_over = [
        rep(100 + i, f"Other {i}", "sdr", away=kind == "away", active=kind != "inactive", last=None)
        for i, kind in enumerate(others)
    ]
    exclude = frozenset(r.id for r, kind in zip(passed_over, others, strict=True) if kind == "excluded")
    section = routing(strategy="round_robin", fallback="team:sdr")
    reps = {r.id: r for r in [*team, *passed_over]}
    counts: Counter[int] = Counter({r.id: 0 for r in team})
    clock = T0 + timedelta(days=30)
    for _ in range(calls):
        decision = route(lead(), section, list(reps.values()), exclude=exclude)
        assert decision.rep_id is not None
        assert decision.rep_id in counts
        counts[decision.rep_id] += 1
        chosen = reps[decision.rep_id]
        reps[chosen.id] = replace(chosen, last_assigned_at=clock, open_leads=chosen.open_leads + 1)
        clock += timedelta(minutes=7)
    assert max(counts.values()) - min(counts.values()) <= 1


people = st.builds(
    lambda i, team, away, active, open_leads, capacity, last: rep(
        i, f"Rep {i}", team, away=away, active=active, open_leads=open_leads, capacity=capacity, last=last
    ),
    st.just(0),
    st.sampled_from([*TEAMS, None]),
    st.booleans(),
    st.booleans(),
    st.integers(0, 6),
    st.one_of(st.none(), st.integers(0, 6)),
    st.one_of(st.none(), st.integers(0, 100)),
)
sections = st.builds(
    lambda strategy, capacity: routing(
        strategy=strategy,
        territories=EXAMPLE.model_dump(mode="json")["territories"] if strategy == "territory" else [],
        capacity=capacity,
        fallback="team:sdr",
    ),
    st.sampled_from(["territory", "account_owner", "round_robin"]),
    st.one_of(
        st.none(), st.fixed_dictionaries({"max_open_leads_per_rep": st.integers(1, 6), "skip_away": st.booleans()})
    ),
)
leads = st.builds(
    LeadFacts,
    st.sampled_from(["US", "ca", "DE", "BR", None]),
    st.sampled_from(["NA", "EMEA", "emea", None]),
    st.sampled_from(["software", None]),
    st.one_of(st.none(), st.integers(0, 5000)),
    st.one_of(st.none(), st.integers(0, 14)),
)


@given(
    drawn=st.lists(people, max_size=12),
    section=sections,
    facts=leads,
    exclude=st.frozensets(st.integers(0, 14), max_size=4),
)
def test_a_lead_goes_only_to_an_eligible_rep_and_to_someone_whenever_anyone_can_take_it(
    drawn: list[Rep], section: Routing, facts: LeadFacts, exclude: frozenset[int]
) -> None:
    reps = [replace(r, id=i, name=f"Rep {i}", email=f"rep{i}@northwind.example") for i, r in enumerate(drawn)]
    decision = route(facts, section, reps, exclude=exclude)
    can_take = {r.id for r in reps if eligible(r, section, exclude)}
    by_id = {r.id: r for r in reps}
    anyone = anyone_can_take(section, reps)  # with nobody excluded
    assert anyone == any(eligible(r, section, frozenset()) for r in reps)
    if not anyone:
        assert decision.rep_id is None
    if decision.rep_id is not None:
        assert decision.rep_id in can_take
        assert not any(s.startswith(f"{by_id[decision.rep_id].name}:") for s in decision.skipped)
    if any(by_id[i].team == "sdr" for i in can_take):
        assert decision.rep_id is not None
    owner = facts.account_owner_id
    if section.strategy == "account_owner" and owner in can_take:
        assert (decision.rep_id, decision.rule) == (owner, "account owner")
    territory = next((t for t in section.territories if territory_matches(t.match, facts)), None)
    if territory is not None and any(by_id[i].team == territory.assign_to.name for i in can_take):
        assert decision.rule == f"territory: {territory.name}"
        assert decision.rep_id is not None
        assert by_id[decision.rep_id].team == territory.assign_to.name
    assert decision == route(facts, section, list(reversed(reps)), exclude=exclude)
