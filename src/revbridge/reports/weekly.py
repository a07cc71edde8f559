"""The weekly check-in: the agenda of the joint marketing–sales meeting for one ISO week.

Every number is taken **as of the week's end** (Monday 00:00 UTC after it; for the week running now,
as of now), so that the report of a past week reads the same whenever it is made, but for the MQLs
slipping, which are those slipping **now**: the list to act on in the meeting.

- **Scorecard**: each team's commitments in the SLA (``analytics/scorecard.py``) as of the week's end.
- **What changed since last week**: new leads (leads entering the funnel), MQLs, SAL acceptance rate,
  SQLs, opportunities, won revenue (``analytics/measures.py``), SLA compliance (every kind of clock due
  in the week, ``analytics/compliance.py``) and median speed to lead, this week against the one before.
- **Breaches**: the SLA clocks due in the week and breached, by owner, with their leads; the MQLs
  slipping now.
- **Feedback**: the week's rejection reasons, most frequent first, and sales' notes, verbatim, with the
  lead and its campaign.
- **Attribution shifts**: each channel's share of the pipeline (leads becoming opportunities) and of
  the won revenue over the four weeks to the week's end, against the four weeks before, by linear
  attribution (each touch of a journey an equal part); the biggest movers first.
- **Goals** and their progress, and the **signals** that the teams drift apart (``analytics/signals.py``).
- **Decisions** taken and each team lead's **sign-off** (``services/checkin.py``), read afresh each time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from revbridge import bootstrap
from revbridge.domain.iso_weeks import IsoWeek
from revbridge.domain.measures import MEASURE_KINDS
from revbridge.domain.sla_sections import Commitments
from revbridge.reports.changes import Change
from revbridge.services.checkin import WeekRecord, week_record
from revbridge.services.contract import contract_at, stage_order
from revbridge.services.sla_versions import NoSlaInForce

if TYPE_CHECKING:
    import pandas as pd

    from revbridge.analytics.source import Source

STEPS = ("scorecard", "what changed", "breaches", "feedback", "attribution", "goals and signals", "funnel")
TOP_REASONS = 5
SHIFT_WEEKS = 4
FUNNEL_WEEKS = 12
# The headline numbers: key, label, unit, and the measure behind each (None: computed here).
HEADLINES: tuple[tuple[str, str, str, str | None], ...] = (
    ("new_leads", "New leads", "count", None),
    ("mqls", "MQLs", "count", "mqls"),
    ("sal_acceptance_rate", "SAL acceptance rate", "rate", "sal_acceptance_rate"),
    ("sqls", "SQLs", "count", "sqls"),
    ("opportunities", "Opportunities", "count", "opportunities"),
    ("won_revenue", "Won revenue", "amount", "won_revenue"),
    ("sla_compliance", "SLA compliance", "rate", None),
    ("speed_to_lead_hours", "Median speed to lead", "hours", "speed_to_lead_hours"),
)

Progress = Callable[[str], None]  # called with each step's name as it starts

Record = dict[str, Any]


@dataclass(frozen=True)
class OwnerBreaches:
    """One person's clocks breached in the week: how many of how many due, and the leads."""

    owner: str
    breached: int
    due: int
    compliance: float | None
    clocks: list[Record]


@dataclass(frozen=True)
class Shift:
    """A channel's share this window against the window before, in points."""

    channel: str
    share_before: float
    share_now: float
    points: float
    words: str


