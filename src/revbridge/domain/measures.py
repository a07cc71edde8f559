"""The names of the single-number measures goals and commitments use, and how each behaves: a count
adds up over time, a rate does not; for most, higher is better. Computed in ``analytics/measures.py``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MeasureKind:
    name: str
    kind: str  # count | rate
    higher_is_better: bool = True


MEASURE_KINDS: dict[str, MeasureKind] = {
    m.name: m
    for m in (
        MeasureKind("mqls", "count"),
        MeasureKind("sals", "count"),
        MeasureKind("sqls", "count"),
        MeasureKind("opportunities", "count"),
        MeasureKind("customers", "count"),
        MeasureKind("verdicts", "count"),
        MeasureKind("sal_acceptance_rate", "rate"),
        MeasureKind("acceptance_speed", "rate"),
        MeasureKind("follow_up_compliance", "rate"),
        MeasureKind("sql_to_opportunity_rate", "rate"),
        MeasureKind("won_revenue", "count"),
        MeasureKind("win_rate", "rate"),
        MeasureKind("speed_to_lead_hours", "rate", higher_is_better=False),
    )
}
