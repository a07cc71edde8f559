"""Both teams use the dashboard in a real Chromium: log in, see the scorecard drawn, work the queue."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine

from tests.browser.conftest import Server, log_in
from tests.handoffs import hand_off
from tests.web.conftest import MARKETING


def test_marketing_logs_in_and_sees_the_two_sided_scorecard(
    site: tuple[Server, Engine], page: Page, artifacts: Path
) -> None:
    server, _ = site
    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + "/login")
    log_in(page, server.url, MARKETING)
    expect(page.get_by_role("heading", name="Marketing commits to")).to_be_visible()
    expect(page.get_by_role("heading", name="Sales commits to")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-charts-drawn", "yes")  # Chart.js ran, offline
    drawn = page.locator("canvas[data-chart=weekly]").evaluate("c => c.width > 0 && Chart.getChart(c) !== undefined")
    assert drawn
    page.screenshot(path=str(artifacts / "home-marketing.png"), full_page=True)


def test_sales_accepts_a_lead_from_the_queue_and_it_leaves_the_queue(
    site: tuple[Server, Engine], page: Page, artifacts: Path
) -> None:
    server, engine = site
    [(lead_id, rep)] = hand_off(engine, 1, at=datetime.now(UTC))
    log_in(page, server.url, rep)
    page.get_by_role("link", name="My queue").click()
    row = page.locator(f'#queue tr[data-lead-id="{lead_id}"]')
    expect(row).to_be_visible()
    page.screenshot(path=str(artifacts / "queue-before-accept.png"), full_page=True)
    accept = row.get_by_role("form", name=f"Accept lead {lead_id}")
    accept.get_by_label("Rating").select_option("4")
    accept.get_by_label("Note").fill("Booked a discovery call")
    accept.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("ccepted")
    expect(page.locator(f'#queue tr[data-lead-id="{lead_id}"]')).to_have_count(0)
    page.screenshot(path=str(artifacts / "queue-after-accept.png"), full_page=True)
    with engine.connect() as conn:
        stage = conn.execute(sa.text("SELECT stage FROM leads WHERE id = :id"), {"id": lead_id}).scalar_one()
        verdict = conn.execute(
            sa.text("SELECT verdict, rating, note FROM feedback WHERE lead_id = :id ORDER BY id DESC"), {"id": lead_id}
        ).first()
    assert stage == "sal"
    assert tuple(verdict) == ("accept", 4, "Booked a discovery call")


def test_marketing_sees_sales_feedback_on_the_campaigns(
    site: tuple[Server, Engine], page: Page, artifacts: Path
) -> None:
    server, engine = site
    with engine.connect() as conn:
        rejected = conn.execute(
            sa.text(
                "SELECT c.name FROM feedback f JOIN leads l ON l.id = f.lead_id JOIN touchpoints t ON t.lead_id = l.id "
                "JOIN campaigns c ON c.id = t.campaign_id WHERE f.verdict = 'reject' ORDER BY f.at DESC LIMIT 1"
            )
        ).scalar_one()
    log_in(page, server.url, MARKETING)
    page.get_by_role("link", name="Feedback").click()
    expect(page.get_by_role("heading", name="Feedback from sales")).to_be_visible()
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    drawn = page.locator("canvas[data-chart]").first.evaluate("c => Chart.getChart(c) !== undefined")
    assert drawn
    expect(page.locator("body")).to_contain_text(rejected)
    expect(page.locator("#rejections tr[data-feedback-id]").first).to_be_visible()
    page.screenshot(path=str(artifacts / "feedback-marketing.png"), full_page=True)


def test_the_api_docs_render_offline_from_the_package(site: tuple[Server, Engine], page: Page, artifacts: Path) -> None:
    server, _ = site
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server.url) else None)
    page.goto(server.url + "/docs")
    expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/touchpoints").first).to_be_visible()
    page.screenshot(path=str(artifacts / "api-docs.png"))
    assert [u for u in outside if not u.startswith("data:")] == []
