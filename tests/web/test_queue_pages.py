"""The SLA queue in the browser, and sales' verdicts sent from it: whose leads each person sees, the forms
only the lead's rep gets, what a verdict writes (and audits), and every way a verdict is refused with
nothing written. Over ASGI on both databases, with MQLs handed to sales just now."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services.audit import entries
from tests.handoffs import hand_off, stage_of
from tests.web.conftest import ADMIN, MANAGER, MARKETING, VIEWER, Browser


def queue_ids(html: str) -> list[int]:
    """The lead ids of the queue table's rows, in order."""
    table = html.split('<table id="queue">', 1)[1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(r'<tr data-lead-id="(\d+)"', table)]


def verdicts_of(engine: Engine, lead_id: int) -> list[tuple[str, str | None, int | None, str | None]]:
    query = sa.text("SELECT verdict, reason, rating, note FROM feedback WHERE lead_id = :id ORDER BY id")
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query, {"id": lead_id})]  # type: ignore[misc]


@pytest.fixture
def handed(demo: Engine) -> list[tuple[int, str]]:
    """Four MQLs handed to sales a moment ago: (lead id, its rep's e-mail)."""
    return hand_off(demo, 4, at=datetime.now(UTC))


def other_rep(handed: list[tuple[int, str]], rep: str) -> tuple[int, str]:
    return next((lead_id, owner) for lead_id, owner in handed if owner != rep)


def test_a_rep_sees_only_their_own_queue_with_the_verdict_forms(
    browser: Browser, handed: list[tuple[int, str]]
) -> None:
    lead_id, rep = handed[0]
    theirs, _ = other_rep(handed, rep)
    browser.log_in(rep)

    page = browser.get("/queue")

    assert page.status_code == 200
    assert "<h1>My queue</h1>" in page.text
    assert '<a href="/queue" aria-current="page">My queue</a>' in page.text  # the nav says so too
    shown = queue_ids(page.text)
    assert lead_id in shown
    assert theirs not in shown
    assert f'action="/leads/{lead_id}/accept"' in page.text
    assert f'action="/leads/{lead_id}/reject"' in page.text
    assert ">Accept</button>" in page.text
    assert ">Reject</button>" in page.text
    assert "business left" in page.text
    assert f'<a href="/leads/{lead_id}">' in page.text
    assert 'name="owner"' not in page.text  # a rep's queue is theirs: no filter
    assert '<option value="no_budget" title="recycles to nurture after 90 days">No budget this year' in page.text


