"""Misalignment signals: findings that marketing and sales are drifting apart, each with its evidence.

- **volume against quality**: MQLs up by 20% or more while the acceptance rate fell by 10% or more,
  the last four weeks against the four before (at least 20 verdicts in each);
- **slipping through the cracks**: MQLs untouched past their deadline now;
- **campaign rejected**: a campaign whose MQLs sales rejected for one reason half the time or more
  (at least 10 verdicts in the last 90 days);
- **score does not rank**: a score band whose MQLs sales accepts no more often than the band below it
  (at least 20 verdicts in each, the last 90 days).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pandas as pd

from revbridge.analytics.compliance import slipping
from revbridge.analytics.dimensions import SCORE_BANDS
from revbridge.analytics.feedback import acceptance, rejection_reasons
from revbridge.analytics.measures import measures_over
from revbridge.analytics.source import Source

WINDOW = timedelta(weeks=4)
LOOKBACK = timedelta(days=90)
MORE_MQLS, LESS_ACCEPTED = 0.20, 0.10
MIN_VERDICTS_WINDOW, MIN_VERDICTS_CAMPAIGN, MIN_VERDICTS_BAND = 20, 10, 20
ONE_REASON = 0.5


@dataclass(frozen=True)
class Signal:
    kind: str
    severity: str  # warning | critical
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def signals(source: Source, *, now: datetime) -> list[Signal]:
    """Every finding at ``now``, the most severe first."""
    found = [*_volume_against_quality(source, now), *_slipping(source, now), *_campaigns(source, now)]
    found += _score_bands(source, now)
    return sorted(found, key=lambda s: s.severity != "critical")


def _volume_against_quality(source: Source, now: datetime) -> list[Signal]:
    windows = [(now - WINDOW, now), (now - 2 * WINDOW, now - WINDOW)]
    mqls = [m or 0.0 for m in measures_over(source, "mqls", windows, now=now)]
    verdicts = [m or 0.0 for m in measures_over(source, "verdicts", windows, now=now)]
    accepted = measures_over(source, "sal_acceptance_rate", windows, now=now)
    if min(verdicts) < MIN_VERDICTS_WINDOW or not mqls[1]:
        return []
    rates = [float(r or 0.0) for r in accepted]
    growth = mqls[0] / mqls[1] - 1
    change = rates[0] / rates[1] - 1 if rates[1] else 0.0
    if growth < MORE_MQLS or change > -LESS_ACCEPTED:
        return []
    return [
        Signal(
            "volume_against_quality",
            "critical",
            f"MQLs {growth:+.0%} while acceptance {change:+.0%} over 4 weeks",
            {"mqls": mqls[0], "mqls_before": mqls[1], "acceptance": rates[0], "acceptance_before": rates[1]},
        )
    ]


def _slipping(source: Source, now: datetime) -> list[Signal]:
    late = slipping(source, now=now)
    if late.empty:
        return []
    leads = int(late.lead_id.nunique())
    return [
        Signal(
            "slipping",
            "critical",
            f"{leads} MQL{'s' if leads != 1 else ''} untouched past {'their' if leads != 1 else 'its'} deadline",
            {
                "leads": late.lead_id.drop_duplicates().tolist(),
                "longest_overdue_hours": float(late.overdue_hours.max()),
            },
        )
    ]


def _campaigns(source: Source, now: datetime) -> list[Signal]:
    since = now - LOOKBACK
    verdicts = acceptance(source, since=since, until=now, by="campaign").set_index("campaign")
    reasons = rejection_reasons(source, since=since, until=now, by="campaign")
    found = []
    for row in reasons.itertuples():
        total = int(verdicts.verdicts.get(row.campaign, 0))
        share = row.rejections / total if total else 0.0
        if total >= MIN_VERDICTS_CAMPAIGN and share >= ONE_REASON:
            found.append(
                Signal(
                    "campaign_rejected",
                    "warning",
                    f"campaign {row.campaign}: {share:.0%} rejected as {row.reason}",
                    {
                        "campaign": row.campaign,
                        "reason": row.reason,
                        "rejected": int(row.rejections),
                        "verdicts": total,
                    },
                )
            )
    return found


def _score_bands(source: Source, now: datetime) -> list[Signal]:
    bands = acceptance(source, since=now - LOOKBACK, until=now, by="score_band").set_index("score_band")
    order = [label for _, label in reversed(SCORE_BANDS)]  # lowest band first
    present = [b for b in order if b in bands.index and int(bands.verdicts[b]) >= MIN_VERDICTS_BAND]
    found = []
    for lower, higher in pairwise(present):
        low, high = float(bands.acceptance_rate[lower]), float(bands.acceptance_rate[higher])
        if high <= low:
            found.append(
                Signal(
                    "score_does_not_rank",
                    "warning",
                    f"score band {higher} converts no better than {lower} ({high:.0%} against {low:.0%} accepted)",
                    {"band": higher, "below": lower, "acceptance": high, "acceptance_below": low},
                )
            )
    return found


def as_frame(found: list[Signal]) -> pd.DataFrame:
    return pd.DataFrame(
        [{**s.as_dict(), "evidence": s.evidence} for s in found], columns=["kind", "severity", "message", "evidence"]
    )
