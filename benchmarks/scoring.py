"""Scoring and clocks on the embedded default (SQLite): batch rescoring, one touchpoint, one tick.

    python benchmarks/scoring.py                                  # 1,000,000 leads, 20,000,000 touchpoints
    python benchmarks/scoring.py --leads 100000 --touchpoints 2000000
    python benchmarks/scoring.py --json out.json
    python benchmarks/scoring.py --only tick                      # the ticks alone: 110,000 leads, 5 runs

In one run, on one freshly built SQLite file:

1. ``revbridge score --all``'s service (``rescore_all``) over every lead and touchpoint, each run in a
   fresh child process so that its peak RSS is its own. First on a copy of the store as built, never
   scored (every lead's row grows by its reasons and state: a one-off). Then last night's rescoring (a
   day before, not timed), and the last day's touchpoints (about 1/365 of them) arriving after it and
   scored as the worker scores arrivals (``score --new``; its time is printed, not part of the goal).
   Then the nightly case the goal is about: reading the touchpoints from the store, and, on a copy, the
   mirror's first sync and ``score --all --mirror`` reading them from Parquet. Then the per-row Python
   baseline on a sample of leads (the definition, ``engagement_from_touchpoints``, one touchpoint at a
   time), scaled to all of them, for the ratio.
2. ``add_touchpoint`` one touchpoint at a time, including its transaction and write: median and p95.
3. ``tick`` twice, on a copy of the store as built. Built are ``--obligations`` open obligations plus 1%
   more; first 1% of them are due (a minute's tick of a busy team, among all the open clocks), then, two
   hours later, the other ``--obligations`` all at once (a backlog: the worker was down).

The store is filled through SQLite's own bulk path (not timed): touchpoints spread over a year, types
weighted as a real log is (page views most, demo requests few).

``--only tick`` builds a store for the ticks alone (by default 110,000 leads, no touchpoints: a tick reads
neither the touchpoints nor the scores) and runs the pair of ticks ``--runs`` times (5), each on a fresh
copy of it; the fastest run is reported (the machine is shared and noisy), every run is in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SLA = ROOT / "examples" / "sla.yaml"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TYPES = (
    ["page_view"] * 10
    + ["email_click"] * 4
    + ["email_open"] * 4
    + ["content_download"] * 2
    + [
        "pricing_page_view",
        "webinar_attended",
        "demo_request",
        "unsubscribe",
    ]
)
INDUSTRIES = ["software", "fintech", "retail", "healthcare it", "manufacturing", "education"]
COUNTRIES = ["US", "CA", "GB", "DE", "FR", "BR", "IN", "JP"]
TITLES = ["VP Data", "Head of Analytics", "Data Engineer", "Student", "CTO", "Analyst", "Director of IT"]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, leads: int, touchpoints: int, obligations: int) -> list[tuple[int, str, str, str]]:
    """A migrated store with an SLA, a sales team, ``leads`` leads and the ``touchpoints`` touchpoints that
    occurred up to a day before ``NOW``; those of the last day are returned, not stored (they arrive after
    last night's rescoring: ``arrive``)."""
    from revbridge.services.sla_versions import apply_sla
    from revbridge.store import migrate
    from revbridge.store.engine import make_engine

    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    apply_sla(
        engine,
        SLA.read_text(),
        effective_from=NOW - timedelta(days=400),
        signed_by={"marketing": "m", "sales": "s"},
        now=NOW,
    )
    engine.dispose()
    rng = random.Random(11)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO teams (name, kind) VALUES ('sdr', 'sales')")
    conn.executemany(
        "INSERT INTO users (email, name, team_id, role, active, away, territory, created_at) "
        "VALUES (?, ?, 1, 'sales', 1, 0, '{}', ?)",
        [(f"rep{i}@nw.com", f"Rep {i}", _stamp(NOW)) for i in range(20)],
    )
    created = _stamp(NOW - timedelta(days=400))
    conn.executemany(
        "INSERT INTO leads (source, external_id, email, job_title, industry, country, stage, "
        "recycle_count, flags, properties, created_at, updated_at, version, engagement_state, score_reasons) "
        "VALUES ('bench', ?, ?, ?, ?, ?, ?, 0, '{}', '{}', ?, ?, 1, '{}', '[]')",
        (
            (
                str(i),
                f"p{i}@co{i % 50_000}.com",
                rng.choice(TITLES),
                rng.choice(INDUSTRIES),
                rng.choice(COUNTRIES),
                "mql" if i < obligations + obligations // 100 else "lead",
                created,
                created,
            )
            for i in range(leads)
        ),
    )
    start = NOW - timedelta(days=365)
    last_night = _stamp(NOW - timedelta(days=1))
    day: list[tuple[int, str, str, str]] = []

    def before_last_night(rows: Iterator[tuple[int, str, str, str]]) -> Iterator[tuple[int, str, str, str]]:
        for row in rows:
            if row[3] > last_night:  # the same text format throughout: text order is time order
                day.append(row)
            else:
                yield row

    conn.executemany(
        "INSERT INTO touchpoints (lead_id, source, external_id, type, occurred_at) VALUES (?, 'bench', ?, ?, ?)",
        before_last_night(
            (
                rng.randrange(1, leads + 1),
                f"t{i}",
                rng.choice(TYPES),
                _stamp(start + timedelta(seconds=rng.randrange(365 * 86400))),
            )
            for i in range(touchpoints)
        ),
    )
    steady = obligations // 100  # due by NOW; the rest by NOW + 2 h
    conn.executemany(
        "INSERT INTO obligations (lead_id, kind, team, owner_id, opened_at, due_at, status, escalation_level, "
        "required_count, done_count, sla_version) VALUES (?, 'accept', 'sales', ?, ?, ?, 'open', 0, 1, 0, 1)",
        (
            (i + 1, 1 + i % 20, created, _stamp(NOW - timedelta(hours=1) if i < steady else NOW + timedelta(hours=1)))
            for i in range(obligations + steady)
        ),
    )
    conn.execute("UPDATE leads SET owner_id = 1 + (id % 20) WHERE stage = 'mql'")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sorted(day, key=lambda row: row[3])  # in the order they occurred, as they would arrive


def arrive(path: Path, day: list[tuple[int, str, str, str]]) -> None:
    """The last day's touchpoints, stored as the API or an import stores them: unscored, new arrivals."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO touchpoints (lead_id, source, external_id, type, occurred_at) VALUES (?, 'bench', ?, ?, ?)", day
    )
    conn.execute("COMMIT")
    conn.close()


def child_score_new(path: str) -> None:
    """What the worker does all day: score the new arrivals, batch after batch (``score --new``), at NOW."""
    from revbridge.services.contract import contract_at
    from revbridge.services.scoring_new import score_new_touchpoints
    from revbridge.store.engine import make_engine

    engine = make_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    done = score_new_touchpoints(engine, contract_at(engine, NOW), NOW)
    print(json.dumps({**done.as_dict(), "wall_seconds": time.perf_counter() - started}))


def child_rescore(path: str, mirror_root: str | None = None, at: str | None = None) -> None:
    from revbridge.services.contract import contract_at
    from revbridge.services.scoring import rescore_all
    from revbridge.store.engine import make_engine

    engine = make_engine(f"sqlite:///{path}")
    now = datetime.fromisoformat(at) if at else NOW
    contract = contract_at(engine, now)
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()
    summary = rescore_all(
        engine,
        contract=contract,
        now=now,
        progress=lambda step: steps.append((step, time.perf_counter() - started)),
        mirror_root=Path(mirror_root) if mirror_root else None,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the SQLite reader process
    print(
        json.dumps(
            {
                **summary.as_dict(),
                "peak_rss_mb": (peak + reader) / 2**20,  # both at their peaks at once: an upper bound
                "peak_rss_self_mb": peak / 2**20,
                "peak_rss_reader_mb": reader / 2**20,
                "steps": steps,
            }
        )
    )


def run_rescore(path: Path, mirror_root: Path | None, label: str = "rescore --all") -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = [sys.executable, __file__, "--child", str(path)] + ([str(mirror_root)] if mirror_root else [])
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"rescoring failed:\n{out.stderr[-3000:]}")
    rescore: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{label}{' --mirror' if mirror_root else ''}   {rescore['leads']:,} leads, "
        f"{rescore['touchpoints']:,} scored touchpoints: {rescore['seconds']:.1f} s, "
        f"peak RSS {rescore['peak_rss_mb']:,.0f} MB, {rescore['qualified']:,} new MQLs"
    )
    for step, seconds in _durations(rescore["steps"], rescore["seconds"]).items():
        print(f"    {step:<20} {seconds:6.1f} s")
    return rescore


def sync_mirror(path: Path, root: Path) -> dict[str, float]:
    from revbridge.store import mirror
    from revbridge.store.engine import make_engine

    engine = make_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    result = mirror.sync(engine, root, tables=("touchpoints",), snapshots=())
    seconds = time.perf_counter() - started
    engine.dispose()
    rows = result.appended["touchpoints"]
    print(f"mirror sync      {rows:,} touchpoints copied to Parquet in {seconds:.1f} s (later syncs copy the new)")
    return {"rows": rows, "seconds": seconds}


def baseline(path: Path, sample: int) -> dict[str, float]:
    """The definition, one touchpoint at a time in Python, for ``sample`` leads: seconds per touchpoint."""
    from revbridge.domain.scoring import engagement_from_touchpoints
    from revbridge.domain.sla import load_sla

    engagement = load_sla(SLA.read_text()).scoring.engagement
    assert engagement is not None
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT lead_id, type, occurred_at FROM touchpoints WHERE lead_id <= ? ORDER BY lead_id", (sample,)
    ).fetchall()
    conn.close()
    started = time.perf_counter()
    by_lead: dict[int, list[tuple[str, datetime]]] = {}
    for lead, kind, at in rows:
        by_lead.setdefault(lead, []).append((kind, datetime.fromisoformat(at).replace(tzinfo=UTC)))
    for events in by_lead.values():
        engagement_from_touchpoints(engagement, events, NOW)
    elapsed = time.perf_counter() - started
    return {"touchpoints": len(rows), "seconds": elapsed, "seconds_per_touchpoint": elapsed / max(len(rows), 1)}


def incremental(path: Path, count: int) -> dict[str, float]:
    from revbridge.services.contract import contract_at
    from revbridge.services.scoring import add_touchpoint
    from revbridge.store.engine import make_engine

    engine = make_engine(f"sqlite:///{path}")
    contract = contract_at(engine, NOW)
    rng = random.Random(5)
    timings = []
    for i in range(count):
        lead = rng.randrange(1, 10_000)
        started = time.perf_counter()
        add_touchpoint(
            engine,
            lead_id=lead,
            kind="page_view",
            occurred_at=NOW,
            source="bench-live",
            external_id=f"live{i}",
            contract=contract,
            now=NOW,
        )
        timings.append(time.perf_counter() - started)
    timings.sort()
    return {"count": count, "median_ms": statistics.median(timings) * 1000, "p95_ms": timings[int(0.95 * count)] * 1000}


def tick_at(path: Path, at: datetime) -> dict[str, float]:
    from revbridge.services.clocks import tick
    from revbridge.services.contract import contract_at
    from revbridge.store.engine import make_engine

    engine = make_engine(f"sqlite:///{path}")
    contract = contract_at(engine, at)
    with engine.connect() as conn:
        open_clocks = conn.exec_driver_sql("SELECT count(*) FROM obligations WHERE status = 'open'").scalar_one()
    started = time.perf_counter()
    counts = tick(engine, now=at, contract=contract)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {**counts.as_dict(), "open_before": open_clocks, "seconds": seconds}


def run_ticks(path: Path, runs: int) -> dict[str, Any]:
    """The steady tick, then the backlog one, ``runs`` times, each pair on a fresh copy of the store as
    built (the last pair on the store itself, which it changes): the fastest of each and every run."""
    steadies: list[dict[str, float]] = []
    backlogs: list[dict[str, float]] = []
    for run in range(runs):
        copy = path if run == runs - 1 else path.with_name("store-clocks.db")
        for leftover in path.parent.glob("store-clocks.db*"):  # the copy and its -wal, -shm
            leftover.unlink()
        if copy != path:
            shutil.copyfile(path, copy)
        steadies.append(tick_at(copy, NOW))
        backlogs.append(tick_at(copy, NOW + timedelta(hours=2)))
    steady = min(steadies, key=lambda figures: figures["seconds"])
    backlog = min(backlogs, key=lambda figures: figures["seconds"])
    for name, figures, every in (("tick", steady, steadies), ("tick, backlog", backlog, backlogs)):
        spread = ", ".join(f"{f['seconds']:.2f}" for f in every)
        print(
            f"{name:<15} {figures['due']:,} due of {figures['open_before']:,} open: {figures['breached']:,} breached, "
            f"{figures['notifications']:,} notifications in {figures['seconds']:.2f} s"
            + (f" (fastest of {runs}: {spread} s)" if runs > 1 else "")
        )
    return {
        "tick_steady": steady,
        "tick": backlog,
        "tick_runs": runs,
        "tick_steady_seconds": [f["seconds"] for f in steadies],
        "tick_seconds": [f["seconds"] for f in backlogs],
    }


def _durations(steps: list[list[object]], total: float) -> dict[str, float]:
    """How long each step took: from its start to the next one's (the last to the end)."""
    starts = [(str(name), float(at)) for name, at in steps]  # type: ignore[arg-type]
    ends = [at for _, at in starts[1:]] + [total]
    return {name: end - at for (name, at), end in zip(starts, ends, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["tick"], help="measure the ticks alone, on a store built for them")
    parser.add_argument("--leads", type=int, help="1,000,000; with --only tick, 110,000")
    parser.add_argument("--touchpoints", type=int, help="20,000,000; with --only tick, none")
    parser.add_argument("--obligations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, help="times the ticks run, each on a fresh copy: 1; with --only tick, 5")
    parser.add_argument("--json", type=Path, help="benchmarks/results/scoring.json (scoring_tick.json with --only)")
    args = parser.parse_args()
    alone = args.only == "tick"
    leads = args.leads or (110_000 if alone else 1_000_000)
    touchpoints = args.touchpoints if args.touchpoints is not None else 0 if alone else 20_000_000
    runs = args.runs or (5 if alone else 1)
    output = args.json or ROOT / "benchmarks" / "results" / ("scoring_tick.json" if alone else "scoring.json")
    if leads < args.obligations + args.obligations // 100:
        raise SystemExit(f"{args.obligations:,} obligations and 1% more need as many leads; --leads is {leads:,}")
    workdir = Path(tempfile.mkdtemp(prefix="revbridge-scoring-"))
    path = workdir / "store.db"
    print(f"building {leads:,} leads, {touchpoints:,} touchpoints, {args.obligations:,} obligations ...")
    started = time.perf_counter()
    day = build(path, leads, touchpoints, args.obligations)
    print(f"  built in {time.perf_counter() - started:.0f} s ({path.stat().st_size / 2**20:,.0f} MB)")
    if alone:
        ticks = run_ticks(path, runs)
        shutil.rmtree(workdir)
        report = {"leads": leads, "touchpoints": touchpoints, "obligations": args.obligations, **ticks}
        _write(report, output)
        return
    first = workdir / "store-first.db"  # a store never scored: every lead's row grows by its reasons
    shutil.copyfile(path, first)
    arrive(first, day)
    first_rescore = run_rescore(first, None, "first rescoring")
    first.unlink()
    built = workdir / "store-built.db"  # the ticks run on the store as built: 1% of the clocks due at NOW
    shutil.copyfile(path, built)
    print("rescoring as of a day before (last night's run, not timed) ...")
    subprocess.run(
        [sys.executable, __file__, "--child", str(path), "", (NOW - timedelta(days=1)).isoformat()],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True,
        capture_output=True,
    )
    arrive(path, day)
    print(f"the day's {len(day):,} touchpoints arrive and are scored as the worker scores them (not timed) ...")
    out = subprocess.run(
        [sys.executable, __file__, "--child-new", str(path)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True,
        capture_output=True,
        text=True,
    )
    day_scored = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"  {day_scored['touchpoints']:,} touchpoints of {day_scored['leads']:,} leads in "
        f"{day_scored['wall_seconds']:.1f} s, {day_scored['qualified']:,} new MQLs"
    )
    twin = workdir / "store-mirrored.db"  # the same store, for the rescoring through the mirror
    shutil.copyfile(path, twin)
    rescore = run_rescore(path, None)
    durations = _durations(rescore["steps"], rescore["seconds"])
    mirror_root = workdir / "mirror"
    synced = sync_mirror(twin, mirror_root)
    through_mirror = run_rescore(twin, mirror_root)
    twin.unlink()
    sample = max(1, min(leads, 20_000))
    loop = baseline(path, sample)
    scaled = loop["seconds_per_touchpoint"] * rescore["touchpoints"]
    batch_engagement = durations["reading leads and touchpoints"] + durations["engagement"]
    print(
        f"per-row Python   {loop['touchpoints']:,} touchpoints in {loop['seconds']:.2f} s -> {scaled:.0f} s for all: "
        f"{scaled / batch_engagement:.1f}x the batch's engagement ({batch_engagement:.1f} s, reading included)"
    )
    live = incremental(path, 2000)
    print(f"one touchpoint   median {live['median_ms']:.2f} ms, p95 {live['p95_ms']:.2f} ms (with its transaction)")
    ticks = run_ticks(built, runs)
    results = {
        "leads": leads,
        "touchpoints": touchpoints,
        "obligations": args.obligations,
        "rescore": rescore,
        "first_rescore": first_rescore,
        "day_scored_on_arrival": day_scored,
        "mirror_sync": synced,
        "rescore_through_mirror": through_mirror,
        "python_baseline": {**loop, "scaled_seconds": scaled, "ratio_to_batch_engagement": scaled / batch_engagement},
        "incremental": live,
        **ticks,
    }
    shutil.rmtree(workdir)  # 5.5 GB of stores and Parquet
    _write(results, output)


def _write(results: dict[str, Any], path: Path) -> None:
    results = {**results, "machine_cores": os.cpu_count(), "load_average_after": os.getloadavg()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"figures written to {path}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child-new":
        child_score_new(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_rescore(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None, *sys.argv[4:5])
    else:
        main()
