"""People acting on leads, on a real database: verdicts and who may give them, activities, moves, disputes,
and the lead's story in time order."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.errors import InvalidInput, LeadNotFound, NotFound, Refused, TransitionNotAllowed
from revbridge.domain.sla import UnknownRejectionReason
from revbridge.services import leads
from revbridge.services.clocks import tick
from revbridge.services.contract import contract_at
from revbridge.services.leads import FeedbackNotFound, NotPermitted, UnknownUser
from revbridge.store.engine import writing
from revbridge.store.tables import (
    ActivityRow,
    CampaignRow,
    FeedbackRow,
    LeadRow,
    ObligationRow,
    ScoreSnapshotRow,
    StageTransitionRow,
    TouchpointRow,
)
from tests.stored_scores import set_scores

from .lead_world import ADA, ANA, EXAMPLE, MARIA, MIA, MONDAY, REASONS, VIC, build, count, lead_version, make_mql
from .lead_world import other_rep as someone_else

HOUR = timedelta(hours=1)


def _nothing_written(engine: Engine, lead_id: int, version: int, transitions: int, feedback: int) -> None:
    assert lead_version(engine, lead_id) == version
    assert count(engine, StageTransitionRow) == transitions
    assert count(engine, FeedbackRow) == feedback


def _rejected(engine: Engine, lead_id: int = 1) -> int:
    """Lead ``lead_id`` made an MQL and rejected by its rep; the verdict's id."""
    owner = make_mql(engine, lead_id, build(engine))
    result = leads.reject(engine, lead_id, owner, "no_budget", at=MONDAY + HOUR, rating=2, note="frozen until Q3")
    assert result.feedback_id is not None
    return result.feedback_id


# --- verdicts and who may give them ---------------------------------------------------------------------


def test_the_assigned_rep_accepts_an_mql_which_becomes_sal_and_starts_the_follow_up_clocks(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))

    result = leads.accept(engine, 1, owner, at=MONDAY + HOUR, rating=4, note="good fit")

    assert (result.from_stage, result.stage, result.moved, result.by) == ("mql", "sal", True, owner)
    assert [(c.kind, c.change) for c in result.clocks] == [
        ("accept", "met"),
        ("first_touch", "opened"),
        ("attempts", "opened"),
    ]
    assert result.sla_version == 1
    with engine.connect() as conn:
        verdict = conn.execute(sa.select(FeedbackRow)).one()
    assert (verdict.id, verdict.verdict, verdict.rating, verdict.note) == (result.feedback_id, "accept", 4, "good fit")


def test_another_rep_may_not_accept_a_lead_assigned_to_someone_else_and_nothing_is_written(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))
    before = lead_version(engine, 1), count(engine, StageTransitionRow), count(engine, FeedbackRow)

    with pytest.raises(NotPermitted) as refused:
        leads.accept(engine, 1, someone_else(owner), at=MONDAY + HOUR)

    assert isinstance(refused.value, Refused)
    assert "qualification.sal.accepted_by: assigned_rep" in str(refused.value)
    assert owner in str(refused.value)
    _nothing_written(engine, 1, *before)


def test_any_sales_rep_may_accept_when_the_sla_says_any_sales_rep(engine: Engine) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("accepted_by: assigned_rep", "accepted_by: any_sales_rep")
    owner = make_mql(engine, 1, build(engine, sla_text=text))

    result = leads.accept(engine, 1, someone_else(owner), at=MONDAY + HOUR)

    assert result.stage == "sal"


@pytest.mark.parametrize("person", [MARIA, VIC, ADA])
def test_nobody_outside_sales_may_reject_an_mql(engine: Engine, person: str) -> None:
    make_mql(engine, 1, build(engine))
    before = lead_version(engine, 1), count(engine, StageTransitionRow), count(engine, FeedbackRow)

    with pytest.raises(NotPermitted, match="only sales accepts or rejects an MQL"):
        leads.reject(engine, 1, person, "no_budget", at=MONDAY + HOUR)

    _nothing_written(engine, 1, *before)


