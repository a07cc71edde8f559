"""Lifecycle stages, the team that owns each, and how other tools name them.

The SLA file declares the stages a company uses; this module holds the default set, which maps onto
HubSpot's lifecycle values with SAL between MQL and SQL, and the side states every funnel has.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from revbridge.domain.records import StageEntry


class Team(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"
    ADMIN = "admin"


# The default funnel, in order. Side states sit outside the order.
DEFAULT_STAGES: tuple[str, ...] = ("subscriber", "lead", "mql", "sal", "sql", "opportunity", "customer")
NURTURE = "nurture"
DISQUALIFIED = "disqualified"
SIDE_STATES: tuple[str, ...] = (NURTURE, DISQUALIFIED)

DEFAULT_OWNERS: dict[str, Team] = {
    "subscriber": Team.MARKETING,
    "lead": Team.MARKETING,
    "mql": Team.MARKETING,
    "sal": Team.SALES,
    "sql": Team.SALES,
    "opportunity": Team.SALES,
    "customer": Team.SALES,
    NURTURE: Team.MARKETING,
    DISQUALIFIED: Team.MARKETING,
}

# HubSpot's internal lifecycle values and export labels, lower-cased, to our stage ids.
HUBSPOT_STAGES: dict[str, str] = {
    "subscriber": "subscriber",
    "lead": "lead",
    "marketingqualifiedlead": "mql",
    "marketing qualified lead": "mql",
    "salesqualifiedlead": "sql",
    "sales qualified lead": "sql",
    "opportunity": "opportunity",
    "customer": "customer",
    "evangelist": "customer",
}


def stage_rank(stage: str, order: tuple[str, ...] = DEFAULT_STAGES) -> int | None:
    """Position of ``stage`` in the funnel order, or None for side states and unknown stages."""
    try:
        return order.index(stage)
    except ValueError:
        return None


def impossible_sequences(history: tuple[StageEntry, ...]) -> list[str]:
    """A sentence for each pair of funnel stages dated in the wrong order (customer before MQL)."""
    ranked = sorted((e for e in history if stage_rank(e.stage) is not None), key=_rank)
    return [
        f"impossible sequence: became {later.stage} on {_when(later.at)}, before {earlier.stage} on {_when(earlier.at)}"
        for i, earlier in enumerate(ranked)
        for later in ranked[i + 1 :]
        if later.at < earlier.at
    ]


def _rank(entry: StageEntry) -> int:
    return stage_rank(entry.stage) or 0


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")
