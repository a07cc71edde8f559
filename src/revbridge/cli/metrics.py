"""``revbridge funnel | velocity | compliance | feedback | kpis | scorecard | signals``: the shared
numbers, defined once.

Each command's help starts with the definition its numbers follow: the docstring of the module that
computes them (``revbridge.analytics``), the same text the dashboard's glossary and the reports show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from revbridge import bootstrap
from revbridge.cli._moments import moment, optional_moment
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    definitions_help,
    emit_rows,
    handles_errors,
)
from revbridge.domain.dimensions import DIMENSIONS
from revbridge.domain.errors import InvalidInput
from revbridge.services.contract import contract_at, stage_order

if TYPE_CHECKING:
    import pandas as pd

    from revbridge.analytics.source import Source
# Each command imports the module that computes its numbers when it runs: Ibis and pandas take a second
# to import, which no other command (nor any --help) should wait for.

EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        envvar="REVBRIDGE_ANALYTICS",
        help="Where to compute: store (the database itself, default), duckdb:PATH or spark:PATH "
        "(the mirror at PATH, made by `revbridge mirror sync PATH`).",
    ),
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="From this day or moment (2026-01-01, UTC unless it says), inclusive.")
]
UntilOption = Annotated[str | None, typer.Option("--until", help="Up to this day or moment, exclusive.")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Slice by " + "; ".join(f"{k}: {v}" for k, v in DIMENSIONS.items()) + "."),
]
TeamOption = Annotated[
    str | None,
    typer.Option(
        "--team", help="Only the leads owned by this team's people (by the team's name), their events and deals."
    ),
]
AtOption = Annotated[
    str | None, typer.Option("--at", help="The moment 'now' means (open clocks past due, stalled leads); default now.")
]


class FunnelView(StrEnum):
    cohort = "cohort"
    period = "period"
    conversion = "conversion"


class Period(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class VelocityView(StrEnum):
    stages = "stages"
    steps = "steps"
    cycle = "cycle"
    stalled = "stalled"


class ComplianceView(StrEnum):
    clocks = "clocks"
    speed = "speed"
    slipping = "slipping"


class FeedbackView(StrEnum):
    acceptance = "acceptance"
    reasons = "reasons"
    disputes = "disputes"
    notes = "notes"


class KpiView(StrEnum):
    revenue = "revenue"
    pipeline = "pipeline"
    quota = "quota"
    cac = "cac"
    ltv = "ltv"
    reach = "reach"


def _window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    return optional_moment(since, option="--since"), optional_moment(until, option="--until")


def emit_frame(frame: pd.DataFrame, fmt: OutputFormat, title: str) -> None:
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    emit_rows(rows, fmt, columns=list(frame.columns), title=title)


def _run(
    database: str | None, engine: str | None, metric: Callable[[Source], pd.DataFrame], team: str | None = None
) -> pd.DataFrame:
    with bootstrap.source(database, engine, team) as source:
        return metric(source)


def funnel(
    view: Annotated[FunnelView, typer.Option("--view", help="cohort, period or conversion.")] = FunnelView.cohort,
    period: Annotated[Period, typer.Option("--period", help="Group cohorts or events by this period.")] = Period.month,
    since: SinceOption = None,
    until: UntilOption = None,
    by: ByOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import funnel as funnel_metrics

    start, end = _window(since, until)
    stages = stage_order(bootstrap.engine(database), end or datetime.now(UTC))
    if view is FunnelView.cohort:
        frame = _run(
            database,
            engine,
            lambda s: funnel_metrics.cohort_funnel(s, stages, since=start, until=end, period=period.value, by=by),
            team,
        )
    elif view is FunnelView.period:
        frame = _run(
            database,
            engine,
            lambda s: funnel_metrics.period_funnel(s, stages, since=start, until=end, period=period.value, by=by),
            team,
        )
    else:
        frame = _run(
            database, engine, lambda s: funnel_metrics.conversion(s, stages, since=start, until=end, by=by), team
        )
    emit_frame(frame, fmt, f"Funnel: {view.value}")


def velocity(
    view: Annotated[
        VelocityView, typer.Option("--view", help="stages (time in each), steps (stage to stage), cycle or stalled.")
    ] = VelocityView.stages,
    stalled_after: Annotated[
        float | None, typer.Option("--stalled-after", help="Days in a stage that make a lead stalled (default p90).")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    by: ByOption = None,
    at: AtOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import velocity as velocity_metrics

    (start, end), now = _window(since, until), moment(at)
    stages = stage_order(bootstrap.engine(database), now)
    if view is VelocityView.stages:
        frame = _run(
            database, engine, lambda s: velocity_metrics.time_in_stage(s, stages, since=start, until=end, by=by), team
        )
    elif view is VelocityView.steps:
        frame = _run(
            database, engine, lambda s: velocity_metrics.stage_to_stage(s, stages, since=start, until=end, by=by), team
        )
    elif view is VelocityView.cycle:
        frame = _run(database, engine, lambda s: velocity_metrics.cycle(s, since=start, until=end, by=by), team)
    else:
        limits = None if stalled_after is None else dict.fromkeys(stages, stalled_after)
        frame = _run(
            database, engine, lambda s: velocity_metrics.stalled(s, stages, now=now, stalled_after=limits), team
        )
    emit_frame(frame, fmt, f"Velocity: {view.value}")


def compliance(
    view: Annotated[
        ComplianceView, typer.Option("--view", help="clocks, speed (speed to lead) or slipping.")
    ] = ComplianceView.clocks,
    by: Annotated[str, typer.Option("--by", help="team, owner (the person) or kind (of clock).")] = "team",
    since: SinceOption = None,
    until: UntilOption = None,
    at: AtOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import compliance as compliance_metrics

    (start, end), now = _window(since, until), moment(at)
    if view is ComplianceView.clocks:
        frame = _run(
            database,
            engine,
            lambda s: compliance_metrics.sla_compliance(s, now=now, since=start, until=end, by=by),
            team,
        )
    elif view is ComplianceView.speed:
        if by == "kind":
            raise InvalidInput(
                "speed to lead follows one kind of clock (hand-off to first touch): use --by team or owner"
            )
        frame = _run(
            database, engine, lambda s: compliance_metrics.speed_to_lead(s, since=start, until=end, by=by), team
        )
    else:
        frame = _run(database, engine, lambda s: compliance_metrics.slipping(s, now=now), team)
    emit_frame(frame, fmt, f"SLA compliance: {view.value}")


def feedback(
    view: Annotated[
        FeedbackView, typer.Option("--view", help="acceptance, reasons, disputes or notes.")
    ] = FeedbackView.acceptance,
    since: SinceOption = None,
    until: UntilOption = None,
    by: ByOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import feedback as feedback_metrics

    start, end = _window(since, until)
    metric = {
        FeedbackView.acceptance: feedback_metrics.acceptance,
        FeedbackView.reasons: feedback_metrics.rejection_reasons,
        FeedbackView.disputes: feedback_metrics.disputes,
        FeedbackView.notes: feedback_metrics.notes,
    }[view]
    slicing = by if by is not None or view is not FeedbackView.notes else "campaign"
    frame = _run(database, engine, lambda s: metric(s, since=start, until=end, by=slicing), team)
    emit_frame(frame, fmt, f"Feedback: {view.value}")


def kpis(
    view: Annotated[
        KpiView, typer.Option("--view", help="revenue, pipeline, quota, cac, ltv (LTV:CAC) or reach.")
    ] = KpiView.revenue,
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="revenue, pipeline: owner, team, channel, source, campaign, segment; quota: "
            "owner or team; cac, ltv: channel or campaign; reach: channel, type or campaign.",
        ),
    ] = None,
    margin: Annotated[float, typer.Option("--margin", help="ltv: gross margin, 0–1.")] = 0.8,
    churn: Annotated[float, typer.Option("--churn", help="ltv: share of customers lost a year, 0–1.")] = 0.15,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import revenue as revenue_metrics

    start, end = _window(since, until)
    if view is KpiView.revenue:
        frame = _run(database, engine, lambda s: revenue_metrics.revenue_kpis(s, since=start, until=end, by=by), team)
    elif view is KpiView.pipeline:
        frame = _run(database, engine, lambda s: revenue_metrics.pipeline(s, by=by), team)
    elif view is KpiView.quota:
        first: date | None = start.date() if start else None
        last: date | None = end.date() if end else None
        frame = _run(
            database,
            engine,
            lambda s: revenue_metrics.quota_attainment(s, since=first, until=last, by=by or "owner"),
            team,
        )
    elif view is KpiView.cac:
        frame = _run(
            database, engine, lambda s: revenue_metrics.cac(s, since=start, until=end, by=by or "channel"), team
        )
    elif view is KpiView.ltv:
        frame = _run(
            database,
            engine,
            lambda s: revenue_metrics.ltv_to_cac(
                s, gross_margin=margin, churn=churn, since=start, until=end, by=by or "channel"
            ),
            team,
        )
    else:
        frame = _run(
            database, engine, lambda s: revenue_metrics.reach(s, since=start, until=end, by=by or "channel"), team
        )
    emit_frame(frame, fmt, f"KPIs: {view.value}")


def scorecard(
    at: AtOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import scorecard as scorecard_metrics

    now = moment(at)
    commitments = contract_at(bootstrap.engine(database), now).sla.commitments
    frame = _run(database, engine, lambda s: scorecard_metrics.scorecard(s, commitments, now=now), team)
    emit_frame(frame, fmt, "Two-sided scorecard: each team's commitments")


def signals(
    at: AtOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import signals as signals_metrics

    now = moment(at)
    found = _run(database, engine, lambda s: signals_metrics.as_frame(signals_metrics.signals(s, now=now)), team)
    if fmt is OutputFormat.table:
        found = found.drop(columns=["evidence"])
    emit_frame(found, fmt, "Misalignment signals" if len(found) else "Misalignment signals: none found")


EXAMPLES = {
    "funnel": "Examples:\n\n    revbridge funnel --period quarter\n\n    revbridge funnel --view conversion "
    "--by channel --since 2026-01-01\n\n    revbridge funnel --engine duckdb:./mirror --format json",
    "velocity": "Examples:\n\n    revbridge velocity --by segment\n\n    revbridge velocity --view stalled "
    "--stalled-after 30",
    "compliance": "Examples:\n\n    revbridge compliance --by owner --since 2026-11-01\n\n    revbridge compliance "
    "--view speed --by owner\n\n    revbridge compliance --view slipping",
    "feedback": "Examples:\n\n    revbridge feedback --by campaign\n\n    revbridge feedback --view reasons --by "
    "channel\n\n    revbridge feedback --view notes --since 2026-11-01",
    "scorecard": "Examples:\n\n    revbridge scorecard\n\n    revbridge scorecard --at 2026-12-01 --format json",
    "signals": "Examples:\n\n    revbridge signals\n\n    revbridge signals --engine duckdb:./mirror --format json",
    "kpis": "Examples:\n\n    revbridge kpis --by channel\n\n    revbridge kpis --view quota --by team\n\n    "
    "revbridge kpis --view cac --since 2026-01-01 --until 2027-01-01\n\n    revbridge kpis --view ltv --margin 0.8 "
    "--churn 0.15",
}
COMMANDS: dict[str, tuple[Callable[..., None], str]] = {
    "funnel": (funnel, "revbridge.analytics.funnel"),
    "velocity": (velocity, "revbridge.analytics.velocity"),
    "compliance": (compliance, "revbridge.analytics.compliance"),
    "feedback": (feedback, "revbridge.analytics.feedback"),
    "kpis": (kpis, "revbridge.analytics.revenue"),
    "scorecard": (scorecard, "revbridge.analytics.scorecard"),
    "signals": (signals, "revbridge.analytics.signals"),
}


def register(app: typer.Typer) -> None:
    for name, (command, module) in COMMANDS.items():
        app.command(name=name, help=definitions_help(module, EXAMPLES[name]))(handles_errors(command))
