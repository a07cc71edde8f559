"""Bootstrap confidence intervals of a data-driven model's channel shares.

The journeys are drawn again with replacement: each (path, outcome) cell's count from one multinomial
over all journeys, so a replicate has as many journeys as the data. The model is re-run on each
replicate's counts over the same paths (the layout of the chain, or the channel sets, computed once),
and the interval is the percentile range of the replicates' shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from revbridge.analytics.attribution.markov_chain import layout, removal_effects_of, shares_of_effects
from revbridge.analytics.attribution.shapley_game import ShapleyGame
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

Floats = np.ndarray
SharesOf = Callable[[Floats, Floats], Floats]  # (conversions, nulls) per path -> share per channel
Progress = Callable[[int, int], None]  # replicates done, replicates in all


@dataclass(frozen=True)
class Interval:
    channels: tuple[str, ...]
    share: Floats
    low: Floats
    high: Floats

    def as_rows(self) -> list[dict[str, float | str]]:
        return [
            {"channel": c, "share": float(self.share[i]), "low": float(self.low[i]), "high": float(self.high[i])}
            for i, c in enumerate(self.channels)
        ]


def bootstrap(
    paths: Paths,
    shares_of: SharesOf,
    *,
    replicates: int = 200,
    level: float = 0.95,
    seed: int = 0,
    progress: Progress | None = None,
) -> Interval:
    """Percentile intervals of ``shares_of`` over ``replicates`` resamples of the journeys, drawn one at a
    time (all at once, a million journeys' counts would take gigabytes); ``progress(done, total)`` after
    each."""
    counts = np.concatenate([paths.conversions, paths.nulls])
    total = round(float(counts.sum()))
    if total == 0:
        zeros = np.zeros(len(paths.channels))
        return Interval(paths.channels, zeros, zeros, zeros)
    rng = np.random.default_rng(seed)
    chances = counts / counts.sum()
    n = len(paths.conversions)
    shares = np.zeros((replicates, len(paths.channels)))
    for replicate in range(replicates):
        drawn = rng.multinomial(total, chances).astype(float)
        shares[replicate] = shares_of(drawn[:n], drawn[n:])
        if progress is not None:
            progress(replicate + 1, replicates)
    tail = (1 - level) / 2
    point = shares_of(paths.conversions, paths.nulls)
    return Interval(paths.channels, point, np.quantile(shares, tail, axis=0), np.quantile(shares, 1 - tail, axis=0))


MEASURES = ("conversions", "value")


def _worth_per_conversion(paths: Paths) -> Floats:
    """Each path's value per converting journey, so that a replicate's value follows its conversions."""
    worth: Floats = np.divide(
        paths.value, paths.conversions, out=np.zeros_like(paths.value), where=paths.conversions > 0
    )
    return worth


def intervals(
    paths: Paths,
    model: str = "markov",
    *,
    order: int = 1,
    measure: str = "conversions",
    replicates: int = 200,
    level: float = 0.95,
    seed: int = 0,
    progress: Progress | None = None,
) -> Interval:
    """Intervals of the shares of a data-driven ``model``, ``markov`` (of ``order``) or ``shapley``: of the
    conversions, or of the value (each replicate's converting journeys worth their path's average;
    Markov's value by the removal effects on the expected value). What does not change between
    replicates is computed once: the chain's layout, or the Shapley coalitions and weights."""
    if measure not in MEASURES:
        raise InvalidInput(f"intervals of conversions or value, not {measure!r}")
    if model not in ("markov", "shapley"):
        raise InvalidInput(f"intervals are for the data-driven models, markov and shapley, not {model!r}")
    column = MEASURES.index(measure)
    worth = _worth_per_conversion(paths)
    m = len(paths.channels)
    shares_of: SharesOf
    if model == "markov":
        shape = layout(paths, order)

        def shares_of(conversions: Floats, nulls: Floats) -> Floats:
            effects = removal_effects_of(shape.chain(conversions, nulls, conversions * worth), m)
            return shares_of_effects(effects[:, column])
    else:
        game = ShapleyGame.of(paths, seed=seed)

        def shares_of(conversions: Floats, nulls: Floats) -> Floats:
            credited = game.credit(conversions, nulls, conversions * worth)[column]
            total = credited.sum()
            return credited / total if total > 0 else np.zeros(m)

    return bootstrap(paths, shares_of, replicates=replicates, level=level, seed=seed, progress=progress)