def test_someone_unknown_is_told_so_and_an_unknown_lead_too(engine: Engine) -> None:
    make_mql(engine, 1, build(engine))

    with pytest.raises(UnknownUser, match=r"no user with e-mail 'nobody@nw\.com'"):
        leads.accept(engine, 1, "nobody@nw.com", at=MONDAY + HOUR)
    with pytest.raises(LeadNotFound):
        leads.accept(engine, 99, ANA, at=MONDAY + HOUR)


def test_an_e_mail_in_another_case_is_the_same_person(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))

    assert leads.accept(engine, 1, owner.upper(), at=MONDAY + HOUR).by == owner


def test_a_rejection_for_a_reason_the_sla_does_not_know_lists_the_valid_ones_and_writes_nothing(
    engine: Engine,
) -> None:
    owner = make_mql(engine, 1, build(engine))
    before = lead_version(engine, 1), count(engine, StageTransitionRow), count(engine, FeedbackRow)

    with pytest.raises(UnknownRejectionReason) as unknown:
        leads.reject(engine, 1, owner, "too_small", at=MONDAY + HOUR)

    assert "no_budget" in str(unknown.value)
    assert "wrong_persona" in str(unknown.value)
    _nothing_written(engine, 1, *before)


def test_a_rejection_recycles_the_lead_for_its_cool_off_and_records_the_verdict(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))

    result = leads.reject(engine, 1, owner, "no_budget", at=MONDAY + HOUR, rating=2, note="frozen")

    assert (result.stage, result.reason) == ("nurture", "rejected: No budget this year")
    assert [(c.kind, c.change) for c in result.clocks] == [("accept", "met")]
    with engine.connect() as conn:
        lead = conn.execute(sa.select(LeadRow.nurture_until).where(LeadRow.id == 1)).one()
        verdict = conn.execute(sa.select(FeedbackRow.reason, FeedbackRow.rating)).one()
    assert lead.nurture_until == MONDAY + HOUR + timedelta(days=90)
    assert tuple(verdict) == ("no_budget", 2)


# --- disputes -------------------------------------------------------------------------------------------


def test_marketing_disputes_a_rejection_once_and_a_second_dispute_is_refused(engine: Engine) -> None:
    feedback_id = _rejected(engine)

    entry = leads.dispute(engine, feedback_id, MARIA, "  They asked for pricing twice  ", at=MONDAY + 2 * HOUR)

    assert entry.dispute is not None
    assert (entry.dispute.note, entry.dispute.by, entry.dispute.at) == (
        "They asked for pricing twice",
        MARIA,
        MONDAY + 2 * HOUR,
    )
    assert entry.dispute.outcome is None
    with pytest.raises(NotPermitted, match=r"already disputed by maria@nw\.com"):
        leads.dispute(engine, feedback_id, MARIA, "and again", at=MONDAY + 3 * HOUR)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(FeedbackRow.dispute_note, FeedbackRow.disputed_at)).one()
    assert tuple(stored) == ("They asked for pricing twice", MONDAY + 2 * HOUR)


def test_only_marketing_disputes_only_a_rejection_and_only_with_a_note(engine: Engine) -> None:
    feedback_id = _rejected(engine)
    owner = make_mql(engine, 2, contract_at(engine, MONDAY))
    accepted = leads.accept(engine, 2, owner, at=MONDAY + HOUR).feedback_id
    assert accepted is not None

    with pytest.raises(NotPermitted, match="disputes are marketing's answer"):
        leads.dispute(engine, feedback_id, ANA, "I disagree with myself", at=MONDAY + 2 * HOUR)
    with pytest.raises(NotPermitted, match="only a rejection is disputed"):
        leads.dispute(engine, accepted, MARIA, "why accept?", at=MONDAY + 2 * HOUR)
    with pytest.raises(InvalidInput, match="needs a note"):
        leads.dispute(engine, feedback_id, MARIA, "   ", at=MONDAY + 2 * HOUR)
    with pytest.raises(FeedbackNotFound):
        leads.dispute(engine, 999, MARIA, "lost?", at=MONDAY + 2 * HOUR)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(FeedbackRow.disputed_at.is_not(None))).scalar_one() == 0


