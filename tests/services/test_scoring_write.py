"""What a batch rescoring stores: every lead's reasons and engagement state, as one lead at a time has them."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.durations import Duration
from revbridge.domain.scoring import EngagementState, Score, decay_factor, reasons_to_store, score_lead, stored_reasons
from revbridge.services.contract import Contract
from revbridge.services.score_writes import json_floats
from revbridge.services.scoring import rescore_all
from revbridge.store.engine import writing
from revbridge.store.tables import LeadRow, TouchpointRow
from tests.services.scoring_world import NOW, seed_people

PEOPLE: list[dict[str, str | None]] = [
    {"email": "cto@big.com", "job_title": "CTO", "industry": "Software", "country": "US", "phone": "1"},
    {"email": "intern@small.io", "job_title": "Data intern", "industry": "retail", "country": "BR", "phone": None},
    {"email": "spy@rivaldata.com", "job_title": "Head of Data", "industry": "fintech", "country": "DE", "phone": None},
    {"email": "vp@mid.com", "job_title": "VP Engineering", "industry": "Healthcare IT", "country": "GB", "phone": "2"},
    {"email": "nobody@nowhere.org", "job_title": None, "industry": None, "country": None, "phone": None},
    {"email": "quiet@queryhub.io", "job_title": "Analyst", "industry": None, "country": "JP", "phone": None},
]
DAY = timedelta(days=1)
EVENTS: dict[int, list[tuple[str, datetime]]] = {
    # Capped types within one window (the cap bites) and across windows, an uncapped type, an unsubscribe.
    1: [("page_view", NOW - timedelta(hours=h)) for h in range(1, 15)]
    + [("pricing_page_view", NOW - n * DAY) for n in (1, 2, 3, 20)]
    + [("demo_request", NOW - 3 * DAY), ("email_click", NOW - 40 * DAY), ("unsubscribe", NOW - 2 * DAY)],
    2: [],
    3: [("content_download", NOW - 5 * DAY), ("webinar_attended", NOW - 60 * DAY)],
    4: [("email_click", NOW - timedelta(minutes=m)) for m in (5, 50, 500)] + [("tweet", NOW - DAY)],
    5: [],
    6: [],
}


def _setup(engine: Engine) -> Contract:
    contract = seed_people(engine, PEOPLE)
    with writing(engine).begin() as conn:
        rows = [
            {"lead_id": lead, "source": "t", "external_id": f"e{lead}-{n}", "type": kind, "occurred_at": at}
            for lead, events in EVENTS.items()
            for n, (kind, at) in enumerate(events)
        ]
        conn.execute(sa.insert(TouchpointRow), rows)
    return contract


def _state(contract: Contract, lead_id: int) -> EngagementState:
    engagement = contract.sla.scoring.engagement
    assert engagement is not None
    state = EngagementState()
    for kind, at in sorted(EVENTS[lead_id], key=lambda e: e[1]):
        state = state.add(engagement, kind, at)
    return state


def _score(contract: Contract, lead_id: int) -> Score:
    """The lead scored one touchpoint at a time."""
    account = {"employees": 1200} if lead_id == 1 else None
    return score_lead(contract.sla.scoring, PEOPLE[lead_id - 1], account, _state(contract, lead_id), NOW)


def _expected(contract: Contract, lead_id: int) -> tuple[list[list[Any]], dict[str, Any]]:
    """The reasons as stored and the state, one touchpoint at a time, the state carried to ``NOW``."""
    engagement = contract.sla.scoring.engagement
    assert engagement is not None
    state = _state(contract, lead_id)
    score = _score(contract, lead_id)
    reasons = reasons_to_store(score.reasons)
    if state.ref_at is None:
        return reasons, {"ref_at": None, "types": {}}
    factor = decay_factor(NOW, state.ref_at, engagement.half_life.as_timedelta().total_seconds())
    types = {
        name: [s.value * factor, s.count, s.window, s.earned_in_window] for name, s in sorted(state.by_type.items())
    }
    return reasons, {"ref_at": NOW.isoformat(), "types": types}


def _same(stored: Any, expected: Any) -> bool:
    """Equal, floats to 1e-9 relative; the same kinds of JSON value throughout. (Keys in any order: jsonb
    keeps them in its own.)"""
    if isinstance(expected, dict):
        return (
            isinstance(stored, dict)
            and sorted(stored) == sorted(expected)
            and all(_same(stored[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return isinstance(stored, list) and len(stored) == len(expected) and all(map(_same, stored, expected))
    if isinstance(expected, float) or (isinstance(expected, int) and isinstance(stored, float)):
        return isinstance(stored, float) and stored == pytest.approx(expected, rel=1e-9, abs=1e-12)
    return type(stored) is type(expected) and bool(stored == expected)


def test_every_lead_stores_the_reasons_and_state_one_lead_at_a_time_would(engine: Engine) -> None:
    contract = _setup(engine)
    summary = rescore_all(engine, contract=contract, now=NOW)
    assert summary.leads == len(PEOPLE)
    with engine.connect() as conn:
        stored = {r.id: r for r in conn.execute(sa.select(LeadRow))}
        raw: dict[int, Any] = dict(conn.execute(sa.text("SELECT id, engagement_state FROM leads")).all())
    for lead_id in range(1, len(PEOPLE) + 1):
        reasons, state = _expected(contract, lead_id)
        row = stored[lead_id]
        assert _same(row.score_reasons, reasons), (lead_id, row.score_reasons, reasons)
        assert _same(row.engagement_state, state), (lead_id, row.engagement_state, state)
        # Read back, the reasons are every line scoring the lead now gives, the types' from the state.
        read = stored_reasons(row.score_reasons, EngagementState.from_json(row.engagement_state))
        assert _same(
            [[r.rule, r.points] for r in read], [[r.rule, r.points] for r in _score(contract, lead_id).reasons]
        )
        assert row.scored_at == NOW
        assert row.engagement_ref_at == NOW
        text = raw[lead_id]
        assert isinstance(text, dict) or ("NaN" not in text and "Infinity" not in text)
    # The cases the data was chosen for.
    assert stored[2].engagement_state == {"ref_at": None, "types": {}}
    assert [r for r, _ in stored[2].score_reasons] == [r for r, _ in _expected(contract, 2)[0]]
    assert all(r.startswith("fit: ") for r, _ in stored[2].score_reasons)
    assert stored[3].score_reasons[-1] == ["engagement: e-mail from a competitor's domain", -100.0]
    assert stored[5].score_reasons == []
    assert stored[6].score_reasons == [["engagement: e-mail from a competitor's domain", -100.0]]
    assert "tweet" not in stored[4].engagement_state["types"]
    assert stored[1].engagement_state["types"]["page_view"][3] == 10.0  # capped at 10 per 7 days


def test_numbers_are_written_as_json_that_reads_back_as_the_same_double() -> None:
    values = np.array([1.0, -20.0, 0.1, 1e-7, 1e-5, -0.0, 1e15, 1e16, 1e300, 2 / 3, 123456789.0, 5e-324])
    texts = json_floats(values).to_pylist()
    assert texts[:3] == ["1.0", "-20.0", "0.1"]
    for value, text in zip(values.tolist(), texts, strict=True):
        loaded = json.loads(text)
        assert isinstance(loaded, float)
        assert loaded == value
    assert json_floats(np.array([math.nan, math.inf, -math.inf, 1.5])).to_pylist() == ["null", "null", "null", "1.5"]


def test_a_night_later_only_what_changed_is_rewritten_and_every_score_reads_as_a_fresh_one(engine: Engine) -> None:
    contract = _setup(engine)
    assert rescore_all(engine, contract=contract, now=NOW).rewritten == len(PEOPLE)
    engagement = contract.sla.scoring.engagement
    assert engagement is not None
    with engine.connect() as conn:
        before = {r.id: r for r in conn.execute(sa.select(LeadRow))}
    # During the day: a touchpoint for lead 4 that nothing scored yet, and lead 5 now has a fit title.
    with writing(engine).begin() as conn:
        conn.execute(
            sa.insert(TouchpointRow).values(
                lead_id=4, source="t", external_id="day", type="demo_request", occurred_at=NOW + timedelta(hours=3)
            )
        )
        conn.execute(sa.update(LeadRow).where(LeadRow.id == 5).values(job_title="CTO"))
    later = NOW + DAY
    assert rescore_all(engine, contract=contract, now=later).rewritten == 2  # leads 4 and 5
    with engine.connect() as conn:
        after = {r.id: r for r in conn.execute(sa.select(LeadRow))}
    for lead_id in (1, 2, 3, 6):  # decay alone: the row is left as it was, only the numbers move
        assert after[lead_id].engagement_ref_at == before[lead_id].engagement_ref_at == NOW
        assert after[lead_id].engagement_state == before[lead_id].engagement_state
        assert after[lead_id].engagement_digest == before[lead_id].engagement_digest is not None
    assert after[4].engagement_ref_at == later  # a new touchpoint
    assert after[4].engagement_state["types"]["demo_request"][1] == 1
    assert after[5].engagement_ref_at == later  # new reasons
    assert any("job_title" in rule for rule, _ in after[5].score_reasons)
    # Every lead's numbers and reasons are those of scoring it afresh at the later moment.
    people = [dict(p) for p in PEOPLE]
    people[4]["job_title"] = "CTO"
    for lead_id in range(1, len(PEOPLE) + 1):
        state = EngagementState()
        events = EVENTS[lead_id] + ([("demo_request", NOW + timedelta(hours=3))] if lead_id == 4 else [])
        for kind, at in sorted(events, key=lambda e: e[1]):
            state = state.add(engagement, kind, at)
        account = {"employees": 1200} if lead_id == 1 else None
        fresh = score_lead(contract.sla.scoring, people[lead_id - 1], account, state, later)
        row = after[lead_id]
        assert row.scored_at == later
        assert row.fit_score == fresh.fit
        assert row.engagement_score == pytest.approx(fresh.engagement, rel=1e-9, abs=1e-12)  # lead 3's -100 in
        assert row.score == pytest.approx(fresh.combined, rel=1e-9, abs=1e-12)
        read = stored_reasons(row.score_reasons, EngagementState.from_json(row.engagement_state), engagement, later)
        assert _same([[r.rule, r.points] for r in read], [[r.rule, r.points] for r in fresh.reasons]), lead_id
    # A change of the engagement rules changes every digest: every state is written again.
    changed = engagement.model_copy(update={"half_life": Duration(99, "d")})
    sla = contract.sla.model_copy(update={"scoring": contract.sla.scoring.model_copy(update={"engagement": changed})})
    assert rescore_all(engine, contract=Contract.of(contract.version, sla), now=later + DAY).rewritten == len(PEOPLE)
    with engine.connect() as conn:
        refs = set(conn.execute(sa.select(LeadRow.engagement_ref_at)).scalars())
    assert refs == {later + DAY}
