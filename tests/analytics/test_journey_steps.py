"""Each step's age and marks in journeys built from the store, per lead and per opportunity, on every engine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from revbridge.analytics.journeys import journeys
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import LEAD_CREATED, OPPORTUNITY_CREATED, WON, Paths
from revbridge.store.tables import OpportunityContactRow, OpportunityRow, TouchpointRow
from tests.analytics import tiny
from tests.analytics.conftest import On

at = tiny.at
DAY = 86400.0
LEAD, OPP = LEAD_CREATED, OPPORTUNITY_CREATED


def _touch(engine: Engine, touches: list[tuple[int, str, str]]) -> None:
    tiny.add(
        engine,
        TouchpointRow,
        [{"lead_id": lead, "source": "t", "external_id": f"t{n}", "type": "visit", "channel": channel,
          "occurred_at": at(day)} for n, (lead, channel, day) in enumerate(touches)],
    )  # fmt: skip


def lead_world(engine: Engine) -> None:
    """L1, created Feb 12: webinar Feb 10, paid_search Feb 12 (as it was created), email Feb 20, MQL Feb 22,
    social Feb 25 (as it became an opportunity), direct Feb 28, customer Mar 1, email Mar 5. L2, created
    Jan 20, before its only touch (email Feb 25). L3, created Mar 8: email Mar 2, webinar Mar 9 at 09:00,
    an opportunity at 10:00. Every moment at 09:00 unless said."""
    tiny.leads(engine, {1: {"created_at": at("02-12")}, 2: {"created_at": at("01-20")}, 3: {"created_at": at("03-08")}})
    steps = {
        1: [("lead", at("02-12")), ("mql", at("02-22")), ("opportunity", at("02-25")), ("customer", at("03-01"))],
        3: [("lead", at("03-08")), ("opportunity", at("03-09", 10))],
    }
    tiny.journeys(engine, steps)
    _touch(engine, [
        (1, "webinar", "02-10"), (1, "paid_search", "02-12"), (1, "email", "02-20"), (1, "social", "02-25"),
        (1, "direct", "02-28"), (1, "email", "03-05"), (2, "email", "02-25"), (3, "email", "03-02"),
        (3, "webinar", "03-09"),
    ])  # fmt: skip


def _journeys(paths: Paths) -> list[list[tuple[str, float, int]]]:
    """Each journey as (channel, age in days, marks) per step."""
    assert paths.ages is not None
    assert paths.marks is not None
    steps = [(paths.channels[c], a / DAY, int(m)) for c, a, m in zip(paths.steps, paths.ages, paths.marks, strict=True)]
    return [steps[s:e] for s, e in zip(paths.starts[:-1], paths.starts[1:], strict=True)]


def test_each_lead_journeys_steps_carry_their_age_and_marks(on: On) -> None:
    with on(lead_world) as source:
        paths = journeys(source, until=at("03-10"), milestone="customer", lookback=timedelta(days=30))
    assert _journeys(paths) == [
        # L1, converted Mar 1: ages to then; the touch at creation and at the opportunity count (at or before).
        [("webinar", 19, 0), ("paid_search", 17, LEAD), ("email", 9, 0), ("social", 4, OPP), ("direct", 1, WON)],
        # L2 did not convert: ages to Mar 10; it was created before any touch of its window.
        [("email", 13, 0)],
        # L3: created Mar 8 after the email; an opportunity an hour after the webinar, by the window's end.
        [("email", 8, LEAD), ("webinar", 1, OPP)],
    ]
    assert paths.conversions.tolist() == [1, 0, 0]


def test_a_journey_to_mql_has_no_opportunity_or_won_touch(on: On) -> None:
    with on(lead_world) as source:
        paths = journeys(source, until=at("03-10"), milestone="mql", lookback=timedelta(days=30))
        later = journeys(source, until=at("03-10"), milestone="mql", lookback=timedelta(days=30), since=at("02-23"))
    # L1 reached MQL on Feb 22: its opportunity (Feb 25) and its winning (Mar 1) came after its journey.
    assert _journeys(paths)[0] == [("webinar", 12, 0), ("paid_search", 10, LEAD), ("email", 2, 0)]
    # From Feb 23 on, L1 converted before the period: no journey, not one that went nowhere. L2 and L3 stay.
    assert (later.conversions.tolist(), later.nulls.tolist()) == ([0, 0], [1, 1])


def deal_world(engine: Engine) -> None:
    """L1 (created Jan 5): webinar Jan 3, paid_search Jan 25, email Mar 5. L2 (Jan 10): email Jan 7, direct
    Feb 1, social Feb 10. L3 (Jan 20): paid_search Feb 5, email Feb 15. O1 (L1 and L2) created Feb 1, won
    Mar 1, 100. O2 (L3) created Feb 10, lost Feb 20, 50. O3 (L1) created Mar 20, after the window. O4 (L2)
    created Feb 15, still open, 80."""
    tiny.leads(engine, {i: {"created_at": at(d)} for i, d in ((1, "01-05"), (2, "01-10"), (3, "01-20"))})
    deals = [
        (1, 100.0, at("02-01"), at("03-01"), True), (2, 50.0, at("02-10"), at("02-20"), False),
        (3, 10.0, at("03-20"), None, None), (4, 80.0, at("02-15"), None, None),
    ]  # fmt: skip
    tiny.add(
        engine,
        OpportunityRow,
        [{"id": i, "source": "t", "external_id": f"o{i}", "amount": amount, "created_at": created,
          "closed_at": closed, "won": won} for i, amount, created, closed, won in deals],
    )  # fmt: skip
    contacts = ((1, 1), (1, 2), (2, 3), (3, 1), (4, 2))
    tiny.add(engine, OpportunityContactRow, [{"opportunity_id": o, "lead_id": lead} for o, lead in contacts])
    _touch(engine, [
        (1, "webinar", "01-03"), (1, "paid_search", "01-25"), (1, "email", "03-05"), (2, "email", "01-07"),
        (2, "direct", "02-01"), (2, "social", "02-10"), (3, "paid_search", "02-05"), (3, "email", "02-15"),
    ])  # fmt: skip


def test_journeys_per_opportunity_gather_all_its_contacts_touches_up_to_its_winning(on: On) -> None:
    with on(deal_world) as source:
        paths = journeys(source, until=at("03-10"), milestone="customer", unit="opportunity")
    assert _journeys(paths) == [
        # O1, won Mar 1: L1's and L2's touches; lead creation by L1, its earliest contact (Jan 5).
        [("webinar", 57, LEAD), ("email", 53, 0), ("paid_search", 35, 0), ("direct", 28, OPP), ("social", 19, WON)],
        # O2, lost: its window ends on Mar 10; L3 was created before any touch of it.
        [("paid_search", 33, OPP), ("email", 23, 0)],
        # O4, open: L2's touches. O3 was created after Mar 10: no journey.
        [("email", 62, LEAD), ("direct", 37, 0), ("social", 28, OPP)],
    ]
    assert (paths.conversions.tolist(), paths.value.tolist()) == ([1, 0, 0], [100, 0, 0])


def test_journeys_per_opportunity_to_its_creation(on: On) -> None:
    with on(deal_world) as source:
        paths = journeys(source, until=at("03-10"), milestone="opportunity", unit="opportunity")
        later = journeys(source, until=at("03-10"), milestone="opportunity", unit="opportunity", since=at("02-05"))
    assert _journeys(paths) == [
        [("webinar", 29, LEAD), ("email", 25, 0), ("paid_search", 7, 0), ("direct", 0, OPP)],  # O1, won later
        [("paid_search", 5, OPP)],  # O2: created Feb 10
        [("email", 39, LEAD), ("direct", 14, 0), ("social", 5, OPP)],  # O4: created Feb 15
    ]
    # Every one was created; the value is what a won one brought.
    assert (paths.conversions.tolist(), paths.value.tolist()) == ([1, 1, 1], [100, 0, 0])
    assert later.conversions.tolist() == [1, 1]  # O1 was created before Feb 5: no journey


def test_per_opportunity_only_its_creation_or_winning_is_a_milestone(on: On) -> None:
    with on(deal_world) as source:
        with pytest.raises(InvalidInput, match="created \\(opportunity\\) or won \\(customer\\), not at 'mql'"):
            journeys(source, until=at("03-10"), milestone="mql", unit="opportunity")
        with pytest.raises(InvalidInput, match="per lead or per opportunity, not per 'account'"):
            journeys(source, until=at("03-10"), unit="account")
