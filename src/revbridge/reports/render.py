"""The weekly check-in as one self-contained HTML file: the dashboard's stylesheet, Chart.js and the
script that draws the charts are inlined, so that the file opens anywhere, offline, and prints the same.

The content is ``templates/weekly_body.html``, which the dashboard's check-in page includes too: the
file and the page never drift apart. ``context`` gives both the same data and chart configurations.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from revbridge.reports import charts
from revbridge.reports.filters import FILTERS
from revbridge.reports.weekly import WeeklyReport

TEMPLATES_DIR = Path(__file__).parent / "templates"
# The dashboard's own stylesheet and scripts (read as files: the report does not import the dashboard).
STATIC = Path(__file__).parent.parent / "web" / "static"
STYLESHEET = STATIC / "revbridge.css"
SCRIPTS = (STATIC / "vendor" / "chart.umd.min.js", STATIC / "charts.js")
FUNNEL_STAGES = ("mql", "sal", "sql", "opportunity")  # new leads, ten times as many, are a headline

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]), undefined=StrictUndefined
)
_ENV.filters.update(FILTERS)


def context(report: WeeklyReport) -> dict[str, Any]:
    """What ``weekly_body.html`` reads: the report and its charts' configurations."""
    reasons = report.rejection_reasons
    pipeline = next((s for s in report.shifts if s.of == "pipeline"), None)
    movers = pipeline.movers if pipeline is not None else []
    stages = [s for s in FUNNEL_STAGES if any(row["stage"] == s for row in report.funnel_weeks)]
    weeks = pd.DataFrame(report.funnel_weeks, columns=["period", "stage", "leads", "entries"])
    funnel = charts.lines(
        weeks[weeks.stage.isin(stages)],
        x="period",
        series="stage",
        y="entries",
        order=stages,
        title="Entries into MQL, SAL, SQL and opportunity, week by week",
    )
    shares = charts.bars(
        [m.channel for m in movers],
        {"4 weeks before": [m.share_before for m in movers], "last 4 weeks": [m.share_now for m in movers]},
        title="Share of the pipeline by channel (linear attribution)",
        horizontal=True,
        percent=True,
    )
    rejected = charts.bars(
        [r["reason"] for r in reasons],
        {"rejections": [r["rejections"] for r in reasons]},
        title="Rejection reasons this week",
        horizontal=True,
    )
    return {
        "report": report,
        "charts": {"checkin-funnel": funnel, "checkin-shares": shares, "checkin-reasons": rejected},
    }


def render_html(report: WeeklyReport) -> str:
    """The report as one HTML document with everything it needs inside."""
    scripts = [_inline_script(path) for path in SCRIPTS]
    css = STYLESHEET.read_text(encoding="utf-8")
    return _ENV.get_template("weekly_report.html").render(**context(report), css=css, scripts=scripts)


def _inline_script(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if re.search(r"</script", text, re.IGNORECASE):  # would end the <script> element early
        raise ValueError(f"{path.name} contains '</script' and cannot be inlined as it is")
    return text
