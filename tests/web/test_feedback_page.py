"""The feedback page: sales' verdicts by campaign (acceptance, reasons as a stacked chart, notes), the
recent rejections and the disputes; marketing disputes a rejection from it, once. Over ASGI on both
databases."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services import leads
from revbridge.services.audit import entries
from tests.handoffs import hand_off
from tests.web.conftest import ADMIN, MARKETING, VIEWER, Browser


@pytest.fixture
def rejection(demo: Engine) -> tuple[int, int, str]:
    """A rejection given a moment ago: (its feedback id, the lead, the rep who gave it)."""
    [(lead_id, rep)] = hand_off(demo, 1, at=datetime.now(UTC))
    done = leads.reject(demo, lead_id, rep, "wrong_persona", at=datetime.now(UTC), note="An intern, not a buyer")
    assert done.feedback_id is not None
    return done.feedback_id, lead_id, rep


def dispute_of(engine: Engine, feedback_id: int) -> tuple[str | None, str | None]:
    query = sa.text(
        "SELECT f.dispute_note, u.email FROM feedback f LEFT JOIN users u ON u.id = f.disputed_by WHERE f.id = :id"
    )
    with engine.connect() as conn:
        note, email = conn.execute(query, {"id": feedback_id}).one()
    return note, email


def test_marketing_sees_verdicts_by_campaign_with_a_stacked_chart_of_reasons(demo: Engine, browser: Browser) -> None:
    browser.log_in(MARKETING)

    page = browser.get("/feedback")

    assert page.status_code == 200
    assert "<h2>Campaigns</h2>" in page.text
    assert "this shows every campaign" in page.text
    found = re.search(r'<script type="application/json" id="reasons-by-campaign">(.*?)</script>', page.text, re.S)
    assert found is not None
    config = json.loads(found[1])
    assert config["type"] == "bar"
    assert config["options"]["indexAxis"] == "y"  # one bar per campaign, its reasons stacked
    assert config["options"]["scales"]["x"]["stacked"] is True
    assert config["options"]["scales"]["y"]["stacked"] is True
    labels = {dataset["label"] for dataset in config["data"]["datasets"]}
    assert labels <= {
        "No budget this year",
        "Not buying for 6+ months",
        "Not the buyer",
        "Not our target persona",
        "Works for a competitor",
        "Student or job seeker",
        "Duplicate of another lead",
        "(none)",
    }
    assert labels
    with demo.connect() as conn:
        rejected = conn.execute(sa.text("SELECT count(*) FROM feedback WHERE verdict = 'reject'")).scalar_one()
    charted = sum(sum(dataset["data"]) for dataset in config["data"]["datasets"])
    assert 0 < charted <= rejected
    table = page.text.split('<table id="campaigns">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") >= 2


def test_marketing_disputes_a_rejection_once(demo: Engine, browser: Browser, rejection: tuple[int, int, str]) -> None:
    feedback_id, lead_id, _ = rejection
    browser.log_in(MARKETING)
    page = browser.get("/feedback").text
    row = page.split(f'<tr data-feedback-id="{feedback_id}" data-lead-id="{lead_id}">', 1)[1].split("</tr>", 1)[0]
    assert "Not our target persona" in row
    assert "An intern, not a buyer" in row
    assert f'action="/feedback/{feedback_id}/dispute"' in row
    assert ">Dispute</button>" in row

    done = browser.post(
        f"/feedback/{feedback_id}/dispute", {"note": "She is the CTO's chief of staff", "back": "/feedback"}
    )

    assert done.status_code == 303
    assert done.headers["location"] == "/feedback"
    assert dispute_of(demo, feedback_id) == ("She is the CTO's chief of staff", MARKETING)
    after = browser.get("/feedback").text
    assert f"Disputed: the rejection of lead {lead_id}" in after
    row = after.split(f'<tr data-feedback-id="{feedback_id}"', 1)[1].split("</tr>", 1)[0]
    assert f"open · disputed by {MARKETING}" in row
    assert "/dispute" not in row
    open_disputes = after.split('id="open-disputes"', 1)[1].split("</ul>", 1)[0]
    assert f'data-feedback-id="{feedback_id}"' in open_disputes

    again = browser.post(f"/feedback/{feedback_id}/dispute", {"note": "And again", "back": "/feedback"})

    assert again.status_code == 403
    assert "a rejection is disputed once" in again.text
    assert dispute_of(demo, feedback_id) == ("She is the CTO's chief of staff", MARKETING)
    assert [(e["action"], e["status"]) for e in entries(demo, limit=2)] == [
        ("POST /feedback/{feedback_id}/dispute", 403),
        ("POST /feedback/{feedback_id}/dispute", 303),
    ]


def test_a_dispute_needs_a_note(demo: Engine, browser: Browser, rejection: tuple[int, int, str]) -> None:
    feedback_id, _, _ = rejection
    browser.log_in(MARKETING)
    refused = browser.post(f"/feedback/{feedback_id}/dispute", {"note": "  "})
    assert refused.status_code == 422
    assert "a dispute needs a note saying why the rejection is wrong" in refused.text
    assert dispute_of(demo, feedback_id) == (None, None)


def test_marketing_disputes_from_the_lead_page_too(
    demo: Engine, browser: Browser, rejection: tuple[int, int, str]
) -> None:
    feedback_id, lead_id, _ = rejection
    browser.log_in(MARKETING)
    assert f'action="/feedback/{feedback_id}/dispute"' in browser.get(f"/leads/{lead_id}").text

    done = browser.post(f"/feedback/{feedback_id}/dispute", {"note": "Booked a demo", "back": f"/leads/{lead_id}"})

    assert done.headers["location"] == f"/leads/{lead_id}"
    assert "disputed by" in browser.get(f"/leads/{lead_id}").text


@pytest.mark.parametrize(
    ("person", "words"),
    [
        ("rep", "is sales: only admin and marketing may dispute"),
        (VIEWER, "is viewer: only admin and marketing may dispute"),
        (ADMIN, "may not dispute feedback {id}: disputes are marketing&#39;s answer"),
    ],
)
def test_only_marketing_gets_the_dispute_form_and_others_are_refused(
    demo: Engine, browser: Browser, rejection: tuple[int, int, str], person: str, words: str
) -> None:
    feedback_id, lead_id, rep = rejection
    browser.log_in(rep if person == "rep" else person)
    page = browser.get("/feedback").text
    assert f'<tr data-feedback-id="{feedback_id}"' in page
    assert "/dispute" not in page
    assert "/dispute" not in browser.get(f"/leads/{lead_id}").text

    refused = browser.post(f"/feedback/{feedback_id}/dispute", {"note": "No"})

    assert refused.status_code == 403
    assert words.format(id=feedback_id) in refused.text
    assert '<table id="rejections">' in refused.text  # the feedback page again
    assert dispute_of(demo, feedback_id) == (None, None)


def test_a_forged_dispute_is_refused(demo: Engine, browser: Browser, rejection: tuple[int, int, str]) -> None:
    feedback_id, _, _ = rejection
    browser.log_in(MARKETING)
    forged = browser.post(f"/feedback/{feedback_id}/dispute", {"note": "Booked a demo", "csrf": "guessed"})
    assert forged.status_code == 403
    assert dispute_of(demo, feedback_id) == (None, None)
