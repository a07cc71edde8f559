"""``revbridge report weekly`` on the demo company: one self-contained HTML file (its styles, Chart.js and
the charts inlined, no address of any CDN), its PDF printed by headless Chromium, its data as JSON, and
errors that say what to do."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revbridge import bootstrap
from revbridge.cli.main import app
from revbridge.domain.iso_weeks import IsoWeek
from revbridge.reports.pdf import find_chromium
from revbridge.reports.weekly import weekly_report
from tests.conftest import IN_CI
from tests.demo_store import NOW

WEEK = IsoWeek.last_complete(NOW)
AT = NOW.isoformat()
SECTIONS = (
    "1. The two-sided scorecard",
    "2. What changed since last week",
    "3. Breaches of the week",
    "4. Rejection reasons and sales' notes",
    "5. Attribution shifts",
    "6. Goals",
    "7. Signals",
    "8. Decisions and sign-off",
)


@pytest.fixture
def database(demo_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_sqlite, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("REVBRIDGE_DATABASE_URL", url)
    monkeypatch.delenv("REVBRIDGE_ANALYTICS", raising=False)
    monkeypatch.delenv("REVBRIDGE_CHROMIUM", raising=False)
    return url


def test_the_report_is_one_file_with_every_section_its_charts_and_no_cdn(database: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "weekly", "--week", str(WEEK), "--out", str(out), "--at", AT])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: the weekly check-in of {WEEK}" in result.stderr
    html = out.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert section in html
    assert "Chart.js v4.6.2" in html  # the vendored library, inlined
    assert 'document.body.dataset.chartsDrawn = "yes"' in html  # static/charts.js, inlined
    assert "--mkt: #7c3aed" in html  # the dashboard's stylesheet, inlined
    assert '<canvas data-chart="checkin-funnel"' in html
    assert '<script type="application/json" id="checkin-shares">{"type": "bar"' in html
    assert not re.search(r"""<script[^>]+src=|<link[^>]+href=|(src|href)=["']?https?://""", html)
    assert not re.search(r"cdn\.|jsdelivr|unpkg|cdnjs|googleapis", html)
    expected = weekly_report(bootstrap.engine(database), WEEK, now=NOW)
    for change in expected.headlines:
        assert change.words in html.replace("&gt;", ">")


def test_without_a_week_it_reports_the_last_complete_one_and_names_the_file_after_it(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["report", "weekly", "--at", "2026-11-25T10:00:00Z"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "check-in-2026-W47.html").is_file()


@pytest.mark.parametrize(
    ("week", "says"),
    [
        ("47", "expected an ISO week like 2026-W47 (year, W, week number), got '47'"),
        ("2026-W60", "a week number runs from 1 to 53, not 60"),
        ("2030-W01", "2030-W01 has not begun: name a week up to"),
    ],
)
def test_a_wrong_week_names_the_option_and_the_form_expected(database: str, week: str, says: str) -> None:
    result = CliRunner().invoke(app, ["report", "weekly", "--week", week, "--at", AT])
    assert result.exit_code == 2
    text = " ".join(result.stderr.replace("│", " ").split())
    assert "Invalid value for --week" in text
    assert says in text


def test_the_report_as_json(database: str) -> None:
    result = CliRunner().invoke(app, ["report", "weekly", "--week", str(WEEK), "--format", "json", "--at", AT])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["week"] == str(WEEK)
    assert data["as_of"] == WEEK.end.isoformat()
    assert [h["key"] for h in data["headlines"]][:3] == ["new_leads", "mqls", "sal_acceptance_rate"]
    assert all(" → " in h["words"] for h in data["headlines"])
    assert data["record"]["sign_offs"] == []
    assert [s["of"] for s in data["shifts"]] == ["pipeline", "revenue"]


def test_pdf_and_json_do_not_go_together(database: str) -> None:
    result = CliRunner().invoke(app, ["report", "weekly", "--format", "json", "--pdf", "--at", AT])
    assert result.exit_code == 2
    assert "--pdf prints the HTML report" in result.stderr


def test_without_a_browser_the_pdf_says_what_to_install_and_the_html_stays(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVBRIDGE_CHROMIUM", "no-such-browser-here")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "weekly", "--out", str(out), "--pdf", "--at", AT])
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert "install it (`apt install chromium`) or set REVBRIDGE_CHROMIUM" in text
    assert f"The HTML report was written: {out}" in text
    assert out.is_file()
    assert not out.with_suffix(".pdf").exists()


def test_pdf_is_a_real_pdf_with_pages(database: str, tmp_path: Path) -> None:
    if find_chromium(os.environ.get("REVBRIDGE_CHROMIUM")) is None:
        if IN_CI:
            pytest.fail("CI installs chromium: the PDF must be printed there")
        pytest.skip("no chromium here to print with (apt install chromium)")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "weekly", "--week", str(WEEK), "--out", str(out), "--pdf", "--at", AT])
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(pages) >= 2  # eight sections do not fit on one A4 page
    sizes = {tuple(round(float(v)) for v in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)}
    assert sizes == {(0, 0, 595, 842)}  # A4, in points
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 2  # the charts were drawn before printing
    assert pdf.rstrip().endswith(b"%%EOF")