def test_accepting_through_the_form_moves_the_lead_out_of_the_queue_and_audits_it(
    demo: Engine, browser: Browser, handed: list[tuple[int, str]]
) -> None:
    lead_id, rep = handed[0]
    browser.log_in(rep)
    browser.get("/queue")

    answer = browser.post(
        f"/leads/{lead_id}/accept", {"rating": "4", "note": "Good fit, call booked", "back": "/queue"}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/queue"
    assert stage_of(demo, lead_id) == "sal"
    assert verdicts_of(demo, lead_id) == [("accept", None, 4, "Good fit, call booked")]
    after = browser.get("/queue")
    assert lead_id not in queue_ids(after.text)
    assert f'<p class="flash" role="status">Accepted: lead {lead_id} is now SAL</p>' in after.text
    assert 'class="flash"' not in browser.get("/queue").text  # shown once
    [entry] = entries(demo, limit=1)
    assert (entry["action"], entry["status"], entry["email"], entry["via"]) == (
        "POST /leads/{lead_id}/accept",
        303,
        rep,
        "web",
    )
    assert entry["subject"] == f"lead {lead_id}"
    assert entry["detail"] == {"verdict": "accept"}


def test_rejecting_needs_a_reason_from_the_slas_list(
    demo: Engine, browser: Browser, handed: list[tuple[int, str]]
) -> None:
    lead_id, rep = handed[0]
    browser.log_in(rep)
    browser.get("/queue")

    none = browser.post(f"/leads/{lead_id}/reject", {"reason": "", "back": "/queue"})
    made_up = browser.post(f"/leads/{lead_id}/reject", {"reason": "too_small", "back": "/queue"})

    assert none.status_code == 422
    assert "choose a reason for the rejection from the SLA&#39;s list" in none.text
    assert made_up.status_code == 422
    assert "&#39;too_small&#39; is not a rejection reason in the SLA; use one of: no_budget, bad_timing" in made_up.text
    assert '<table id="queue">' in made_up.text  # the queue again, with the refusal's words
    assert lead_id in queue_ids(made_up.text)
    assert stage_of(demo, lead_id) == "mql"
    assert verdicts_of(demo, lead_id) == []

    done = browser.post(
        f"/leads/{lead_id}/reject", {"reason": "no_budget", "note": "Frozen until Q3", "back": "/queue"}
    )

    assert done.status_code == 303
    assert stage_of(demo, lead_id) == "nurture"
    assert verdicts_of(demo, lead_id) == [("reject", "no_budget", None, "Frozen until Q3")]
    assert f"Rejected: lead {lead_id} is now nurture (No budget this year)" in browser.get("/queue").text


@pytest.mark.parametrize(
    ("person", "words"),
    [
        (MARKETING, "is marketing: only admin and sales may give verdicts"),
        (VIEWER, "is viewer: only admin and sales may give verdicts"),
        (ADMIN, "may not accept lead {lead}: only sales accepts or rejects an MQL"),
        (MANAGER, "leaves the verdict to the lead&#39;s assigned rep, {rep}"),
    ],
)
def test_whoever_is_not_the_leads_rep_sees_no_forms_and_is_refused_with_nothing_written(
    demo: Engine, browser: Browser, handed: list[tuple[int, str]], person: str, words: str
) -> None:
    lead_id, rep = handed[0]
    browser.log_in(person)
    page = browser.get("/queue")
    assert lead_id in queue_ids(page.text)  # everyone's queue, to read
    assert "<h1>SLA queue</h1>" in page.text
    assert '<a href="/queue" aria-current="page">SLA queue</a>' in page.text  # the sales manager's too
    assert ">My queue<" not in page.text
    assert "/accept" not in page.text
    assert "/reject" not in page.text
    assert ">Accept</button>" not in page.text

    refused = browser.post(f"/leads/{lead_id}/accept", {"back": "/queue"})
    rejected = browser.post(f"/leads/{lead_id}/reject", {"reason": "no_budget", "back": "/queue"})

    assert refused.status_code == 403
    assert words.format(lead=lead_id, rep=rep) in refused.text
    assert rejected.status_code == 403
    assert stage_of(demo, lead_id) == "mql"
    assert verdicts_of(demo, lead_id) == []
    assert [(e["status"], e["email"]) for e in entries(demo, limit=2)] == [(403, person), (403, person)]


def test_another_rep_is_refused_the_verdict_on_a_lead_not_theirs(
    demo: Engine, browser: Browser, handed: list[tuple[int, str]]
) -> None:
    lead_id, rep = handed[0]
    _, someone_else = other_rep(handed, rep)
    browser.log_in(someone_else)
    browser.get("/queue")

    refused = browser.post(f"/leads/{lead_id}/accept", {"back": "/queue"})

    assert refused.status_code == 403
    assert f"{someone_else} may not accept lead {lead_id}" in refused.text
    assert stage_of(demo, lead_id) == "mql"


def test_a_forged_form_is_refused_and_changes_nothing(
    demo: Engine, browser: Browser, handed: list[tuple[int, str]]
) -> None:
    lead_id, rep = handed[0]
    browser.log_in(rep)

    forged = browser.post(f"/leads/{lead_id}/accept", {"csrf": "guessed", "back": "/queue"})
    missing = browser.post(f"/leads/{lead_id}/accept", {"back": "/queue"}, csrf=False)

    assert forged.status_code == 403
    assert "this form is stale or came from elsewhere" in forged.text
    assert missing.status_code == 403
    assert stage_of(demo, lead_id) == "mql"
    assert verdicts_of(demo, lead_id) == []


def test_a_verdict_only_goes_back_within_this_site(browser: Browser, handed: list[tuple[int, str]]) -> None:
    lead_id, rep = handed[0]
    browser.log_in(rep)
    answer = browser.post(f"/leads/{lead_id}/accept", {"back": "//evil.example/queue"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/leads/{lead_id}"


def test_the_manager_sees_everyones_queue_with_owners_and_narrows_it_by_owner_and_team(
    browser: Browser, handed: list[tuple[int, str]]
) -> None:
    lead_id, rep = handed[0]
    theirs, _ = other_rep(handed, rep)
    browser.log_in(MANAGER)

    everyone = browser.get("/queue")
    narrowed = browser.get("/queue", params={"owner": rep})

    assert {lead_id, theirs} <= set(queue_ids(everyone.text))
    assert "<th>owner</th>" in everyone.text
    assert f'<option value="{rep}">' in everyone.text
    assert lead_id in queue_ids(narrowed.text)
    assert theirs not in queue_ids(narrowed.text)
    assert f'<option value="{rep}" selected>' in narrowed.text
    team = re.search(r'<option value="([a-z_]+)">', everyone.text.split('name="team"', 1)[1])
    assert team is not None
    assert browser.get("/queue", params={"team": team.group(1)}).status_code == 200


def test_the_queue_sorts_by_deadline(demo: Engine, browser: Browser, handed: list[tuple[int, str]]) -> None:
    browser.log_in(MANAGER)
    page = browser.get("/queue").text
    due = [datetime.fromisoformat(d) for d in re.findall(r'<tr data-lead-id="\d+" data-due="([^"]+)"', page)]
    assert len(due) >= len(handed)
    assert due == sorted(due)


def test_a_stranger_is_sent_to_log_in(browser: Browser, handed: list[tuple[int, str]]) -> None:
    answer = browser.get("/queue")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fqueue"
    posted = browser.post(f"/leads/{handed[0][0]}/accept", {"csrf": "x"})
    assert posted.status_code == 303
