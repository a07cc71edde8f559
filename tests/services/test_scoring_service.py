"""Scores on a real database: one touchpoint at a time and every lead at once give the same numbers."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.scoring import EngagementState, score_lead
from revbridge.services import scoring
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lead_story import lead_story
from revbridge.services.predictions import save_predictions
from revbridge.services.scoring import add_touchpoint, rescore_all
from revbridge.services.sla_versions import apply_sla
from revbridge.store import mirror
from revbridge.store.engine import writing
from revbridge.store.tables import LeadRow, ObligationRow, StageTransitionRow, TouchpointRow
from tests.services.scoring_world import EXAMPLE, NOW, seed_people

EXAMPLE_TEXT = EXAMPLE.read_text()

KINDS = ["demo_request", "pricing_page_view", "content_download", "email_click", "page_view", "unsubscribe", "tweet"]
PEOPLE: list[dict[str, str | None]] = [
    {"email": "cto@big.com", "job_title": "CTO", "industry": "Software", "country": "US", "phone": "1"},
    {"email": "intern@small.io", "job_title": "Data intern", "industry": "retail", "country": "BR", "phone": None},
    {"email": "spy@rivaldata.com", "job_title": "Head of Data", "industry": "fintech", "country": "DE", "phone": None},
    {"email": "vp@mid.com", "job_title": "VP Engineering", "industry": "Healthcare IT", "country": "GB", "phone": "2"},
]


def _setup(engine: Engine) -> Contract:
    return seed_people(engine, PEOPLE)


def _expected(engine: Engine, contract: Contract, lead_id: int, events: list[tuple[str, datetime]]) -> float:
    person = PEOPLE[lead_id - 1]
    account = {"employees": 1200} if lead_id == 1 else None
    state = EngagementState()
    engagement = contract.sla.scoring.engagement
    assert engagement is not None
    for kind, at in sorted(events, key=lambda e: e[1]):
        state = state.add(engagement, kind, at)
    return score_lead(contract.sla.scoring, person, account, state, NOW).combined


@pytest.mark.parametrize("through_mirror", [False, True], ids=["store", "mirror"])
def test_every_lead_at_once_matches_one_lead_at_a_time(engine: Engine, through_mirror: bool, tmp_path: Path) -> None:
    """Read from the store or from the analytical mirror (synced on the way), the scores are the same."""
    contract = _setup(engine)
    mirror_root = tmp_path / "mirror" if through_mirror else None
    rng = random.Random(3)
    events: dict[int, list[tuple[str, datetime]]] = {i: [] for i in range(1, 5)}
    rows = []
    for n in range(300):
        lead = rng.randint(1, 4)
        kind = rng.choice(KINDS)
        at = NOW - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        events[lead].append((kind, at))
        rows.append({"lead_id": lead, "source": "t", "external_id": f"e{n}", "type": kind, "occurred_at": at})
    with writing(engine).begin() as conn:
        conn.execute(sa.insert(TouchpointRow), rows[:200])
    if mirror_root is not None:  # the mirror holds the first 200; the rescoring must copy the rest itself
        mirror.sync(engine, mirror_root, tables=("touchpoints",), snapshots=())
    with writing(engine).begin() as conn:
        conn.execute(sa.insert(TouchpointRow), rows[200:])
    summary = rescore_all(engine, contract=contract, now=NOW, mirror_root=mirror_root)
    assert (summary.leads, summary.touchpoints) == (4, sum(1 for r in rows if r["type"] != "tweet"))
    with engine.connect() as conn:
        stored = {r.id: r for r in conn.execute(sa.select(LeadRow))}
    for lead_id in range(1, 5):
        assert stored[lead_id].score == pytest.approx(_expected(engine, contract, lead_id, events[lead_id]))
    assert any("competitor" in reason for reason, _ in stored[3].score_reasons)
    assert stored[1].score_reasons[0][0].startswith("fit: ")


def test_a_lead_that_now_qualifies_is_handed_to_sales(engine: Engine) -> None:
    contract = _setup(engine)
    with writing(engine).begin() as conn:
        conn.execute(
            sa.insert(TouchpointRow),
            [{"lead_id": 1, "source": "t", "external_id": "d1", "type": "demo_request", "occurred_at": NOW}],
        )
    summary = rescore_all(engine, contract=contract, now=NOW)
    assert summary.qualified == 1
    with engine.connect() as conn:
        stage, owner = conn.execute(sa.select(LeadRow.stage, LeadRow.owner_id).where(LeadRow.id == 1)).one()
    assert (stage, owner) == ("mql", 1)


@pytest.mark.parametrize("chunk", [1, 500])
def test_hand_offs_of_a_rescoring_each_go_through_the_lifecycle_and_are_recorded(
    engine: Engine, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leads 1 and 4 qualify, several to a transaction or one each: each gets its transition (with the
    SLA version), its owner and its accept clock, as one event at a time gives."""
    monkeypatch.setattr(scoring, "QUALIFY_CHUNK", chunk)
    contract = _setup(engine)
    rows = [
        {"lead_id": lead, "source": "t", "external_id": f"d{lead}-{n}", "type": "demo_request", "occurred_at": NOW}
        for lead in (1, 2, 4)
        for n in range(2)
    ]
    with writing(engine).begin() as conn:
        conn.execute(sa.insert(TouchpointRow), rows)
    summary = rescore_all(engine, contract=contract, now=NOW)
    assert (summary.qualified, summary.recycled) == (2, 0)  # lead 2 (an intern) does not fit
    with engine.connect() as conn:
        leads = {
            r.id: (r.stage, r.owner_id) for r in conn.execute(sa.select(LeadRow.id, LeadRow.stage, LeadRow.owner_id))
        }
        moves = conn.execute(
            sa.select(
                StageTransitionRow.lead_id,
                StageTransitionRow.from_stage,
                StageTransitionRow.to_stage,
                StageTransitionRow.sla_version,
                StageTransitionRow.source,
            ).order_by(StageTransitionRow.lead_id)
        ).all()
        clocks = conn.execute(sa.select(ObligationRow.lead_id, ObligationRow.kind, ObligationRow.status)).all()
    assert leads == {1: ("mql", 1), 2: ("lead", None), 3: ("lead", None), 4: ("mql", 1)}
    assert [tuple(m) for m in moves] == [
        (1, "lead", "mql", contract.version, "engine"),
        (4, "lead", "mql", contract.version, "engine"),
    ]
    assert sorted((c.lead_id, c.kind, c.status) for c in clocks if c.kind == "accept") == [
        (1, "accept", "open"),
        (4, "accept", "open"),
    ]


