"""Tiny hand-made tables for the metrics' tests: a few leads whose numbers can be worked out by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.store.engine import writing
from revbridge.store.tables import (
    CampaignRow,
    CampaignSpendRow,
    FeedbackRow,
    LeadRow,
    LeadScoreRow,
    ObligationRow,
    OpportunityContactRow,
    OpportunityRow,
    QuotaRow,
    StageTransitionRow,
    TeamRow,
    TouchpointRow,
    UserRow,
)


def at(day: str, hour: int = 9) -> datetime:
    """``"01-05"`` → 2026-01-05 09:00 UTC."""
    month, dom = day.split("-")
    return datetime(2026, int(month), int(dom), hour, tzinfo=UTC)


def add(engine: Engine, table: Any, rows: Iterable[Mapping[str, Any]]) -> None:
    with writing(engine).begin() as conn:
        for row in rows:  # one by one: rows may name different columns
            conn.execute(sa.insert(table), [row])


SCORES = ("fit_score", "engagement_score", "score")  # given with the lead, stored beside it (lead_scores)


def leads(engine: Engine, people: Mapping[int, Mapping[str, Any]]) -> None:
    """Leads by id, with any other columns given (its scores too)."""
    add(
        engine,
        LeadRow,
        [
            {"id": i, "source": "test", "external_id": str(i), "stage": "lead"}
            | {k: v for k, v in cols.items() if k not in SCORES}
            for i, cols in people.items()
        ],
    )
    scored = [
        {"lead_id": i, "scored_at": at("01-01")} | {k: float(cols.get(k, 0.0)) for k in SCORES}
        for i, cols in people.items()
        if any(k in cols for k in SCORES)
    ]
    add(engine, LeadScoreRow, scored)


def journeys(engine: Engine, steps: Mapping[int, Iterable[tuple[str, datetime]]]) -> None:
    """Each lead's stages in order, as the transition log records them (``from_stage`` the one before)."""
    rows = []
    for lead, path in steps.items():
        before = None
        for stage, when in path:
            rows.append(
                {
                    "lead_id": lead,
                    "from_stage": before,
                    "to_stage": stage,
                    "at": when,
                    "actor": "test",
                    "source": "test",
                }
            )
            before = stage
    add(engine, StageTransitionRow, rows)


def campaigns(engine: Engine, named: Mapping[int, tuple[str, str | None]]) -> None:
    add(engine, CampaignRow, [{"id": i, "name": n, "channel": c} for i, (n, c) in named.items()])


def users(engine: Engine, people: Mapping[int, tuple[str, str]]) -> None:
    add(engine, UserRow, [{"id": i, "email": e, "name": e, "role": r} for i, (e, r) in people.items()])


def five_leads(engine: Engine) -> None:
    """L1 goes all the way (Jan → customer in March). L2 is rejected to nurture and qualifies again in
    February. L3 stays a lead. L4 is disqualified. L5 was imported straight in as an SQL. L1 and L2 came
    from a webinar campaign, L3 from a referral, L4 and L5 with no source at all. Every step at 09:00."""
    campaigns(engine, {1: ("Spring webinar", "webinar")})
    leads(engine, {1: {"campaign_id": 1}, 2: {"campaign_id": 1}, 3: {"lead_source": "referral"}, 4: {}, 5: {}})
    journeys(
        engine,
        {
            1: [("lead", at("01-05")), ("mql", at("01-06")), ("sal", at("01-07")), ("sql", at("01-20")),
                ("opportunity", at("02-01")), ("customer", at("03-01"))],
            2: [("lead", at("01-10")), ("mql", at("01-11")), ("nurture", at("01-12")), ("mql", at("02-15")),
                ("sal", at("02-16"))],
            3: [("lead", at("01-20"))],
            4: [("lead", at("02-03")), ("mql", at("02-04")), ("disqualified", at("02-05"))],
            5: [("sql", at("02-10"))],
        },
    )  # fmt: skip


