"""The rest of the JSON API over ASGI, on both databases: pages and their cursors, activities, moving
leads on, opportunities, spend, goals, SLA versions and metrics; and every endpoint called by every
role (admin, marketing, sales, viewer, a read-only token, no token) with the status each gets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.analytics.catalogue import CATALOGUE
from revbridge.analytics.overview import metrics as overview_metrics
from revbridge.api.app import create_app
from revbridge.services.api_tokens import make_token
from revbridge.services.leads import accept, dispute, reject
from revbridge.store.engine import writing
from revbridge.store.tables import AuditRow, CampaignRow, GoalRow, LeadRow, OpportunityContactRow, OpportunityRow
from tests.api.test_api import PROBLEM, Client
from tests.services.lead_world import ADA, ANA, BO, EXAMPLE, MARIA, MIA, MONDAY, VIC, build, make_mql

LATER = MONDAY + timedelta(hours=1)
NEW_SLA = EXAMPLE.read_text(encoding="utf-8").replace("accept_within: 4h business ", "accept_within: 2h business ")


@dataclass
class World:
    """Leads 1–7 are MQLs routed in turn to Ana and Bo (odd leads Ana's). Bo rejected lead 2 and Maria
    disputed it (feedback 1); Ana rejected lead 3 (feedback 2); Bo accepted lead 4 and Ana lead 5 (SALs).
    Goal 1 is sales' alone. Tokens: a person of each role, ``read`` the admin's read-only token."""

    engine: Engine
    client: Client
    tokens: dict[str | None, str | None]

    def as_(self, who: str | None) -> Client:
        return self.client.as_(self.tokens.get(who, who))


@pytest.fixture
def world(engine: Engine) -> World:
    contract = build(engine, leads=7)
    owners = [make_mql(engine, lead_id, contract) for lead_id in range(1, 8)]
    assert owners == [ANA, BO, ANA, BO, ANA, BO, ANA]
    reject(engine, 2, BO, "no_budget", at=LATER)
    dispute(engine, 1, MARIA, "They asked for pricing twice.", at=LATER)
    reject(engine, 3, ANA, "no_budget", at=LATER)
    accept(engine, 4, BO, at=LATER)
    accept(engine, 5, ANA, at=LATER)
    with writing(engine).begin() as conn:
        conn.execute(
            sa.insert(GoalRow).values(
                name="Sales' SALs", metric="sals", target=5, period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 31), teams="sales", filters={},
            )
        )  # fmt: skip
    people = {"admin": ADA, "marketing": MARIA, "sales": ANA, "viewer": VIC, "manager": MIA}
    tokens: dict[str | None, str | None] = {
        role: make_token(engine, email=email, name="test").token for role, email in people.items()
    }
    tokens["read"] = make_token(engine, email=ADA, name="reader", scopes=["read"]).token
    tokens[None] = None
    return World(engine, Client(create_app(engine)), tokens)


def items_of(client: Client, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a listing, page by page, following ``next``."""
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        answer = client.get(url, params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) == {"items", "next"}
        found += body["items"]
        cursor = body["next"]
        if cursor is None:
            return found
        assert len(body["items"]) == params.get("limit", 50)
    raise AssertionError("a listing that never ends")


# --- pages and filters ----------------------------------------------------------------------------------


def test_pages_of_leads_hold_every_lead_once_in_order(world: World) -> None:
    admin = world.as_("admin")
    whole = admin.get("/api/leads", params={"limit": 500}).json()
    assert whole["next"] is None
    assert sorted(lead["id"] for lead in whole["items"]) == [1, 2, 3, 4, 5, 6, 7]
    for limit in (1, 2, 3, 7):
        paged = items_of(admin, "/api/leads", limit=limit)
        assert [lead["id"] for lead in paged] == [lead["id"] for lead in whole["items"]]
    first = admin.get("/api/leads", params={"limit": 7}).json()
    assert first["next"] is None  # exactly a page full: no empty page after it


def test_leads_are_filtered_by_stage_owner_stage_change_campaign_and_source(world: World) -> None:
    admin = world.as_("admin")
    with writing(world.engine).begin() as conn:
        campaign = conn.execute(sa.insert(CampaignRow).values(name="Spring webinar").returning(CampaignRow.id))
        conn.execute(sa.update(LeadRow).where(LeadRow.id.in_([6, 7])).values(campaign_id=campaign.scalar_one()))
        conn.execute(sa.update(LeadRow).where(LeadRow.id == 7).values(lead_source="Webinar"))

    def ids(**params: Any) -> list[int]:
        return sorted(lead["id"] for lead in items_of(admin, "/api/leads", **params))

    assert ids(stage="sal") == [4, 5]
    assert ids(stage="mql", owner=ANA) == [1, 7]
    assert ids(stage="nurture") == [2, 3]
    assert ids(campaign="Spring webinar") == [6, 7]
    assert ids(source="Webinar") == [7]
    assert ids(since=LATER.isoformat()) == [2, 3, 4, 5]  # their stage changed at LATER, the others' at MONDAY
    assert ids(until=LATER.isoformat()) == [1, 6, 7]
    assert ids(campaign="Nothing like it") == []
    unknown = admin.get("/api/leads", params={"owner": "nobody@nw.com"})
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, PROBLEM)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0", "W10"])
def test_a_cursor_not_of_this_listing_is_a_problem_naming_it(world: World, cursor: str) -> None:
    answer = world.as_("viewer").get("/api/leads", params={"cursor": cursor})
    assert (answer.status_code, answer.headers["content-type"]) == (422, PROBLEM)
    assert answer.json()["errors"][0]["field"] == "query.cursor"