def test_one_touchpoint_updates_the_score_carries_on_from_a_rescoring_and_qualifies(engine: Engine) -> None:
    contract = _setup(engine)
    first = add_touchpoint(
        engine,
        lead_id=4,
        kind="pricing_page_view",
        occurred_at=NOW - timedelta(days=1),
        source="web",
        external_id="p1",
        contract=contract,
        now=NOW,
    )
    again = add_touchpoint(
        engine,
        lead_id=4,
        kind="pricing_page_view",
        occurred_at=NOW - timedelta(days=1),
        source="web",
        external_id="p1",
        contract=contract,
        now=NOW,
    )
    assert first.stored
    assert not again.stored
    rescore_all(engine, contract=contract, now=NOW)
    last = add_touchpoint(
        engine,
        lead_id=4,
        kind="demo_request",
        occurred_at=NOW,
        source="web",
        external_id="d1",
        contract=contract,
        now=NOW,
    )
    assert last.score is not None
    expected = _expected(engine, contract, 4, [("pricing_page_view", NOW - timedelta(days=1)), ("demo_request", NOW)])
    assert last.score.combined == pytest.approx(expected)
    assert last.lifecycle is not None
    assert last.lifecycle.stage == "mql"


def test_a_touchpoint_scored_later_stores_its_state_at_the_scoring_moment_and_the_story_explains_it(
    engine: Engine,
) -> None:
    """The touchpoint happened a day before it was scored: the stored state is referenced to the scoring
    moment, the stored reasons leave the type lines to it, and the lead's story and its score history
    show every line with the points it gave at that moment."""
    contract = _setup(engine)
    outcome = add_touchpoint(
        engine,
        lead_id=3,
        kind="content_download",
        occurred_at=NOW - timedelta(days=1),
        source="web",
        external_id="c1",
        contract=contract,
        now=NOW,
    )
    assert outcome.score is not None
    lines = [(r.rule, r.points) for r in outcome.score.reasons]
    assert any(rule == "engagement: 1 × content_download, decayed" for rule, _ in lines)
    assert any("competitor" in rule for rule, _ in lines)
    with engine.connect() as conn:
        row = conn.execute(sa.select(LeadRow).where(LeadRow.id == 3)).one()
    assert row.engagement_ref_at == NOW
    assert not any(" × " in rule for rule, _ in row.score_reasons)
    story = lead_story(engine, 3)
    assert [(r.rule, pytest.approx(r.points)) for r in story.lead.score_reasons] == lines
    assert [(r.rule, r.points) for r in story.scores[-1].reasons] == lines


