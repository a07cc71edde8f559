"""Attribution of conversions (and their value) to channels, from journeys aggregated by path.

A **path** is the ordered channels of a journey (``"paid_search > email > direct"``) with how many
journeys took it and converted (``conversions``, their ``value``) or did not (``nulls``). Every model
splits each path's conversions over its touches, and the totals per channel are the credit:

- **first touch**, **last touch**: all of it to the first (last) channel;
- **last non-direct**: to the last channel that is not ``direct`` (``direct`` when there is no other);
- **linear**: equally over the touches;
- **U-shaped** (position-based): 40% to the first touch, 40% to the last, 20% over those between (one
  touch takes all; two take half each);
- **Markov** (data-driven): the journeys as an absorbing Markov chain over channels (of order k: the
  last k channels are the state); a channel's **removal effect** is the share of conversions lost when
  every journey reaching it is lost instead, computed **exactly** by solving the chain's linear system,
  not by simulation. Credit is shared in proportion to the removal effects.

Pure numpy over the paths: the paths come from a file in the common aggregated format
(``connectors/path_files.py``) or from journeys built in the analytics engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

Floats = np.ndarray
Ints = np.ndarray
DIRECT = "direct"
U_SHAPED = (0.4, 0.2, 0.4)
DIRECT_INDEX_LIMIT = 4_000_000  # keys (or state pairs) few enough to count in a flat array
DENSE_LIMIT = 64  # states few enough that a dense solve beats a sparse one


@dataclass(frozen=True)
class Credit:
    """Each channel's attributed conversions and value, and its share of the conversions."""

    channels: tuple[str, ...]
    conversions: Floats
    value: Floats

    @property
    def shares(self) -> Floats:
        total = self.conversions.sum()
        return self.conversions / total if total else np.zeros_like(self.conversions)

    def as_rows(self) -> list[dict[str, float | str]]:
        shares = self.shares
        return [
            {"channel": c, "conversions": float(self.conversions[i]), "value": float(self.value[i]),
             "share": float(shares[i])}
            for i, c in enumerate(self.channels)
        ]  # fmt: skip


def _credit(paths: Paths, weights: Floats) -> Credit:
    """Credit from a weight per step (each path's weights add up to 1)."""
    per_step = paths.path_of_step
    m = len(paths.channels)
    conversions = np.bincount(paths.steps, weights=weights * paths.conversions[per_step], minlength=m)
    value = np.bincount(paths.steps, weights=weights * paths.value[per_step], minlength=m)
    return Credit(paths.channels, conversions, value)


def first_touch(paths: Paths) -> Credit:
    weights = np.zeros(len(paths.steps))
    weights[paths.starts[:-1]] = 1.0
    return _credit(paths, weights)


def last_touch(paths: Paths) -> Credit:
    weights = np.zeros(len(paths.steps))
    weights[paths.starts[1:] - 1] = 1.0
    return _credit(paths, weights)


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
    return _credit(paths, weights)


def linear(paths: Paths) -> Credit:
    return _credit(paths, 1.0 / paths.lengths[paths.path_of_step])


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
    return _credit(paths, weights)


