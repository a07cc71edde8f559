"""The lifecycle: only the SLA's moves, every move recorded, every clock ends open, met, breached or cancelled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.durations import Duration
from revbridge.domain.errors import InvalidInput, TransitionNotAllowed
from revbridge.domain.lifecycle import (
    Accepted,
    ActivityLogged,
    Advanced,
    Breached,
    Decision,
    Event,
    LeadState,
    Lost,
    OpenObligation,
    Rejected,
    Scored,
    breach_rules,
    decide,
)
from revbridge.domain.scoring import Score
from revbridge.domain.sla import Sla, load_sla
from tests.domain.example_sla import EXAMPLE, example_sla

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


class CalendarClock:
    """Deadlines in plain hours: the business-hours clock has its own tests."""

    def add(self, start: datetime, duration: Duration) -> datetime:
        return start + (timedelta(days=duration.days) if duration.in_days else timedelta(hours=duration.hours))


CLOCK = CalendarClock()


def _score(fit: float, engagement: float) -> Score:
    return Score(fit, engagement, None, fit + engagement, ())


def _lead(stage: str = "lead", **changes: object) -> LeadState:
    return replace(LeadState(lead_id=1, stage=stage, version=1), **changes)  # type: ignore[arg-type]


def test_a_lead_becomes_mql_when_the_condition_holds_and_an_accept_clock_starts() -> None:
    decision = decide(_lead(), Scored(_score(35, 45), T0), example_sla(), CLOCK)
    assert decision.transition is not None
    assert (decision.transition.from_stage, decision.transition.to_stage) == ("lead", "mql")
    assert "fit >= 30 and engagement >= 40" in decision.transition.reason
    assert decision.route
    assert [(o.kind, o.due_at) for o in decision.open] == [("accept", T0 + timedelta(hours=4))]


def test_a_lead_below_the_bar_stays_where_it_is() -> None:
    assert not decide(_lead(), Scored(_score(35, 20), T0), example_sla(), CLOCK).changes_anything


def test_accepting_meets_the_accept_clock_and_starts_follow_up_clocks() -> None:
    lead = _lead("mql", open_obligations=(OpenObligation(7, "accept", T0 + timedelta(hours=4)),))
    decision = decide(lead, Accepted("rep@x.com", T0, rating=4), example_sla(), CLOCK)
    assert decision.stage == "sal"
    assert [(c.obligation_id, c.status) for c in decision.close] == [(7, "met")]
    assert [(o.kind, o.required_count) for o in decision.open] == [("first_touch", 1), ("attempts", 3)]


def test_a_rejection_does_what_its_reason_says() -> None:
    lead = _lead("mql", open_obligations=(OpenObligation(7, "accept", T0 + timedelta(hours=4)),))
    recycle = decide(lead, Rejected("rep@x.com", "no_budget", T0, rating=2, note="next year"), example_sla(), CLOCK)
    assert recycle.stage == "nurture"
    assert recycle.nurture_until == T0 + timedelta(days=90)
    assert recycle.transition is not None
    assert recycle.transition.reason == "rejected: No budget this year"
    out = decide(lead, Rejected("rep@x.com", "competitor", T0), example_sla(), CLOCK)
    assert out.stage == "disqualified"


def test_an_unknown_reason_or_rating_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidInput, match="no_budget"):
        decide(_lead("mql"), Rejected("rep@x.com", "too_busy", T0), example_sla(), CLOCK)
    with pytest.raises(InvalidInput, match="1 to 5"):
        decide(_lead("mql"), Accepted("rep@x.com", T0, rating=9), example_sla(), CLOCK)


def test_a_move_the_sla_does_not_allow_is_refused_and_names_the_allowed_ones() -> None:
    with pytest.raises(TransitionNotAllowed, match=r"from stage 'lead'.*allows: mql"):
        decide(_lead("lead"), Accepted("rep@x.com", T0), example_sla(), CLOCK)
    with pytest.raises(TransitionNotAllowed):
        decide(_lead("sal"), Advanced("customer", "rep@x.com", T0), example_sla(), CLOCK)


def test_the_required_meeting_makes_an_sql_when_the_score_holds_up() -> None:
    weak = decide(_lead("sal"), ActivityLogged("meeting_held", "rep@x.com", T0, _score(20, 20)), example_sla(), CLOCK)
    assert weak.stage is None
    strong = decide(_lead("sal"), ActivityLogged("meeting_held", "rep@x.com", T0, _score(40, 30)), example_sla(), CLOCK)
    assert strong.stage == "sql"


def test_attempts_are_counted_until_enough_were_made() -> None:
    attempts = OpenObligation(9, "attempts", T0 + timedelta(days=5), required_count=3, done_count=1)
    lead = _lead("sal", open_obligations=(attempts,))
    second = decide(lead, ActivityLogged("call", "rep@x.com", T0), example_sla(), CLOCK)
    assert second.progress == ((9, 2),)
    assert not second.close
    done = decide(
        _lead("sal", open_obligations=(replace(attempts, done_count=2),)),
        ActivityLogged("email", "rep@x.com", T0),
        example_sla(),
        CLOCK,
    )
    assert [(c.obligation_id, c.status, c.done_count) for c in done.close] == [(9, "met", 3)]


def test_a_breach_escalates_and_when_the_sla_says_so_hands_the_lead_to_someone_else() -> None:
    accept = OpenObligation(7, "accept", T0)
    decision = decide(_lead("mql", open_obligations=(accept,)), Breached(accept, T0), example_sla(), CLOCK)
    assert [(c.obligation_id, c.status) for c in decision.close] == [(7, "breached")]
    assert decision.escalate is not None
    assert str(decision.escalate.to.escalate_to) == "role:sales_manager"
    assert decision.route
    assert [o.kind for o in decision.open] == ["accept"]
    first_touch = OpenObligation(8, "first_touch", T0)
    no_reassign = decide(_lead("sal", open_obligations=(first_touch,)), Breached(first_touch, T0), example_sla(), CLOCK)
    assert not no_reassign.route
    assert no_reassign.escalate is not None


def test_a_breach_of_a_clock_already_met_does_nothing() -> None:
    accept = OpenObligation(7, "accept", T0)
    assert not decide(_lead("sal"), Breached(accept, T0), example_sla(), CLOCK).changes_anything


def test_a_nurtured_lead_comes_back_only_after_its_cool_off_and_at_most_max_loops_times() -> None:
    lead = _lead("nurture", stage_changed_at=T0, nurture_until=T0 + timedelta(days=90), recycle_count=1)
    hot = _score(40, 60)
    assert not decide(lead, Scored(hot, T0 + timedelta(days=60)), example_sla(), CLOCK).changes_anything
    back = decide(lead, Scored(hot, T0 + timedelta(days=91)), example_sla(), CLOCK)
    assert back.stage == "mql"
    assert back.recycled
    assert "loop 2" in (back.transition.reason if back.transition else "")
    tired = replace(lead, recycle_count=3)
    assert not decide(tired, Scored(hot, T0 + timedelta(days=91)), example_sla(), CLOCK).changes_anything


def test_a_lost_deal_goes_back_to_nurture() -> None:
    assert decide(_lead("opportunity"), Lost("rep@x.com", "price", T0), example_sla(), CLOCK).stage == "nurture"


# --- properties -----------------------------------------------------------------------------------------

REPS = st.sampled_from(["ana@x.com", "bo@x.com"])
events = st.lists(
    st.one_of(
        st.builds(lambda f, e: ("scored", f, e), st.integers(-20, 60), st.integers(-50, 120)),
        st.builds(lambda r: ("accept", r), REPS),
        st.builds(lambda r, why: ("reject", r, why), REPS, st.sampled_from(["no_budget", "competitor", "bad_timing"])),
        st.builds(lambda k: ("activity", k), st.sampled_from(["call", "email", "meeting_held", "note"])),
        st.builds(lambda to: ("advance", to), st.sampled_from(["sal", "sql", "opportunity", "customer", "lead"])),
        st.just(("lost",)),
        st.just(("breach",)),
    ),
    max_size=30,
)


def _event(raw: tuple[object, ...], at: datetime, lead: LeadState) -> Event | None:
    kind = raw[0]
    if kind == "scored":
        return Scored(_score(float(raw[1]), float(raw[2])), at)  # type: ignore[arg-type]
    if kind == "accept":
        return Accepted(str(raw[1]), at)
    if kind == "reject":
        return Rejected(str(raw[1]), str(raw[2]), at)
    if kind == "activity":
        return ActivityLogged(str(raw[1]), "ana@x.com", at, _score(50, 50))
    if kind == "advance":
        return Advanced(str(raw[1]), "ana@x.com", at)
    if kind == "lost":
        return Lost("ana@x.com", "price", at)
    return Breached(lead.open_obligations[0], at) if lead.open_obligations else None


def _apply(lead: LeadState, decision: Decision, next_id: int) -> tuple[LeadState, list[OpenObligation]]:
    closed = {c.obligation_id for c in decision.close}
    progress = dict(decision.progress)
    still = [
        replace(o, done_count=progress.get(o.id, o.done_count)) for o in lead.open_obligations if o.id not in closed
    ]
    opened = [OpenObligation(next_id + i, o.kind, o.due_at, o.required_count) for i, o in enumerate(decision.open)]
    stage, changed, until = lead.stage, lead.stage_changed_at, lead.nurture_until
    if decision.transition is not None:
        stage, changed = decision.transition.to_stage, decision.transition.at
    if decision.nurture_until is not None:
        until = decision.nurture_until
    lead = replace(
        lead,
        stage=stage,
        stage_changed_at=changed,
        nurture_until=until,
        recycle_count=lead.recycle_count + int(decision.recycled),
        open_obligations=tuple(still + opened),
        version=lead.version + 1,
    )
    return lead, opened


@settings(max_examples=300, deadline=None)
@given(events)
def test_random_events_only_make_the_moves_the_sla_allows_and_every_move_is_recorded(
    raw: list[tuple[object, ...]],
) -> None:
    sla = example_sla()
    lead = _lead("lead")
    log: list[tuple[str, str]] = []
    statuses: dict[int, str] = {}
    next_id = 1
    at = T0
    for item in raw:
        at += timedelta(days=7)
        event = _event(item, at, lead)
        if event is None:
            continue
        before = lead.stage
        try:
            decision = decide(lead, event, sla, CLOCK)
        except (TransitionNotAllowed, InvalidInput):
            continue  # refused: nothing changes
        for closing in decision.close:
            assert statuses.get(closing.obligation_id) == "open", "only an open clock can be closed"
            statuses[closing.obligation_id] = closing.status
        lead, opened = _apply(lead, decision, next_id)
        for o in opened:
            statuses[o.id] = "open"
        next_id += len(opened)
        if decision.transition is not None:
            assert decision.transition.from_stage == before
            assert sla.allowed(before, decision.transition.to_stage)
            log.append((decision.transition.from_stage, decision.transition.to_stage))
        else:
            assert lead.stage == before
    # The log replays to the final stage, and every stage reached past MQL went through the required ones.
    stage = "lead"
    for from_stage, to_stage in log:
        assert from_stage == stage
        stage = to_stage
    assert stage == lead.stage
    order = sla.stage_order
    for _, to_stage in log:
        if to_stage in order:
            for required in sla.required_stages:
                if order.index(required) < order.index(to_stage) and order.index(required) > order.index("lead"):
                    assert any(t == required for _, t in log), f"{to_stage} reached without {required}"
    assert set(statuses.values()) <= {"open", "met", "breached", "cancelled"}
    assert {o.id for o in lead.open_obligations} == {i for i, s in statuses.items() if s == "open"}


OBLIGATIONS = st.lists(
    st.builds(
        OpenObligation,
        id=st.integers(1, 10**6),
        kind=st.sampled_from(["accept", "first_touch", "attempts"]),
        due_at=st.just(T0),
        required_count=st.integers(1, 4),
        done_count=st.integers(0, 3),
    ),
    max_size=30,
    unique_by=lambda o: o.id,
)


@cache
def _escalating(first_touch: bool, attempts: bool, accept: bool) -> Sla:
    """The example SLA with each deadline's breach reassigning the lead or not."""
    text = EXAMPLE.read_text()
    for name, reassign in (("accept_within", accept), ("first_touch_within", first_touch), ("attempts", attempts)):
        rule = "role:sales_manager" if name != "attempts" else "team:sales_ops"
        line = next(x for x in text.splitlines() if x.strip().startswith(f"{name}: {{escalate_to:"))
        text = text.replace(line, f"    {name}: {{escalate_to: {rule}, reassign: {str(reassign).lower()}}}")
    return load_sla(text)


@settings(max_examples=300, deadline=None)
@given(OBLIGATIONS, st.integers(0, 500), st.booleans(), st.booleans(), st.booleans())
def test_breaching_many_at_once_decides_what_breaching_each_alone_does(
    obligations: list[OpenObligation], hours: int, first_touch: bool, attempts: bool, accept: bool
) -> None:
    """A tick decides alike clocks once per kind and count (``breach_rules``); each clock's decision by
    its rule must be what ``decide`` says of that breach alone, under any SLA's escalations."""
    sla = _escalating(first_touch, attempts, accept)
    at = T0 + timedelta(hours=hours)
    lead = _lead("mql", open_obligations=tuple(obligations))
    rules = breach_rules(((o.kind, o.required_count) for o in obligations), at, sla, CLOCK)
    assert len(rules) == len({(o.kind, o.required_count) for o in obligations})
    for o in obligations:
        assert rules[(o.kind, o.required_count)].decision(o) == decide(lead, Breached(o, at), sla, CLOCK)