def test_limits_and_moments_are_checked_at_the_edge(world: World) -> None:
    viewer = world.as_("viewer")
    assert viewer.get("/api/leads", params={"limit": 501}).json()["errors"][0]["field"] == "query.limit"
    naive = viewer.get("/api/activities", params={"since": "2026-03-02T10:00:00"})
    assert naive.json()["errors"][0]["field"] == "query.since"
    ancient = viewer.get("/api/leads", params={"until": "0001-01-01T00:00:00+05:00"})
    assert "between the years 1900 and 2999" in ancient.json()["errors"][0]["message"]
    assert viewer.get("/api/leads/99999999999999999999").status_code == 422


@pytest.mark.parametrize(
    ("touch", "field"),
    [
        ({"source": "we\x00b"}, "body.touchpoints[0].source"),
        ({"properties": {"utm": ["a", {"b": "\x00"}]}}, "body.touchpoints[0].properties"),
        ({"properties": {"score": float("nan")}}, "body.touchpoints[0].properties"),
        ({"occurred_at": "0001-01-01T00:00:00+05:00"}, "body.touchpoints[0].occurred_at"),
    ],
)
def test_what_a_database_cannot_store_is_refused_naming_the_field(
    world: World, touch: dict[str, Any], field: str
) -> None:
    sent = {"source": "web", "external_id": "t1", "type": "page_view", "occurred_at": "2026-03-02T10:00:00Z",
            "lead_email": "p1@acme.com", **touch}  # fmt: skip
    raw = json.dumps({"touchpoints": [sent]})  # NaN as JavaScript writes it, which Python's JSON reads
    answer = world.as_("marketing").post("/api/touchpoints", content=raw, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.headers["content-type"]) == (422, PROBLEM)
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert world.as_("sales").post("/api/leads/1/reject", json={"reason": "no_\x00budget"}).status_code == 422


# --- activities -----------------------------------------------------------------------------------------


