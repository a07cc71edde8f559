"""Each tool's call on a data frame of the common aggregated format, and its result read back per channel.

A ``Job`` holds what a worker of ``benchmarks/attribution.py`` times (``call``), what it times apart
(``prep``: mam's preprocessing), and how to read the call's result: per model (one call of
ChannelAttribution's ``heuristic_models`` gives three), each channel's attributed conversions.
Building a job imports the tool and does everything that is not timed, so that the resident memory
measured before the first call is the tool loaded with the data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd

PATH, CONVERSIONS, VALUE, NULLS = "path", "total_conversions", "total_conversion_value", "total_null"
Credits = dict[str, dict[str, float]]  # per model ("" when the call gives one), each channel's conversions


@dataclass
class Job:
    call: Callable[[], Any]
    read: Callable[[Any], Credits]
    prep: Callable[[], None] | None = None
    details: Callable[[Any], dict[str, Any]] | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def job(tool: str, model: str, order: int, frame: pd.DataFrame) -> Job:
    """The job of ``model`` (of ``order``, for Markov) by ``tool`` on ``frame``."""
    builders: dict[str, Callable[[str, int, pd.DataFrame], Job]] = {
        "revbridge": partial(revbridge, parsed=False),
        "revbridge-parsed": partial(revbridge, parsed=True),
        "channelattribution": channelattribution,
        "mam": mam,
        "mta": mta,
    }
    return builders[tool](model, order, frame)


def revbridge(model: str, order: int, frame: pd.DataFrame, *, parsed: bool) -> Job:
    """RevBridge from the frame (the path strings parsed in the call) or on paths parsed beforehand."""
    import pyarrow as pa

    from revbridge.analytics.attribution import MODELS, Credit, markov
    from revbridge.connectors.path_files import paths_of_table
    from revbridge.domain.paths import Paths

    attribute: Callable[[Paths], Credit] = partial(markov, order=order) if model == "markov" else MODELS[model]

    def read(credit: Credit) -> Credits:
        return {"": dict(zip(credit.channels, credit.conversions.tolist(), strict=True))}

    if parsed:
        paths = paths_of_table(pa.Table.from_pandas(frame, preserve_index=False))
        return Job(call=partial(attribute, paths), read=read)

    def from_frame() -> Credit:
        return attribute(paths_of_table(pa.Table.from_pandas(frame, preserve_index=False)))

    return Job(call=from_frame, read=read)


def channelattribution(model: str, order: int, frame: pd.DataFrame) -> Job:
    """``markov_model`` with its defaults (it simulates journeys from the fitted chain; seed 0, one
    thread), or ``heuristic_models`` (first touch, last touch and linear in one call)."""
    import ChannelAttribution as ca

    if model == "markov":

        def markov_call() -> pd.DataFrame:
            return ca.markov_model(
                frame, PATH, CONVERSIONS, var_value=VALUE, var_null=NULLS, order=order, seed=0, verbose=False,
                flg_pro=False,
            )  # fmt: skip

        def read_markov(result: pd.DataFrame) -> Credits:
            return {"": _column(result, "channel_name", CONVERSIONS)}

        return Job(call=markov_call, read=read_markov, notes={"simulates": True})

    def heuristics_call() -> pd.DataFrame:
        return ca.heuristic_models(frame, PATH, CONVERSIONS, var_value=VALUE, flg_pro=False)

    def read_heuristics(result: pd.DataFrame) -> Credits:
        found: Credits = {}
        for ours, theirs in (("first_touch", "first_touch"), ("last_touch", "last_touch"), ("linear", "linear_touch")):
            column = f"{theirs}_conversions" if f"{theirs}_conversions" in result.columns else theirs
            found[ours] = _column(result, "channel_name", column)
        return found

    return Job(call=heuristics_call, read=read_heuristics)


def mam_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The aggregated format as mam's ``grouped_journey`` format: a row per path and outcome, with how
    many journeys took it (``occurrences``) and whether they converted."""
    converted = pd.DataFrame({PATH: frame[PATH], "occurrences": frame[CONVERSIONS], "has_conversion": True})
    lost = pd.DataFrame({PATH: frame[PATH], "occurrences": frame[NULLS], "has_conversion": False})
    both = pd.concat([converted[converted.occurrences > 0], lost[lost.occurrences > 0]], ignore_index=True)
    return both.assign(occurrences=both.occurrences.round().astype("int64"))


def mam(model: str, order: int, frame: pd.DataFrame) -> Job:
    """``MAM(...)`` on the frame reshaped to its grouped-journey format (both timed as ``prep``), then
    ``run_markov()`` (order 1; self-transitions dropped, its default) or ``run_shapley(max_size=...)``:
    ``shapley`` is its default ``max_size=4``, ``shapley_all`` every channel of a journey."""
    from mam import MAM

    state: dict[str, Any] = {}

    def prep() -> None:
        state.clear()
        state["mam"] = MAM(
            mam_frame(frame), format_type="grouped_journey", channels_colname=PATH,
            journey_with_conv_colname="has_conversion", occurrences_colname="occurrences", path_separator=" > ",
            verbose=False,
        )  # fmt: skip

    def call() -> Any:
        if model == "markov":
            return state["mam"].run_markov()
        return state["mam"].run_shapley(max_size=4 if model == "shapley" else None)

    def read(result: Any) -> Credits:
        return {"": _column(result.to_pandas(), "channels", "attribution")}

    def details(result: Any) -> dict[str, Any]:
        if model != "markov":
            return {}
        effects = result.metadata["removal_effect"]["removal_effect"]
        return {"removal_effects": {str(k): float(v) for k, v in effects.items()}}

    return Job(call=call, read=read, prep=prep, details=details)


def mta(model: str, order: int, frame: pd.DataFrame) -> Job:
    """End to end: ``MTA(data=frame)`` with its defaults (consecutive repeats of a channel removed, a
    timestamp made up for every touch) and then ``.markov()`` (its analytic variant) or ``.shapley()``."""
    from mta import MTA

    built: list[float] = []
    notes: dict[str, Any] = {"construction_seconds": built}

    def call() -> Any:
        began = time.perf_counter()
        model_of = MTA(data=frame)
        built.append(time.perf_counter() - began)
        getattr(model_of, model)()
        return model_of

    def read(result: Any) -> Credits:
        return {"": {str(k): float(v) for k, v in result.attribution[model].items()}}

    return Job(call=call, read=read, notes=notes)


def _column(result: pd.DataFrame, names: str, values: str) -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(result[names], result[values], strict=True)}
