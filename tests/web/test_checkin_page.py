"""The weekly check-in on the dashboard, over ASGI on both databases: the report's content with a week
selector; decisions by marketing, sales and admins; sign-off by the team leads (Maria Lopez for
marketing, Sam Okafor for sales), refused to a rep and to a viewer in words with 403; forms without the
session's CSRF token do nothing."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.iso_weeks import IsoWeek
from revbridge.services.audit import entries
from revbridge.store.tables import CheckinEntryRow, UserRow
from tests.demo_store import NOW
from tests.web.conftest import ADMIN, MANAGER, MARKETING, VIEWER, Browser

WEEK = IsoWeek.last_complete(NOW)


def _text(answer_text: str) -> str:
    """The page's words, as a person reads them: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", answer_text)).split())


def _rows(engine: Engine) -> list[tuple[str, str, str]]:
    query = sa.select(CheckinEntryRow.week, CheckinEntryRow.kind, CheckinEntryRow.text).order_by(CheckinEntryRow.id)
    with engine.connect() as conn:
        return [(str(w), str(k), str(t)) for w, k, t in conn.execute(query)]


def _a_rep(engine: Engine) -> str:
    query = sa.select(UserRow.email).where(UserRow.role == "sales", UserRow.title.is_(None)).order_by(UserRow.email)
    with engine.connect() as conn:
        return str(conn.scalars(query.limit(1)).one())


def test_the_page_is_the_weeks_agenda_with_a_week_selector(browser: Browser) -> None:
    browser.log_in(VIEWER)
    answer = browser.get(f"/checkin?week={WEEK}")
    assert answer.status_code == 200
    page = _text(answer.text)
    for section in ("1. The two-sided scorecard", "2. What changed since last week", "3. Breaches of the week",
                    "5. Attribution shifts", "8. Decisions and sign-off"):  # fmt: skip
        assert section in page
    assert f'href="/checkin?week={WEEK.previous()}"' in answer.text
    assert f'href="/checkin?week={WEEK.next()}"' in answer.text
    assert '<canvas data-chart="checkin-funnel"' in answer.text
    assert f"Weekly check-in · {WEEK}" in page
    assert "Awaiting marketing's sign-off (Maria Lopez)" in page
    assert "Record a decision" not in page  # a viewer only reads
    assert "The team leads sign the week off: for marketing Maria Lopez" in page
    default = browser.get("/checkin")
    assert f"Weekly check-in · {WEEK}" in _text(default.text)  # the last complete week


def test_a_decision_is_recorded_shown_and_audited(demo: Engine, browser: Browser) -> None:
    browser.log_in(MARKETING)
    browser.get(f"/checkin?week={WEEK}")
    done = browser.post(f"/checkin/{WEEK}/decisions", {"text": "Move 10% of paid search to webinars <b>now</b>"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/checkin?week={WEEK}#decisions"
    page = browser.get(f"/checkin?week={WEEK}")
    assert "Decision recorded." in page.text
    assert "Decision recorded." not in browser.get(f"/checkin?week={WEEK}").text  # shown once
    assert "Move 10% of paid search to webinars &lt;b&gt;now&lt;/b&gt;" in page.text  # escaped, verbatim
    assert "Maria Lopez (marketing)" in _text(page.text)
    assert _rows(demo) == [(str(WEEK), "decision", "Move 10% of paid search to webinars <b>now</b>")]
    latest = entries(demo, limit=1)[0]
    assert (latest["action"], latest["status"], latest["subject"]) == (
        "POST /checkin/{week}/decisions",
        303,
        f"check-in {WEEK}",
    )


def test_a_team_lead_signs_off_and_signing_again_replaces_the_comment(demo: Engine, browser: Browser) -> None:
    browser.log_in(MANAGER)
    page = browser.get(f"/checkin?week={WEEK}")
    assert f"Sign {WEEK} off for sales" in _text(page.text)
    assert browser.post(f"/checkin/{WEEK}/signoff", {"comment": "Sales stands by it"}).status_code == 303
    again = browser.post(f"/checkin/{WEEK}/signoff", {"comment": "Sales stands by it; reps call back today"})
    assert again.status_code == 303
    page = _text(browser.get(f"/checkin?week={WEEK}").text)
    assert "Signed off. Signing again replaces your comment." in page
    assert "Sam Okafor signed off for sales" in page
    assert "Sales stands by it; reps call back today" in page
    assert "Awaiting marketing's sign-off (Maria Lopez)" in page
    assert "Awaiting sales" not in page
    assert "Sign off again (replaces your comment)" in page
    assert _rows(demo) == [(str(WEEK), "signoff", "Sales stands by it; reps call back today")]


def test_a_rep_may_not_sign_off_and_is_told_who_may(demo: Engine, browser: Browser) -> None:
    rep = _a_rep(demo)
    browser.log_in(rep)
    page = browser.get(f"/checkin?week={WEEK}")
    assert "Record a decision" in page.text
    assert f"Sign {WEEK} off" not in page.text
    refused = browser.post(f"/checkin/{WEEK}/signoff", {"comment": "looks fine"})
    assert refused.status_code == 403
    text = _text(refused.text)
    assert f"{rep} is sales: only the team leads sign the week off — for marketing Maria Lopez" in text
    assert "for sales Sam Okafor (or a sales_manager)" in text
    assert _rows(demo) == []


def test_an_admin_decides_but_does_not_sign_and_a_viewer_does_neither(demo: Engine, browser: Browser) -> None:
    browser.log_in(ADMIN)
    assert browser.post(f"/checkin/{WEEK}/decisions", {"text": "Apply SLA v2 on Monday"}).status_code == 303
    assert browser.post(f"/checkin/{WEEK}/signoff", {"comment": "ok"}).status_code == 403
    viewer = Browser(browser.app)
    viewer.log_in(VIEWER)
    refused = viewer.post(f"/checkin/{WEEK}/decisions", {"text": "Something"})
    assert refused.status_code == 403
    assert "decisions are written by marketing, sales and admins; viewers read" in _text(refused.text)
    assert _rows(demo) == [(str(WEEK), "decision", "Apply SLA v2 on Monday")]


def test_a_form_without_the_sessions_csrf_token_writes_nothing(demo: Engine, browser: Browser) -> None:
    browser.log_in(MANAGER)
    assert browser.post(f"/checkin/{WEEK}/signoff", {"comment": "forged", "csrf": "guessed"}).status_code == 403
    assert browser.post(f"/checkin/{WEEK}/decisions", {"text": "forged"}, csrf=False).status_code == 403
    assert _rows(demo) == []


def test_an_empty_decision_a_wrong_week_and_a_week_not_begun(demo: Engine, browser: Browser) -> None:
    browser.log_in(MARKETING)
    empty = browser.post(f"/checkin/{WEEK}/decisions", {"text": "   "})
    assert empty.status_code == 422
    assert "decision: write what was decided" in empty.text
    wrong = browser.get("/checkin?week=2026-W99")
    assert wrong.status_code == 404
    assert "a week number runs from 1 to 53, not 99" in wrong.text
    later = IsoWeek.of(NOW).next()
    assert browser.post(f"/checkin/{later}/decisions", {"text": "Too early"}).status_code == 404
    assert f"{later} has not begun" in browser.get(f"/checkin?week={later}").text
    assert _rows(demo) == []


def test_the_week_downloads_as_one_self_contained_file(browser: Browser) -> None:
    browser.log_in(VIEWER)
    answer = browser.get(f"/checkin/{WEEK}/report.html")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="check-in-{WEEK}.html"'
    assert "Chart.js v4.6.2" in answer.text
    assert "/static/" not in answer.text