@dataclass(frozen=True)
class Shifts:
    """Channel shares of one thing attributed (pipeline or revenue), the biggest movers first."""

    of: str  # pipeline | revenue
    counted: str  # what the totals count: opportunities, won
    total_now: float
    total_before: float
    movers: list[Shift]


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    starts: datetime
    ends: datetime
    as_of: datetime
    made_at: datetime
    complete: bool
    previous_week: str
    next_week: str | None  # None when it has not begun
    sla_version: int | None
    scorecard: list[Record]
    headlines: list[Change]
    breaches: list[OwnerBreaches]
    slipping: list[Record]
    verdicts: int
    rejections: int
    rejection_reasons: list[Record]
    notes: list[Record]
    shift_since: datetime
    shifts: list[Shifts]
    goals: list[Record]
    signals: list[Record]
    funnel_weeks: list[Record]
    record: WeekRecord | None = None
    caveats: list[str] = field(default_factory=list)  # what could not be shown, and why

    def with_record(self, engine: Engine, *, now: datetime) -> WeeklyReport:
        """The same numbers with the week's decisions and sign-offs as they stand now."""
        return dataclasses.replace(self, record=week_record(engine, IsoWeek.parse(self.week), now=now))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def weekly_report(
    engine: Engine,
    week: IsoWeek,
    *,
    now: datetime,
    analytics: str | None = None,
    progress: Progress | None = None,
) -> WeeklyReport:
    """The check-in of ``week`` as made at ``now``: its numbers computed on the analytics engine
    ``analytics`` (``store``, ``duckdb:PATH``, ``spark:PATH``; default REVBRIDGE_ANALYTICS, else the
    store itself), and its record (decisions, sign-offs) from the store."""
    step = progress or (lambda _: None)
    as_of = min(week.end, now)
    url = engine.url.render_as_string(hide_password=False)
    stages = stage_order(engine, as_of)
    try:
        contract = contract_at(engine, as_of)
        version, commitments = contract.version, contract.sla.commitments
    except NoSlaInForce:
        version, commitments = None, None
    with bootstrap.source(url, analytics) as source:
        numbers = _numbers(source, week, stages, commitments, as_of=as_of, now=now, step=step)
    return WeeklyReport(
        week=str(week),
        starts=week.start,
        ends=week.end,
        as_of=as_of,
        made_at=now,
        complete=week.is_complete(now),
        previous_week=str(week.previous()),
        next_week=str(week.next()) if week.next().has_started(now) else None,
        sla_version=version,
        record=week_record(engine, week, now=now),
        **numbers,
    )


def _numbers(
    source: Source,
    week: IsoWeek,
    stages: Sequence[str],
    commitments: Commitments | None,
    *,
    as_of: datetime,
    now: datetime,
    step: Progress,
) -> dict[str, Any]:
    from revbridge.analytics import compliance, feedback, funnel, goals, scorecard, signals  # pandas, Ibis

    this, last = (week.start, week.end), (week.previous().start, week.start)
    extra: list[str] = []

    step("scorecard")
    card: list[Record] = []
    if commitments is not None:
        card = records(scorecard.scorecard(source, commitments, now=as_of))
    else:
        extra.append("No SLA was in force at the week's end: there are no commitments to score.")

    step("what changed")
    headlines = _headlines(source, stages, this, last, as_of)

    step("breaches")
    clocks = compliance.breaches(source, now=as_of, since=this[0], until=this[1])
    per_owner = compliance.sla_compliance(source, now=as_of, since=this[0], until=this[1], by="owner")
    breaches = _by_owner(records(clocks), records(per_owner))
    slipping = records(compliance.slipping(source, now=now))

    step("feedback")
    verdicts = feedback.acceptance(source, since=this[0], until=this[1])
    reasons = feedback.rejection_reasons(source, since=this[0], until=this[1])
    notes = feedback.notes(source, since=this[0], until=this[1], by="campaign")

    step("attribution")
    shifts, shift_since = _shifts(source, as_of)

    step("goals and signals")
    goal_rows = records(goals.goal_progress(source, now=as_of))
    found = [s.as_dict() for s in signals.signals(source, now=as_of)]

    step("funnel")
    weeks = funnel.period_funnel(
        source, stages, since=week.end - timedelta(weeks=FUNNEL_WEEKS), until=min(week.end, as_of), period="week"
    )
    return {
        "scorecard": card,
        "headlines": headlines,
        "breaches": breaches,
        "slipping": slipping,
        "verdicts": int(verdicts.verdicts.sum()) if len(verdicts) else 0,
        "rejections": int(reasons.rejections.sum()) if len(reasons) else 0,
        "rejection_reasons": records(reasons.drop(columns=["overall"]).head(TOP_REASONS)),
        "notes": records(notes),
        "shift_since": shift_since,
        "shifts": shifts,
        "goals": goal_rows,
        "signals": found,
        "funnel_weeks": records(weeks[["period", "stage", "leads", "entries"]]),
        "caveats": extra,
    }


