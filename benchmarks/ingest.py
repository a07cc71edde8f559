"""Bulk import of touchpoints into SQLite and PostgreSQL: rows per second and peak memory.

    python benchmarks/ingest.py                 # 1,000,000 touchpoints, both databases
    python benchmarks/ingest.py --rows 200000   # smaller
    python benchmarks/ingest.py --json out.json

Each run is a fresh process (peak RSS is that process's own), importing a generated event log of
``--rows`` touchpoints for 50,000 people who are already leads, through the real CLI path
(``run_import`` with the committed touchpoints mapping). Then the same file again (every row a
duplicate), and files of 1/4, 1/2 and all of the rows to show that memory stays flat as the file
grows. The databases' own bulk paths are measured in the same run as the ceiling to compare against:
``executemany`` into an unindexed SQLite table and ``COPY`` into an unindexed PostgreSQL table.
Each timed PostgreSQL run starts on a quiet server (``settle``): the autovacuum that the previous runs'
tables set off is waited for and a checkpoint writes their pages out, so that no run pays for another's.
Last, 1/8 of the rows more (new ids) into the full table: on SQLite a file that large next to the table
is loaded without its ``lead_id`` index, rebuilt at the end (store/deferred_indexes.py), while a small
one keeps the index up row by row; this shows the second case.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "examples" / "mappings" / "touchpoints.yaml"
PEOPLE = 50_000
TYPES = ["page_view", "form_fill", "email_open", "email_click", "ad_click", "webinar", "content_download"]
CHANNELS = ["paid_search", "organic_search", "email", "social", "paid_social", "referral", "direct", "events"]


def write_events(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "email", "event_type", "channel", "campaign", "occurred_at"])
        for i in range(rows):
            person = rng.randrange(PEOPLE)
            at = start + timedelta(seconds=rng.randrange(365 * 86400))
            writer.writerow(
                [
                    f"evt-{seed}-{i:09d}",
                    f"person{person}@company{person % 5000}.com",
                    rng.choice(TYPES),
                    rng.choice(CHANNELS),
                    f"campaign-{rng.randrange(60)}",
                    at.isoformat(),
                ]
            )


def write_people(path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "company"])
        for person in range(PEOPLE):
            writer.writerow([f"person{person}@company{person % 5000}.com", f"Company {person % 5000}"])


PEOPLE_MAPPING = """entity: leads
source: crm
columns:
  email: email
  company: company
