"""The rule-based models: each path's conversions split over its touches by their position, or by each
touch's age and role in its journey (``Paths.ages``, ``Paths.marks``)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from revbridge.analytics.attribution.credit import Credit, credit_of
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import LEAD_CREATED, OPPORTUNITY_CREATED, WON, Paths

DIRECT = "direct"
U_SHAPED = (0.4, 0.2, 0.4)


def first_touch(paths: Paths) -> Credit:
    weights = np.zeros(len(paths.steps))
    weights[paths.starts[:-1]] = 1.0
    return credit_of(paths, weights)


def last_touch(paths: Paths) -> Credit:
    weights = np.zeros(len(paths.steps))
    weights[paths.starts[1:] - 1] = 1.0
    return credit_of(paths, weights)


def last_non_direct(paths: Paths) -> Credit:
    """The last touch that is not ``direct``; ``direct`` only when a path has nothing else."""
    weights = np.zeros(len(paths.steps))
    if DIRECT not in paths.channels:
        return last_touch(paths)
    direct = paths.channels.index(DIRECT)
    position = np.arange(len(paths.steps))
    candidate = np.where(paths.steps != direct, position, -1)
    last_other = np.maximum.reduceat(candidate, paths.starts[:-1])
    chosen = np.where(last_other >= 0, last_other, paths.starts[1:] - 1)
    weights[chosen] = 1.0
    return credit_of(paths, weights)


def linear(paths: Paths) -> Credit:
    return credit_of(paths, 1.0 / paths.lengths[paths.path_of_step])


def u_shaped(paths: Paths, split: tuple[float, float, float] = U_SHAPED) -> Credit:
    """Position-based: ``split`` (first, middle, last) of a path of three or more touches."""
    first_share, middle_share, last_share = split
    lengths = paths.lengths
    per_step = paths.path_of_step
    n = lengths[per_step]
    position = np.arange(len(paths.steps)) - paths.starts[:-1][per_step]
    weights = np.where(n > 2, middle_share / np.maximum(n - 2, 1), 0.0)
    ends = first_share + last_share
    weights = np.where(position == 0, np.where(n > 2, first_share, np.where(n == 2, first_share / ends, 1.0)), weights)
    weights = np.where((position == n - 1) & (n > 1), np.where(n > 2, last_share, last_share / ends), weights)
    return credit_of(paths, weights)


# The models below need each step's age or marks, which only journeys built from the store carry.
HALF_LIFE = timedelta(days=7)
W_SHAPED = (0.3, 0.3, 0.3, 0.1)  # first touch, lead creation, opportunity creation, the others
FULL_PATH = (0.225, 0.225, 0.225, 0.225, 0.1)  # first, lead creation, opportunity creation, won, the others


def time_decay(paths: Paths, half_life: timedelta = HALF_LIFE) -> Credit:
    """Each touch weighs 2^(-age / half_life), normalised per journey."""
    ages = _needs(paths.ages, "time decay")
    scale = half_life.total_seconds()
    if scale <= 0:
        raise InvalidInput("the half-life of time decay must be positive")
    per_step = paths.path_of_step
    youngest = np.minimum.reduceat(ages, paths.starts[:-1]) if len(ages) else ages
    weights = np.exp2(-(ages - youngest[per_step]) / scale)  # relative to the youngest: never all zero
    return credit_of(paths, weights / np.bincount(per_step, weights=weights)[per_step])


def w_shaped(paths: Paths, split: tuple[float, float, float, float] = W_SHAPED) -> Credit:
    """``split``: the first touch, the lead-creation touch, the opportunity-creation touch, the others."""
    first, lead, opportunity, others = split
    return _shaped(paths, "W-shaped", first, {LEAD_CREATED: lead, OPPORTUNITY_CREATED: opportunity}, others)


def full_path(paths: Paths, split: tuple[float, float, float, float, float] = FULL_PATH) -> Credit:
    """``split``: the first touch, lead creation, opportunity creation, the won touch, the others."""
    first, lead, opportunity, won, others = split
    keys = {LEAD_CREATED: lead, OPPORTUNITY_CREATED: opportunity, WON: won}
    return _shaped(paths, "full path", first, keys, others)


def _shaped(paths: Paths, model: str, first: float, keys: dict[int, float], others: float) -> Credit:
    """``first`` to the first touch and each key share to the touch of that mark (shares of one touch
    add up), ``others`` equally over the remaining touches; each journey's weights then scaled to add up
    to 1 (a missing key touch, or no other touch, leaves its share to the rest)."""
    marks = _needs(paths.marks, model)
    per_step = paths.path_of_step
    is_first = np.zeros(len(marks), dtype=bool)
    is_first[paths.starts[:-1]] = True
    weights = np.where(is_first, first, 0.0)
    key = is_first.copy()
    for bit, share in keys.items():
        marked = (marks & bit) != 0
        weights += np.where(marked, share, 0.0)
        key |= marked
    rest = np.bincount(per_step, weights=~key, minlength=len(paths.lengths))
    weights += np.where(key, 0.0, others / np.maximum(rest[per_step], 1))
    return credit_of(paths, weights / np.bincount(per_step, weights=weights)[per_step])


def _needs(per_step: np.ndarray | None, model: str) -> np.ndarray:
    if per_step is None:
        raise InvalidInput(
            f"{model} needs each touch's time and role in its journey, which an aggregated paths file "
            "does not have: build the journeys from the store instead (run without --paths)"
        )
    return per_step
