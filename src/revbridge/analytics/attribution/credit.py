"""What every attribution model returns: each channel's (or campaign's) attributed conversions and value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from revbridge.domain.paths import Paths

Floats = np.ndarray


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


def credit_of(paths: Paths, weights: Floats) -> Credit:
    """Credit from a weight per step (each path's weights add up to 1)."""
    per_step = paths.path_of_step
    m = len(paths.channels)
    conversions = np.bincount(paths.steps, weights=weights * paths.conversions[per_step], minlength=m)
    value = np.bincount(paths.steps, weights=weights * paths.value[per_step], minlength=m)
    return Credit(paths.channels, conversions, value)


def with_roi(credit: Credit, spend: dict[str, float]) -> list[dict[str, Any]]:
    """The credit's rows with each channel's (or campaign's) ``spend`` and ``roi``: attributed value ÷
    spend, none where nothing was spent."""
    rows: list[dict[str, Any]] = []
    for row in credit.as_rows():
        spent = spend.get(str(row["channel"]), 0.0)
        rows.append({**row, "spend": spent, "roi": float(row["value"]) / spent if spent else None})
    return rows