# --- Markov ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    """The absorbing chain of order ``order``: transient states (0 is the start), their channels, and the
    journeys moving between them (``flow``, transient to transient) or ending in each (``to_conversion``,
    ``to_null``)."""

    order: int
    members: list[frozenset[int]]  # per transient state, the channels it holds (the start holds none)
    flow: sp.csr_matrix
    to_conversion: Floats
    to_null: Floats

    def conversion_probability(self, removed: int | None = None) -> float:
        """The chance a journey from the start converts; with ``removed``, when every journey reaching a
        state holding that channel is lost instead."""
        totals = np.asarray(self.flow.sum(axis=1)).ravel() + self.to_conversion + self.to_null
        totals[totals == 0] = 1.0
        flow = self.flow
        if removed is not None:
            keep = np.array([removed not in m for m in self.members], dtype=float)
            flow = flow @ sp.diags(keep)
        q = sp.diags(1.0 / totals) @ flow
        r = self.to_conversion / totals
        size = q.shape[0]
        if size <= DENSE_LIMIT:
            return float(np.linalg.solve(np.identity(size) - q.toarray(), r)[0])
        solved = spla.spsolve((sp.identity(size, format="csc") - q).tocsc(), r)
        return float(np.atleast_1d(solved)[0])


@dataclass(frozen=True)
class Layout:
    """Where each step of the paths sits in the chain of ``order``, whatever the journeys' counts: its
    state and the state before it (0: the start), each path's last state, and each state's channels."""

    order: int
    size: int
    per_step: Ints
    state: Ints
    previous: Ints
    last: Ints
    members: list[frozenset[int]]

    def chain(self, conversions: Floats, nulls: Floats) -> Chain:
        """The chain when the paths were taken by these counts of converting and other journeys."""
        size = self.size
        weight = (conversions + nulls)[self.per_step]
        if size * size <= DIRECT_INDEX_LIMIT:
            counts = np.bincount(self.previous * size + self.state, weights=weight, minlength=size * size)
            flow = sp.csr_matrix(counts.reshape(size, size))
        else:
            flow = sp.coo_matrix((weight, (self.previous, self.state)), shape=(size, size)).tocsr()
        to_conversion = np.bincount(self.state[self.last], weights=conversions, minlength=size)
        to_null = np.bincount(self.state[self.last], weights=nulls, minlength=size)
        return Chain(self.order, self.members, flow, to_conversion.astype(float), to_null.astype(float))


def layout(paths: Paths, order: int = 1) -> Layout:
    """Every step's state is its last ``order`` channels."""
    if order < 1:
        raise InvalidInput(f"the Markov order must be 1 or more, got {order}")
    m = len(paths.channels)
    per_step = paths.path_of_step
    position = np.arange(len(paths.steps)) - paths.starts[:-1][per_step]
    # A state is the last ``order`` channels, as one integer in base m + 1 (0 for "before the start").
    key = np.zeros(len(paths.steps), dtype=np.int64)
    for back in range(order):
        earlier = np.arange(len(paths.steps)) - back
        valid = position >= back
        codes = np.where(valid, paths.steps[np.maximum(earlier, 0)] + 1, 0)
        key += codes * (m + 1) ** back
    span = (m + 1) ** order
    if span <= DIRECT_INDEX_LIMIT:  # states numbered by a lookup over every possible key: no sort
        seen = np.zeros(span, dtype=bool)
        seen[key] = True
        keys = np.flatnonzero(seen)
        state = (np.cumsum(seen) - 1)[key] + 1  # 0 is the start
    else:
        keys, inverse = np.unique(key, return_inverse=True)
        state = inverse.reshape(-1) + 1
    previous = np.where(position == 0, 0, np.concatenate([[0], state[:-1]]))
    members = [frozenset[int]()] + [_channels_of(int(k), m, order) for k in keys]
    return Layout(order, len(keys) + 1, per_step, state, previous, paths.starts[1:] - 1, members)


def chain(paths: Paths, order: int = 1) -> Chain:
    """The chain of ``order`` built from the paths."""
    return layout(paths, order).chain(paths.conversions, paths.nulls)


def _channels_of(key: int, m: int, order: int) -> frozenset[int]:
    found = set()
    for _ in range(order):
        key, digit = divmod(key, m + 1)
        if digit:
            found.add(digit - 1)
    return frozenset(found)


def _effects(built: Chain, channels: int) -> Floats:
    base = built.conversion_probability()
    if base <= 0:
        return np.zeros(channels)
    return np.array([1.0 - built.conversion_probability(c) / base for c in range(channels)])


def _shares(effects: Floats) -> Floats:
    total = effects.sum()
    return effects / total if total > 0 else np.zeros_like(effects)


def removal_effects(paths: Paths, order: int = 1) -> Floats:
    """Per channel, the share of the conversion probability lost when it is removed."""
    return _effects(chain(paths, order), len(paths.channels))


def markov(paths: Paths, order: int = 1) -> Credit:
    """Conversions and value shared in proportion to each channel's removal effect."""
    shares = _shares(removal_effects(paths, order))
    return Credit(paths.channels, shares * paths.conversions.sum(), shares * paths.value.sum())


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


def markov_intervals(
    paths: Paths, order: int = 1, *, replicates: int = 200, level: float = 0.95, seed: int = 0
) -> Interval:
    """Bootstrap percentile intervals of each channel's Markov share: the journeys drawn again with
    replacement (each (path, outcome) cell's count from a multinomial over all journeys), the chain
    re-solved each time on the same layout."""
    shape = layout(paths, order)
    counts = np.concatenate([paths.conversions, paths.nulls])
    total = round(float(counts.sum()))
    if total == 0:
        zeros = np.zeros(len(paths.channels))
        return Interval(paths.channels, zeros, zeros, zeros)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(total, counts / counts.sum(), size=replicates).astype(float)
    n = len(paths.conversions)
    shares = np.array([_shares(_effects(shape.chain(d[:n], d[n:]), len(paths.channels))) for d in draws])
    tail = (1 - level) / 2
    point = _shares(_effects(shape.chain(paths.conversions, paths.nulls), len(paths.channels)))
    return Interval(paths.channels, point, np.quantile(shares, tail, axis=0), np.quantile(shares, 1 - tail, axis=0))


MODELS = {
    "first_touch": first_touch,
    "last_touch": last_touch,
    "last_non_direct": last_non_direct,
    "linear": linear,
    "u_shaped": u_shaped,
    "markov": markov,
}


def with_roi(credit: Credit, spend: dict[str, float]) -> list[dict[str, Any]]:
    """The credit's rows with each channel's (or campaign's) ``spend`` and ``roi``: attributed value ÷
    spend, none where nothing was spent."""
    rows: list[dict[str, Any]] = []
    for row in credit.as_rows():
        spent = spend.get(str(row["channel"]), 0.0)
        rows.append({**row, "spend": spent, "roi": float(row["value"]) / spent if spent else None})
    return rows
