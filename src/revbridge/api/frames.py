"""The analytics' tables as the API answers them: computed over the store the way the CLI computes
them (``bootstrap.source``, on the engine ``REVBRIDGE_ANALYTICS`` names), each row a JSON record with
times in ISO 8601 and missing numbers as null."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from revbridge import bootstrap

if TYPE_CHECKING:
    import pandas as pd

    from revbridge.analytics.source import Source


def computed(
    store: Engine, metric: Callable[[Source], pd.DataFrame], *, team: str | None = None
) -> list[dict[str, Any]]:
    """``metric`` over the store's tables (cut to ``team``'s leads if given), as records."""
    url = store.url.render_as_string(hide_password=False)
    with bootstrap.source(url, None, team) as source:
        frame = metric(source)
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    return rows