def clocks(engine: Engine) -> None:
    """Four MQLs and their SLA clocks; at ``at("01-10")``:

    L1 (Ana): accepted in time, touched in time. L2 (Ana): routed two hours late, accepted late, never
    touched. L3: Bo let the accept clock run out, it escalated and went to Ana, who lets it run out too:
    still an MQL, slipping through the cracks. L4 (Bo): its clock runs until the 12th; a cancelled one.
    """
    users(engine, {1: ("ana@nw.com", "sales"), 2: ("bo@nw.com", "sales")})
    leads(
        engine,
        {1: {"stage": "sal"}, 2: {"stage": "sal"}, 3: {"stage": "mql", "email": "l3@acme.com"}, 4: {"stage": "mql"}},
    )
    journeys(
        engine,
        {1: [("mql", at("01-05"))], 2: [("mql", at("01-05"))], 3: [("mql", at("01-06"))], 4: [("mql", at("01-07"))]},
    )
    ana, bo = 1, 2
    rows = [
        (1, "accept", ana, at("01-05", 9), at("01-05", 13), "met", at("01-05", 10), None),
        (1, "first_touch", ana, at("01-05", 10), at("01-05", 11), "met", at("01-05", 10) + timedelta(minutes=30), None),
        (2, "accept", ana, at("01-05", 11), at("01-05", 15), "met", at("01-05", 16), None),
        (2, "first_touch", ana, at("01-05", 16), at("01-05", 17), "open", None, None),
        (3, "accept", bo, at("01-06", 9), at("01-06", 13), "breached", at("01-06", 13), at("01-06", 13)),
        (3, "accept", ana, at("01-06", 13), at("01-06", 17), "open", None, None),
        (4, "accept", bo, at("01-07", 9), at("01-12", 9), "open", None, None),
        (4, "attempts", bo, at("01-07", 9), at("01-12", 9), "cancelled", at("01-08", 9), None),
    ]
    add(
        engine,
        ObligationRow,
        [
            {"lead_id": lead, "kind": kind, "team": "sales", "owner_id": owner, "opened_at": opened, "due_at": due,
             "status": status, "closed_at": closed, "escalated_at": escalated}
            for lead, kind, owner, opened, due, status, closed, escalated in rows
        ],
    )  # fmt: skip


def verdicts(engine: Engine) -> None:
    """Six MQLs from two campaigns and sales' verdicts on them in January.

    Webinar (channel webinar): L1 accepted (5), L2 accepted (4), L3 rejected bad_fit (2) with a note,
    disputed and overturned. Ads (paid_search): L4 rejected bad_fit (1) with a note, disputed and
    upheld; L5 rejected no_budget, disputed, open; L6 rejected bad_fit, no rating, no note; a verdict in
    March on L1 (accepted again) falls outside January.
    """
    users(engine, {1: ("ana@nw.com", "sales"), 2: ("maria@nw.com", "marketing")})
    campaigns(engine, {1: ("Spring webinar", "webinar"), 2: ("Search ads", "paid_search")})
    leads(
        engine,
        {
            1: {"campaign_id": 1, "score": 85.0}, 2: {"campaign_id": 1, "score": 65.0},
            3: {"campaign_id": 1, "score": 61.0}, 4: {"campaign_id": 2, "score": 90.0},
            5: {"campaign_id": 2, "score": 45.0}, 6: {"campaign_id": 2, "score": 20.0},
        },
    )  # fmt: skip
    rows = [
        (1, "accept", None, 5, None, at("01-05"), None, None),
        (2, "accept", None, 4, "", at("01-06"), None, None),
        (3, "reject", "bad_fit", 2, "Student, no budget.", at("01-07"), at("01-08"), "overturned"),
        (4, "reject", "bad_fit", 1, "Competitor doing research.", at("01-08"), at("01-09"), "upheld"),
        (5, "reject", "no_budget", None, None, at("01-09"), at("01-10"), None),
        (6, "reject", "bad_fit", None, None, at("01-10"), None, None),
        (1, "accept", None, 3, "Back again.", at("03-01"), None, None),
    ]
    add(
        engine,
        FeedbackRow,
        [
            {"lead_id": lead, "user_id": 1, "verdict": verdict, "reason": reason, "rating": rating, "note": note,
             "at": when, "disputed_at": disputed, "disputed_by": 2 if disputed else None,
             "dispute_note": "We think it fits." if disputed else None, "dispute_outcome": outcome}
            for lead, verdict, reason, rating, note, when, disputed, outcome in rows
        ],
    )  # fmt: skip