def test_sales_logs_an_activity_as_itself_and_it_is_listed(world: World) -> None:
    ana = world.as_("sales")
    body = {"lead_id": 5, "kind": "call", "outcome": "connected", "external_id": "call-1"}
    logged = ana.post("/api/activities", json={**body, "occurred_at": (LATER + timedelta(hours=1)).isoformat()})
    assert logged.status_code == 200, logged.text
    done = logged.json()
    assert (done["by"], done["action"], done["activity_id"], done["replayed"]) == (ANA, "activity", "call-1", False)
    assert {c["kind"]: c["change"] for c in done["clocks"]}["first_touch"] == "met"
    again = ana.post("/api/activities", json=body).json()
    assert again["replayed"] is True
    ana.post("/api/activities", json={"lead_id": 1, "kind": "email"})
    listed = items_of(world.as_("viewer"), "/api/activities", limit=1)
    assert [(a["lead_id"], a["kind"], a["by"]) for a in listed] == [(1, "email", ANA), (5, "call", ANA)]
    assert [a["outcome"] for a in items_of(ana, "/api/activities", lead_id=5)] == ["connected"]
    assert [a["lead_id"] for a in items_of(ana, "/api/activities", kind="email")] == [1]
    assert [a["lead_id"] for a in items_of(ana, "/api/activities", by=ANA, owner=ANA)] == [1, 5]
    assert items_of(ana, "/api/activities", owner=BO) == []
    assert [a["lead_id"] for a in items_of(ana, "/api/activities", until=(LATER + timedelta(hours=2)).isoformat())] == [
        5
    ]


def test_an_activity_on_an_unknown_lead_is_not_found_and_a_blank_kind_is_refused(world: World) -> None:
    ana = world.as_("sales")
    assert ana.post("/api/activities", json={"lead_id": 99, "kind": "call"}).status_code == 404
    blank = ana.post("/api/activities", json={"lead_id": 1, "kind": ""})
    assert blank.json()["errors"][0]["field"] == "body.kind"


# --- moving leads on, opportunities ---------------------------------------------------------------------


def test_sales_moves_a_lead_on_as_the_sla_allows_and_marks_a_deal_lost(world: World) -> None:
    ana = world.as_("sales")
    to_sql = ana.post("/api/leads/5/advance", json={"to": "sql", "reason": "Budget confirmed"})
    assert to_sql.status_code == 200, to_sql.text
    assert (to_sql.json()["from_stage"], to_sql.json()["stage"]) == ("sal", "sql")
    assert ana.post("/api/leads/5/advance", json={"to": "opportunity"}).json()["stage"] == "opportunity"
    skipped = ana.post("/api/leads/4/advance", json={"to": "customer"})
    assert (skipped.status_code, skipped.headers["content-type"]) == (422, PROBLEM)
    assert "sql" in skipped.json()["detail"]
    lost = ana.post("/api/leads/5/lost", json={"reason": "Chose a competitor", "disqualify": True})
    assert lost.json()["stage"] == "disqualified"
    story = ana.get("/api/leads/5").json()
    assert [t["to_stage"] for t in story["transitions"]][-3:] == ["sql", "opportunity", "disqualified"]


def test_opportunities_are_listed_with_their_status_owner_and_leads(world: World) -> None:
    with writing(world.engine).begin() as conn:
        ana_id = conn.execute(sa.text("SELECT id FROM users WHERE email = :e"), {"e": ANA}).scalar_one()
        rows = [
            {"name": "Acme platform", "won": True, "closed_at": LATER, "stage": "Closed Won", "owner_id": ana_id},
            {"name": "Acme add-on", "won": False, "closed_at": LATER, "stage": "Closed Lost", "lost_reason": "price"},
            {"name": "Beta", "won": None, "closed_at": None, "stage": "Proposal", "owner_id": ana_id},
            {"name": "Gamma", "won": None, "closed_at": LATER, "stage": "Closed"},
        ]
        for n, row in enumerate(rows, start=1):
            conn.execute(
                sa.insert(OpportunityRow).values(
                    source="crm", external_id=f"o{n}", amount=1000.0 * n, created_at=MONDAY + timedelta(days=n), **row
                )
            )
        conn.execute(
            sa.insert(OpportunityContactRow), [{"opportunity_id": 1, "lead_id": 5}, {"opportunity_id": 1, "lead_id": 1}]
        )
    viewer = world.as_("viewer")
    listed = items_of(viewer, "/api/opportunities", limit=3)
    assert [(o["name"], o["status"]) for o in listed] == [
        ("Gamma", "lost"), ("Beta", "open"), ("Acme add-on", "lost"), ("Acme platform", "won"),
    ]  # fmt: skip
    assert listed[3]["lead_ids"] == [1, 5]
    assert listed[3]["owner"] == ANA
    assert [o["name"] for o in items_of(viewer, "/api/opportunities", status="open")] == ["Beta"]
    assert [o["name"] for o in items_of(viewer, "/api/opportunities", owner=ANA)] == ["Beta", "Acme platform"]
    assert [o["name"] for o in items_of(viewer, "/api/opportunities", stage="Closed Lost")] == ["Acme add-on"]
    since = (MONDAY + timedelta(days=3)).isoformat()
    assert [o["name"] for o in items_of(viewer, "/api/opportunities", since=since)] == ["Gamma", "Beta"]
    assert viewer.get("/api/opportunities", params={"status": "maybe"}).status_code == 422


