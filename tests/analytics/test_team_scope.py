"""``--team``: every metric on only the leads a team's people own, their events and deals; on every engine."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from revbridge.analytics.funnel import conversion
from revbridge.analytics.source import EngineError, EngineSpec, open_source
from revbridge.analytics.velocity import time_in_stage
from revbridge.domain.stages import DEFAULT_STAGES
from revbridge.store.engine import make_engine
from tests.analytics import tiny
from tests.analytics.conftest import On

STAGES = DEFAULT_STAGES[1:]


def test_a_team_sees_its_own_leads(on: On) -> None:
    with on(tiny.two_teams, team="east") as source:
        east = conversion(source, STAGES).iloc[0]
        stays = time_in_stage(source, STAGES).set_index("stage")
    assert east["leads"] == 2  # L1 and L2 of the five
    assert east["lead→mql"] == 1.0
    assert east["lead→customer"] == pytest.approx(1 / 2)
    assert stays.stays["mql"] == 3  # L1 once, L2 twice


def test_open_source_cuts_to_a_team_and_names_the_teams_when_one_is_unknown(sqlite_engine: Engine) -> None:
    tiny.two_teams(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    with open_source(EngineSpec("store"), url, team="west") as source:
        assert conversion(source, STAGES).iloc[0]["leads"] == 3
    unknown = open_source(EngineSpec("store"), url, team="north")
    with pytest.raises(EngineError, match="no team named 'north'; the teams are: east, west"), unknown:
        pass
    make_engine(url).dispose()


def test_a_teams_quotas_are_its_peoples_only(sqlite_engine: Engine) -> None:
    from datetime import date

    from revbridge.analytics.revenue import quota_attainment
    from revbridge.store.tables import QuotaRow

    tiny.two_teams(sqlite_engine)
    quarter = {"period_start": date(2026, 1, 1), "period_end": date(2026, 3, 31), "amount": 100.0}
    tiny.add(sqlite_engine, QuotaRow, [{"user_id": 1, **quarter}, {"user_id": 2, **quarter}])
    url = sqlite_engine.url.render_as_string(hide_password=False)
    with open_source(EngineSpec("store"), url, team="east") as source:
        assert quota_attainment(source).owner.tolist() == ["ana@nw.com"]