def deals(engine: Engine) -> None:
    """Ana and Bo (team ``ae``) and five opportunities.

    O1 Ana 100, Jan 1 → won Jan 31 (30 days), lead 1 (webinar). O2 Ana 50, Jan 10 → lost Feb 9, lead 2
    (search ads). O3 Bo 200, Jan 5 → won Mar 6 (60 days), leads 2 and 3 (search ads). O4 Bo 80, open in
    proposal, lead 3. O5 Ana 20, open in discovery, no contact. Quotas: Ana 500 and Bo 400 for Q1 2026,
    Ana 300 for Q4 2025. Spend: webinar 1,000 on Jan 10; search ads 600 on Jan 11 and 400 on Feb 11.
    Leads 1–3 arrived on Jan 1–3; leads 1 and 2 became customers on Feb 1 and Mar 6. E-mails: three
    sent, two opened, one clicked.
    """
    add(engine, TeamRow, [{"id": 1, "name": "ae", "kind": "sales"}])
    add(
        engine,
        UserRow,
        [
            {"id": i, "email": e, "name": e, "role": "sales", "team_id": 1}
            for i, e in ((1, "ana@nw.com"), (2, "bo@nw.com"))
        ],
    )
    campaigns(engine, {1: ("Spring webinar", "webinar"), 2: ("Search ads", "paid_search")})
    arrived = {1: at("01-01"), 2: at("01-02"), 3: at("01-03")}
    leads(engine, {i: {"campaign_id": 1 if i == 1 else 2, "created_at": arrived[i]} for i in arrived})
    journeys(
        engine,
        {1: [("lead", at("01-01")), ("customer", at("02-01"))], 2: [("lead", at("01-02")), ("customer", at("03-06"))]},
    )
    opportunities = [
        (1, 1, 100.0, "closed_won", at("01-01"), at("01-31"), True),
        (2, 1, 50.0, "closed_lost", at("01-10"), at("02-09"), False),
        (3, 2, 200.0, "closed_won", at("01-05"), at("03-06"), True),
        (4, 2, 80.0, "proposal", at("02-01"), None, None),
        (5, 1, 20.0, "discovery", at("02-15"), None, None),
    ]
    add(
        engine,
        OpportunityRow,
        [
            {"id": i, "source": "test", "external_id": f"o{i}", "owner_id": owner, "amount": amount, "stage": stage,
             "created_at": created, "closed_at": closed, "won": won}
            for i, owner, amount, stage, created, closed, won in opportunities
        ],
    )  # fmt: skip
    add(
        engine,
        OpportunityContactRow,
        [{"opportunity_id": o, "lead_id": lead} for o, lead in ((1, 1), (2, 2), (3, 3), (3, 2), (4, 3))],
    )
    add(
        engine,
        QuotaRow,
        [
            {"user_id": 1, "period_start": date(2026, 1, 1), "period_end": date(2026, 3, 31), "amount": 500.0},
            {"user_id": 2, "period_start": date(2026, 1, 1), "period_end": date(2026, 3, 31), "amount": 400.0},
            {"user_id": 1, "period_start": date(2025, 10, 1), "period_end": date(2025, 12, 31), "amount": 300.0},
        ],
    )
    spend = [(1, date(2026, 1, 10), 1000.0), (2, date(2026, 1, 11), 600.0), (2, date(2026, 2, 11), 400.0)]
    add(engine, CampaignSpendRow, [{"campaign_id": c, "day": d, "amount": a, "source": "test"} for c, d, a in spend])
    touches = [
        (1, "email_sent"),
        (1, "email_open"),
        (1, "email_click"),
        (2, "email_sent"),
        (2, "email_open"),
        (3, "email_sent"),
    ]
    rows = [
        {
            "lead_id": lead,
            "source": "test",
            "external_id": f"t{n}",
            "type": kind,
            "channel": "email",
            "occurred_at": at("01-12"),
        }
        for n, (lead, kind) in enumerate(touches)
    ]
    rows.append(
        {
            "lead_id": 1,
            "source": "test",
            "external_id": "web",
            "type": "page_view",
            "channel": "direct",
            "occurred_at": at("01-13"),
        }
    )
    add(engine, TouchpointRow, rows)


