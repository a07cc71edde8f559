"""Both teams use the dashboard in a real Chromium: log in, see the scorecard drawn, work the queue."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine

from tests.browser.conftest import Server, log_in
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