def test_a_sales_manager_settles_a_dispute_once_and_the_lead_stays_where_it_is(engine: Engine) -> None:
    feedback_id = _rejected(engine)
    with pytest.raises(NotPermitted, match="nothing to resolve"):
        leads.resolve_dispute(engine, feedback_id, MIA, "upheld", at=MONDAY + 2 * HOUR)
    leads.dispute(engine, feedback_id, MARIA, "They asked for pricing twice", at=MONDAY + 2 * HOUR)

    with pytest.raises(NotPermitted, match="sales manager or an admin"):
        leads.resolve_dispute(engine, feedback_id, ANA, "upheld", at=MONDAY + 3 * HOUR)
    with pytest.raises(InvalidInput, match="upheld, overturned"):
        leads.resolve_dispute(engine, feedback_id, MIA, "maybe", at=MONDAY + 3 * HOUR)
    entry = leads.resolve_dispute(engine, feedback_id, MIA, "overturned", at=MONDAY + 3 * HOUR)
    with pytest.raises(NotPermitted, match="already resolved: overturned"):
        leads.resolve_dispute(engine, feedback_id, ADA, "upheld", at=MONDAY + 4 * HOUR)

    assert entry.dispute is not None
    assert entry.dispute.outcome == "overturned"
    assert (entry.dispute.resolved_by, entry.dispute.resolved_at) == (MIA, MONDAY + 3 * HOUR)
    with engine.connect() as conn:
        assert conn.execute(sa.select(LeadRow.stage).where(LeadRow.id == 1)).scalar_one() == "nurture"


# --- working the lead -----------------------------------------------------------------------------------


def test_calls_meet_the_first_touch_count_as_attempts_and_a_held_meeting_makes_the_sal_an_sql(
    engine: Engine,
) -> None:
    owner = make_mql(engine, 1, build(engine))
    leads.accept(engine, 1, owner, at=MONDAY + HOUR)

    call = leads.log_activity(engine, 1, owner, "call", at=MONDAY + 1.5 * HOUR, outcome="voicemail")
    meeting = leads.log_activity(engine, 1, owner, "meeting_held", at=MONDAY + 26 * HOUR, external_id="cal-1")

    assert (call.stage, call.moved) == ("sal", False)
    assert [(c.kind, c.change, c.done_count) for c in call.clocks] == [
        ("first_touch", "met", 1),
        ("attempts", "counted", 1),
    ]
    assert (meeting.from_stage, meeting.stage, meeting.reason) == ("sal", "sql", "SQL: meeting_held logged")
    assert meeting.activity_id == "cal-1"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ActivityRow).order_by(ActivityRow.occurred_at)).all()
    assert [(r.source, r.type, r.outcome, r.lead_id) for r in rows] == [
        ("revbridge", "call", "voicemail", 1),
        ("revbridge", "meeting_held", None, 1),
    ]
    assert rows[0].external_id == call.activity_id


def test_a_held_meeting_does_not_make_an_sql_while_the_score_is_below_the_sla_condition(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))
    leads.accept(engine, 1, owner, at=MONDAY + HOUR)
    with writing(engine).begin() as conn:
        set_scores(conn, at=MONDAY + HOUR, score=40.0)

    meeting = leads.log_activity(engine, 1, owner, "meeting_held", at=MONDAY + 2 * HOUR)

    assert meeting.stage == "sal"


def test_logging_the_same_activity_again_changes_nothing(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))
    leads.accept(engine, 1, owner, at=MONDAY + HOUR)
    leads.log_activity(engine, 1, owner, "call", at=MONDAY + 2 * HOUR, external_id="crm-7")
    version = lead_version(engine, 1)

    again = leads.log_activity(engine, 1, owner, "call", at=MONDAY + 2 * HOUR, external_id="crm-7")

    assert again.replayed
    assert again.clocks == ()
    assert count(engine, ActivityRow) == 1
    assert lead_version(engine, 1) == version


def test_marketing_and_viewers_may_not_work_a_lead(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))
    leads.accept(engine, 1, owner, at=MONDAY + HOUR)

    with pytest.raises(NotPermitted, match="that is for sales"):
        leads.log_activity(engine, 1, MARIA, "call", at=MONDAY + 2 * HOUR)
    with pytest.raises(NotPermitted, match="that is for sales"):
        leads.advance(engine, 1, VIC, "sql", at=MONDAY + 2 * HOUR)

    assert count(engine, ActivityRow) == 0


