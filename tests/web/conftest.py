"""A small demo company (300 leads, its year ending this hour) on each database, built once per test
session and copied for each test; and a browser-like client over ASGI that logs in and sends forms."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.api.app import create_app
from revbridge.services.demo import DEMO_PASSWORD, run_demo
from revbridge.store.engine import make_engine
from tests.conftest import fresh_postgres_url
from tests.pg_cluster import Cluster

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
MARKETING = "maria.lopez@northwind.example"
MANAGER = "sam.okafor@northwind.example"
ADMIN = "alex.chen@northwind.example"
VIEWER = "nina.patel@northwind.example"


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    run_demo(engine, leads=300, seed=5, now=NOW)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_postgres(pg_cluster: Cluster, pg_template: str) -> str:
    url = fresh_postgres_url(pg_cluster, pg_template)
    engine = make_engine(url)
    run_demo(engine, leads=300, seed=5, now=NOW)
    engine.dispose()
    name = url.rsplit("/", 1)[1]
    admin = make_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a template may have no one connected
        conn.execute(sa.text(f'ALTER DATABASE "{name}" IS_TEMPLATE true'))
    admin.dispose()
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the demo company, on each database."""
    if request.param == "sqlite":
        target = tmp_path / "demo.db"
        shutil.copyfile(request.getfixturevalue("demo_sqlite"), target)
        url = f"sqlite:///{target}"
    else:
        url = fresh_postgres_url(request.getfixturevalue("pg_cluster"), request.getfixturevalue("demo_postgres"))
    engine = make_engine(url)
    yield engine
    engine.dispose()


class Browser:
    """Like a browser over ASGI: keeps the cookies, follows no redirect unless asked, and sends each
    form with the CSRF token of the last page it read."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookies = httpx.Cookies()
        self.csrf = ""

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        options.setdefault("headers", {}).setdefault("accept", "text/html")

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://revbridge", cookies=self.cookies) as web:
                answer = await web.request(method, url, **options)
                self.cookies.update(web.cookies)
                return answer

        answer = asyncio.run(send())
        found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        return self.request("POST", url, data=form)

    def log_in(self, email: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        answer = self.post("/login", {"email": email, "password": password}, csrf=False)
        assert answer.status_code == 303, answer.text[:500]
        self.get("/")  # the CSRF token of the session
        return answer


@pytest.fixture
def browser(demo: Engine) -> Browser:
    return Browser(create_app(demo))


def busiest_rep(engine: Engine) -> tuple[str, int]:
    """The sales rep with the most MQLs waiting on them, and one of those leads' ids."""
    query = sa.text(
        "SELECT u.email, min(l.id) FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.stage = 'mql' "
        "GROUP BY u.email ORDER BY count(*) DESC, u.email LIMIT 1"
    )
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return str(row[0]), int(row[1])