def _headlines(
    source: Source,
    stages: Sequence[str],
    this: tuple[datetime, datetime],
    last: tuple[datetime, datetime],
    as_of: datetime,
) -> list[Change]:
    from revbridge.analytics import compliance, funnel
    from revbridge.analytics.measures import measures_over

    figures: dict[str, list[float | None]] = {}
    for key, _, _, measure in HEADLINES:
        if measure is not None:
            figures[key] = measures_over(source, measure, [this, last], now=as_of)
    figures["new_leads"] = [
        float(_first(funnel.cohort_funnel(source, stages, since=a, until=b, period=None), "cohort_leads", 0))
        for a, b in (this, last)
    ]
    figures["sla_compliance"] = []
    for a, b in (this, last):
        kinds = compliance.sla_compliance(source, now=as_of, since=a, until=b, by="kind")
        decided = float(kinds.obligations.sum()) if len(kinds) else 0.0
        figures["sla_compliance"].append(float(kinds.met_in_time.sum()) / decided if decided else None)
    changes = []
    for key, label, unit, measure in HEADLINES:
        better = MEASURE_KINDS[measure].higher_is_better if measure is not None else True
        now_value, before = figures[key]
        changes.append(Change.of(key, label, unit, now_value, before, higher_is_better=better))
    return changes


def _by_owner(clocks: list[Record], per_owner: list[Record]) -> list[OwnerBreaches]:
    due = {row["owner"]: row for row in per_owner}
    owners: dict[str, list[Record]] = {}
    for clock in clocks:
        owners.setdefault(clock["owner"], []).append(clock)
    out = [
        OwnerBreaches(
            owner=owner,
            breached=len(found),
            due=int(due.get(owner, {}).get("obligations") or len(found)),
            compliance=due.get(owner, {}).get("compliance"),
            clocks=found,
        )
        for owner, found in owners.items()
    ]
    return sorted(out, key=lambda o: (-o.breached, o.owner))


def _shifts(source: Source, end: datetime) -> tuple[list[Shifts], datetime]:
    """Channel shares of pipeline and won revenue, the last ``SHIFT_WEEKS`` to ``end`` against the ones
    before."""
    since = end - timedelta(weeks=SHIFT_WEEKS)
    before = since - timedelta(weeks=SHIFT_WEEKS)
    out = []
    for of, counted, milestone, amount in (
        ("pipeline", "opportunities", "opportunity", "conversions"),
        ("revenue", "won", "customer", "value"),
    ):
        now_total, now_shares = _attributed(source, since, end, milestone, amount)
        old_total, old_shares = _attributed(source, before, since, milestone, amount)
        movers = []
        for channel in sorted(set(now_shares) | set(old_shares)):
            a, b = old_shares.get(channel, 0.0), now_shares.get(channel, 0.0)
            if not a and not b:
                continue
            points = (b - a) * 100
            words = f"{channel} {a:.0%} → {b:.0%} of {of}, {points:+.0f} pts"
            movers.append(Shift(channel, a, b, points, words))
        movers.sort(key=lambda s: (-abs(s.points), s.channel))
        out.append(Shifts(of, counted, now_total, old_total, movers))
    return out, since


def _attributed(
    source: Source, since: datetime, until: datetime, milestone: str, amount: str
) -> tuple[float, dict[str, float]]:
    from revbridge.analytics.attribution import linear
    from revbridge.analytics.journeys import journeys

    credit = linear(journeys(source, since=since, until=until, milestone=milestone))
    values = credit.conversions if amount == "conversions" else credit.value
    total = float(values.sum())
    if not total:
        return 0.0, {}
    return total, {str(c): float(v) / total for c, v in zip(credit.channels, values, strict=True)}


def records(frame: pd.DataFrame) -> list[Record]:
    """A frame's rows as plain Python: missing values None, times ``datetime``, numpy scalars numbers."""
    import pandas as pd

    def plain(value: Any) -> Any:
        if pd.api.types.is_scalar(value) and pd.isna(value):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        return value.item() if hasattr(value, "item") and pd.api.types.is_scalar(value) else value

    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _first(frame: pd.DataFrame, column: str, default: float) -> float:
    return float(frame[column].iloc[0]) if len(frame) else default
