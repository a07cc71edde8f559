"""Every shared number at once, as the weekly check-in and the dashboard's home show them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pandas as pd

from revbridge.analytics import compliance, feedback, funnel, goals, revenue, scorecard, signals, velocity
from revbridge.analytics.source import Source
from revbridge.domain.sla_sections import Commitments

Metric = Callable[[Source], pd.DataFrame]


def metrics(stages: Sequence[str], commitments: Commitments, *, now: datetime) -> dict[str, Metric]:
    """Each metric, by name, over the last 90 days (cohorts and periods: the last year) as of ``now``."""
    quarter, year = now - timedelta(days=90), now - timedelta(days=365)
    window = {"since": quarter, "until": now}
    return {
        "funnel_cohorts": lambda s: funnel.cohort_funnel(s, stages, since=year, until=now, by="channel"),
        "funnel_periods": lambda s: funnel.period_funnel(s, stages, since=year, until=now, period="week"),
        "conversion": lambda s: funnel.conversion(s, stages, since=year, until=now, by="channel"),
        "time_in_stage": lambda s: velocity.time_in_stage(s, stages, since=year, until=now),
        "stage_to_stage": lambda s: velocity.stage_to_stage(s, stages, since=year, until=now),
        "cycle": lambda s: velocity.cycle(s, since=year, until=now),
        "stalled": lambda s: velocity.stalled(s, stages, now=now),
        "compliance": lambda s: compliance.sla_compliance(s, now=now, by="owner", **window),
        "speed_to_lead": lambda s: compliance.speed_to_lead(s, by="owner", **window),
        "slipping": lambda s: compliance.slipping(s, now=now),
        "acceptance": lambda s: feedback.acceptance(s, by="campaign", **window),
        "rejection_reasons": lambda s: feedback.rejection_reasons(s, by="channel", **window),
        "disputes": lambda s: feedback.disputes(s, by="campaign", **window),
        "notes": lambda s: feedback.notes(s, since=quarter, until=now),
        "revenue": lambda s: revenue.revenue_kpis(s, by="channel", since=year, until=now),
        "pipeline": lambda s: revenue.pipeline(s),
        "quota": lambda s: revenue.quota_attainment(s, by="owner"),
        "cac": lambda s: revenue.cac(s, since=year, until=now),
        "reach": lambda s: revenue.reach(s, since=quarter, until=now),
        "scorecard": lambda s: scorecard.scorecard(s, commitments, now=now),
        "signals": lambda s: signals.as_frame(signals.signals(s, now=now)),
        "goals": lambda s: goals.goal_progress(s, now=now),
    }


def overview(
    source: Source, stages: Sequence[str], commitments: Commitments, *, now: datetime
) -> dict[str, pd.DataFrame]:
    """Every metric's frame, by name."""
    return {name: metric(source) for name, metric in metrics(stages, commitments, now=now).items()}
