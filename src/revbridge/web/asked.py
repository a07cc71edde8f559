"""What one page asks of the shared numbers (``numbers.py``), and the oldest moment among them: the
page's "numbers as of". A page of numbers builds its context from an ``Asked``; without an SLA in
force (a store nobody has set up yet) it says so instead of failing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from revbridge.services.logins import SessionUser
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.web.numbers import Param, SharedNumbers
from revbridge.web.render import page

if TYPE_CHECKING:
    import pandas as pd


class Asked:
    """The numbers of one page, over one team's leads if given."""

    def __init__(self, numbers: SharedNumbers, team: str | None = None) -> None:
        self.numbers = numbers
        self.team = team
        self.times: list[datetime] = []

    def frame(self, name: str, **params: Param) -> pd.DataFrame:
        computed = self.numbers.get(name, team=self.team, **params)
        self.times.append(computed.at)
        return computed.frame

    def records(self, name: str, **params: Param) -> list[dict[str, Any]]:
        return records(self.frame(name, **params))

    def teams(self) -> list[str]:
        """Every team's name, for the page's team filter (whichever team the page shows)."""
        return [str(name) for name in self.numbers.get("teams").frame["name"]]

    @property
    def as_of(self) -> datetime | None:
        return min(self.times, default=None)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts, a missing number (NaN) as None: a template tests it plainly."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    return None if isinstance(value, float) and value != value else value


def numbers_page(
    request: Request,
    user: SessionUser,
    template: str,
    build: Callable[[Asked], dict[str, Any]],
    *,
    team: str | None = None,
) -> HTMLResponse:
    """``template`` with what ``build`` makes of the numbers, ``as_of``, the ``team`` shown and the
    ``teams`` to choose from, and ``missing`` (None, or why there are no numbers: no SLA in force yet)."""
    asked = Asked(request.app.state.numbers, team or None)
    try:
        context = build(asked)
    except NoSlaInForce as missing:
        return page(request, template, user, missing=str(missing), as_of=None, team=None, teams=[])
    shown: dict[str, Any] = {"as_of": asked.as_of, "team": asked.team, "teams": asked.teams()}
    return page(request, template, user, missing=None, **shown, **context)
