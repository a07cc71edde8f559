"""The glossary: every shared number with its definition, as the code that computes it defines it —
the docstring of its analytics module (the family's definition, the same text the CLI's ``--help``
prints) and of its function (what the metric gives). Each metric has an anchor named like the metric
(``/glossary#conversion``), each family one named ``<family>-definitions``: other pages link "what is
this?" to them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from revbridge.analytics.definitions import definition
from revbridge.web.render import page
from revbridge.web.session import Viewer

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Entry:
    anchor: str  # the metric's name in analytics/overview.py (or variants.py)
    title: str
    function: str  # the function that computes it: a name in the family's module, or "module:name"


@dataclass(frozen=True)
class Family:
    anchor: str
    title: str
    module: str
    entries: tuple[Entry, ...] = ()


FAMILIES = (
    Family(
        "funnel-definitions",
        "Funnel",
        "revbridge.analytics.funnel",
        (
            Entry("funnel_cohorts", "Cohort funnel", "cohort_funnel"),
            Entry("funnel_periods", "Entries per period", "period_funnel"),
            Entry("conversion", "Conversion", "conversion"),
        ),
    ),
    Family(
        "velocity-definitions",
        "Velocity",
        "revbridge.analytics.velocity",
        (
            Entry("time_in_stage", "Time in stage", "time_in_stage"),
            Entry("stage_to_stage", "Stage to stage", "stage_to_stage"),
            Entry("cycle", "Lead-to-customer cycle", "cycle"),
            Entry("stalled", "Stalled leads", "stalled"),
        ),
    ),
    Family(
        "sla-compliance-definitions",
        "SLA compliance",
        "revbridge.analytics.compliance",
        (
            Entry("compliance", "Compliance", "sla_compliance"),
            Entry("speed_to_lead", "Speed to lead", "speed_to_lead"),
            Entry("slipping", "Slipping through the cracks", "slipping"),
        ),
    ),
    Family(
        "feedback-definitions",
        "Feedback",
        "revbridge.analytics.feedback",
        (
            Entry("acceptance", "Acceptance rate", "acceptance"),
            Entry("rejection_reasons", "Rejection reasons", "rejection_reasons"),
            Entry("disputes", "Disputes", "disputes"),
            Entry("notes", "Sales' notes", "notes"),
        ),
    ),
    Family(
        "revenue-definitions",
        "Revenue",
        "revbridge.analytics.revenue",
        (
            Entry("revenue", "Revenue numbers", "revenue_kpis"),
            Entry("pipeline", "Pipeline", "pipeline"),
            Entry("quota", "Quota attainment", "quota_attainment"),
            Entry("cac", "CAC", "cac"),
            Entry("ltv_to_cac", "LTV:CAC", "ltv_to_cac"),
            Entry("reach", "Reach", "reach"),
        ),
    ),
    Family(
        "attribution-definitions",
        "Attribution",
        "revbridge.analytics.attribution",
        (Entry("attribution", "Credit by model", "revbridge.analytics.attribution.compare:credit_by_model"),),
    ),
    Family(
        "scorecard-definitions",
        "Scorecard",
        "revbridge.analytics.scorecard",
        (Entry("scorecard", "Two-sided scorecard", "scorecard"),),
    ),
    Family(
        "signals-definitions",
        "Signals",
        "revbridge.analytics.signals",
        (Entry("signals", "Misalignment signals", "signals"),),
    ),
    Family(
        "goals-definitions", "Goals", "revbridge.analytics.goals", (Entry("goals", "Goal progress", "goal_progress"),)
    ),
    Family(
        "measures-definitions", "Measures: the single numbers goals and commitments use", "revbridge.analytics.measures"
    ),
)


@dataclass(frozen=True)
class Shown:
    anchor: str
    title: str
    text: Markup


@router.get("/glossary")
def glossary(request: Request, user: Viewer) -> HTMLResponse:
    shown = [
        (Shown(f.anchor, f.title, prose(definition(f.module).text)), [_entry(f, e) for e in f.entries])
        for f in FAMILIES
    ]
    return page(request, "glossary.html", user, families=shown)


def _entry(family: Family, entry: Entry) -> Shown:
    module, _, name = entry.function.rpartition(":")
    return Shown(entry.anchor, entry.title, prose(definition(module or family.module).functions[name]))


_STRONG = re.compile(r"\*\*(.+?)\*\*", re.S)
_CODE = re.compile(r"``(.+?)``", re.S)


def prose(text: str) -> Markup:
    """A docstring as HTML: paragraphs, lists ("- item"), ``code`` and **bold**; everything else escaped."""
    html: list[str] = []
    for block in text.strip().split("\n\n"):
        parts = re.split(r"\n(?=- )", block.strip())
        lead = [] if parts[0].startswith("- ") else [parts.pop(0)]
        html += [f"<p>{_inline(p)}</p>" for p in lead]
        if parts:
            html.append("<ul>" + "".join(f"<li>{_inline(p.removeprefix('- '))}</li>" for p in parts) + "</ul>")
    return Markup("\n".join(html))


def _inline(text: str) -> str:
    escaped = str(escape(" ".join(text.split())))
    return _CODE.sub(r"<code>\1</code>", _STRONG.sub(r"<strong>\1</strong>", escaped))
