"""The SLA queue, a lead as its page shows it, and the rejections marketing answers, read from the demo
company on both databases, with MQLs handed to sales at a known moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from revbridge.domain.sla import load_sla
from revbridge.services import leads
from revbridge.services.clocks import tick
from revbridge.services.contract import contract_at
from revbridge.services.demo import packaged_sla_text
from revbridge.services.lead_story import UnknownUser
from revbridge.services.lead_view import view_lead
from revbridge.services.queue import sla_queue
from revbridge.services.rejections import recent_rejections
from revbridge.services.sla_versions import apply_sla
from tests.handoffs import hand_off
from tests.web.conftest import ADMIN, MANAGER, MARKETING, VIEWER

NOW = datetime.now(UTC).replace(microsecond=0)


def _other_rep(handed: list[tuple[int, str]], rep: str) -> str:
    return next(owner for _, owner in handed if owner != rep)


def test_a_rep_sees_only_their_own_mqls_with_the_business_time_left(demo: Engine) -> None:
    handed = hand_off(demo, 4, at=NOW)
    lead_id, rep = handed[0]

    queue = sla_queue(demo, rep, now=NOW + timedelta(minutes=1))

    assert queue.scope.whose == "mine"
    assert queue.scope.title == "My queue"
    assert {line.owner_email for line in queue.leads} == {rep}
    assert lead_id in [line.id for line in queue.leads]
    assert queue.waiting == len(queue.leads)
    mine = next(line for line in queue.leads if line.id == lead_id)
    assert mine.may_judge
    deadline = mine.deadline
    assert deadline is not None
    assert (deadline.kind, deadline.business, deadline.overdue) == ("accept", True, False)
    contract = contract_at(demo, NOW)
    assert deadline.left == contract.clock.elapsed(NOW + timedelta(minutes=1), deadline.due_at)
    assert queue.owners == ()


def test_the_queue_is_sorted_by_deadline_with_the_overdue_first(demo: Engine) -> None:
    late = hand_off(demo, 1, at=NOW - timedelta(days=10))
    hand_off(demo, 3, at=NOW)

    queue = sla_queue(demo, MANAGER, now=NOW)

    deadlines = [line.deadline.due_at for line in queue.leads if line.deadline is not None]
    assert deadlines == sorted(deadlines)
    first = queue.leads[0]
    assert first.id == late[0][0]
    assert first.deadline is not None
    assert first.deadline.overdue
    assert first.deadline.describe().startswith("overdue by ")


@pytest.mark.parametrize("person", [MANAGER, ADMIN, MARKETING, VIEWER])
def test_the_manager_admins_marketing_and_viewers_see_everyones_queue_and_may_narrow_it(
    demo: Engine, person: str
) -> None:
    handed = hand_off(demo, 4, at=NOW)
    owners = {owner for _, owner in handed}

    everyone = sla_queue(demo, person, now=NOW)
    assert everyone.scope.whose == "everyone"
    assert owners <= {line.owner_email for line in everyone.leads}
    assert not any(line.may_judge for line in everyone.leads if line.owner_email != person)
    assert {p.email for p in everyone.owners} >= owners

    rep = handed[0][1]
    one = sla_queue(demo, person, now=NOW, owner=rep)
    assert {line.owner_email for line in one.leads} == {rep}
    team = next(line.owner_team for line in everyone.leads if line.owner_email == rep)
    assert team is not None
    by_team = sla_queue(demo, person, now=NOW, team=team)
    assert {line.owner_team for line in by_team.leads} == {team}
    assert team in everyone.teams


def test_a_rep_cannot_narrow_the_queue_to_someone_else(demo: Engine) -> None:
    handed = hand_off(demo, 4, at=NOW)
    rep = handed[0][1]
    queue = sla_queue(demo, rep, now=NOW, owner=_other_rep(handed, rep))
    assert queue.owner is None
    assert {line.owner_email for line in queue.leads} == {rep}


def test_an_unknown_owner_to_narrow_to_is_refused_by_name(demo: Engine) -> None:
    with pytest.raises(UnknownUser, match="nobody@nowhere"):
        sla_queue(demo, MANAGER, now=NOW, owner="nobody@nowhere.example")


def test_a_judged_lead_leaves_the_queue_at_once(demo: Engine) -> None:
    (lead_id, rep), (other_id, _) = hand_off(demo, 2, at=NOW)
    leads.accept(demo, lead_id, rep, at=NOW + timedelta(minutes=5))

    for person in (rep, MANAGER):
        ids = [line.id for line in sla_queue(demo, person, now=NOW + timedelta(minutes=6)).leads]
        assert lead_id not in ids
    assert other_id in [line.id for line in sla_queue(demo, MANAGER, now=NOW + timedelta(minutes=6)).leads]


def test_a_breached_clock_is_listed_and_the_reassigned_lead_shows_both_clocks(demo: Engine) -> None:
    [(lead_id, first_rep)] = hand_off(demo, 1, at=NOW - timedelta(days=10))
    tick(demo, now=NOW)

    queue = sla_queue(demo, MANAGER, now=NOW)

    breach = next(b for b in queue.breaches if b.lead_id == lead_id)
    assert (breach.kind, breach.owner_email, breach.stage) == ("accept", first_rep, "mql")
    assert breach.escalated_to is not None
    line = next(line for line in queue.leads if line.id == lead_id)
    assert [(c.kind, c.status) for c in line.clocks] == [("accept", "open"), ("accept", "breached")]
    assert line.deadline is not None
    assert line.deadline.status == "open"
    assert line.owner_email != first_rep  # the SLA hands a breached lead on (reassign: true)
    assert lead_id in [b.lead_id for b in sla_queue(demo, first_rep, now=NOW).breaches]


def test_the_reject_form_offers_the_slas_reasons_in_its_words(demo: Engine) -> None:
    queue = sla_queue(demo, MANAGER, now=NOW)
    assert [(r.id, r.label) for r in queue.reasons][:2] == [
        ("no_budget", "No budget this year"),
        ("bad_timing", "Not buying for 6+ months"),
    ]
    assert queue.reasons[0].consequence == "recycles to nurture after 90 days"
    assert len(queue.reasons) == len(load_sla(packaged_sla_text()).feedback.reasons)


def test_when_any_rep_may_give_the_verdict_a_rep_sees_their_teams_mqls(demo: Engine) -> None:
    handed = hand_off(demo, 8, at=NOW - timedelta(hours=1))
    text = packaged_sla_text().replace("accepted_by: assigned_rep", "accepted_by: any_sales_rep")
    text = text.replace('version: "2025.1"', 'version: "2025.2"')
    signed = {"marketing": "Maria Lopez", "sales": "Sam Okafor"}
    apply_sla(demo, text, effective_from=NOW - timedelta(minutes=30), signed_by=signed, now=NOW - timedelta(minutes=30))
    rep = handed[0][1]
    team = next(line.owner_team for line in sla_queue(demo, MANAGER, now=NOW).leads if line.owner_email == rep)

    queue = sla_queue(demo, rep, now=NOW)

    assert queue.scope.whose == "team"
    assert queue.scope.title == "My team's queue"
    assert {line.owner_team for line in queue.leads} == {team}
    assert all(line.may_judge for line in queue.leads)


# --- a lead as its page shows it ------------------------------------------------------------------------


def test_a_lead_view_puts_the_journey_in_time_order_and_says_who_may_do_what(demo: Engine) -> None:
    [(lead_id, rep)] = hand_off(demo, 1, at=NOW)

    mine = view_lead(demo, lead_id, rep, now=NOW)
    theirs = view_lead(demo, lead_id, MARKETING, now=NOW)

    assert [s.at for s in mine.journey] == sorted(s.at for s in mine.journey)
    assert mine.journey[-1].side == "stage"
    assert mine.journey[-1].what == "lead → mql"
    assert {s.side for s in mine.journey} >= {"marketing", "stage"}
    assert (mine.may_judge, mine.may_work) == (True, True)
    assert (theirs.may_judge, theirs.may_work) == (False, False)
    assert [(c.kind, c.overdue) for c in mine.clocks] == [("accept", False)]
    assert "meeting_held" in mine.activity_kinds
    assert "call" in mine.activity_kinds


def test_only_marketing_may_dispute_a_rejection_and_only_once(demo: Engine) -> None:
    [(lead_id, rep)] = hand_off(demo, 1, at=NOW)
    rejected = leads.reject(demo, lead_id, rep, "bad_timing", at=NOW + timedelta(minutes=1), note="Q3 at the earliest")
    assert rejected.feedback_id is not None

    before = recent_rejections(demo, MARKETING, now=NOW + timedelta(minutes=2))
    line = next(r for r in before.rejections if r.entry.id == rejected.feedback_id)
    assert (line.reason_label, line.may_dispute, line.entry.note) == (
        "Not buying for 6+ months",
        True,
        "Q3 at the earliest",
    )
    assert not next(
        r for r in recent_rejections(demo, ADMIN, now=NOW).rejections if r.entry.id == line.entry.id
    ).may_dispute
    assert view_lead(demo, lead_id, MARKETING, now=NOW).disputable == {rejected.feedback_id}
    assert view_lead(demo, lead_id, rep, now=NOW).disputable == frozenset()

    leads.dispute(demo, rejected.feedback_id, MARKETING, "They asked for pricing twice", at=NOW + timedelta(minutes=3))

    after = recent_rejections(demo, MARKETING, now=NOW + timedelta(minutes=4))
    line = next(r for r in after.rejections if r.entry.id == rejected.feedback_id)
    assert not line.may_dispute
    assert rejected.feedback_id in [d.entry.id for d in after.open_disputes]
    assert rejected.feedback_id not in [d.entry.id for d in after.settled_disputes]
    assert view_lead(demo, lead_id, MARKETING, now=NOW).disputable == frozenset()
