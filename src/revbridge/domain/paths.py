"""Journeys aggregated by path, as attribution reads them: the channels of each distinct path in order,
and how many journeys took it and converted (with their value) or did not. Pure numpy arrays.

Journeys built from the store are one path per journey, so each step can also carry its **age** (seconds
from the touch to the journey's end: its milestone for a converted journey, the end of the window for
the others) and **marks**, bit flags naming the touches that mattered: ``LEAD_CREATED`` (the last touch
at or before the lead was created), ``OPPORTUNITY_CREATED`` (the last at or before it became an
opportunity) and ``WON`` (the last at or before it was won). Paths read from an aggregated file have
neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from revbridge.domain.errors import InvalidInput

Floats = np.ndarray
Ints = np.ndarray

LEAD_CREATED = 1
OPPORTUNITY_CREATED = 2
WON = 4

T = TypeVar("T")


@dataclass(frozen=True)
class Paths:
    """Journeys aggregated by path: the steps of every path end to end (``steps``, channel codes into
    ``channels``), where each path starts (``starts``, one more than there are paths), and per path the
    journeys that converted, their value, and those that did not; optionally per step its ``ages`` and
    ``marks`` (see above)."""

    channels: tuple[str, ...]
    steps: Ints
    starts: Ints
    conversions: Floats
    value: Floats
    nulls: Floats
    ages: Floats | None = None
    marks: Ints | None = None

    @classmethod
    def of(
        cls,
        paths: Sequence[Sequence[str]],
        conversions: Sequence[float],
        nulls: Sequence[float] | None = None,
        value: Sequence[float] | None = None,
        *,
        ages: Sequence[Sequence[float]] | None = None,
        marks: Sequence[Sequence[int]] | None = None,
    ) -> Paths:
        """From lists of channel names (small inputs and tests; files are read column-wise), with, if
        given, each step's age and marks (a list per path, as long as it)."""
        channels = tuple(sorted({c for path in paths for c in path}))
        code = {c: i for i, c in enumerate(channels)}
        lengths = np.array([len(p) for p in paths], dtype=np.int64)
        if (lengths == 0).any():
            raise InvalidInput("a path needs at least one channel")
        steps = np.array([code[c] for path in paths for c in path], dtype=np.int64)
        count = len(paths)
        return cls(
            channels,
            steps,
            np.concatenate([[0], np.cumsum(lengths)]),
            np.asarray(conversions, dtype=float),
            np.asarray(value if value is not None else np.zeros(count), dtype=float),
            np.asarray(nulls if nulls is not None else np.zeros(count), dtype=float),
            None if ages is None else np.asarray(_per_step(ages, lengths, "ages"), dtype=float),
            None if marks is None else np.asarray(_per_step(marks, lengths, "marks"), dtype=np.int64),
        )

    @property
    def lengths(self) -> Ints:
        return np.diff(self.starts)

    @property
    def path_of_step(self) -> Ints:
        return np.repeat(np.arange(len(self.lengths)), self.lengths)


def _per_step(values: Sequence[Sequence[T]], lengths: Ints, name: str) -> list[T]:
    if [len(v) for v in values] != lengths.tolist():
        raise InvalidInput(f"{name}: one value per step of each path")
    return [x for v in values for x in v]
