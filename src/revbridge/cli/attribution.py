"""``revbridge attribution``: which channels earned the conversions, by any model, from aggregated paths or
from journeys built from the store (per lead or per opportunity)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
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
    progress_bar,
)
from revbridge.cli.metrics import AtOption, EngineOption, TeamOption
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

if TYPE_CHECKING:
    import pandas as pd

    from revbridge.analytics.attribution import Credit


class Model(StrEnum):
    first_touch = "first_touch"
    last_touch = "last_touch"
    last_non_direct = "last_non_direct"
    linear = "linear"
    u_shaped = "u_shaped"
    time_decay = "time_decay"
    w_shaped = "w_shaped"
    full_path = "full_path"
    markov = "markov"
    shapley = "shapley"


class Per(StrEnum):
    lead = "lead"
    opportunity = "opportunity"


EXAMPLES = (
    "Examples:\n\n    revbridge attribution --model markov --order 2 --to customer --lookback 90\n\n"
    "    revbridge attribution --paths paths.csv --model markov --order 2 --intervals 200\n\n"
    "    revbridge attribution --paths paths.csv --model shapley --intervals 200 --format json\n\n"
    "    revbridge attribution --paths paths.csv --model u_shaped --format json\n\n"
    "    revbridge attribution --model w_shaped --to customer --lookback 180\n\n"
    "    revbridge attribution --model time_decay --half-life 14 --to opportunity\n\n"
    "    revbridge attribution --per opportunity --model full_path --to customer --by campaign\n\n"
    "    revbridge attribution --compare --to all --order 2\n\n"
    "    revbridge attribution --to sql --save-paths journeys.csv"
)


@handles_errors
def attribution(
    paths: Annotated[
        Path | None,
        typer.Option(
            "--paths",
            help="Journeys in the aggregated format: path ('a > b > c'), total_conversions, "
            "total_conversion_value, total_null; comma- or semicolon-separated. Without it, the journeys "
            "are built from the store's touchpoints (see --to, --lookback, --per).",
        ),
    ] = None,
    model: Annotated[Model, typer.Option("--model", help="The attribution model.")] = Model.markov,
    save_paths: Annotated[
        Path | None,
        typer.Option(
            "--save-paths",
            help="Also write the journeys in the aggregated format to this file, for other attribution tools.",
        ),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Every model side by side: each channel's share by each model (with --to all, at each "
            "milestone in turn). Models the journeys cannot feed are named and left out.",
        ),
    ] = False,
    order: Annotated[int, typer.Option("--order", help="markov: how many past channels make a state.", min=1)] = 1,
    intervals: Annotated[
        int,
        typer.Option(
            "--intervals",
            help="markov, shapley: bootstrap this many resamples for 95% intervals of each share (0: none).",
            min=0,
        ),
    ] = 0,
    half_life: Annotated[
        float,
        typer.Option("--half-life", help="time_decay: days after which a touch counts half as much.", min=0.0),
    ] = 7.0,
    per: Annotated[
        Per | None,
        typer.Option(
            "--per",
            help="From the store: a journey per lead (the default), or per opportunity: the touches of all its "
            "contacts, to its creation (--to opportunity) or its winning (--to customer).",
        ),
    ] = None,
    by: Annotated[
        str, typer.Option("--by", help="From the store: credit channels (channel) or campaigns (campaign).")
    ] = "channel",
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The milestone a journey converts at: mql, sal, sql, opportunity, customer (per "
            "opportunity: opportunity or customer); with --compare, all: every one of them.",
        ),
    ] = "customer",
    lookback: Annotated[int, typer.Option("--lookback", help="Days of touchpoints before the milestone.", min=1)] = 90,
    since: Annotated[str | None, typer.Option("--since", help="Conversions from this day (YYYY-MM-DD).")] = None,
    at: AtOption = None,
    team: TeamOption = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import attribution as models  # numpy, scipy, Ibis: only when it runs
    from revbridge.analytics.attribution.compare import at_milestones, side_by_side
    from revbridge.analytics.journeys import MILESTONES, PER_OPPORTUNITY
    from revbridge.analytics.journeys import journeys as build_journeys
    from revbridge.analytics.revenue import cac
    from revbridge.connectors.path_files import read_paths, write_paths

    if paths is not None and per is not None:
        raise InvalidInput("--per builds the journeys from the store: a --paths file has its journeys already")
    if to == "all" and not compare:
        raise InvalidInput("--to all goes with --compare; name one milestone to attribute by one model")
    if compare:
        everything = _every_model(order=order, half_life=half_life)
        if paths is not None:
            frame = side_by_side(read_paths(paths), everything).reset_index()
        else:
            unit = (per or Per.lead).value
            milestones = (PER_OPPORTUNITY if per is Per.opportunity else MILESTONES) if to == "all" else (to,)
            start, now = optional_moment(since, option="--since"), moment(at)
            with bootstrap.source(database, engine, team) as source:

                def journeys_to(milestone: str) -> Paths:
                    return build_journeys(
                        source,
                        until=now,
                        milestone=milestone,
                        lookback=timedelta(days=lookback),
                        since=start,
                        by=by,
                        unit=unit,
                    )

                frame = at_milestones(journeys_to, milestones, everything)
        _emit_comparison(frame, by, fmt)
        return
    spend: dict[str, float] | None = None
    if paths is not None:
        journeys = read_paths(paths)
    else:
        start, now = optional_moment(since, option="--since"), moment(at)
        with bootstrap.source(database, engine, team) as source:
            window = timedelta(days=lookback)
            unit = (per or Per.lead).value
            began = time.perf_counter()
            journeys = build_journeys(source, until=now, milestone=to, lookback=window, since=start, by=by, unit=unit)
            _suggest_the_mirror(source.engine, time.perf_counter() - began)
            spent = cac(source, since=start, until=now, by=by)
            spend = dict(zip(spent[by].tolist(), spent.spend.tolist(), strict=True))
    if save_paths is not None:
        written = write_paths(journeys, save_paths)
        typer.echo(f"Wrote {written:,} paths ({len(journeys.conversions):,} journeys) to {save_paths}", err=True)
    credit, title = _credit(journeys, model, order=order, half_life=half_life)
    if model.value in models.DATA_DRIVEN and not intervals and journeys.conversions.sum() < FEW:
        typer.echo(
            f"Only {journeys.conversions.sum():,.0f} conversions: the {model.value} shares rest on few journeys "
            "and can swing with each one. Add --intervals 200 to see how far.",
            err=True,
        )
    if per is Per.opportunity:
        title += ", per opportunity"
    rows: list[dict[str, Any]] = [dict(row) for row in credit.as_rows()]
    columns = ["channel", "conversions", "value", "share"]
    if spend is not None:
        rows = models.with_roi(credit, spend)
        columns += ["spend", "roi"]
    if model.value in models.DATA_DRIVEN and intervals:
        measures = ("conversions", "value") if journeys.value.sum() > 0 else ("conversions",)
        for measure in measures:
            with _bar(f"bootstrap, {measure}") as advance:
                spread = models.intervals(
                    journeys, model.value, order=order, measure=measure, replicates=intervals, progress=advance
                )
            prefix = "share" if measure == "conversions" else "value_share"
            for row, low, high in zip(rows, spread.low.tolist(), spread.high.tolist(), strict=True):
                row.update({f"{prefix}_low": low, f"{prefix}_high": high})
            columns += [f"{prefix}_low", f"{prefix}_high"]
    emit_rows(rows, fmt, columns=columns, title=title)


@contextmanager
def _bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (when it is a terminal) for the replicates of a bootstrap."""
    with progress_bar(what) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


