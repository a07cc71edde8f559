"""Journeys aggregated by path, as attribution reads them: the channels of each distinct path in order,
and how many journeys took it and converted (with their value) or did not. Pure numpy arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from revbridge.domain.errors import InvalidInput

Floats = np.ndarray
Ints = np.ndarray


@dataclass(frozen=True)
class Paths:
    """Journeys aggregated by path: the steps of every path end to end (``steps``, channel codes into
    ``channels``), where each path starts (``starts``, one more than there are paths), and per path the
    journeys that converted, their value, and those that did not."""

    channels: tuple[str, ...]
    steps: Ints
    starts: Ints
    conversions: Floats
    value: Floats
    nulls: Floats

    @classmethod
    def of(
        cls,
        paths: Sequence[Sequence[str]],
        conversions: Sequence[float],
        nulls: Sequence[float] | None = None,
        value: Sequence[float] | None = None,
    ) -> Paths:
        """From lists of channel names (small inputs and tests; files are read column-wise)."""
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
        )

    @property
    def lengths(self) -> Ints:
        return np.diff(self.starts)

    @property
    def path_of_step(self) -> Ints:
        return np.repeat(np.arange(len(self.lengths)), self.lengths)
