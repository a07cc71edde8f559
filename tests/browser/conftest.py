"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, against a real server
(uvicorn on a free loopback port, in a thread of this process) over a copy of the demo company.

Chromium is the system's (``/usr/bin/chromium``, or ``REVBRIDGE_CHROMIUM``), launched with
``executable_path``: Playwright downloads no browser. Without one, the tests are skipped with the
reason, unless ``CI=true``, where they must run. Screenshots go to ``test-artifacts/`` (or
``REVBRIDGE_ARTIFACTS``), kept by CI as the tests' artifacts.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import Engine

from revbridge.api.app import create_app
from revbridge.services.demo import DEMO_PASSWORD
from revbridge.store.engine import make_engine

FLAGS = [  # as root in a container, and quiet on a closed network
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    named = os.environ.get("REVBRIDGE_CHROMIUM")
    if named:
        return named
    return next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One browser per module: Playwright's sync API runs an event loop in this thread while it lives,
    which the ASGI tests' ``asyncio.run`` must not meet, so it stops with the module."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium: .ci/run installs Debian's chromium package; is it on PATH?")
        pytest.skip("no Chromium on this machine: apt install chromium (or set REVBRIDGE_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("REVBRIDGE_ARTIFACTS", "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Server:
    """uvicorn serving the app on a free port of 127.0.0.1, in a thread, until stopped."""

    def __init__(self, engine: Engine) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(create_app(engine), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def site(tmp_path: Path, demo_sqlite: Path) -> Iterator[tuple[Server, Engine]]:
    """A real server over a fresh copy of the demo company (SQLite: the browser tests are about the
    pages; both databases are covered by the ASGI tests of the same pages)."""
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_sqlite, target)
    engine = make_engine(f"sqlite:///{target}")
    with Server(engine) as server:
        yield server, engine
    engine.dispose()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
