"""People route leads as domain.routing does, remembering only answers that nothing could change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.routing import LeadFacts, Rep, route
from revbridge.domain.sla import load_sla
from revbridge.services.people import People

ROUTING = load_sla((Path(__file__).resolve().parents[2] / "examples" / "sla.yaml").read_text()).routing
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LEADS = [
    LeadFacts("US", None, "software", 5000, None),
    LeadFacts("US", None, "software", 50, None),
    LeadFacts("DE", "EMEA", "retail", 200, None),
    LeadFacts("BR", None, None, None, None),
]


def _reps(open_leads: list[int]) -> dict[int, Rep]:
    teams = ["na_enterprise", "na_midmarket", "emea", "sdr"]
    return {
        i + 1: Rep(i + 1, f"r{i}@nw.com", f"Rep {i}", teams[i % 4], False, True, n, None, None)
        for i, n in enumerate(open_leads)
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(38, 41), min_size=4, max_size=8),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 8)), max_size=40),
)
def test_routing_through_people_matches_routing_afresh_every_time(
    open_leads: list[int], leads: list[tuple[int, int]]
) -> None:
    """Near capacity (40 in the example SLA) some leads find nobody and some somebody: the remembered
    answers must be exactly what routing each lead afresh gives."""
    remembering = People({}, _reps(open_leads))
    afresh = People({}, _reps(open_leads))
    for which, owner in leads:
        exclude = frozenset({owner}) if owner else frozenset()
        got = remembering.route(LEADS[which], ROUTING, exclude=exclude)
        expected = route(LEADS[which], ROUTING, afresh.reps(), exclude=exclude)
        assert got == expected
        if got.rep_id is not None:
            remembering.assigned(got.rep_id, AT, owner or None)
            afresh.assigned(got.rep_id, AT, owner or None)


def test_an_answer_of_nobody_is_reused_until_someone_is_assigned() -> None:
    people = People({}, _reps([40, 40, 40, 40]))
    first = people.route(LEADS[3], ROUTING)
    assert first.rep_id is None
    assert people.route(LEADS[3], ROUTING) is first
    people.assigned(4, AT, previous_owner=4)  # a rep's load changes
    assert people.route(LEADS[3], ROUTING) is not first
