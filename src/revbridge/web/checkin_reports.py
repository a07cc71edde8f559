"""The weekly check-in's numbers as the dashboard shows them: one report per ISO week, computed at most
once per ``FRESH_FOR`` (as the shared numbers are, ``numbers.py``) and kept in the process (``kept.py``).

A week's report takes 2–4 s on the demo company (5,000 leads; four attribution runs and a dozen metrics):
too long to make on every request. The first request for a week computes it while the others asking for
that week wait for the result; the first one after it goes stale computes it again while the others are
served the stale one. The decisions and sign-offs are never kept: the page reads them on every request
(``WeeklyReport.with_record``), since people write them while they look.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from revbridge.domain.iso_weeks import IsoWeek
from revbridge.reports.weekly import WeeklyReport, weekly_report
from revbridge.web.kept import Kept
from revbridge.web.numbers import FRESH_FOR


class CheckinReports:
    def __init__(self, engine: Engine, fresh_for: timedelta = FRESH_FOR) -> None:
        self.engine = engine
        self._kept: Kept[IsoWeek, WeeklyReport] = Kept(self._report, lambda r: r.made_at, fresh_for)

    def get(self, week: IsoWeek) -> WeeklyReport:
        """The report of ``week`` (its record as it was when computed), fresh or being refreshed."""
        return self._kept.get(week)

    def forget(self) -> None:
        self._kept.forget()

    def _report(self, week: IsoWeek) -> WeeklyReport:
        return weekly_report(self.engine, week, now=datetime.now(UTC))