# --- spend ----------------------------------------------------------------------------------------------


def test_spend_is_stored_once_per_campaign_day_and_source_and_listed(world: World) -> None:
    maria = world.as_("marketing")
    rows = [
        {"day": f"2026-03-0{d}", "campaign": c, "channel": ch, "amount": 100.0 * d}
        for d in (1, 2, 3)
        for c, ch in (("Spring webinar", "events"), ("Search brand", "paid_search"))
    ]
    first = maria.post("/api/spend", json={"rows": rows})
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 6, "created": 6, "updated": 0, "unchanged": 0}
    rows[0]["amount"] = 150.0
    assert maria.post("/api/spend", json={"rows": rows}).json() == {
        "received": 6, "created": 0, "updated": 1, "unchanged": 5,
    }  # fmt: skip
    listed = items_of(maria, "/api/spend", limit=4)
    assert [(s["day"], s["campaign"]) for s in listed][:2] == [
        ("2026-03-03", "Search brand"),
        ("2026-03-03", "Spring webinar"),
    ]
    assert len(listed) == 6
    webinar = items_of(maria, "/api/spend", campaign="Spring webinar")
    assert [(s["day"], s["amount"], s["channel"], s["source"]) for s in webinar] == [
        ("2026-03-03", 300.0, "events", "api"), ("2026-03-02", 200.0, "events", "api"),
        ("2026-03-01", 150.0, "events", "api"),
    ]  # fmt: skip
    window = items_of(maria, "/api/spend", channel="paid_search", since="2026-03-02", until="2026-03-03")
    assert [(s["day"], s["amount"]) for s in window] == [("2026-03-02", 200.0)]
    negative = maria.post("/api/spend", json={"rows": [{**rows[0], "amount": -5}]})
    assert negative.json()["errors"][0]["field"] == "body.rows[0].amount"


# --- goals ----------------------------------------------------------------------------------------------


def goal(teams: list[str], **more: Any) -> dict[str, Any]:
    return {
        "name": "More MQLs", "metric": "mqls", "target": 10, "period_start": "2026-03-01",
        "period_end": "2026-03-31", "teams": teams, **more,
    }  # fmt: skip


def test_goals_are_set_by_their_team_or_an_admin_and_show_their_progress(world: World) -> None:
    maria, ana, admin = world.as_("marketing"), world.as_("sales"), world.as_("admin")
    own = maria.post("/api/goals", json=goal(["marketing"]))
    assert (own.status_code, own.json()) == (201, {"id": 2})
    shared = maria.post("/api/goals", json=goal(["marketing", "sales"]))
    assert (shared.status_code, shared.headers["content-type"]) == (403, PROBLEM)
    assert "set or removed by an admin" in shared.json()["detail"]
    assert admin.post("/api/goals", json=goal(["marketing", "sales"], name="Shared")).json() == {"id": 3}
    unsmart = admin.post("/api/goals", json=goal(["sales"], metric="vibes", target=0))
    assert unsmart.status_code == 422
    assert "metric: 'vibes' is not a measure" in unsmart.json()["detail"]
    assert "target: must be above 0" in unsmart.json()["detail"]
    listed = items_of(ana, "/api/goals", limit=2, at="2026-03-16T12:00:00Z")
    assert [(g["id"], g["teams"]) for g in listed] == [(1, ["sales"]), (2, ["marketing"]), (3, ["marketing", "sales"])]
    march = listed[1]
    assert (march["metric"], march["target"], march["period_end"]) == ("mqls", 10.0, "2026-03-31")
    assert march["progress"] == 7.0  # the seven MQLs of MONDAY, 2 March
    assert march["elapsed"] == pytest.approx((15.5) / 31)
    assert march["on_track"] is True
    assert maria.request("DELETE", "/api/goals/1").status_code == 403  # sales' goal
    assert ana.request("DELETE", "/api/goals/1").status_code == 204
    assert ana.request("DELETE", "/api/goals/1").status_code == 404
    assert [g["id"] for g in items_of(ana, "/api/goals")] == [2, 3]


