"""Which MQL threshold gives sales the most conversions it has the capacity to work?

- **Swept score**: ``--on`` fit, engagement or score; by default the first of engagement, score, fit
  that the MQL condition compares with ``>=`` or ``>``. Each such comparison of that score takes each
  threshold in turn; the rest of the condition stays as it is.
- **MQLs**: for each threshold, the proposed MQLs in the window, as ``sla simulate`` defines them (the
  stored touchpoints replayed; a lead's first touchpoint at which the condition holds).
- **Busiest** and **average**: the most MQLs in any one period of the window, and the average over the
  periods wholly in it (UTC weeks from Monday, or months).
- **Expected conversions**: the sum, over a threshold's MQLs, of each lead's chance of becoming an
  opportunity: its model probability (``p_convert``) where it has one; else, if sales was handed the lead
  in the window, what actually happened (1 or 0); else (never handed over, so unknown) the rate at which
  the handed-over leads of its band converted, bands being ten equal shares of the leads by their highest
  value of the swept score in the window (the rate of all handed-over leads where a band has none).
- **Proposal**: the threshold with the most expected conversions whose busiest period is within the
  capacity; among equals, the higher threshold (fewer MQLs for the same conversions). The busiest period,
  not the average, has to fit: a threshold whose peaks exceed sales' capacity leaves MQLs waiting past
  their accept clocks in those periods.

Pure: numpy, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from revbridge.domain.conditions import AllOf, AnyOf, Comparison, Condition, Node, Not
from revbridge.domain.scoring_batch import Bools, Floats
from revbridge.domain.sla_replay import RISING_OPS, TouchScores, first_moments
from revbridge.domain.sla_whatif import Window, count_per_period, periods, whole_periods

SWEPT = ("engagement", "score", "fit")
BANDS = 10
STEPS = 20  # about this many thresholds when no step is given


def main_score(condition: Condition) -> str | None:
    """The first of engagement, score, fit the condition compares with ``>=`` or ``>``."""
    named = {c.name for c in condition.comparisons() if c.op in RISING_OPS}
    return next((name for name in SWEPT if name in named), None)


def current_threshold(condition: Condition, on: str) -> float | None:
    """The condition's threshold on ``on`` (its first ``>=`` or ``>`` comparison of it)."""
    return next((float(c.value) for c in condition.comparisons() if c.name == on and c.op in RISING_OPS), None)


def with_threshold(condition: Condition, on: str, value: float) -> Condition:
    """The condition with every ``>=`` / ``>`` comparison of ``on`` set to ``value``."""
    return Condition(_set(condition.root, on, value))


def _set(node: Node, on: str, value: float) -> Node:
    if isinstance(node, Comparison):
        return replace(node, value=value) if node.name == on and node.op in RISING_OPS else node
    if isinstance(node, Not):
        return Not(_set(node.part, on, value))
    assert isinstance(node, AllOf | AnyOf)
    return type(node)(tuple(_set(p, on, value) for p in node.parts))


def thresholds(values: Floats, *, step: float | None = None, current: float | None = None) -> Floats:
    """The thresholds to try: from the lowest value (at least 0) to the 99th percentile of ``values``,
    in ``step``s (by default a round step giving about 20), and the current threshold."""
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.array([] if current is None else [current])
    low = max(0.0, math.floor(float(values.min())))
    high = math.ceil(float(np.quantile(values, 0.99)))
    if step is None:
        raw = max((high - low) / STEPS, 1e-9)
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    low = math.floor(low / step) * step
    grid = np.arange(low, high + step / 2, step)
    if current is not None:
        grid = np.append(grid, current)
    return np.unique(np.round(grid, 6))


def expected_outcomes(p_convert: Floats, handed: Bools, converted: Bools, band_value: Floats) -> Floats:
    """Each lead's chance of converting, as the module's docstring says."""
    known = handed & ~np.isnan(band_value)
    overall = float(converted[handed].mean()) if handed.any() else 0.0
    q = np.full(len(p_convert), overall)
    usable = ~np.isnan(band_value)
    if usable.any():
        edges = np.unique(np.quantile(band_value[usable], np.linspace(0, 1, BANDS + 1)))
        band = np.clip(np.searchsorted(edges, np.nan_to_num(band_value), side="right") - 1, 0, max(len(edges) - 2, 0))
        hits = np.bincount(band[known], weights=converted[known].astype(np.float64), minlength=len(edges))
        seen = np.bincount(band[known], minlength=len(edges))
        rate = np.where(seen > 0, hits / np.maximum(seen, 1), overall)
        q = np.where(usable, rate[band], overall)
    q = np.where(handed, converted.astype(np.float64), q)
    return np.where(np.isnan(p_convert), q, p_convert)


@dataclass(frozen=True)
class SweepRow:
    threshold: float
    mqls: int
    busiest: int
    average: float
    expected: float
    fits: bool
    current: bool


def sweep(
    condition: Condition,
    on: str,
    grid: Sequence[float],
    scored: TouchScores,
    leads: int,
    window: Window,
    per: str,
    chance: Floats,
    capacity: float,
) -> list[SweepRow]:
    """One row per threshold of ``grid``: its MQLs in the window, busiest and average period, expected
    conversions (``chance`` per lead), and whether the busiest period fits ``capacity``."""
    since, until = window.bounds
    starts = periods(window, per)
    whole = whole_periods(starts, window, per)
    chosen = whole if whole.any() else np.ones(len(starts), dtype=bool)
    now = current_threshold(condition, on)
    rows = []
    for value in grid:
        moment = first_moments(with_threshold(condition, on, float(value)), scored, leads, until=until)
        with np.errstate(invalid="ignore"):
            inside = moment >= since
        counts = count_per_period(np.where(inside, moment, np.nan), starts, window.until)
        busiest = int(counts.max()) if len(counts) else 0
        rows.append(
            SweepRow(
                threshold=float(value),
                mqls=int(inside.sum()),
                busiest=busiest,
                average=float(counts[chosen].mean()) if len(counts) else 0.0,
                expected=float(chance[inside].sum()),
                fits=busiest <= capacity,
                current=now is not None and float(value) == now,
            )
        )
    return rows


def propose(rows: Sequence[SweepRow]) -> SweepRow | None:
    """The row with the most expected conversions among those that fit; the higher threshold on a tie."""
    fitting = [r for r in rows if r.fits]
    if not fitting:
        return None
    return max(fitting, key=lambda r: (round(r.expected, 9), r.threshold))
