"""The shared numbers as the dashboard shows them: each metric of ``analytics.overview`` computed at most
once per ``FRESH_FOR`` and kept in the process, with the moment it was computed (every page says "as of").

A metric over the whole store takes a second or more; fifty people opening the home page must not each
start one: each is kept (``kept.py``), made once while the others wait, and made again when stale while
the others are served the stale one. Lists that people act on (the SLA queue, a lead) are never kept:
they are read from the store on every request.

A metric may be asked with parameters (``get("funnel_periods", period="month")``, the variants of
``analytics.variants``) and for one team's leads (``team="..."``): each name, team and set of parameters
is a number of its own, kept and refreshed the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Engine

from revbridge import bootstrap
from revbridge.services.contract import contract_at
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.web.kept import Kept

if TYPE_CHECKING:
    import pandas as pd

FRESH_FOR = timedelta(minutes=2)
T = TypeVar("T")
Param = str | int | float | bool | None
Key = tuple[str, str | None, tuple[tuple[str, Param], ...]]  # the name, the team, the parameters


@dataclass(frozen=True)
class Computed:
    frame: pd.DataFrame
    at: datetime


class SharedNumbers:
    def __init__(self, engine: Engine, fresh_for: timedelta = FRESH_FOR) -> None:
        self.engine = engine
        self._kept: Kept[Key, Computed] = Kept(self._computed, lambda c: c.at, fresh_for)
        self._shaped: dict[str, tuple[tuple[datetime, ...], Any, datetime]] = {}

    def get(self, name: str, *, team: str | None = None, **params: Param) -> Computed:
        """The metric ``name`` (a key of ``analytics.overview.metrics``, or a variant of
        ``analytics.variants`` asked with ``params``), over ``team``'s leads if given, fresh or being
        refreshed."""
        return self._kept.get((name, team, tuple(sorted(params.items()))))

    def warm(self, names: Sequence[str]) -> threading.Thread:
        """Compute ``names`` now, in a thread of their own, so that the first people after the server
        starts need not wait for them (a store without an SLA yet has nothing to compute: skipped)."""

        def compute() -> None:
            for name in names:
                try:
                    self.get(name)
                except NoSlaInForce:
                    return

        thread = threading.Thread(target=compute, name="revbridge-warm", daemon=True)
        thread.start()
        return thread

    def shaped(self, key: str, shape: Callable[..., T], *names: str) -> tuple[T, datetime]:
        """``shape`` applied to the metrics ``names`` (in that order), kept until one of them is
        computed again, with the oldest one's moment: what a page makes of the numbers (its tables'
        rows, its charts) is made once per refresh, not once per request."""
        computed = [self.get(name) for name in names]
        stamp = tuple(c.at for c in computed)
        kept = self._shaped.get(key)
        if kept is None or kept[0] != stamp:
            kept = (stamp, shape(*(c.frame for c in computed)), min(c.at for c in computed))
            self._shaped[key] = kept
        return kept[1], kept[2]

    def forget(self) -> None:
        """Drop every kept number (after a change that should show at once)."""
        self._kept.forget()
        self._shaped.clear()

    def _computed(self, key: Key) -> Computed:
        at = datetime.now(UTC)  # the moment the numbers describe: their "as of"
        return Computed(self._compute(key, at), at)

    def _compute(self, key: Key, now: datetime) -> pd.DataFrame:
        from revbridge.analytics.variants import metric  # Ibis and pandas: only when a number is asked for

        name, team, params = key
        sla = contract_at(self.engine, now).sla  # its stages in order, and its commitments
        asked = metric(name, sla.stage_order, sla.commitments, now=now, **dict(params))
        url = self.engine.url.render_as_string(hide_password=False)
        with bootstrap.source(url, "store", team) as source:
            return asked(source)