# --- SLA versions ---------------------------------------------------------------------------------------


def test_sla_versions_are_read_compared_in_words_and_applied_by_admins(world: World) -> None:
    admin, viewer = world.as_("admin"), world.as_("viewer")
    [first] = items_of(viewer, "/api/sla/versions")
    assert (first["version"], first["in_force"]) == (1, True)
    assert first["signed_by"] == {"marketing": "Maria Lopez", "sales": "Sam Okafor"}
    assert viewer.get("/api/sla/versions/1").json()["text"] == EXAMPLE.read_text(encoding="utf-8")
    missing = viewer.get("/api/sla/versions/9")
    assert (missing.status_code, missing.json()["detail"]) == (404, "no SLA version 9; stored versions: 1")
    body = {"text": NEW_SLA, "effective_from": "2026-04-01T00:00:00Z", "signed_by": {"marketing": "M", "sales": "S"}}
    refused = world.as_("marketing").post("/api/sla/versions", json=body)
    assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)
    assert "only admin may apply sla" in refused.json()["detail"]
    applied = admin.post("/api/sla/versions", json=body)
    assert applied.status_code == 201, applied.text
    assert (applied.json()["version"], applied.json()["signed_by"]) == (2, {"marketing": "M", "sales": "S"})
    assert [v["in_force"] for v in items_of(viewer, "/api/sla/versions", limit=1)] == [False, True]
    changes = viewer.get("/api/sla/diff", params={"from": 1, "to": 2}).json()["changes"]
    assert [(c["path"], c["kind"]) for c in changes] == [("clocks.accept_within", "changed")]
    assert changes[0]["change"] == "Accept deadline: 4 business hours → 2 business hours"
    assert viewer.get("/api/sla/diff", params={"from": 1, "to": "current"}).json()["changes"] == changes  # 2 now
    again = admin.post("/api/sla/versions", json=body)
    assert (again.status_code, again.json()["title"]) == (422, "SlaUnchanged")
    with writing(world.engine).begin() as conn:
        audited = conn.execute(sa.select(AuditRow.action, AuditRow.subject, AuditRow.status)).all()
    assert ("POST /api/sla/versions", "SLA version 2", 201) in audited


def test_a_wrong_sla_is_refused_with_every_error_and_its_path(world: World) -> None:
    wrong = NEW_SLA.replace("accept_within: 2h business", "accept_within: soon").replace(
        "mql: fit >= 30 and engagement >= 40", "mql: fit >= thirty"
    )
    body = {"text": wrong, "effective_from": "2026-04-01T00:00:00Z", "signed_by": {"marketing": "M", "sales": "S"}}
    answer = world.as_("admin").post("/api/sla/versions", json=body)
    assert (answer.status_code, answer.headers["content-type"]) == (422, PROBLEM)
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"clocks.accept_within", "qualification.mql"} <= fields
    assert all(e["line"] for e in answer.json()["errors"])
    unsigned = world.as_("admin").post("/api/sla/versions", json={**body, "text": NEW_SLA, "signed_by": {"sales": "S"}})
    assert "missing a signature for marketing" in unsigned.json()["detail"]


# --- metrics --------------------------------------------------------------------------------------------


def test_every_metric_of_the_overview_is_listed_with_its_definition(world: World) -> None:
    listed = world.as_("viewer").get("/api/metrics").json()
    names = [m["name"] for m in listed]
    now = datetime.now(UTC)
    assert set(names) == {*overview_metrics(("lead",), None, now=now), "attribution"}  # type: ignore[arg-type]
    acceptance = next(m for m in listed if m["name"] == "acceptance")
    assert acceptance["definition"].startswith("The feedback loop: what sales said about marketing's leads")
    assert acceptance["parameters"] == ["since", "until", "by"]
    assert "campaign" in acceptance["by"]


