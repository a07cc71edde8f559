"""The rule-based models: each path's conversions split over its touches by their position."""

from __future__ import annotations

import numpy as np

from revbridge.analytics.attribution.credit import Credit, credit_of
from revbridge.domain.paths import Paths

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
