"""Every shared number by name, with what it may be asked: the list the HTTP API serves.

Each entry names the function that computes it (``module:function``, imported when it is first
computed: Ibis and pandas take a second to load, which listing the names needs not wait for), whether
it takes a window (``since``, ``until``) and what it may be sliced by (``by``, with the same default as
the CLI's). Its **definition** is the docstring of its module, read from the source: the text the
CLI's help and the glossary show. The names are those of ``overview.metrics``, whose windows (the last
90 days, the last year) are the dashboard's; asked here, a metric's window is what the caller gives,
everything by default, as on the command line.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from revbridge.analytics.definitions import definition
from revbridge.domain.dimensions import DIMENSIONS
from revbridge.domain.errors import InvalidInput, NotFound
from revbridge.domain.sla_sections import Commitments

if TYPE_CHECKING:
    import pandas as pd

    from revbridge.analytics.source import Source

LEAD_SLICES = tuple(DIMENSIONS)
DEAL_SLICES = ("owner", "team", *(d for d in DIMENSIONS if d != "owner"))


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """What one metric is and what it may be asked."""

    name: str
    computed_by: str  # module:function
    window: bool = False  # takes since and until
    slices: tuple[str, ...] = ()  # what it may be sliced by; () takes no by
    default_by: str | None = None
    stages: bool = False  # takes the SLA's stage order
    commitments: bool = False  # takes the SLA's commitments
    now: bool = False  # takes the moment "now" means
    defined_in: str | None = None  # the module whose docstring defines it, if not the computing one's

    @property
    def module(self) -> str:
        return self.computed_by.partition(":")[0]

    @property
    def definition(self) -> str:
        """The module's docstring: the definitions its numbers follow."""
        return definition(self.defined_in or self.module).text

    @property
    def summary(self) -> str:
        """The function's docstring: what this one table holds."""
        return definition(self.module).functions.get(self.computed_by.partition(":")[2], "")

    @property
    def parameters(self) -> tuple[str, ...]:
        return (*(("since", "until") if self.window else ()), *(("by",) if self.slices else ()), *(("at",) * self.now))


_A = "revbridge.analytics."
CATALOGUE: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec("funnel_cohorts", _A + "funnel:cohort_funnel", True, LEAD_SLICES, stages=True),
        MetricSpec("funnel_periods", _A + "funnel:period_funnel", True, LEAD_SLICES, stages=True),
        MetricSpec("conversion", _A + "funnel:conversion", True, LEAD_SLICES, stages=True),
        MetricSpec("time_in_stage", _A + "velocity:time_in_stage", True, LEAD_SLICES, stages=True),
        MetricSpec("stage_to_stage", _A + "velocity:stage_to_stage", True, LEAD_SLICES, stages=True),
        MetricSpec("cycle", _A + "velocity:cycle", True, LEAD_SLICES),
        MetricSpec("stalled", _A + "velocity:stalled", stages=True, now=True),
        MetricSpec("compliance", _A + "compliance:sla_compliance", True, ("team", "owner", "kind"), "team", now=True),
        MetricSpec("speed_to_lead", _A + "compliance:speed_to_lead", True, ("team", "owner")),
        MetricSpec("slipping", _A + "compliance:slipping", now=True),
        MetricSpec("acceptance", _A + "feedback:acceptance", True, LEAD_SLICES),
        MetricSpec("rejection_reasons", _A + "feedback:rejection_reasons", True, LEAD_SLICES),
        MetricSpec("disputes", _A + "feedback:disputes", True, LEAD_SLICES),
        MetricSpec("notes", _A + "feedback:notes", True, LEAD_SLICES, "campaign"),
        MetricSpec("revenue", _A + "revenue:revenue_kpis", True, DEAL_SLICES),
        MetricSpec("pipeline", _A + "revenue:pipeline", slices=DEAL_SLICES),
        MetricSpec("quota", _A + "revenue:quota_attainment", True, ("owner", "team"), "owner"),
        MetricSpec("cac", _A + "revenue:cac", True, ("channel", "campaign"), "channel"),
        MetricSpec("reach", _A + "revenue:reach", True, ("channel", "type", "campaign"), "channel"),
        MetricSpec("scorecard", _A + "scorecard:scorecard", commitments=True, now=True),
        MetricSpec("signals", _A + "signals:signals", now=True),
        MetricSpec("goals", _A + "goals:goal_progress", now=True),
        MetricSpec(
            "attribution",
            _A + "catalogue:attribution",
            True,
            ("channel", "campaign"),
            "channel",
            now=True,
            defined_in=_A + "attribution",
        ),
    )
}


class UnknownMetric(NotFound):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no metric named {name!r}; the metrics are: {', '.join(CATALOGUE)}")


class MetricQuestionInvalid(InvalidInput):
    """A parameter the metric does not take, or a slice it does not have."""


def spec_of(name: str) -> MetricSpec:
    """The metric ``name``; ``UnknownMetric`` (naming the known ones) if there is none."""
    found = CATALOGUE.get(name)
    if found is None:
        raise UnknownMetric(name)
    return found


def check_question(
    spec: MetricSpec, *, since: datetime | None, until: datetime | None, by: str | None, at: datetime | None
) -> str | None:
    """Refuse what ``spec`` does not take, with what it does; the slice to compute by."""
    given = {"since": since, "until": until, "by": by, "at": at}
    extra = [name for name, value in given.items() if value is not None and name not in spec.parameters]
    if extra:
        takes = ", ".join(spec.parameters) or "no parameters"
        raise MetricQuestionInvalid(f"{spec.name} does not take {', '.join(extra)}; it takes {takes}")
    if by is not None and by not in spec.slices:
        raise MetricQuestionInvalid(f"{spec.name} cannot be sliced by {by!r}: use one of {', '.join(spec.slices)}")
    if since is not None and until is not None and until <= since:
        raise MetricQuestionInvalid(f"until ({until.isoformat()}) must come after since ({since.isoformat()})")
    return by if by is not None else spec.default_by


def compute(
    source: Source,
    spec: MetricSpec,
    *,
    stages: Sequence[str] = (),
    commitments: Commitments | None = None,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """The metric's table over ``source``, asked as given (check it first with ``check_question``)."""
    if spec.commitments and commitments is None:
        raise ValueError(f"{spec.name} needs the SLA's commitments")
    module, _, function = spec.computed_by.partition(":")
    metric = getattr(importlib.import_module(module), function)
    args: list[Any] = [source, *([stages] if spec.stages else []), *([commitments] if spec.commitments else [])]
    options: dict[str, Any] = {"now": now} if spec.now else {}
    if spec.window:
        dates = spec.name == "quota"  # quotas are periods of whole days
        options["since"] = since.date() if dates and since else since
        options["until"] = until.date() if dates and until else until
    if spec.slices:
        options["by"] = by
    found = metric(*args, **options)
    if spec.name == "signals":
        return importlib.import_module(module).as_frame(found)
    return found


def attribution(
    source: Source, *, now: datetime, since: datetime | None = None, until: datetime | None = None, by: str = "channel"
) -> pd.DataFrame:
    """Every model's credit per channel (or campaign): the ``conversions``, ``value`` and ``share`` each
    gives it, over the journeys of leads that became customers in ``[since, until)`` (until now by
    default) and of those that did not, each journey the touches of its last 90 days."""
    from revbridge.analytics.attribution import MODELS
    from revbridge.analytics.attribution.compare import credit_by_model
    from revbridge.analytics.journeys import journeys

    return credit_by_model(journeys(source, until=until or now, milestone="customer", since=since, by=by), MODELS)