def test_each_metric_answers_its_rows(world: World) -> None:
    viewer = world.as_("viewer")
    answers = {name: viewer.get(f"/api/metrics/{name}") for name in CATALOGUE}
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(CATALOGUE, 200)
    rows = {name: a.json()["rows"] for name, a in answers.items()}
    assert [(r["team"], r["commitment"]) for r in rows["scorecard"]] == [
        ("marketing", "mql_volume"), ("marketing", "sal_acceptance_rate"), ("sales", "acceptance_speed"),
        ("sales", "follow_up_compliance"), ("sales", "sql_to_opportunity_rate"),
    ]  # fmt: skip
    assert {(r["id"], r["metric"]) for r in rows["goals"]} == {(1, "sals")}
    assert {r["stage"]: r["in_stage"] for r in rows["stalled"]}["mql"] == 3  # leads 1, 6 and 7 are still MQLs
    assert sum(r["rejections"] for r in rows["rejection_reasons"]) == 2


def test_a_metric_is_computed_as_asked_and_refuses_what_it_does_not_take(world: World) -> None:
    viewer = world.as_("viewer")
    acceptance = viewer.get("/api/metrics/acceptance", params={"by": "owner"}).json()
    by_owner = {row["owner"]: (row["verdicts"], row["accepted"], row["rejected"]) for row in acceptance["rows"]}
    assert by_owner == {ANA: (2, 1, 1), BO: (2, 1, 1)}
    empty = viewer.get("/api/metrics/acceptance", params={"since": "2027-01-01T00:00:00Z"}).json()
    assert empty["rows"] == [] or all(row["verdicts"] == 0 for row in empty["rows"])
    wrong = viewer.get("/api/metrics/stalled", params={"by": "owner"})
    assert (wrong.status_code, wrong.json()["detail"]) == (422, "stalled does not take by; it takes at")
    sliced = viewer.get("/api/metrics/compliance", params={"by": "channel"})
    assert "use one of team, owner, kind" in sliced.json()["detail"]
    backwards = viewer.get(
        "/api/metrics/funnel_cohorts", params={"since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"}
    )
    assert backwards.status_code == 422
    unknown = viewer.get("/api/metrics/happiness")
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, PROBLEM)
    assert "acceptance, rejection_reasons" in unknown.json()["detail"]


def test_attribution_credits_each_channel_by_each_model(world: World) -> None:
    now = datetime.now(UTC)
    touches = [
        {"source": "web", "external_id": f"t{n}", "type": "page_view", "lead_email": "p5@acme.com",
         "occurred_at": (now - timedelta(days=3 - n)).isoformat(), "channel": channel}
        for n, channel in enumerate(("organic_search", "paid_search"), start=1)
    ]  # fmt: skip
    assert world.as_("marketing").post("/api/touchpoints", json={"touchpoints": touches}).json()["added"] == 2
    ana = world.as_("sales")
    for stage in ("sql", "opportunity", "customer"):
        assert ana.post("/api/leads/5/advance", json={"to": stage}).json()["stage"] == stage
    rows = world.as_("viewer").get("/api/metrics/attribution").json()["rows"]
    share = {(r["model"], r["channel"]): r["share"] for r in rows}
    assert share["first_touch", "organic_search"] == 1.0
    assert share["last_touch", "paid_search"] == 1.0
    assert share["linear", "organic_search"] == share["linear", "paid_search"] == 0.5
    by_campaign = world.as_("viewer").get("/api/metrics/attribution", params={"by": "campaign"}).json()["rows"]
    assert {r["channel"] for r in by_campaign} == {"(none)"}


# --- who may call what ----------------------------------------------------------------------------------

READERS = {"admin": 200, "marketing": 200, "sales": 200, "viewer": 200, "read": 200, None: 401}


def only(allowed: dict[str, int], otherwise: int = 403) -> dict[str | None, int]:
    return {
        **{who: allowed.get(who, otherwise) for who in ("admin", "marketing", "sales", "viewer", "read")},
        None: 401,
    }