FEW = 100  # conversions below which the data-driven shares are said to be uncertain
SLOW = 10.0  # seconds of building journeys on the store after which the mirror is suggested


def _suggest_the_mirror(engine: str, seconds: float) -> None:
    """On the store itself, a slow build gets the tip of the engine made for volume."""
    if engine in ("sqlite", "postgres") and seconds >= SLOW:
        typer.echo(
            f"Building the journeys on the store took {seconds:.0f} s. For this many, the analytical mirror is "
            "about 15x faster: revbridge mirror sync ./mirror, then add --engine duckdb:./mirror (or set "
            "REVBRIDGE_ANALYTICS=duckdb:./mirror).",
            err=True,
        )


def _emit_comparison(frame: pd.DataFrame, by: str, fmt: OutputFormat) -> None:
    for name, reason in frame.attrs.get("skipped", {}).items():
        typer.echo(f"{name}: left out: {reason}", err=True)
    rows = frame.rename(columns={"channel": by}).to_dict("records")
    columns = [by if c == "channel" else str(c) for c in frame.columns]
    emit_rows(rows, fmt, columns=columns, title="Attribution: each channel's share by each model")


def _every_model(*, order: int, half_life: float) -> dict[str, Callable[[Paths], Credit]]:
    """Every model, Markov of ``order`` and time decay of ``half_life`` days."""
    from revbridge.analytics import attribution as models

    everything = dict(models.MODELS)
    everything["markov"] = lambda paths: models.markov(paths, order)
    everything["time_decay"] = lambda paths: models.time_decay(paths, timedelta(days=half_life))
    return everything


def _credit(journeys: Paths, model: Model, *, order: int, half_life: float) -> tuple[Credit, str]:
    """The model's credit and the title that names it with its parameters."""
    from revbridge.analytics import attribution as models

    if model is Model.markov:
        return models.markov(journeys, order), f"Attribution: markov, order {order}"
    if model is Model.time_decay:
        credit = models.time_decay(journeys, timedelta(days=half_life))
        return credit, f"Attribution: time_decay, half-life {half_life:g} days"
    return models.MODELS[model.value](journeys), f"Attribution: {model.value}"


def register(app: typer.Typer) -> None:
    app.command(name="attribution", help=definitions_help("revbridge.analytics.attribution", EXAMPLES))(attribution)