def test_a_lead_moves_on_by_hand_as_the_sla_allows_and_a_lost_deal_cancels_its_clocks(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))
    leads.accept(engine, 1, owner, at=MONDAY + HOUR)

    with pytest.raises(TransitionNotAllowed, match="from sal the SLA allows: sql"):
        leads.advance(engine, 1, owner, "opportunity", at=MONDAY + 2 * HOUR)
    sql = leads.advance(engine, 1, owner, "sql", at=MONDAY + 2 * HOUR, reason="budget confirmed")
    lost = leads.mark_lost(engine, 1, owner, "chose a competitor", at=MONDAY + 3 * HOUR)

    assert (sql.stage, sql.reason) == ("sql", "budget confirmed")
    assert (lost.stage, lost.reason) == ("nurture", "lost: chose a competitor")
    assert sorted((c.kind, c.change) for c in lost.clocks) == [("attempts", "cancelled"), ("first_touch", "cancelled")]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(ObligationRow.status == "open")).scalar_one() == 0


def test_a_moment_without_a_time_zone_is_refused(engine: Engine) -> None:
    owner = make_mql(engine, 1, build(engine))

    with pytest.raises(InvalidInput, match="no time zone"):
        leads.accept(engine, 1, owner, at=MONDAY.replace(tzinfo=None))


# --- the story ------------------------------------------------------------------------------------------


def _touchpoint(
    external_id: str,
    kind: str,
    at: datetime,
    *,
    lead_id: int = 1,
    channel: str | None = None,
    campaign: int | None = None,
) -> dict[str, object]:
    return {
        "lead_id": lead_id,
        "source": "hubspot",
        "external_id": external_id,
        "type": kind,
        "channel": channel,
        "campaign_id": campaign,
        "occurred_at": at,
    }


def _journey(engine: Engine) -> None:
    """Touchpoints before and after the hand-off, and two scorings, stored as imports and scoring would."""
    day = timedelta(days=1)
    with writing(engine).begin() as conn:
        campaign = conn.execute(
            sa.insert(CampaignRow).values(name="Spring webinar", channel="webinar").returning(CampaignRow.id)
        ).scalar_one()
        touchpoints = [
            _touchpoint("t2", "webinar_attended", MONDAY - day, channel="webinar", campaign=campaign),
            _touchpoint("t1", "page_view", MONDAY - 2 * day),
            _touchpoint("t3", "pricing_page_view", MONDAY + 3 * HOUR),
            _touchpoint("other", "page_view", MONDAY, lead_id=2),
        ]
        conn.execute(sa.insert(TouchpointRow), touchpoints)
        snapshots = [
            {"at": MONDAY, "engagement": 50.0, "score": 70.0, "reasons": REASONS, "cause": "touchpoint"},
            {"at": MONDAY - day, "engagement": 15.0, "score": 40.0, "reasons": REASONS[:1], "cause": "rescore"},
        ]
        conn.execute(sa.insert(ScoreSnapshotRow), [{"lead_id": 1, "fit": 35.0, **snap} for snap in snapshots])


