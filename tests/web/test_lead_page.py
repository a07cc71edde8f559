"""A lead's page: its journey as one timeline, why it scores what it does (and why this p(convert)), its
clocks and verdicts; the verdict and activity forms for whoever may use them, and activities logged from
it. Over ASGI on both databases."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services.predictions import save_model, save_predictions
from tests.handoffs import hand_off, stage_of
from tests.web.conftest import ADMIN, MANAGER, MARKETING, VIEWER, Browser


def worked_lead(engine: Engine) -> int:
    """A lead with score reasons, touchpoints and sales activities: a journey with both sides. (Its
    engagement scored: the demo's year of history has its fit from import, its engagement from a full
    rescoring, which the demo leaves to ``score --all``.)"""
    query = sa.text(
        "SELECT l.id FROM leads l JOIN lead_scores s ON s.lead_id = l.id "
        "WHERE l.score_reasons IS NOT NULL AND s.fit_score > 0 "
        "AND l.engagement_ref_at IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM touchpoints t WHERE t.lead_id = l.id) "
        "AND EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = l.id) ORDER BY l.id LIMIT 1"
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def activities_of(engine: Engine, lead_id: int) -> list[tuple[str, str | None]]:
    query = sa.text("SELECT type, outcome FROM activities WHERE lead_id = :id AND source = 'revbridge'")
    with engine.connect() as conn:
        return [(str(kind), outcome) for kind, outcome in conn.execute(query, {"id": lead_id})]


def journey(page: str) -> list[tuple[str, str]]:
    """(side, moment) of each step of the page's journey, in the page's order."""
    steps = page.split('<ol class="timeline" id="journey">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<li class="(marketing|sales|stage)"><time datetime="([^"]+)">', steps)


def test_the_lead_page_shows_the_journey_interleaved_in_time_and_the_score_reasons(
    demo: Engine, browser: Browser
) -> None:
    lead_id = worked_lead(demo)
    browser.log_in(MANAGER)

    page = browser.get(f"/leads/{lead_id}")

    assert page.status_code == 200
    steps = journey(page.text)
    assert {side for side, _ in steps} == {"marketing", "sales", "stage"}
    moments = [datetime.fromisoformat(at) for _, at in steps]
    assert moments == sorted(moments)
    with demo.connect() as conn:
        touches = conn.execute(sa.text("SELECT count(*) FROM touchpoints WHERE lead_id = :id"), {"id": lead_id})
        assert sum(side == "marketing" for side, _ in steps) == touches.scalar_one()
        reasons = conn.execute(sa.text("SELECT score_reasons FROM leads WHERE id = :id"), {"id": lead_id}).scalar()
    fit = page.text.split('id="fit-reasons"', 1)[1].split("</ul>", 1)[0]
    engagement = page.text.split('id="engagement-reasons"', 1)[1].split("</ul>", 1)[0]
    stored = reasons if isinstance(reasons, list) else json.loads(reasons)  # SQLite hands back the text
    fit_rules = [rule for rule, _ in stored if rule.startswith("fit: ")]
    assert fit_rules
    for rule in fit_rules:
        assert html.escape(rule.removeprefix("fit: "), quote=False) in fit
    assert "<li>" in engagement
    assert "Why this score" in page.text
    assert "Why this p(convert)" not in page.text  # no model scored it
    assert 'id="clocks"' in page.text
    assert 'id="verdicts"' in page.text


def test_a_lead_scored_by_the_model_says_why_this_p_convert(demo: Engine, browser: Browser) -> None:
    lead_id = worked_lead(demo)
    now = datetime.now(UTC)
    version = save_model(demo, label="test", trained_until=now, description={}, model={})
    reasons = [("pages_viewed_30d", 14.0, 0.61), ("job_title_seniority", None, -0.2)]
    save_predictions(demo, version, now, [lead_id], [0.42], [reasons])
    browser.log_in(MARKETING)

    page = browser.get(f"/leads/{lead_id}").text

    assert "p(convert) 42%" in page
    pushes = page.split('id="p-convert-reasons"', 1)[1].split("</ul>", 1)[0]
    assert '<span class="points">+0.61</span> pages_viewed_30d = 14.0' in pushes
    assert '<span class="points">-0.20</span> job_title_seniority = missing' in pushes


def test_the_leads_rep_gets_the_verdict_forms_and_accepts_from_the_lead_page(demo: Engine, browser: Browser) -> None:
    [(lead_id, rep)] = hand_off(demo, 1, at=datetime.now(UTC))
    browser.log_in(rep)

    page = browser.get(f"/leads/{lead_id}")
    assert 'aria-label="verdict"' in page.text
    assert f'action="/leads/{lead_id}/accept"' in page.text
    assert "accept: " in page.text  # its clock, running
    assert "business left" in page.text
    done = browser.post(f"/leads/{lead_id}/accept", {"rating": "5", "back": f"/leads/{lead_id}"})

    assert done.status_code == 303
    assert done.headers["location"] == f"/leads/{lead_id}"
    after = browser.get(f"/leads/{lead_id}").text
    assert f"Accepted: lead {lead_id} is now SAL" in after
    assert '<span class="stage">sal</span>' in after
    assert f'action="/leads/{lead_id}/accept"' not in after  # judged: no more verdict
    assert stage_of(demo, lead_id) == "sal"


@pytest.mark.parametrize("person", [MANAGER, ADMIN, MARKETING, VIEWER])
def test_nobody_but_the_leads_rep_gets_the_verdict_forms(demo: Engine, browser: Browser, person: str) -> None:
    [(lead_id, _)] = hand_off(demo, 1, at=datetime.now(UTC))
    browser.log_in(person)
    page = browser.get(f"/leads/{lead_id}").text
    assert "/accept" not in page
    assert "/reject" not in page


def test_a_refused_verdict_shows_the_lead_page_again_with_the_refusals_words(demo: Engine, browser: Browser) -> None:
    [(lead_id, _)] = hand_off(demo, 1, at=datetime.now(UTC))
    browser.log_in(MARKETING)
    browser.get(f"/leads/{lead_id}")

    refused = browser.post(f"/leads/{lead_id}/reject", {"reason": "no_budget", "back": f"/leads/{lead_id}"})

    assert refused.status_code == 403
    assert '<p class="error" role="alert">' in refused.text
    assert "only admin and sales may give verdicts" in refused.text
    assert '<ol class="timeline" id="journey">' in refused.text
    assert stage_of(demo, lead_id) == "mql"


def test_sales_logs_an_activity_from_the_lead_page_as_the_cli_does(demo: Engine, browser: Browser) -> None:
    [(lead_id, rep)] = hand_off(demo, 1, at=datetime.now(UTC))
    browser.log_in(rep)
    page = browser.get(f"/leads/{lead_id}").text
    assert ">Log activity</button>" in page
    assert '<option value="meeting_held">meeting held</option>' in page

    done = browser.post(f"/leads/{lead_id}/activities", {"kind": "call", "outcome": "connected"})

    assert done.status_code == 303
    assert activities_of(demo, lead_id) == [("call", "connected")]
    after = browser.get(f"/leads/{lead_id}").text
    assert f"Logged: call on lead {lead_id}" in after
    assert journey(after)[-1][0] == "sales"
    assert '<strong>call</strong> <span class="muted">' in after


@pytest.mark.parametrize(("person", "words"), [(MARKETING, "is marketing: only"), (VIEWER, "is viewer: only")])
def test_marketing_and_viewers_see_no_activity_form_and_are_refused(
    demo: Engine, browser: Browser, person: str, words: str
) -> None:
    [(lead_id, _)] = hand_off(demo, 1, at=datetime.now(UTC))
    browser.log_in(person)
    assert "Log activity" not in browser.get(f"/leads/{lead_id}").text

    refused = browser.post(f"/leads/{lead_id}/activities", {"kind": "call"})

    assert refused.status_code == 403
    assert words in refused.text
    assert activities_of(demo, lead_id) == []


def test_an_activity_needs_a_kind(demo: Engine, browser: Browser) -> None:
    [(lead_id, rep)] = hand_off(demo, 1, at=datetime.now(UTC))
    browser.log_in(rep)
    refused = browser.post(f"/leads/{lead_id}/activities", {"kind": " "})
    assert refused.status_code == 422
    assert "say what kind of activity" in refused.text
    assert activities_of(demo, lead_id) == []


def test_what_people_wrote_is_shown_as_text_never_as_markup(demo: Engine, browser: Browser) -> None:
    [(lead_id, rep)] = hand_off(demo, 1, at=datetime.now(UTC))
    browser.log_in(rep)
    browser.get(f"/leads/{lead_id}")
    note = "<script>alert('owned')</script>"
    browser.post(f"/leads/{lead_id}/reject", {"reason": "bad_timing", "note": note, "back": f"/leads/{lead_id}"})

    page = browser.get(f"/leads/{lead_id}").text

    assert note not in page
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in page


def test_an_unknown_lead_is_a_404_page(browser: Browser) -> None:
    browser.log_in(VIEWER)
    answer = browser.get("/leads/999999")
    assert answer.status_code == 404
    assert "no lead with id 999999" in answer.text
