"""The Markov chain model: journeys as an absorbing chain over channels (of order k: the last k channels
are the state). A channel's removal effect is the share of conversions lost when every journey
reaching it is lost instead, computed exactly by solving the chain's linear system, not by simulation.
Credit is shared in proportion to the removal effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from revbridge.analytics.attribution.credit import Credit
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

Floats = np.ndarray
Ints = np.ndarray
DIRECT_INDEX_LIMIT = 4_000_000  # keys (or state pairs) few enough to count in a flat array
DENSE_LIMIT = 64  # states few enough that a dense solve beats a sparse one


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
    state and the move into it (``pair``: the state before times ``size`` plus its own, 0 being the
    start), each path's last state, and each state's channels."""

    order: int
    size: int
    lengths: Ints
    state: Ints
    pair: Ints
    last: Ints
    members: list[frozenset[int]]

    def chain(self, conversions: Floats, nulls: Floats) -> Chain:
        """The chain when the paths were taken by these counts of converting and other journeys."""
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
        return Chain(self.order, self.members, flow, to_conversion.astype(float), to_null.astype(float))


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
    return layout(paths, order).chain(paths.conversions, paths.nulls)


def _channels_of(key: int, m: int, order: int) -> frozenset[int]:
    found = set()
    for _ in range(order):
        key, digit = divmod(key, m + 1)
        if digit:
            found.add(digit - 1)
    return frozenset(found)


def effects_of(built: Chain, channels: int) -> Floats:
    base = built.conversion_probability()
    if base <= 0:
        return np.zeros(channels)
    return np.array([1.0 - built.conversion_probability(c) / base for c in range(channels)])


def shares_of_effects(effects: Floats) -> Floats:
    total = effects.sum()
    return effects / total if total > 0 else np.zeros_like(effects)


def removal_effects(paths: Paths, order: int = 1) -> Floats:
    """Per channel, the share of the conversion probability lost when it is removed."""
    return effects_of(chain(paths, order), len(paths.channels))


def markov(paths: Paths, order: int = 1) -> Credit:
    """Conversions and value shared in proportion to each channel's removal effect."""
    shares = shares_of_effects(removal_effects(paths, order))
    return Credit(paths.channels, shares * paths.conversions.sum(), shares * paths.value.sum())