SPEND = {"rows": [{"day": "2026-03-01", "campaign": "Spring webinar", "amount": 10}]}
NEW_VERSION = {"text": NEW_SLA, "effective_from": "2026-04-01T00:00:00Z", "signed_by": {"marketing": "M", "sales": "S"}}
# Each call, and the status of each caller, in an order where no caller's write changes another call's answer.
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str | None, int]]] = [
    ("GET", "/api/leads", None, READERS),
    ("GET", "/api/leads/1", None, READERS),
    ("GET", "/api/activities", None, READERS),
    ("GET", "/api/opportunities", None, READERS),
    ("GET", "/api/spend", None, READERS),
    ("GET", "/api/goals", None, READERS),
    ("GET", "/api/sla/versions", None, READERS),
    ("GET", "/api/sla/versions/1", None, READERS),
    ("GET", "/api/sla/diff?from=1&to=current", None, READERS),
    ("GET", "/api/metrics", None, READERS),
    ("GET", "/api/metrics/scorecard", None, READERS),
    (
        "POST",
        "/api/touchpoints",
        {
            "touchpoints": [
                {
                    "source": "web",
                    "external_id": "t1",
                    "type": "page_view",
                    "occurred_at": "2026-03-02T10:00:00Z",
                    "lead_email": "p1@acme.com",
                }
            ]
        },
        only({"admin": 200, "marketing": 200}),
    ),
    # Verdicts: the API lets sales and admins give them, and then the lifecycle only the lead's rep.
    ("POST", "/api/leads/1/accept", {}, only({"sales": 200})),
    ("POST", "/api/leads/7/reject", {"reason": "no_budget"}, only({"sales": 200})),
    # Disputes: marketing's (admins pass the API, not the lifecycle); settling: a sales manager or an admin.
    ("POST", "/api/feedback/2/dispute", {"note": "They came back."}, only({"marketing": 200})),
    ("POST", "/api/feedback/1/resolve", {"outcome": "upheld"}, only({"admin": 200})),
    ("POST", "/api/activities", {"lead_id": 4, "kind": "call"}, only({"admin": 200, "sales": 200})),
    ("POST", "/api/leads/4/advance", {"to": "sql"}, only({"admin": 200, "sales": 200})),
    ("POST", "/api/leads/5/lost", {"reason": "Went quiet"}, only({"admin": 200, "sales": 200})),
    ("POST", "/api/spend", SPEND, only({"admin": 200, "marketing": 200})),
    ("POST", "/api/goals", goal(["marketing"]), only({"admin": 201, "marketing": 201})),
    ("DELETE", "/api/goals/1", None, only({"admin": 204, "sales": 204})),
    ("POST", "/api/sla/versions", NEW_VERSION, only({"admin": 201})),
]


@pytest.mark.parametrize("who", ["admin", "marketing", "sales", "viewer", "read", None])
def test_every_endpoint_answers_each_role_as_its_rights_say(world: World, who: str | None) -> None:
    caller = world.as_(who)
    answers = [(method, url, caller.request(method, url, json=body)) for method, url, body, _ in MATRIX]
    got = {f"{method} {url}": answer.status_code for method, url, answer in answers}
    wanted = {f"{method} {url}": statuses[who] for method, url, _, statuses in MATRIX}
    assert got == wanted
    for _, _, answer in answers:
        if answer.status_code >= 400:
            assert answer.headers["content-type"] == PROBLEM
            assert answer.json()["detail"]


def test_the_schema_documents_every_operation(world: World) -> None:
    paths = world.as_(None).get("/openapi.json").json()["paths"]
    for path in ("/api/activities", "/api/opportunities", "/api/spend", "/api/goals", "/api/goals/{goal_id}",
                 "/api/sla/versions", "/api/sla/versions/{version}", "/api/sla/diff", "/api/metrics",
                 "/api/metrics/{name}", "/api/leads/{lead_id}/advance", "/api/leads/{lead_id}/lost",
                 "/api/feedback/{feedback_id}/resolve"):  # fmt: skip
        assert path in paths
    leads = paths["/api/leads"]["get"]["parameters"]
    assert all(p.get("description") for p in leads)
    assert {p["name"] for p in leads} == {"stage", "owner", "since", "until", "campaign", "source", "limit", "cursor"}
