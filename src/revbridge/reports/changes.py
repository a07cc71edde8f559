"""What changed since last week, in words: ``MQLs 41 → 52, +27%``.

- A **count** or an **amount** (MQLs, won revenue) and **hours** (speed to lead) change by a percentage
  of last week's figure; from nothing to something is ``new``.
- A **rate** (acceptance, compliance) changes by percentage **points**: 71% → 79% is ``+8 pts``, not
  +11%.
- A change that rounds to nothing (under 0.5%, or half a point) is ``unchanged``; a week without a
  figure (no verdicts, no clocks due) says so.
- Each change is **better** or **worse** by the measure's direction (for speed to lead, lower is better).
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS = ("count", "amount", "rate", "hours")


def shown(value: float | None, unit: str) -> str:
    """A figure as the headline shows it: 52, 219,000, 71%, 8.4 h."""
    if value is None:
        return "–"
    if unit == "rate":
        return f"{value:.0%}"
    if unit == "hours":
        return f"{value:,.1f} h"
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Change:
    """A headline number this week against the week before, and the difference in words."""

    key: str
    label: str
    unit: str  # count | amount | rate | hours
    this_week: float | None
    last_week: float | None
    higher_is_better: bool
    change: str  # +27%, -4 pts, unchanged, new, no figure last week
    direction: str  # up | down | flat | unknown
    verdict: str  # better | worse | same | unknown
    words: str  # MQLs 41 → 52, +27%

    @classmethod
    def of(
        cls,
        key: str,
        label: str,
        unit: str,
        this_week: float | None,
        last_week: float | None,
        *,
        higher_is_better: bool = True,
    ) -> Change:
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
        change, direction = _difference(this_week, last_week, unit)
        verdict = "unknown" if direction == "unknown" else "same" if direction == "flat" else (
            "better" if (direction == "up") == higher_is_better else "worse"
        )  # fmt: skip
        words = f"{label} {shown(last_week, unit)} → {shown(this_week, unit)}, {change}"
        return cls(key, label, unit, this_week, last_week, higher_is_better, change, direction, verdict, words)


def _difference(now: float | None, before: float | None, unit: str) -> tuple[str, str]:
    if now is None and before is None:
        return "no figure either week", "unknown"
    if before is None:
        return "no figure last week", "unknown"
    if now is None:
        return "no figure this week", "unknown"
    if unit == "rate":
        return _said((now - before) * 100, " pts")
    if before == 0:
        return ("unchanged", "flat") if now == 0 else ("new", "up" if now > 0 else "down")
    return _said((now - before) / abs(before) * 100, "%")


def _said(change: float, unit: str) -> tuple[str, str]:
    """A change in words, and its direction; beyond a thousand (or past what a float holds), ">999"."""
    direction = "up" if change > 0 else "down"
    if abs(change) >= 1000:
        return f"{'+' if change > 0 else '-'}>999{unit}", direction
    if round(change) == 0:
        return "unchanged", "flat"
    return f"{change:+.0f}{unit}", direction
