"""The Markov chain model: journeys as an absorbing chain over channels (of order k: the last k channels
are the state). A channel's removal effect is the share of conversions lost when every journey
reaching it is lost instead, computed exactly by solving the chain's linear system, not by simulation.
Credit is shared in proportion to the removal effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from revbridge.analytics.attribution.credit import Credit
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

Floats = np.ndarray
Ints = np.ndarray
DIRECT_INDEX_LIMIT = 4_000_000  # keys (or state pairs) few enough to count in a flat array
DENSE_LIMIT = 128  # states few enough that a dense solve beats a sparse one
FIXED_POINT_LIMIT = 2000  # steps of the fixed point before falling back to LU


@dataclass(frozen=True)
class Chain:
    """The absorbing chain of order ``order``: transient states (0 is the start), their channels, and the
    journeys moving between them (``flow``, transient to transient) or ending in each (``to_conversion``
    and the value they brought, ``to_value``; ``to_null``)."""

    order: int
    members: list[frozenset[int]]  # per transient state, the channels it holds (the start holds none)
    flow: sp.csr_matrix
    to_conversion: Floats
    to_null: Floats
    to_value: Floats

    def outcomes(self, removed: int | None = None) -> Floats:
        """From the start: the chance a journey converts and the value it is expected to bring; with
        ``removed``, when every journey reaching a state holding that channel is lost instead."""
        moves, ends = self._normalised
        keep = None if removed is None else np.array([removed not in m for m in self.members], dtype=float)
        visits: Floats = _visits(moves, keep) @ ends
        return visits

    def conversion_probability(self, removed: int | None = None) -> float:
        return float(self.outcomes(removed)[0])

    @cached_property
    def _normalised(self) -> tuple[sp.csr_matrix, Floats]:
        """The chance of each move (transient to transient, rows the state moved from) and of each end."""
        totals = np.asarray(self.flow.sum(axis=1)).ravel() + self.to_conversion + self.to_null
        totals[totals == 0] = 1.0
        moves = (sp.diags(1.0 / totals) @ self.flow).tocsr()
        return moves, np.column_stack([self.to_conversion, self.to_value]) / totals[:, None]


def _visits(moves: sp.csr_matrix, keep: Floats | None) -> Floats:
    """How often a journey from the start is expected to visit each state: ``v = e0 + keep * (movesᵀ v)``
    (``keep`` zeroes the states a removed channel would have taken), solved exactly: by LU on small
    chains; on large ones by the chain's own fixed point (the Neumann series, which converges as fast
    as journeys end) until its error bound falls below 1e-14, with LU when that is slow."""
    size = moves.shape[0]
    start = np.zeros(size)
    start[0] = 1.0
    back = moves.T.tocsr() if keep is None else (sp.diags(keep) @ moves.T).tocsr()
    if size <= DENSE_LIMIT:
        solved: Floats = np.linalg.solve(np.identity(size) - back.toarray(), start)
        return solved
    visits, change = start.copy(), np.inf
    for _ in range(FIXED_POINT_LIMIT):
        following: Floats = start + back @ visits
        step = float(np.abs(following - visits).max())
        rate = step / change if np.isfinite(change) and change > 0 else 1.0
        visits, change = following, step
        if step == 0.0 or (rate < 1 and step * rate / (1 - rate) <= 1e-14 * float(visits.max())):
            return visits
    lu = spla.splu((sp.identity(size, format="csc") - back).tocsc())
    return np.asarray(lu.solve(start))


@dataclass(frozen=True)
class Layout:
    """Where each step of the paths sits in the chain of ``order``, whatever the journeys' counts: its
    state and the move into it (``pair``: the state before times ``size`` plus its own, 0 being the
    start), each path's last state, and each state's channels."""

    order: int
    size: int
    lengths: Ints
    state: Ints
    pair: Ints
    last: Ints
    members: list[frozenset[int]]

    def chain(self, conversions: Floats, nulls: Floats, value: Floats | None = None) -> Chain:
        """The chain when the paths were taken by these counts of converting and other journeys (and the
        converting ones brought ``value``)."""
        size = self.size
        weight = np.repeat(conversions + nulls, self.lengths)
        if size * size <= DIRECT_INDEX_LIMIT:
            counts = np.bincount(self.pair, weights=weight, minlength=size * size)
            flow = sp.csr_matrix(counts.reshape(size, size))
        else:
            previous, state = np.divmod(self.pair, size)
            flow = sp.coo_matrix((weight, (previous, state)), shape=(size, size)).tocsr()
        ends = self.state[self.last]
        to_conversion = np.bincount(ends, weights=conversions, minlength=size)
        to_null = np.bincount(ends, weights=nulls, minlength=size)
        worth = np.bincount(ends, weights=value, minlength=size) if value is not None else np.zeros(size)
        return Chain(self.order, self.members, flow, to_conversion.astype(float), to_null.astype(float), worth)


def layout(paths: Paths, order: int = 1) -> Layout:
    """Every step's state is its last ``order`` channels."""
    if order < 1:
        raise InvalidInput(f"the Markov order must be 1 or more, got {order}")
    m = len(paths.channels)
    n = len(paths.steps)
    first = np.zeros(n, dtype=bool)
    first[paths.starts[:-1][paths.lengths > 0]] = True
    # A state is the last ``order`` channels, as one integer in base m + 1 (0 for "before the start").
    key = paths.steps.astype(np.int64) + 1
    if order > 1:
        position = np.arange(n) - np.repeat(paths.starts[:-1], paths.lengths)
        for back in range(1, order):
            codes = np.zeros(n, dtype=np.int64)
            codes[back:] = paths.steps[: n - back] + 1
            codes[position < back] = 0
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
    size = len(keys) + 1
    previous = np.empty_like(state)
    previous[1:] = state[:-1]
    previous[first] = 0
    members = [frozenset[int]()] + [_channels_of(int(k), m, order) for k in keys]
    return Layout(order, size, paths.lengths, state, previous * size + state, paths.starts[1:] - 1, members)