def drift(engine: Engine) -> None:
    """Marketing sends more while sales accepts less; at ``at("03-01")``:

    The four weeks to Feb 1: 20 MQLs (scored 70), and 40 verdicts with 30 accepted (20 on them, 16
    accepted; 20 on older leads 101–120, also scored 70, 14 accepted). The four weeks to Mar 1: 30 MQLs
    and 25 verdicts, 15 accepted: "Search ads" 12 of them (scored 90), 5 accepted and 7 rejected as
    bad_fit; the webinar's scored 90 accepted 5 of 8 (3 no_budget), those scored 70 all 5. So the band
    80–100 is accepted 10 times in 20, the band 60–80 35 times in 45.
    """
    campaigns(engine, {1: ("Spring webinar", "webinar"), 2: ("Search ads", "paid_search")})
    people: dict[int, dict[str, Any]] = {}
    steps: dict[int, list[tuple[str, datetime]]] = {}
    verdict_rows: list[dict[str, Any]] = []

    def mql(lead: int, when: datetime, campaign: int, score: float, verdict: str | None, reason: str | None) -> None:
        people[lead] = {"campaign_id": campaign, "score": score}
        steps[lead] = [("mql", when)]
        if verdict is not None:
            verdict_rows.append({"lead_id": lead, "verdict": verdict, "reason": reason, "at": when})

    for n in range(20):
        mql(1 + n, at("01-05") + timedelta(hours=n), 1, 70.0, "accept" if n < 16 else "reject", None)
    for n in range(30):
        when = at("02-02") + timedelta(hours=n)
        if n < 12:
            mql(21 + n, when, 2, 90.0, "accept" if n < 5 else "reject", None if n < 5 else "bad_fit")
        elif n < 20:
            mql(21 + n, when, 1, 90.0, "accept" if n < 17 else "reject", None if n < 17 else "no_budget")
        elif n < 25:
            mql(21 + n, when, 1, 70.0, "accept", None)
        else:
            mql(21 + n, when, 1, 70.0, None, None)  # no verdict yet
    for n in range(20):  # older leads: verdicts in January, no MQL in the windows
        people[101 + n] = {"campaign_id": 1, "score": 70.0}
        verdict_rows.append(
            {"lead_id": 101 + n, "verdict": "accept" if n < 14 else "reject", "reason": None, "at": at("01-20")}
        )
    leads(engine, people)
    journeys(engine, steps)
    add(engine, FeedbackRow, [{"user_id": None, **row} for row in verdict_rows])


def two_teams(engine: Engine) -> None:
    """``five_leads``, owned by two teams: Ana (east) has L1 and L2, Bo (west) L3, L4 and L5."""
    five_leads(engine)
    add(engine, TeamRow, [{"id": 1, "name": "east", "kind": "sales"}, {"id": 2, "name": "west", "kind": "sales"}])
    add(
        engine,
        UserRow,
        [{"id": 1, "email": "ana@nw.com", "name": "Ana", "role": "sales", "team_id": 1},
         {"id": 2, "email": "bo@nw.com", "name": "Bo", "role": "sales", "team_id": 2}],
    )  # fmt: skip
    with writing(engine).begin() as conn:
        for lead, owner in ((1, 1), (2, 1), (3, 2), (4, 2), (5, 2)):
            conn.execute(sa.update(LeadRow).where(LeadRow.id == lead).values(owner_id=owner))
