"""The store's engine, which the app keeps in its state, for every route of the API and the dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


Store = Annotated[Engine, Depends(engine_of)]
