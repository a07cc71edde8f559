"""``/api/metrics``: every shared number, its definition, and its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from revbridge.analytics.catalogue import CATALOGUE, check_question, compute, spec_of
from revbridge.api.deps import Me, Store
from revbridge.api.frames import computed
from revbridge.api.params import Moment, Since, Until, Word
from revbridge.api.schemas.metrics import MetricAnswer, MetricInfo
from revbridge.domain.api_access import check
from revbridge.domain.dimensions import DIMENSIONS
from revbridge.services.contract import contract_at, stage_order

router = APIRouter(tags=["metrics"])


@router.get("/metrics")
def metrics(caller: Me) -> list[MetricInfo]:
    """Every metric, with its definition (the text the CLI's help and the glossary show) and what it
    may be asked."""
    check(caller, "read")
    return [
        MetricInfo(
            name=spec.name,
            definition=spec.definition,
            summary=spec.summary,
            parameters=list(spec.parameters),
            by=list(spec.slices),
            default_by=spec.default_by,
        )
        for spec in CATALOGUE.values()
    ]


@router.get("/metrics/{name}")
def metric(
    store: Store,
    caller: Me,
    name: Annotated[str, Path(max_length=100, description="A metric's name, from GET /api/metrics.")],
    since: Since = None,
    until: Until = None,
    by: Annotated[
        Word | None,
        Query(description="Slice by (what the metric allows, see GET /api/metrics): " + ", ".join(DIMENSIONS) + " …"),
    ] = None,
    at: Annotated[Moment | None, Query(description="The moment 'now' means (default: now).")] = None,
    team: Annotated[Word | None, Query(description="Only the leads owned by this team's people (its name).")] = None,
) -> MetricAnswer:
    """One metric's table, computed now as the CLI computes it. `since` and `until` bound its window
    (everything by default), `by` slices it, `at` is the moment 'now' means; a metric refuses what it
    does not take, with what it does. An unknown metric is a 404 problem naming the known ones."""
    check(caller, "read")
    spec = spec_of(name)
    slicing = check_question(spec, since=since, until=until, by=by, at=at)
    now = at or datetime.now(UTC)
    stages = stage_order(store, now) if spec.stages else ()
    commitments = contract_at(store, now).sla.commitments if spec.commitments else None
    rows = computed(
        store,
        lambda source: compute(
            source, spec, stages=stages, commitments=commitments, now=now, since=since, until=until, by=slicing
        ),
        team=team,
    )
    return MetricAnswer(name=spec.name, since=since, until=until, by=slicing, at=now, rows=rows)
