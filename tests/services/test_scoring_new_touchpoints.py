"""Touchpoints sent in bulk (the API, imports) are scored later in batches, exactly as one at a time would
have scored them, each counted once: on a real database, against ``add_touchpoint`` on another."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from revbridge.domain.records import TouchpointRecord
from revbridge.domain.scoring import EngagementState
from revbridge.services import scoring_new
from revbridge.services.contract import Contract, contract_at
from revbridge.services.ingest_events import EventIngestor
from revbridge.services.scoring import add_touchpoint, rescore_all
from revbridge.services.scoring_new import score_new_touchpoints
from revbridge.store import migrate
from revbridge.store.engine import make_engine, writing
from revbridge.store.tables import (
    LeadRow,
    ObligationRow,
    OutboxRow,
    ScoreMarkRow,
    ScoreSnapshotRow,
    StageTransitionRow,
    TouchpointRow,
)
from tests.conftest import fresh_postgres_url
from tests.demo_store import NOW as DEMO_NOW
from tests.pg_cluster import Cluster
from tests.services.scoring_world import NOW, seed_people

SCORED = ["demo_request", "pricing_page_view", "webinar_attended", "content_download", "email_click", "page_view"]
KINDS = [*SCORED, "unsubscribe"]
PEOPLE: list[dict[str, str | None]] = [
    {"email": "cto@big.com", "job_title": "CTO", "industry": "Software", "country": "US", "phone": "1"},  # fit 47
    {"email": "intern@small.io", "job_title": "Data intern", "industry": "retail", "country": "BR", "phone": None},
    {"email": "spy@rivaldata.com", "job_title": "Head of Data", "industry": "fintech", "country": "DE", "phone": None},
    {"email": "vp@mid.com", "job_title": "VP Engineering", "industry": "Healthcare IT", "country": "GB", "phone": "2"},
    {"email": "dir@rest.com", "job_title": "Director", "industry": "software", "country": "US", "phone": "3"},
]
LEADS = range(1, len(PEOPLE) + 1)
Touch = tuple[int, str, int]  # (lead id, type, minutes before NOW)
Fresh = Callable[[], AbstractContextManager[Engine]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Fresh:
    """A maker of fresh, migrated databases on one backend, each disposed of when its block ends: a
    property test needs new ones for every example."""
    counter = itertools.count()
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
    else:
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        pg_template: str = request.getfixturevalue("pg_template")

    @contextmanager
    def make() -> Iterator[Engine]:
        if request.param == "sqlite":
            target = tmp_path / f"store{next(counter)}.db"
            shutil.copyfile(template, target)
            url = f"sqlite:///{target}"
        else:
            url = fresh_postgres_url(cluster, pg_template)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()

    return make


def _company(engine: Engine) -> Contract:
    """Five leads with their fit scored (and the mark set by that rescoring); lead 5 rests in nurture,
    long enough to come back."""
    contract = seed_people(engine, PEOPLE)
    rescore_all(engine, contract=contract, now=NOW - timedelta(days=1))
    with writing(engine).begin() as conn:
        conn.execute(
            sa.update(LeadRow).where(LeadRow.id == 5).values(stage="nurture", stage_changed_at=NOW - timedelta(days=60))
        )
    return contract


def _record(n: int, touch: Touch) -> TouchpointRecord:
    lead, kind, minutes = touch
    return TouchpointRecord(
        source="api",
        external_id=f"e{n:04d}",
        type=kind,
        occurred_at=NOW - timedelta(minutes=minutes),
        lead_external_id=str(lead - 1),  # seed_people's leads are test/0, test/1, ...
        lead_source="test",
    )


def _send(ingestor: EventIngestor, batch: list[tuple[int, Touch]]) -> None:
    """One batch through the API's path: stored in bulk, not scored."""
    result = ingestor.ingest([_record(n, touch) for n, touch in batch], now=NOW)
    assert (result.counts.created, result.unresolved) == (len(batch), [])


def _one(engine: Engine, contract: Contract, n: int, touch: Touch) -> None:
    record = _record(n, touch)
    add_touchpoint(
        engine,
        lead_id=touch[0],
        kind=record.type,
        occurred_at=record.occurred_at,
        source=record.source,
        external_id=record.external_id,
        contract=contract,
        now=NOW,
    )


def _arrival_order(dialect: str, batches: list[list[tuple[int, Touch]]]) -> list[tuple[int, Touch]]:
    """The order touchpoints arrived in: batch after batch; within one, SQLite numbers every row as it
    was sent, PostgreSQL the batch as a whole, whose rows are then taken in the order they happened."""
    if dialect == "sqlite":
        return [sent for batch in batches for sent in batch]
    return [sent for batch in batches for sent in sorted(batch, key=lambda s: (-s[1][2], f"e{s[0]:04d}"))]


