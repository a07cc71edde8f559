"""Scoring new touchpoints in batches (the worker, ``revbridge score --new``) against one at a time.

    python benchmarks/score_new.py                        # 100,000 leads, 100,000 new touchpoints, both databases
    python benchmarks/score_new.py --databases sqlite --runs 3
    python benchmarks/score_new.py --leads 10000 --touchpoints 10000   # a quick look

The store is the demo company with ``--leads`` leads, its whole year imported as history (``revbridge
demo --live-days 0``), built once per database and copied for each run (a file copy on SQLite, ``CREATE
DATABASE ... TEMPLATE`` on PostgreSQL, in the throw-away cluster the tests use). In each run,
``--touchpoints`` new touchpoints of random leads of the store (the types weighted as a real log is, some
of types the SLA gives no points; all in the last day) are sent as the API sends them (``EventIngestor``,
batches of 1,000; not timed), then:

1. ``score_new_touchpoints`` scores them, in batches of ``--limit``: touchpoints a second, leads scored,
   MQLs handed to sales, and where the time went;
2. on a fresh copy, ``add_touchpoint`` stores and scores ``--sample`` such touchpoints one at a time, each
   in its own transaction, as the demo's live weeks do: its rate, and the batch's rate over it.

The fastest run is reported (the machine is shared), every run is in the JSON, written to
``benchmarks/results/score_new.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TYPES = (
    ["page_view"] * 10
    + ["email_click"] * 4
    + ["email_open"] * 4  # no points in the packaged SLA: stored, never scored
    + ["content_download"] * 2
    + ["pricing_page_view", "webinar_attended", "demo_request", "unsubscribe"]
)
API_BATCH = 1000


def build(kind: str, folder: Path, leads: int, cluster: Any) -> str:
    """The demo store with ``leads`` leads, built once: a SQLite file, or a PostgreSQL template database."""
    if kind == "sqlite":
        path = folder / f"demo-{leads}.db"
        url = f"sqlite:///{path}"
        if path.exists():
            return url
    else:
        url = cluster.url(f"demo_{leads}")
        admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if conn.execute(sa.text(f"SELECT 1 FROM pg_database WHERE datname = 'demo_{leads}'")).first():
                admin.dispose()
                return url
            conn.execute(sa.text(f"CREATE DATABASE demo_{leads}"))
        admin.dispose()
    print(f"{kind:8} building the store: revbridge demo --leads {leads} --live-days 0", flush=True)
    started = time.perf_counter()
    command = ["revbridge", "demo", "--leads", str(leads), "--live-days", "0", "--database", url, "--format", "json"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(f"{kind:8}   built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def copy(kind: str, url: str, folder: Path, name: str, cluster: Any) -> str:
    if kind == "sqlite":
        source = Path(url.removeprefix("sqlite:///"))
        target = folder / f"{name}.db"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"'))
    admin.dispose()
    return str(cluster.url(name))


def drop(kind: str, url: str, cluster: Any) -> None:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'))
    admin.dispose()


def leads_of(url: str) -> tuple[list[int], list[str]]:
    from revbridge.store.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, email FROM leads WHERE email IS NOT NULL ORDER BY id")).all()
    engine.dispose()
    return [r[0] for r in rows], [r[1] for r in rows]


def touchpoints(count: int, emails: list[str], now: datetime, seed: int) -> list[Any]:
    from revbridge.domain.records import TouchpointRecord

    rng = random.Random(seed)
    return [
        TouchpointRecord(
            source="bench",
            external_id=f"n{seed}-{i}",
            type=rng.choice(TYPES),
            occurred_at=now - timedelta(seconds=rng.randint(0, 86_400)),
            lead_email=rng.choice(emails),
        )
        for i in range(count)
    ]


def batch_run(url: str, count: int, limit: int, now: datetime, seed: int, profiled: bool) -> dict[str, Any]:
    """Send ``count`` new touchpoints as the API does, then score them in batches of ``limit``: timed
    (and with ``profiled``, where the time went: cProfile slows it)."""
    from revbridge.services.contract import contract_at
    from revbridge.services.ingest_events import EventIngestor
    from revbridge.services.scoring_new import score_new_touchpoints
    from revbridge.store.engine import make_engine

    engine = make_engine(url)
    _, emails = leads_of(url)
    sent = touchpoints(count, emails, now, seed)
    ingestor = EventIngestor(engine)
    for start in range(0, count, API_BATCH):
        ingestor.ingest(sent[start : start + API_BATCH], now=now)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # what autovacuum would have done by now on a live server
            conn.exec_driver_sql("ANALYZE touchpoints")
    contract = contract_at(engine, now)
    profile = cProfile.Profile()
    started = time.perf_counter()
    if profiled:
        profile.enable()
    done = score_new_touchpoints(engine, contract, now, limit=limit)
    profile.disable()
    seconds = time.perf_counter() - started
    engine.dispose()
    text = io.StringIO()
    if profiled:
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(45)
    return {
        "sent": count,
        "scored": done.touchpoints,
        "leads": done.leads,
        "mqls": done.qualified + done.recycled,
        "notifications": done.notifications,
        "batches": done.batches,
        "seconds": round(seconds, 3),
        "touchpoints_per_s": round(done.touchpoints / seconds),
        "arrivals_per_s": round(count / seconds),
        "profile": text.getvalue(),
    }


def one_at_a_time(url: str, sample: int, now: datetime, seed: int) -> dict[str, Any]:
    """``add_touchpoint`` for ``sample`` touchpoints of scored types, one after another, each in its own
    transaction: timed."""
    from revbridge.services.contract import contract_at
    from revbridge.services.scoring import add_touchpoint
    from revbridge.store.engine import make_engine

    engine = make_engine(url)
    ids, _ = leads_of(url)
    rng = random.Random(seed)
    contract = contract_at(engine, now)
    scored = [t for t in TYPES if t in contract.sla.scoring.engagement.touchpoints]  # type: ignore[union-attr]
    planned = [
        (rng.choice(ids), rng.choice(scored), now - timedelta(seconds=rng.randint(0, 86_400))) for _ in range(sample)
    ]
    times = []
    for i, (lead, kind, at) in enumerate(planned):
        started = time.perf_counter()
        add_touchpoint(
            engine,
            lead_id=lead,
            kind=kind,
            occurred_at=at,
            source="one",
            external_id=f"o{i}",
            contract=contract,
            now=now,
        )
        times.append(time.perf_counter() - started)
    engine.dispose()
    total = sum(times)
    times.sort()
    return {
        "sample": sample,
        "seconds": round(total, 3),
        "touchpoints_per_s": round(sample / total),
        "median_ms": round(times[len(times) // 2] * 1000, 3),
        "p95_ms": round(times[int(len(times) * 0.95)] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--touchpoints", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=None, help="Arrivals per batch (default: the worker's).")
    parser.add_argument("--sample", type=int, default=2000, help="Touchpoints scored one at a time, for the ratio.")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--keep", type=Path, default=None, help="Where the built stores are kept (default: a temp dir)."
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "score_new.json")
    parser.add_argument("--profile", action="store_true", help="Print where the batch's time went (slower).")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from revbridge.services.scoring_new import DEFAULT_BATCH

    limit = args.limit or DEFAULT_BATCH
    folder = args.keep or Path(tempfile.mkdtemp(prefix="revbridge-score-new-"))
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    results: dict[str, Any] = {
        "leads": args.leads,
        "touchpoints": args.touchpoints,
        "limit": limit,
        "sample": args.sample,
        "machine_cores": os.cpu_count(),
        "date": now.date().isoformat(),
    }
    cluster = None
    try:
        for kind in args.databases.split(","):
            if kind == "postgres":
                from tests.pg_cluster import start_cluster

                cluster = start_cluster({"shared_buffers": "512MB"})
            built = build(kind, folder, args.leads, cluster)
            runs = []
            for run in range(args.runs):
                url = copy(kind, built, folder, f"run_{run}", cluster)
                batch = batch_run(url, args.touchpoints, limit, now, seed=run, profiled=args.profile)
                drop(kind, url, cluster)
                url = copy(kind, built, folder, f"one_{run}", cluster)
                one = one_at_a_time(url, args.sample, now, seed=run)
                drop(kind, url, cluster)
                profile = batch.pop("profile")
                runs.append(
                    {
                        "batch": batch,
                        "one_at_a_time": one,
                        "ratio": round(batch["touchpoints_per_s"] / one["touchpoints_per_s"], 1),
                    }
                )
                print(
                    f"{kind:8} run {run + 1}: {batch['scored']:,} of {batch['sent']:,} new touchpoints scored "
                    f"({batch['leads']:,} leads, {batch['mqls']} MQLs handed off) in {batch['seconds']:.2f} s: "
                    f"{batch['touchpoints_per_s']:,}/s; one at a time {one['touchpoints_per_s']:,}/s "
                    f"(median {one['median_ms']} ms): {runs[-1]['ratio']}x",
                    flush=True,
                )
                if args.profile:
                    print(profile)
            best = max(runs, key=lambda r: r["batch"]["touchpoints_per_s"])
            results[kind] = {"best": best, "runs": runs}
    finally:
        if cluster is not None:
            cluster.stop()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
