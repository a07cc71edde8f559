"""``revbridge serve`` in its own process(es), answering on a loopback port: one worker and several."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_with_the_log_in_page_and_the_schema(sqlite_template: Path, tmp_path: Path, workers: int) -> None:
    database = tmp_path / "served.db"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    command = [sys.executable, "-m", "revbridge", "serve", "--port", str(port), "--workers", str(workers)]
    said = tmp_path / "server.log"
    with said.open("wb") as log:
        server = subprocess.Popen(
            [*command, "--database", f"sqlite:///{database}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    try:
        answer = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, said.read_text()
        assert answer.status_code == 200
        assert "Log in" in answer.text
        schema = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()
        assert "/api/touchpoints" in schema["paths"]
    finally:
        server.terminate()
        server.wait(timeout=30)
