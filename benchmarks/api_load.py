"""The server under load from a second process on loopback: touchpoint batches through the API, and the
lead page and the home page with 50 people using the dashboard at once.

    python benchmarks/api_load.py                          # 100,000 leads, kept in benchmarks/results/api_store
    python benchmarks/api_load.py --keep /tmp/api100k --seconds 30
    python benchmarks/api_load.py --leads 10000 --seconds 10   # a quick look

The store is the demo company with ``--leads`` leads, its whole year imported as history (``revbridge
demo --live-days 0``), built once and kept. The server is ``revbridge serve --workers N`` (uvicorn, one
process a core by default), started fresh for the run. Then, one after the other:

- **pages**: wrk (C, from Debian's ``wrk`` package) drives ``--users`` connections, each one a person
  logged in as a sales rep: the lead page of a random lead, and the home page. Two loads: people (each
  waits 0.5–1.5 s between pages, as people do) and saturation (no wait: the most the server answers);
  p50, p95, p99, requests a second, and every error (socket errors and non-2xx/3xx answers);
- **peers, in the same run, on the same server**: the log-in page (a template rendered with no store
  read) and a static file, the framework's floor under each figure: the ratios say what the store's
  reads and the page's work cost on top of it;
- **touchpoint ingest**, last: ``--batches`` batches of 1,000 new touchpoints of the store's leads sent
  by ``--senders`` concurrent clients (httpx, in this process) with a marketing token, after one batch
  per sender to warm up: touchpoints a second, from the first batch sent to the last answered.

The figures are printed and written to ``benchmarks/results/api_load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PASSWORD = "northwind-demo"
MARKETING = "maria.lopez@northwind.example"  # sends the touchpoints
REP = "sofia.rossi@northwind.example"  # browses the pages: a sales rep
TYPES = ["page_view", "email_open", "email_click", "content_download", "webinar"]

WRK_SCRIPT = """
local think_low, think_high, leads = {think_low}, {think_high}, {leads}
local paths = {{{paths}}}
request = function()
  local path = paths[math.random(#paths)]
  if path == "LEAD" then path = "/leads/" .. math.random(1, leads) end
  return wrk.format("GET", path)
end
if think_high > 0 then
  delay = function() return math.random(think_low, think_high) end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, '
    .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "bad_status": %d}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=RESULTS / "api_store", help="Where the store is built and kept.")
    parser.add_argument("--users", type=int, default=50, help="People using the dashboard at once.")
    parser.add_argument("--seconds", type=int, default=20, help="How long each page load runs.")
    parser.add_argument("--batches", type=int, default=100, help="Batches of 1,000 touchpoints to send.")
    parser.add_argument("--senders", type=int, default=8, help="Clients sending batches at once.")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="Server processes (default: one a core)."
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "api_load.json")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is needed to drive the pages: apt install wrk")

    database = build_store(args.keep, args.leads)
    report: dict[str, Any] = {
        "leads": args.leads,
        "users": args.users,
        "seconds": args.seconds,
        "cores": os.cpu_count(),
        "workers": args.workers,
    }
    with Server(database, args.workers) as server:
        token = make_token(database)
        cookie = log_in(server.url, REP)
        warm(server.url, cookie, args.leads)
        loads = {  # the pages as a logged-in rep; the peers as a stranger (the log-in page is its form then)
            "lead page": (["LEAD"], cookie),
            "home page": (["/"], cookie),
            "peer: log-in page (no store read)": (["/login"], None),
            "peer: static file": (["/static/revbridge.css"], None),
        }
        report["pages"] = {}
        for mode, think in (("people", (500, 1500)), ("saturation", (0, 0))):
            for name, (paths, sent) in loads.items():
                figures = drive(wrk, server.url, sent, paths, args.users, args.seconds, think, args.leads)
                report["pages"][f"{name}, {mode}"] = figures
                print(f"  {name + ', ' + mode:<52} {summary(figures)}", flush=True)
        # Last: a store that has just taken 100,000 rows has a long write-ahead log, which slows the
        # reads after it for a while (the lead page's p95 went from 30 ms to 1.1 s when it ran first).
        report["ingest"] = ingest(server.url, token, database, args.batches, args.senders)
    finish(report, args.json)


def build_store(folder: Path, leads: int) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{leads}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"building the store: revbridge demo --leads {leads} --live-days 0 (once; kept in {folder})", flush=True)
        started = time.perf_counter()
        command = [
            "revbridge",
            "demo",
            "--leads",
            str(leads),
            "--live-days",
            "0",
            "--database",
            url,
            "--format",
            "json",
        ]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    else:  # a store kept from an earlier version gets this version's schema
        subprocess.run(["revbridge", "init", "--database", url], check=True, stdout=subprocess.DEVNULL)
    return url


