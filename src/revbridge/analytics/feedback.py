"""The feedback loop: what sales said about marketing's leads, for marketing to learn from.

Every verdict counts in the window it was given in. **Acceptance rate** is accepted ÷ verdicts; the
**rating** is sales' 1–5 quality rating where one was given. **Rejection reasons** are the closed list
of the SLA, each with its share of the slice's rejections. A **dispute** is marketing contesting a
rejection once; its outcome is ``upheld`` (the rejection stands), ``overturned``, or still open.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
import pandas as pd

from revbridge.analytics.dimensions import NONE, lead_dimension
from revbridge.analytics.frames import flag
from revbridge.analytics.source import Source


def _verdicts(source: Source, since: datetime | None, until: datetime | None, by: str | None) -> tuple[ir.Table, str]:
    f = source.table("feedback")
    if since is not None:
        f = f.filter(f.at >= since)
    if until is not None:
        f = f.filter(f.at < until)
    if by is None:
        return f.mutate(overall=ibis.literal("all")), "overall"
    return f.join(lead_dimension(source, by), "lead_id"), by


def acceptance(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per slice: ``verdicts``, ``accepted``, ``rejected``, ``acceptance_rate``, ``rated`` and the mean
    ``rating``."""
    f, key = _verdicts(source, since, until, by)
    counts = f.group_by(key).aggregate(
        verdicts=f.count(),
        accepted=flag(f.verdict == "accept").sum(),
        rejected=flag(f.verdict == "reject").sum(),
        rated=f.rating.count(),
        rating=f.rating.cast("float64").mean(),
    )
    frame = source.frame(counts, [key])
    frame["acceptance_rate"] = frame.accepted / frame.verdicts
    return frame[[key, "verdicts", "accepted", "rejected", "acceptance_rate", "rated", "rating"]]


def rejection_reasons(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per slice and reason: ``rejections`` and their ``share`` of the slice's rejections, the most
    frequent reason first."""
    f, key = _verdicts(source, since, until, by)
    f = f.filter(f.verdict == "reject").mutate(reason=f.reason.fill_null(NONE))
    counts = source.frame(f.group_by([key, "reason"]).aggregate(rejections=f.count()))
    counts["share"] = counts.rejections / counts.groupby(key).rejections.transform("sum")
    counts = counts.sort_values([key, "rejections", "reason"], ascending=[True, False, True], kind="stable")
    return counts.reset_index(drop=True)


def disputes(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per slice: ``rejections``, how many marketing ``disputed``, and how many were ``upheld``,
    ``overturned`` or are ``open``."""
    f, key = _verdicts(source, since, until, by)
    f = f.filter(f.verdict == "reject")
    disputed = f.disputed_at.notnull()
    counts = f.group_by(key).aggregate(
        rejections=f.count(),
        disputed=flag(disputed).sum(),
        upheld=flag(f.dispute_outcome == "upheld").sum(),
        overturned=flag(f.dispute_outcome == "overturned").sum(),
        open=flag(disputed & f.dispute_outcome.isnull()).sum(),
    )
    return source.frame(counts, [key])


def notes(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str | None = "campaign"
) -> pd.DataFrame:
    """The notes sales wrote with their verdicts, grouped for marketing: per slice (the campaign by
    default) and reason, newest first, with who wrote each and the lead."""
    f, key = _verdicts(source, since, until, by)
    f = f.filter(f.note.notnull() & (f.note != ""))
    users = source.table("users").select(user=ibis._.id, author=ibis._.email)
    rows = f.left_join(users, f.user_id == users.user)
    rows = rows.select(
        key,
        reason=rows.reason.fill_null(rows.verdict),
        verdict=rows.verdict,
        note=rows.note,
        rating=rows.rating,
        at=rows.at,
        author=rows.author.fill_null(NONE),
        lead_id=rows.lead_id,
    )
    frame = source.frame(rows)
    frame = frame.sort_values([key, "reason", "at", "lead_id"], ascending=[True, True, False, True], kind="stable")
    return frame.reset_index(drop=True)