def _outcome(engine: Engine) -> dict[str, Any]:
    """Everything scoring and the lifecycle leave behind that one at a time and batches must agree on."""
    with engine.connect() as conn:
        columns = (
            LeadRow.stage,
            LeadRow.owner_id,
            LeadRow.recycle_count,
            LeadRow.version,
            LeadRow.score,
            LeadRow.engagement_score,
            LeadRow.engagement_state,
            LeadRow.engagement_ref_at,
            LeadRow.score_reasons,
        )
        leads = {row[0]: tuple(row[1:]) for row in conn.execute(sa.select(LeadRow.id, *columns).order_by(LeadRow.id))}
        transitions = conn.execute(
            sa.select(
                StageTransitionRow.lead_id,
                StageTransitionRow.from_stage,
                StageTransitionRow.to_stage,
                StageTransitionRow.at,
                StageTransitionRow.reason,
                StageTransitionRow.sla_version,
                StageTransitionRow.source,
            ).order_by(StageTransitionRow.lead_id, StageTransitionRow.id)
        ).all()
        clocks = conn.execute(
            sa.select(
                ObligationRow.lead_id,
                ObligationRow.kind,
                ObligationRow.status,
                ObligationRow.due_at,
                ObligationRow.owner_id,
            ).order_by(ObligationRow.lead_id, ObligationRow.id)
        ).all()
        messages = conn.execute(sa.select(OutboxRow.kind).order_by(OutboxRow.kind)).scalars().all()
    return {
        "leads": leads,
        "transitions": [tuple(t) for t in transitions],
        "clocks": [tuple(c) for c in clocks],
        "messages": messages,
    }


def _counts(engine: Engine) -> dict[tuple[int, str], int]:
    """How many touchpoints of each type each lead's engagement state has counted."""
    with engine.connect() as conn:
        states = conn.execute(sa.select(LeadRow.id, LeadRow.engagement_state)).all()
    return {
        (lead, kind): typed.count
        for lead, state in states
        for kind, typed in EngagementState.from_json(state).by_type.items()
    }


def _stored(engine: Engine) -> dict[tuple[int, str], int]:
    """How many touchpoints of each scored type each lead has in the store."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(TouchpointRow.lead_id, TouchpointRow.type, sa.func.count())
            .where(TouchpointRow.type.in_(KINDS))
            .group_by(TouchpointRow.lead_id, TouchpointRow.type)
        ).all()
    return {(lead, kind): int(n) for lead, kind, n in rows}


def _mark(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(ScoreMarkRow.last_arrival)).scalar_one())


# Leads 1 and 4 fit (a demo request this moment makes them MQLs), 5 may come back from nurture, 2 and 3
# never qualify; moments from now to two weeks before, often the same one: hand-offs, ties and caps' windows
# all come up often.
touches = st.tuples(
    st.sampled_from([1, 1, 4, 4, 5, 5, 2, 3]),
    st.sampled_from([*KINDS, "demo_request", "demo_request"]),
    st.sampled_from([0, 0, 0, 30, 720, 1440, 4320, 10080, 20160]),
)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[list[tuple[int, Touch]]], list[int | None]]:
    """Touchpoints numbered in the order they were sent, cut into API batches; after each batch, a
    scoring of new touchpoints with some batch size, or none yet."""
    sent = list(enumerate(draw(st.lists(touches, min_size=1, max_size=24))))
    batches: list[list[tuple[int, Touch]]] = []
    while sent:
        size = draw(st.integers(1, len(sent)))
        batches.append(sent[:size])
        sent = sent[size:]
    limits = [draw(st.none() | st.integers(1, 12)) for _ in batches]
    return batches, limits


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(delivered=deliveries())
@example(delivered=([[(0, (1, "demo_request", 0)), (1, (1, "unsubscribe", 0))]], [None]))  # MQL, then below
@example(
    delivered=([[(0, (5, "demo_request", 0)), (1, (5, "webinar_attended", 0))], [(2, (4, "page_view", 0))]], [3, 1])
)
def test_batches_of_any_size_score_as_one_touchpoint_at_a_time_in_arrival_order(
    fresh: Fresh, delivered: tuple[list[list[tuple[int, Touch]]], list[int | None]]
) -> None:
    """Same scores, reasons, engagement state, stages, transitions (with their reasons), clocks and
    messages as ``add_touchpoint`` one at a time, whatever the API batches and the scoring's batches."""
    batches, limits = delivered
    with fresh() as one_by_one, fresh() as in_batches:
        contract = _company(one_by_one)
        for n, touch in _arrival_order(one_by_one.dialect.name, batches):
            _one(one_by_one, contract, n, touch)

        contract = _company(in_batches)
        ingestor = EventIngestor(in_batches)
        for batch, limit in zip(batches, limits, strict=True):
            _send(ingestor, batch)
            if limit is not None:
                score_new_touchpoints(in_batches, contract, NOW, limit=limit)
        score_new_touchpoints(in_batches, contract, NOW, limit=7)

        assert _outcome(in_batches) == _outcome(one_by_one)
        assert _counts(in_batches) == _stored(in_batches)
        assert score_new_touchpoints(in_batches, contract, NOW).touchpoints == 0