def chain(paths: Paths, order: int = 1) -> Chain:
    """The chain of ``order`` built from the paths."""
    return layout(paths, order).chain(paths.conversions, paths.nulls, paths.value)


def _channels_of(key: int, m: int, order: int) -> frozenset[int]:
    found = set()
    for _ in range(order):
        key, digit = divmod(key, m + 1)
        if digit:
            found.add(digit - 1)
    return frozenset(found)


def effects_of(built: Chain, channels: int) -> Floats:
    """Per channel, the share of the conversion probability lost when it is removed."""
    return removal_effects_of(built, channels)[:, 0]


def removal_effects_of(built: Chain, channels: int) -> Floats:
    """Per channel, the shares of the conversion probability and of the expected value lost when it is
    removed (a column each)."""
    base = built.outcomes()
    lost = np.array([1.0 - np.divide(built.outcomes(c), base, out=np.ones(2), where=base > 0) for c in range(channels)])
    return lost.reshape(channels, 2)


def shares_of_effects(effects: Floats) -> Floats:
    total = effects.sum()
    return effects / total if total > 0 else np.zeros_like(effects)


def removal_effects(paths: Paths, order: int = 1) -> Floats:
    """Per channel, the share of the conversion probability lost when it is removed."""
    return effects_of(chain(paths, order), len(paths.channels))


def markov(paths: Paths, order: int = 1) -> Credit:
    """Conversions shared in proportion to each channel's removal effect on the conversion probability,
    and value in proportion to its removal effect on the expected value (journeys weighted by what the
    converting ones brought)."""
    effects = removal_effects_of(chain(paths, order), len(paths.channels))
    conversions = shares_of_effects(effects[:, 0]) * paths.conversions.sum()
    return Credit(paths.channels, conversions, shares_of_effects(effects[:, 1]) * paths.value.sum())
