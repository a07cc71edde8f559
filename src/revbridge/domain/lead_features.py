"""What a lead had done by its scoring moment: the behaviour a predictive score may learn from, and the
outcome it learns to foresee. Pure numpy, no I/O.

A lead is scored as of a moment ``t`` of its own (for training, when it became an MQL). Every feature is
computed from the touchpoints at or before ``t`` and from nothing after it, so that the model never
learns from the future (``tests/domain/test_lead_features.py`` holds that as a property):

- ``touches``: all touches by ``t``; ``touches_7d``, ``touches_30d``, ``touches_90d``: those in the last
  7, 30 and 90 days before ``t``;
- ``type:<type>`` and ``type:<type>_30d``: touches of each touchpoint type, by ``t`` and in the 30 days
  before it; ``channel:<channel>`` and ``channel:<channel>_30d``: the same per channel;
- ``days_since_last`` and ``days_since_first``: days from the latest and the earliest touch to ``t``
  (missing, NaN, with no touch by then);
- ``velocity``: touches in the last 7 days ÷ touches in the last 30 (NaN with none in 30 days): rising
  or fading interest.

The outcome (``outcome_within``) is whether the lead reached a stage (by default, opportunity) within a
horizon after ``t``; a lead whose horizon has not ended by the end of the data is left out rather than
counted as a failure, since its outcome is not known yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

DAY = 86_400
WINDOWS = (7, 30, 90)  # days before the scoring moment, for the totals
RECENT = 30  # days, for the per-type and per-channel counts and the velocity's denominator


@dataclass(frozen=True)
class Touches:
    """Touchpoints as parallel arrays: the lead (an index into the leads scored), the moment (seconds
    since the epoch), and the type and channel (indexes into the names given with them)."""

    lead: Ints
    moment: Ints
    kind: Ints
    channel: Ints


def features_as_of(touches: Touches, at: Ints, kinds: Sequence[str], channels: Sequence[str]) -> dict[str, Floats]:
    """The features (see the module's text) of each lead ``i`` as of ``at[i]`` (seconds since the
    epoch), one array per feature, one value per lead."""
    leads = len(at)
    by_then = touches.moment <= at[touches.lead]
    lead = touches.lead[by_then]
    age = at[lead] - touches.moment[by_then]  # seconds before the scoring moment, never negative
    kind, channel = touches.kind[by_then], touches.channel[by_then]
    recent = age < RECENT * DAY
    columns: dict[str, Floats] = {"touches": _count(lead, leads)}
    for days in WINDOWS:
        columns[f"touches_{days}d"] = _count(lead[age < days * DAY], leads)
    for prefix, codes, names in (("type", kind, kinds), ("channel", channel, channels)):
        every = _count_by(lead, codes, leads, len(names))
        lately = _count_by(lead[recent], codes[recent], leads, len(names))
        for number, name in enumerate(names):
            columns[f"{prefix}:{name}"] = every[:, number]
            columns[f"{prefix}:{name}_{RECENT}d"] = lately[:, number]
    columns["days_since_last"] = _per_lead(np.minimum, lead, age, leads) / DAY
    columns["days_since_first"] = _per_lead(np.maximum, lead, age, leads) / DAY
    with np.errstate(invalid="ignore", divide="ignore"):
        columns["velocity"] = np.where(
            columns[f"touches_{RECENT}d"] > 0, columns["touches_7d"] / columns[f"touches_{RECENT}d"], np.nan
        )
    return columns


def outcome_within(at: Ints, reached: Ints, horizon: int, end: int) -> tuple[Bools, Bools]:
    """Per lead scored at ``at``: whether it reached the stage within ``horizon`` seconds after ``at``
    (``reached``: its first moment in that stage after ``at``, or -1 if none), and whether that is known,
    that is, whether ``at + horizon`` is not after ``end``, the last moment the data covers."""
    known = at + horizon <= end
    converted = (reached >= at) & (reached <= at + horizon)
    return converted & known, known


def _count(lead: Ints, leads: int) -> Floats:
    return np.bincount(lead, minlength=leads).astype(np.float64)


def _count_by(lead: Ints, code: Ints, leads: int, codes: int) -> npt.NDArray[np.float64]:
    if codes == 0:
        return np.zeros((leads, 0))
    flat = np.bincount(lead * codes + code, minlength=leads * codes)
    return flat.reshape(leads, codes).astype(np.float64)


def _per_lead(reduce: np.ufunc, lead: Ints, values: Ints, leads: int) -> Floats:
    """``reduce`` (minimum or maximum) of ``values`` per lead; NaN for a lead with none."""
    out = np.full(leads, np.nan)
    if len(lead) == 0:
        return out
    order = np.argsort(lead, kind="stable")
    lead, values = lead[order], values[order]
    first = np.flatnonzero(np.concatenate([[True], lead[1:] != lead[:-1]]))
    out[lead[first]] = reduce.reduceat(values, first).astype(np.float64)
    return out