def test_the_story_holds_every_part_of_the_journey_each_in_time_order(engine: Engine) -> None:
    contract = build(engine)
    _journey(engine)
    owner = make_mql(engine, 1, contract)
    leads.accept(engine, 1, owner, at=MONDAY + HOUR, rating=5, note="great")
    leads.log_activity(engine, 1, owner, "call", at=MONDAY + 2 * HOUR, outcome="connected", external_id="c1")
    leads.log_activity(engine, 1, owner, "meeting_held", at=MONDAY + 26 * HOUR, external_id="m1")

    story = leads.lead_story(engine, 1)

    lead = story.lead
    assert (lead.id, lead.name, lead.email, lead.company, lead.stage) == (
        1,
        "Pat Number1",
        "p1@acme.com",
        "Acme",
        "sql",
    )
    assert (lead.owner_email, lead.fit, lead.engagement, lead.score) == (owner, 35.0, 50.0, 70.0)
    assert [(r.rule, r.points) for r in lead.score_reasons] == [tuple(r) for r in REASONS]
    assert lead.routing_reason is not None
    assert lead.routing_reason.startswith("No territory matches the lead; fallback team sdr")
    assert [(e.at, e.kind, e.type) for e in story.timeline] == [
        (MONDAY - timedelta(days=2), "touchpoint", "page_view"),
        (MONDAY - timedelta(days=1), "touchpoint", "webinar_attended"),
        (MONDAY + 2 * HOUR, "activity", "call"),
        (MONDAY + 3 * HOUR, "touchpoint", "pricing_page_view"),
        (MONDAY + 26 * HOUR, "activity", "meeting_held"),
    ]
    assert story.timeline[1].campaign == "Spring webinar"
    assert (story.timeline[2].by, story.timeline[2].outcome) == (owner, "connected")
    assert [(s.at, s.score, s.cause) for s in story.scores] == [
        (MONDAY - timedelta(days=1), 40.0, "rescore"),
        (MONDAY, 70.0, "touchpoint"),
    ]
    assert [(t.at, t.from_stage, t.to_stage, t.actor, t.sla_version) for t in story.transitions] == [
        (MONDAY, "lead", "mql", "engine", 1),
        (MONDAY + HOUR, "mql", "sal", owner, 1),
        (MONDAY + 26 * HOUR, "sal", "sql", owner, 1),
    ]
    assert [(c.kind, c.status, c.owner_email) for c in story.obligations] == [
        ("accept", "met", owner),
        ("first_touch", "met", owner),
        ("attempts", "open", owner),
    ]
    assert story.obligations[2].done_count == 2
    assert [(f.verdict, f.by, f.rating, f.note, f.dispute) for f in story.feedback] == [
        ("accept", owner, 5, "great", None)
    ]
    assert json.loads(json.dumps(story.as_dict(), default=str))["lead"]["stage"] == "sql"


def test_the_story_shows_a_breached_clock_whom_it_went_to_and_a_disputed_rejection(engine: Engine) -> None:
    contract = build(engine)
    first = make_mql(engine, 1, contract)

    tick(engine, now=MONDAY + timedelta(days=2), contract=contract)  # the accept clock breaches, the lead moves
    story = leads.lead_story(engine, 1)
    new_owner = story.lead.owner_email
    rejected = leads.reject(engine, 1, str(new_owner), "bad_timing", at=MONDAY + timedelta(days=2, hours=1))
    assert rejected.feedback_id is not None
    leads.dispute(engine, rejected.feedback_id, MARIA, "they are buying now", at=MONDAY + timedelta(days=3))

    story = leads.lead_story(engine, 1)

    assert new_owner == someone_else(first)
    assert [(c.kind, c.status, c.escalated_to) for c in story.obligations] == [
        ("accept", "breached", MIA),
        ("accept", "met", None),
    ]
    [verdict] = story.feedback
    assert (verdict.verdict, verdict.reason, verdict.by) == ("reject", "bad_timing", new_owner)
    assert verdict.dispute is not None
    assert (verdict.dispute.by, verdict.dispute.note) == (MARIA, "they are buying now")


def test_the_story_of_a_lead_that_does_not_exist_says_so(engine: Engine) -> None:
    build(engine)

    with pytest.raises(LeadNotFound) as missing:
        leads.lead_story(engine, 42)

    assert isinstance(missing.value, NotFound)


def test_leads_are_listed_by_stage_and_owner(engine: Engine) -> None:
    contract = build(engine, leads=3)
    owner = make_mql(engine, 1, contract)
    make_mql(engine, 2, contract)

    mine = leads.list_leads(engine, stage="mql", owner_email=owner)
    everyone = leads.list_leads(engine)

    assert [(line.id, line.stage, line.owner) for line in mine] == [(1, "mql", owner)]
    assert sorted(line.id for line in everyone) == [1, 2, 3]
    with pytest.raises(UnknownUser):
        leads.list_leads(engine, owner_email="who@nw.com")