class Server:
    """``revbridge serve`` in its own process on a free loopback port."""

    def __init__(self, database: str, workers: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.database = database
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        command = ["revbridge", "serve", "--port", str(self.port), "--workers", str(self.workers)]
        command += ["--database", self.database]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/login", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)


def make_token(database: str) -> str:
    command = ["revbridge", "token", "create", "--user", MARKETING, "--name", "load", "--database", database]
    answer = subprocess.run([*command, "--format", "json"], check=True, capture_output=True, text=True)
    return str(json.loads(answer.stdout)["token"])


def log_in(url: str, email: str) -> str:
    with httpx.Client(base_url=url) as web:
        answer = web.post("/login", data={"email": email, "password": PASSWORD})
        if answer.status_code != 303:
            raise RuntimeError(f"log-in as {email} failed: {answer.status_code}")
        return f"rb_session={web.cookies['rb_session']}"


def warm(url: str, cookie: str, leads: int) -> None:
    """Each server process computes the home page's numbers as it starts (and keeps them two minutes):
    wait until every process has them, so that the pages are measured, not the start."""
    with httpx.Client(base_url=url, headers={"Cookie": cookie}, timeout=120) as web:
        started = time.perf_counter()
        home = web.get("/")
        print(f"  home page, first visit: {time.perf_counter() - started:.2f} s", flush=True)
        if home.status_code != 200:
            raise RuntimeError(f"GET /: {home.status_code}")
        answer = web.get(f"/leads/{random.randint(1, leads)}")
        if answer.status_code != 200:
            raise RuntimeError(f"GET /leads/N: {answer.status_code}")

    def took(_: int) -> float:
        with httpx.Client(base_url=url, headers={"Cookie": cookie}, timeout=120) as one:
            started = time.perf_counter()
            one.get("/")
            return time.perf_counter() - started

    deadline = time.monotonic() + 120
    with ThreadPoolExecutor(10) as pool:
        while max(pool.map(took, range(20))) > 0.2 and time.monotonic() < deadline:
            time.sleep(0.5)


def ingest(url: str, token: str, database: str, batches: int, senders: int) -> dict[str, Any]:
    emails = lead_emails(database, 20_000)
    rng = random.Random(11)
    base = datetime.now(UTC) - timedelta(days=3)
    run = f"{time.time_ns():x}"
    bodies = [
        json.dumps(
            {
                "touchpoints": [
                    {
                        "source": "load",
                        "external_id": f"{run}-{b}-{i}",
                        "type": rng.choice(TYPES),
                        "occurred_at": (base + timedelta(seconds=rng.randrange(259_200))).isoformat(),
                        "lead_email": rng.choice(emails),
                        "channel": "email",
                        "campaign": "Load test",
                    }
                    for i in range(1000)
                ]
            }
        ).encode()
        for b in range(batches + senders)
    ]
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def send(body: bytes, client: httpx.Client) -> None:
        started = time.perf_counter()
        answer = client.post("/api/touchpoints", content=body, headers=headers)
        took = time.perf_counter() - started
        with lock:
            latencies.append(took)
            if answer.status_code != 200 or answer.json()["added"] != 1000:
                errors.append(f"{answer.status_code}: {answer.text[:200]}")

    clients = [httpx.Client(base_url=url, timeout=120) for _ in range(senders)]
    warm_up = bodies[:senders]  # each server process meets the e-mails and the campaign once: not timed
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(lambda item: send(item[1], clients[item[0] % senders]), enumerate(warm_up)))
    latencies.clear()
    bodies = bodies[senders:]
    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(lambda item: send(item[1], clients[item[0] % senders]), enumerate(bodies)))
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    latencies.sort()
    timed = len(bodies) * 1000
    figures = {
        "touchpoints": timed,
        "senders": senders,
        "seconds": round(elapsed, 3),
        "touchpoints_per_second": round(timed / elapsed),
        "batch_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "batch_p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)], 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }
    print(
        f"  touchpoint ingest: {figures['touchpoints']:,} in {elapsed:.2f} s = {figures['touchpoints_per_second']:,}/s"
        f" (batch p50 {figures['batch_p50_ms']} ms, p95 {figures['batch_p95_ms']} ms), errors {len(errors)}",
        flush=True,
    )
    return figures


def lead_emails(database: str, count: int) -> list[str]:
    import sqlite3

    path = database.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT email FROM leads WHERE email IS NOT NULL LIMIT ?", (count,)).fetchall()
    return [r[0] for r in rows]


def drive(
    wrk: str,
    url: str,
    cookie: str | None,
    paths: list[str],
    users: int,
    seconds: int,
    think: tuple[int, int],
    leads: int,
) -> dict[str, Any]:
    listed = ", ".join(f'"{p}"' for p in paths)
    script = WRK_SCRIPT.format(think_low=think[0], think_high=think[1], leads=leads, paths=listed)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [wrk, "-t1", f"-c{users}", f"-d{seconds}s", "--timeout", "10s"]
        if cookie is not None:
            command += ["-H", f"Cookie: {cookie}"]
        answer = subprocess.run([*command, "-s", handle.name, url], check=True, capture_output=True, text=True)
    finally:
        os.unlink(handle.name)
    found = re.search(r"^RESULT (.*)$", answer.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk said: {answer.stdout}\n{answer.stderr}")
    figures: dict[str, Any] = json.loads(found.group(1))
    figures["per_second"] = round(figures["requests"] / figures["seconds"], 1)
    figures["errors"] = sum(
        figures[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts", "bad_status")
    )
    return figures


def summary(figures: dict[str, Any]) -> str:
    return (
        f"p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
        f"  {figures['per_second']:7.1f}/s  errors {figures['errors']}"
    )


def finish(report: dict[str, Any], path: Path) -> None:
    pages = report["pages"]
    for mode in ("people", "saturation"):
        floor = pages[f"peer: log-in page (no store read), {mode}"]
        for name in ("lead page", "home page"):
            mine = pages[f"{name}, {mode}"]
            mine["p95_against_log_in_page"] = round(mine["p95_ms"] / floor["p95_ms"], 2) if floor["p95_ms"] else None
            mine["rate_against_log_in_page"] = round(mine["per_second"] / floor["per_second"], 2)
    report["load_average_after"] = os.getloadavg()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"figures written to {path}")


if __name__ == "__main__":
    main()