operations = st.lists(
    st.one_of(
        st.tuples(st.just("api"), st.lists(touches, min_size=1, max_size=5)),
        st.tuples(st.just("one"), touches),
        st.tuples(st.just("score"), st.integers(1, 6)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(done=operations)
def test_touchpoints_scored_as_they_arrived_are_never_scored_again(fresh: Fresh, done: list[tuple[str, Any]]) -> None:
    """Touchpoints through ``add_touchpoint`` (scored at once) between batches sent through the API: every
    touchpoint is counted exactly once in its lead's engagement state, and then nothing is left."""
    with fresh() as engine:
        contract = _company(engine)
        ingestor = EventIngestor(engine)
        number = itertools.count()
        for kind, what in done:
            if kind == "api":
                _send(ingestor, [(next(number), touch) for touch in what])
            elif kind == "one":
                _one(engine, contract, next(number), what)
            else:
                score_new_touchpoints(engine, contract, NOW, limit=what)
        score_new_touchpoints(engine, contract, NOW)

        assert _counts(engine) == _stored(engine)
        again = score_new_touchpoints(engine, contract, NOW)
        assert (again.touchpoints, again.batches, again.pending) == (0, 0, False)


def test_a_demo_request_through_the_api_makes_an_mql_routed_and_notified(engine: Engine) -> None:
    contract = _company(engine)
    ingestor = EventIngestor(engine)
    _send(ingestor, [(1, (1, "demo_request", 0)), (2, (2, "page_view", 10)), (3, (4, "page_view", 5))])

    done = score_new_touchpoints(engine, contract, NOW)

    assert done.as_dict() | {"seconds": 0} == {
        "touchpoints": 3,
        "leads": 3,
        "qualified": 1,
        "recycled": 0,
        "notifications": 1,
        "batches": 1,
        "pending": False,
        "seconds": 0,
    }
    with engine.connect() as conn:
        lead = conn.execute(sa.select(LeadRow.stage, LeadRow.owner_id, LeadRow.score).where(LeadRow.id == 1)).one()
        reason = conn.execute(sa.select(StageTransitionRow.reason)).scalar_one()
        clock = conn.execute(sa.select(ObligationRow.kind, ObligationRow.status, ObligationRow.opened_at)).one()
        snapshots = conn.execute(sa.select(ScoreSnapshotRow.lead_id, ScoreSnapshotRow.cause)).all()
    assert (lead.stage, lead.owner_id) == ("mql", 1)
    assert lead.score == 47 + 40  # fit, and a demo request this very moment
    assert reason == "MQL: fit >= 30 and engagement >= 40 holds (fit 47, engagement 40)"
    assert tuple(clock) == ("accept", "open", NOW)
    assert sorted(tuple(s) for s in snapshots) == [(1, "touchpoint"), (2, "touchpoint"), (4, "touchpoint")]
    assert _mark(engine) == _highest_arrival(engine)


def _highest_arrival(engine: Engine) -> int:
    key = "seq" if engine.dialect.name == "postgresql" else "rowid"
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT max({key}) FROM touchpoints").scalar_one())


@pytest.mark.parametrize("through_mirror", [False, True], ids=["store", "mirror"])
def test_a_full_rescoring_sets_the_mark_so_what_it_counted_is_not_counted_again(
    engine: Engine, through_mirror: bool, tmp_path: Path
) -> None:
    contract = _company(engine)
    ingestor = EventIngestor(engine)
    _send(ingestor, [(n, (1 + n % 4, SCORED[n % 6], n)) for n in range(10)])

    rescore_all(engine, contract=contract, now=NOW, mirror_root=tmp_path / "mirror" if through_mirror else None)

    assert _mark(engine) == _highest_arrival(engine)
    assert score_new_touchpoints(engine, contract, NOW).touchpoints == 0
    _send(ingestor, [(n, (1 + n % 4, "email_click", n)) for n in range(10, 13)])
    assert score_new_touchpoints(engine, contract, NOW).touchpoints == 3
    assert _counts(engine) == _stored(engine)


def test_a_batch_that_fails_half_way_leaves_no_trace_and_the_next_call_scores_it_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract = _company(engine)
    _send(EventIngestor(engine), [(n, (1, "demo_request", n)) for n in range(3)])
    before = _outcome(engine)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the machine stopped here")

    with monkeypatch.context() as patched:
        patched.setattr(scoring_new, "persist_all", broken)  # after the scores were written, before the mark
        with pytest.raises(RuntimeError, match="the machine stopped here"):
            score_new_touchpoints(engine, contract, NOW)

    assert _outcome(engine) == before
    assert _mark(engine) == 0
    done = score_new_touchpoints(engine, contract, NOW)
    assert (done.touchpoints, done.qualified) == (3, 1)
    assert _counts(engine) == {(1, "demo_request"): 3}


def test_a_batch_ends_at_its_limit_and_the_next_call_goes_on_from_there(engine: Engine) -> None:
    contract = _company(engine)
    ingestor = EventIngestor(engine)
    for start in range(0, 12, 3):  # four API batches of three (on PostgreSQL a number each)
        _send(ingestor, [(n, (2, "page_view", n)) for n in range(start, start + 3)])
    progress: list[int] = []

    first = score_new_touchpoints(
        engine, contract, NOW, limit=3, max_batches=2, progress=lambda s: progress.append(s.touchpoints)
    )

    assert (first.touchpoints, first.batches, first.pending) == (6, 2, True)
    assert progress == [3, 6]
    rest = score_new_touchpoints(engine, contract, NOW, limit=5)
    assert (rest.touchpoints, rest.pending) == (6, False)
    assert _counts(engine) == {(2, "page_view"): 12}


def test_touchpoints_of_types_the_sla_gives_no_points_move_the_mark_and_nothing_else(engine: Engine) -> None:
    contract = _company(engine)
    _send(EventIngestor(engine), [(0, (1, "tweet", 5)), (1, (2, "tweet", 5))])
    before = _outcome(engine)

    done = score_new_touchpoints(engine, contract, NOW)

    assert (done.touchpoints, done.leads, done.batches) == (0, 0, 1)
    assert _outcome(engine) == before
    assert _mark(engine) == _highest_arrival(engine)


@pytest.mark.postgres
def test_on_postgresql_an_arrival_still_being_written_is_never_stepped_over(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import draws its number and has not committed when a later one commits: the scoring waits for
    the table (here no longer than 0.2 s, then tries later) rather than move the mark past the first."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: its arrivals commit in order")
    engine = make_engine(database_url)
    try:
        contract = _company(engine)
        monkeypatch.setattr(scoring_new, "LOCK_WAIT_SECONDS", 0.2)
        slow = engine.connect()
        slow.execute(
            sa.insert(TouchpointRow).values(
                lead_id=1, source="import", external_id="slow", type="demo_request", occurred_at=NOW
            )
        )
        _send(EventIngestor(engine), [(1, (4, "demo_request", 0))])  # a higher number, committed

        waiting = score_new_touchpoints(engine, contract, NOW)
        assert (waiting.touchpoints, waiting.pending) == (0, True)
        slow.commit()
        slow.close()
        done = score_new_touchpoints(engine, contract, NOW)
        assert (done.touchpoints, done.qualified) == (2, 2)
        assert _counts(engine) == {(1, "demo_request"): 1, (4, "demo_request"): 1}
    finally:
        engine.dispose()


def test_the_mark_starts_at_the_touchpoints_stored_before_the_upgrade(engine: Engine) -> None:
    """A store upgraded with touchpoints in it left them to `score --all`: the worker starts after them."""
    migrate.downgrade(engine, "0008")
    with writing(engine).begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO touchpoints (lead_id, source, external_id, type, occurred_at) "
                "VALUES (1, 'old', 'a', 'page_view', :at), (1, 'old', 'b', 'page_view', :at)"
            ),
            {"at": NOW.replace(tzinfo=None)},
        )
    migrate.upgrade(engine)
    assert _mark(engine) == _highest_arrival(engine) > 0


def test_the_demo_leaves_its_years_history_to_a_full_rescoring_and_scores_what_comes_after(demo: Engine) -> None:
    """The imported year is history (its leads' stages say what its touchpoints did): the worker's first
    round must not hand its old leads to sales. The live weeks' touchpoints were scored as they came."""
    contract = contract_at(demo, DEMO_NOW)
    assert score_new_touchpoints(demo, contract, DEMO_NOW).touchpoints == 0
    with demo.connect() as conn:
        email = conn.execute(sa.select(LeadRow.email).where(LeadRow.stage == "lead").limit(1)).scalar_one()
    sent = TouchpointRecord("api", "after-the-demo", "page_view", DEMO_NOW, lead_email=email)
    EventIngestor(demo).ingest([sent], now=DEMO_NOW)
    assert score_new_touchpoints(demo, contract, DEMO_NOW).touchpoints == 1
