"""Touchpoints drawn as (lead, type's index, minutes after ``T0``) rows, as the batch tests draw them, and
the columns the batch functions take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from revbridge.domain.scoring_batch import Floats, Ints

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def touch_columns(rows: list[tuple[int, int, int]]) -> tuple[Ints, Ints, Floats]:
    """(lead, kind, seconds since the epoch) of ``rows``."""
    lead = np.array([r[0] for r in rows], dtype=np.int64)
    kind = np.array([r[1] for r in rows], dtype=np.int64)
    seconds = np.array([(T0 + timedelta(minutes=r[2])).timestamp() for r in rows], dtype=np.float64)
    return lead, kind, seconds
