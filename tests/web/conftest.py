"""A browser-like client over ASGI that logs in and sends forms, over the demo company (``tests/demo_store.py``)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.api.app import create_app
from revbridge.services.demo import DEMO_PASSWORD

MARKETING = "maria.lopez@northwind.example"
MANAGER = "sam.okafor@northwind.example"
ADMIN = "alex.chen@northwind.example"
VIEWER = "nina.patel@northwind.example"


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
                self.cookies = httpx.Cookies(web.cookies)  # as the answer left them: set, or dropped
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