properties: none
"""


def _status_bytes(field: str) -> int:
    """A memory figure of this process from /proc/self/status (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _anon_bytes() -> int:
    """Anonymous (heap) memory of this process: what a leak would grow. Peak RSS also counts the
    database file pages SQLite maps into memory (mmap), which the kernel can drop at will."""
    return _status_bytes("RssAnon")


def child(url: str, events: str, people: str | None) -> None:
    """Runs in a fresh process: load the people (and stop), or import the events and print the figures."""
    from revbridge.services.importing import run_import
    from revbridge.store.engine import make_engine

    engine = make_engine(url)
    if people:
        run_import(engine, "csv", Path(people), mapping=Path(people).with_suffix(".yaml"))
        return
    peak_anon = _anon_bytes()
    after_batch: list[int] = []  # heap after each batch: flat from first to last if nothing leaks
    started = time.perf_counter()

    def progress(_done: int) -> None:
        nonlocal peak_anon
        after_batch.append(_anon_bytes())
        peak_anon = max(peak_anon, after_batch[-1])

    summary = run_import(engine, "csv", Path(events), mapping=MAPPING, batch_size=100_000, progress=progress)
    elapsed = time.perf_counter() - started
    # VmHWM, not getrusage: ru_maxrss survives exec, so a child would report its parent's peak.
    peak_rss = _status_bytes("VmHWM")
    print(
        json.dumps(
            {
                "read": summary.read,
                "created": summary.created,
                "duplicate": summary.duplicate,
                "seconds": elapsed,
                "rows_per_s": summary.read / elapsed,
                "peak_rss_mb": peak_rss / 2**20,
                "peak_heap_mb": max(peak_anon, _anon_bytes()) / 2**20,
                "peak_heap_mb_by_quarter": [
                    round(max(after_batch[q * len(after_batch) // 4 : (q + 1) * len(after_batch) // 4] or [0]) / 2**20)
                    for q in range(4)
                ],
            }
        )
    )


def run_child(url: str, events: Path, people: Path | None) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", url, str(events)] + ([str(people)] if people else [])
    out = subprocess.run(
        args, capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(ROOT / "src")}
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-3000:]}")
    lines = out.stdout.strip().splitlines()
    return dict(json.loads(lines[-1])) if lines else {}


def fresh_database(kind: str, workdir: Path, cluster: object | None, name: str) -> str:
    from revbridge.store import migrate
    from revbridge.store.engine import make_engine

    if kind == "sqlite":
        url = f"sqlite:///{workdir / (name + '.db')}"
    else:
        import sqlalchemy as sa

        admin = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")  # type: ignore[attr-defined]
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = cluster.url(name)  # type: ignore[attr-defined]
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def settle(cluster: object | None, timeout: float = 300.0) -> None:
    """Start a timed PostgreSQL run on a quiet server: the autovacuum of the tables the runs before it
    filled (several seconds of a core here) waited for, and their pages written out by a checkpoint.
    Each import then pays for its own writes and no one else's."""
    if cluster is None:
        return
    import psycopg

    url = cluster.url().replace("postgresql+psycopg", "postgresql")  # type: ignore[attr-defined]
    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        busy = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        while (conn.execute(busy).fetchone() or (0,))[0] and time.monotonic() < deadline:
            time.sleep(0.2)
        conn.execute("CHECKPOINT")


def ceiling(kind: str, url: str, events: Path) -> float:
    """Rows/s of the database's own bulk path into a bare table, no indexes, no parsing of ours."""
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(events)
    rows = list(zip(*[c.to_pylist() for c in table.columns], strict=True))
    if kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///") + ".ceiling", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT)")
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t VALUES (?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")
        return len(rows) / (time.perf_counter() - started)
    import io

    import psycopg

    buffer = io.BytesIO()
    pcsv.write_csv(table, buffer, pcsv.WriteOptions(include_header=False))
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("CREATE TABLE t (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TIMESTAMPTZ)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY t FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getbuffer())
        conn.commit()
        return len(rows) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "ingest.json")
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="revbridge-bench-"))
    people = workdir / "people.csv"
    write_people(people)
    people.with_suffix(".yaml").write_text(PEOPLE_MAPPING)
    sizes = sorted({args.rows // 4, args.rows // 2, args.rows})
    files = {}
    for size in sizes:
        files[size] = workdir / f"events-{size}.csv"
        write_events(files[size], size)
    # New events for a table that already holds the full file: too few to rebuild its indexes for.
    append_rows = args.rows // 8
    appended = workdir / f"events-append-{append_rows}.csv"
    write_events(appended, append_rows, seed=8)
    cluster = None
    results: dict[str, object] = {"rows": args.rows, "people": PEOPLE, "machine_cores": os.cpu_count()}
    try:
        for kind in args.databases.split(","):
            if kind == "postgres":
                sys.path.insert(0, str(ROOT))
                from tests.pg_cluster import start_cluster

                cluster = start_cluster()
            figures: dict[str, object] = {}
            for size in sizes:
                url = fresh_database(kind, workdir, cluster, f"bench_{kind}_{size}")
                run_child(url, files[size], people)  # the people exist before the clock starts
                settle(cluster)
                first = run_child(url, files[size], None)
                figures[f"new_{size}"] = first
                print(
                    f"{kind:8} {size:>9,} new rows   {first['rows_per_s']:>10,.0f} rows/s   "
                    f"peak heap {first['peak_heap_mb']:,.0f} MB (RSS {first['peak_rss_mb']:,.0f} MB), "
                    f"by quarter of the batches {first['peak_heap_mb_by_quarter']} MB"
                )
                if size == args.rows:
                    settle(cluster)
                    again = run_child(url, files[size], None)
                    figures["replay"] = again
                    print(
                        f"{kind:8} {size:>9,} replayed   {again['rows_per_s']:>10,.0f} rows/s   "
                        f"created {again['created']}"
                    )
                    settle(cluster)
                    more = run_child(url, appended, None)
                    figures["append"] = more
                    print(
                        f"{kind:8} {append_rows:>9,} appended   {more['rows_per_s']:>10,.0f} rows/s   "
                        f"to a table of {size:,} rows, indexes kept up row by row"
                    )
                    settle(cluster)
                    figures["ceiling_rows_per_s"] = ceiling(kind, url, files[size])
                    print(
                        f"{kind:8} {size:>9,} database's bare bulk path {figures['ceiling_rows_per_s']:>10,.0f} rows/s"
                    )
            results[kind] = figures
    finally:
        if cluster is not None:
            cluster.stop()  # type: ignore[attr-defined]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        main()