def test_touchpoints_of_one_lead_arriving_at_once_all_count(engine: Engine) -> None:
    contract = _setup(engine)

    def send(prefix: str) -> None:
        for i in range(15):
            add_touchpoint(
                engine,
                lead_id=2,
                kind="email_click",
                occurred_at=NOW,
                source="web",
                external_id=f"{prefix}{i}",
                contract=contract,
                now=NOW,
            )

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(send, ["a", "b"]))
    with engine.connect() as conn:
        state = conn.execute(sa.select(LeadRow.engagement_state).where(LeadRow.id == 2)).scalar_one()
    assert EngagementState.from_json(state).by_type["email_click"].count == 30


def test_a_nurtured_lead_comes_back_after_its_cool_off_and_the_loop_is_counted(engine: Engine) -> None:
    contract = _setup(engine)
    rested = NOW - timedelta(days=120)
    with writing(engine).begin() as conn:
        conn.execute(
            sa.update(LeadRow)
            .where(LeadRow.id == 1)
            .values(stage="nurture", stage_changed_at=rested, nurture_until=NOW - timedelta(days=30))
        )
        conn.execute(
            sa.update(LeadRow)
            .where(LeadRow.id == 4)
            .values(stage="nurture", stage_changed_at=rested, nurture_until=NOW + timedelta(days=1))
        )
        conn.execute(
            sa.insert(TouchpointRow),
            [
                {"lead_id": lead, "source": "t", "external_id": f"{kind}{lead}", "type": kind, "occurred_at": NOW}
                for lead in (1, 4)
                for kind in ("demo_request", "webinar_attended")
            ],
        )
    summary = rescore_all(engine, contract=contract, now=NOW - timedelta(days=1))
    assert (summary.recycled, summary.qualified) == (0, 0)  # the touchpoints are still in the future
    summary = rescore_all(engine, contract=contract, now=NOW)
    assert summary.recycled == 1  # lead 4 is still cooling off: it stays
    with engine.connect() as conn:
        back = conn.execute(sa.select(LeadRow.stage, LeadRow.recycle_count).where(LeadRow.id == 1)).one()
        reason = conn.execute(sa.select(StageTransitionRow.reason).where(StageTransitionRow.lead_id == 1)).scalar_one()
        waiting = conn.execute(sa.select(LeadRow.stage).where(LeadRow.id == 4)).scalar_one()
    assert tuple(back) == ("mql", 1)
    assert reason.startswith("recycled (loop 1)")
    assert waiting == "nurture"


def test_the_mql_condition_can_use_the_predicted_probability(engine: Engine) -> None:
    """What `revbridge model score` writes (p_convert) qualifies a lead when the SLA's condition says so."""
    _setup(engine)
    text = EXAMPLE_TEXT.replace("mql: fit >= 30 and engagement >= 40", "mql: fit >= 20 and p_convert >= 0.5")
    apply_sla(engine, text, effective_from=NOW - timedelta(days=1), signed_by={"marketing": "m", "sales": "s"}, now=NOW)
    save_predictions(engine, 1, NOW, [1, 2, 4], [0.8, 0.9, 0.3], [[], [], []])
    summary = rescore_all(engine, contract=contract_at(engine, NOW), now=NOW)
    with engine.connect() as conn:
        stages = dict(conn.execute(sa.select(LeadRow.id, LeadRow.stage)).all())
    # Lead 1 fits and is likely to convert; lead 2 is likely but does not fit; lead 4 fits but is unlikely;
    # lead 3 has no prediction, so the condition cannot hold for it.
    assert summary.qualified == 1
    assert stages == {1: "mql", 2: "lead", 3: "lead", 4: "lead"}
