"""From raw touchpoints in the store to Markov channel shares, journey building included: RevBridge against
the peers' workflow (GitHub issue 5: at 1,000,000 journeys, at least 10x faster than pandas path building
plus the fastest peer).

    python benchmarks/attribution_workflow.py                          # 1,000,000 leads (journeys)
    python benchmarks/attribution_workflow.py --leads 100000 --keep /tmp/attribution
    python benchmarks/attribution_workflow.py --keep /tmp/attribution --repeat 3

The store (``benchmarks/attribution_store.py``, not timed; built once into ``--keep DIR`` and reused) is a
migrated SQLite file of N leads whose touchpoints are synthetic journeys with a known true channel effect
(the generator of ``domain/simulation/channel_effects.py``, with times), plus touches outside every
journey's window that no journey may contain. Converted leads reach ``customer``; a journey is the
lead's touches in the 90 days before that moment, or before ``until`` for the others.

What is measured, each in a fresh child process (imports not counted; peak RSS of the child and its own
children, sampled every 20 ms; with ``--repeat``, the fastest run of each, as outside load on a shared
machine only slows a run):

1. The mirror: a first, whole ``mirror sync`` of the store into DIR/mirror (redone on every run).
2. Ours: ``journeys(open_source(spec, url), until=…, milestone="customer", lookback=90 days)`` then
   ``attribution.markov(paths, 1)``, on ``duckdb`` (the mirror) and on ``store`` (SQLite itself); the
   DuckDB figure is also given with the sync added (the whole cost when the mirror starts empty).
3. The peers' workflow: ``pandas.read_sql`` of the touchpoints and the customer transitions from the
   same SQLite file; the same windows, sorted by lead and time, joined into "a > b" paths, aggregated to
   total_conversions / total_null; then Markov order 1 by ChannelAttribution (``markov_model``) and by
   mam (``run_markov``), each timed. The workflow's figure is reading + path building + the faster model.

Checked: every side's journeys, aggregated by path, against the generated ones (number of journeys and
each path's conversions and nulls; a mismatch is reported loudly); each side's channel shares against the
synthetic truth. The ratio is the peers' workflow ÷ ours. Figures go to ``--json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import attribution_store as generated  # noqa: E402
from analytics import finish, measured  # noqa: E402

GOAL_RATIO = 10.0
ENGINES = ("duckdb", "store", "peers")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def child_sync(url: str, root: str) -> None:
    """A whole first sync of the store into ``root``."""
    from revbridge.services.mirror import sync_mirror
    from revbridge.store.engine import make_engine

    start = time.perf_counter()
    engine = make_engine(url)
    summary = sync_mirror(engine, Path(root))
    engine.dispose()
    print(json.dumps({"seconds": time.perf_counter() - start, "summary": summary}))


def child_ours(spec: str, url: str, out: str, profile: bool) -> None:
    """Journeys and Markov order 1 on ``spec``; timings and shares as JSON, the paths into ``out``."""
    began = time.perf_counter()
    import ibis

    from revbridge.analytics.attribution import markov
    from revbridge.analytics.journeys import journeys
    from revbridge.analytics.source import EngineSpec, open_source

    # Ibis imports an engine's backend on first use: an import like the peers' (not counted), not work.
    getattr(ibis, "duckdb" if spec.startswith("duckdb") else "sqlite")
    imported = time.perf_counter() - began
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    with open_source(EngineSpec.parse(spec), url) as source:
        opened = time.perf_counter()
        paths = journeys(source, until=generated.UNTIL, milestone="customer", lookback=generated.LOOKBACK)
        built = time.perf_counter()
    credit = markov(paths, 1)
    done = time.perf_counter()
    if profiler is not None:
        import pstats

        profiler.disable()
        say(f"--- profile of ours on {spec.split(':')[0]} (cumulative) ---")
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        say(f"--- profile of ours on {spec.split(':')[0]} (own time) ---")
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    table = generated.path_table(paths.channels, paths.steps, paths.starts, paths.conversions, paths.nulls)
    pq.write_table(table, out)
    print(
        json.dumps(
            {
                "imports": imported,
                "open": opened - start,
                "journeys": built - opened,
                "model": done - built,
                "total": done - start,
                "journeys_built": float(paths.conversions.sum() + paths.nulls.sum()),
                "rows_in_paths": len(paths.starts) - 1,
                "shares": dict(zip(credit.channels, credit.shares.tolist(), strict=True)),
            }
        )
    )


def child_peers(database: str, out: str) -> None:
    """What an analyst does with pandas and the peers; phase timings and shares as JSON, paths into ``out``."""
    began = time.perf_counter()
    import sqlite3

    import pandas as pd

    with contextlib.redirect_stdout(sys.stderr):  # its banner
        import ChannelAttribution as ca
    from mam import MAM

    imported = time.perf_counter() - began
    until = pd.Timestamp(generated.UNTIL.replace(tzinfo=None))
    lookback = pd.Timedelta(generated.LOOKBACK)

    start = time.perf_counter()
    conn = sqlite3.connect(database)
    touches = pd.read_sql("SELECT lead_id, occurred_at, channel FROM touchpoints", conn, parse_dates=["occurred_at"])
    customers = pd.read_sql(
        "SELECT lead_id, at FROM stage_transitions WHERE to_stage = 'customer'", conn, parse_dates=["at"]
    )
    conn.close()
    read = time.perf_counter()

    reached = customers[customers["at"] < until].groupby("lead_id")["at"].min().rename("converted_at")
    t = touches.join(reached, on="lead_id")
    end = t["converted_at"].fillna(until)
    t = t[(t["occurred_at"] <= end) & (t["occurred_at"] > end - lookback)]
    t = t.assign(channel=t["channel"].fillna("direct"), converted=t["converted_at"].notna())
    t = t.sort_values(["lead_id", "occurred_at"])
    journeys = t.groupby("lead_id", sort=False).agg(path=("channel", " > ".join), converted=("converted", "first"))
    journeys["not_converted"] = ~journeys["converted"]
    paths = journeys.groupby("path", as_index=False).agg(
        total_conversions=("converted", "sum"), total_null=("not_converted", "sum")
    )
    built = time.perf_counter()

    result = ca.markov_model(
        paths, "path", "total_conversions", var_null="total_null", order=1, sep=">", verbose=False, flg_pro=False
    )
    ca_done = time.perf_counter()

    grouped = pd.concat(
        [
            pd.DataFrame({"path": paths["path"], "has_conversion": True, "occurrences": paths["total_conversions"]}),
            pd.DataFrame({"path": paths["path"], "has_conversion": False, "occurrences": paths["total_null"]}),
        ],
        ignore_index=True,
    )
    grouped = grouped[grouped["occurrences"] > 0]
    mam_result = MAM(
        grouped, "grouped_journey", "path", "has_conversion", occurrences_colname="occurrences"
    ).run_markov()
    mam_done = time.perf_counter()

    ca_conv = result.set_index("channel_name")["total_conversions"]
    removal = mam_result.metadata["removal_effect"]["removal_effect"]
    mam_attributed = mam_result.to_pandas().set_index("channels")["attribution"]
    ordered = paths.sort_values("path")
    pq.write_table(
        pa.table(
            {
                "path": ordered["path"].astype(str).tolist(),
                "total_conversions": ordered["total_conversions"].astype(float).to_numpy(),
                "total_null": ordered["total_null"].astype(float).to_numpy(),
            }
        ),
        out,
    )
    print(
        json.dumps(
            {
                "imports": imported,
                "read": read - start,
                "paths": built - read,
                "channelattribution": ca_done - built,
                "mam": mam_done - ca_done,
                "touchpoints_read": len(touches),
                "journeys_built": len(journeys),
                "shares": {
                    "channelattribution": {str(k): float(v) for k, v in (ca_conv / ca_conv.sum()).items()},
                    "mam": {str(k): float(v) for k, v in (removal / removal.sum()).items()},
                    "mam_attributed": {str(k): float(v) for k, v in (mam_attributed / mam_attributed.sum()).items()},
                },
            }
        )
    )


def prepare(folder: Path, leads: int) -> tuple[Path, dict[str, Any]]:
    """The store in ``folder`` (built unless already there) and what it holds."""
    from revbridge.store import migrate
    from revbridge.store.engine import make_engine

    database = folder / "store.db"
    marker = folder / f"attribution-{leads}-v{generated.FORMAT_VERSION}.json"
    expected = folder / f"expected-{leads}.parquet"
    if marker.exists() and expected.exists() and database.exists():
        say(f"reusing the store in {folder} (migrated to the current schema)")
        engine = make_engine(f"sqlite:///{database}")
        migrate.upgrade(engine)  # a kept store gets the indexes added since it was built
        engine.dispose()
        return database, json.loads(marker.read_text())
    for old in folder.glob("attribution-*.json"):
        old.unlink()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)
    engine.dispose()
    say(f"building the store: {leads:,} leads ...")
    start = time.perf_counter()
    info = generated.build(database, leads)
    pq.write_table(info.pop("expected_paths"), expected)
    info["build_seconds"] = time.perf_counter() - start
    say(
        f"  built in {info['build_seconds']:.0f} s: {info['touchpoints']:,} touchpoints "
        f"({info['touchpoints_in_windows']:,} in the journeys' windows), {info['stage_transitions']:,} transitions"
    )
    marker.write_text(json.dumps(info, indent=2))
    return database, info


def compare(expected: pa.Table, got: pa.Table) -> dict[str, Any]:
    """Journeys aggregated by path: equal, or how they differ."""
    want = {p: (c, n) for p, c, n in zip(*(expected.column(i).to_pylist() for i in range(3)), strict=True)}
    have = {p: (c, n) for p, c, n in zip(*(got.column(i).to_pylist() for i in range(3)), strict=True)}
    differing = sorted(p for p in want.keys() | have.keys() if want.get(p) != have.get(p))
    return {
        "journeys": sum(c + n for c, n in have.values()),
        "conversions": sum(c for c, _ in have.values()),
        "paths": len(have),
        "differing_paths": len(differing),
        "examples": [{"path": p, "expected": want.get(p), "got": have.get(p)} for p in differing[:5]],
        "match": not differing,
    }


def fastest(command: list[str], repeat: int, total: Any, label: str) -> dict[str, Any]:
    runs = []
    for i in range(repeat):
        say(f"{label}: run {i + 1} of {repeat} ...")
        runs.append(measured(command))
    result, _ = min(runs, key=lambda run: total(run[0]))
    result = {**result, "peak_rss": max(peak for _, peak in runs), "all_runs": sorted(total(r) for r, _ in runs)}
    return result


def code_state() -> dict[str, Any]:
    """The commit measured, and the files of ``src`` that differed from it (others edit them meanwhile)."""

    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "uncommitted_src": git("status", "--short", "src").splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000, help="Leads, each with one journey (1,000,000).")
    parser.add_argument("--keep", type=Path, help="Build the store here and reuse it next time (else a temp folder).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each measured child; the fastest is reported.")
    parser.add_argument("--engines", default=",".join(ENGINES), help="Which of duckdb,store,peers to run.")
    parser.add_argument("--profile", action="store_true", help="Also profile ours once per engine (cProfile, stderr).")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "attribution_workflow.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "sync":
        child_sync(args.database, args.out)
        return
    if args.child == "ours":
        child_ours(args.spec, args.database, args.out, args.profile)
        return
    if args.child == "peers":
        child_peers(args.database, args.out)
        return

    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        database, info = prepare(folder, args.leads)
        url = f"sqlite:///{database}"
        root = folder / "mirror"
        expected = pq.read_table(folder / f"expected-{args.leads}.parquet")
        report: dict[str, Any] = {
            "leads": args.leads,
            "store": {k: v for k, v in info.items() if k not in ("truth", "effect")},
            "truth": info["truth"],
            "code": code_state(),
            "load_average_before": os.getloadavg(),
            "runs": {},
        }
        me = [sys.executable, __file__]

        if "duckdb" in engines:
            shutil.rmtree(root, ignore_errors=True)
            say("syncing the mirror (a first, whole sync) ...")
            sync, peak = measured([*me, "--child", "sync", "--database", url, "--out", str(root)])
            report["mirror_sync"] = {"seconds": sync["seconds"], "peak_rss": peak, "rows": sync["summary"]}

        outputs = {engine: str(Path(scratch) / f"{engine}.parquet") for engine in engines}
        for engine in engines:
            if engine == "peers":
                command = [*me, "--child", "peers", "--database", str(database), "--out", outputs[engine]]
                result = fastest(
                    command,
                    args.repeat,
                    lambda r: r["read"] + r["paths"] + min(r["channelattribution"], r["mam"]),
                    "the peers' workflow",
                )
                result["model"] = min(result["channelattribution"], result["mam"])
                result["faster_peer"] = "mam" if result["mam"] < result["channelattribution"] else "channelattribution"
                result["total"] = result["read"] + result["paths"] + result["model"]
            else:
                spec = f"duckdb:{root}" if engine == "duckdb" else "store"
                command = [*me, "--child", "ours", "--spec", spec, "--database", url, "--out", outputs[engine]]
                result = fastest(command, args.repeat, lambda r: r["total"], f"ours on {engine}")
            result["agreement"] = compare(expected, pq.read_table(outputs[engine]))
            report["runs"][engine] = result
        if args.profile:
            for engine in (e for e in engines if e != "peers"):
                spec = f"duckdb:{root}" if engine == "duckdb" else "store"
                out = str(Path(scratch) / "profiled.parquet")
                command = [*me, "--child", "ours", "--spec", spec, "--database", url, "--out", out, "--profile"]
                subprocess.run(command, stdout=subprocess.DEVNULL, check=True)  # the profile goes to stderr
        finish(report, args.json, print_report)


def print_report(report: dict[str, Any]) -> None:
    store, runs = report["store"], report["runs"]
    mb = 1024**2
    print(
        f"store: {store['leads']:,} leads, {store['touchpoints']:,} touchpoints ({store['touchpoints_in_windows']:,} "
        f"in the journeys' windows), {store['stage_transitions']:,} stage transitions; generated "
        f"{store['journeys']:,} journeys, {store['conversions']:,} conversions, {store['distinct_paths']:,} paths"
    )
    sync = report.get("mirror_sync")
    if sync:
        print(f"mirror sync (first, whole store): {sync['seconds']:.2f} s, peak RSS {sync['peak_rss'] / mb:,.0f} MB")
    print()
    print(
        f"{'':34s} {'total':>8s} {'read/open':>10s} {'journeys':>9s} {'model':>8s} {'peak RSS':>10s} "
        f"{'journeys':>10s}  (imports, not counted)"
    )
    rows: list[tuple[str, dict[str, Any], float, float, float]] = []
    for engine, label in (("duckdb", "ours, the mirror on DuckDB"), ("store", "ours, the store (SQLite)")):
        if engine in runs:
            r = runs[engine]
            rows.append((label, r, r["open"], r["journeys"], r["model"]))
    if "peers" in runs:
        r = runs["peers"]
        rows.append((f"peers: pandas + {r['faster_peer']}", r, r["read"], r["paths"], r["model"]))
    for label, r, first, middle, model in rows:
        journeys = r["agreement"]["journeys"]
        print(
            f"{label:34s} {r['total']:7.2f}s {first:9.2f}s {middle:8.2f}s {model:7.2f}s "
            f"{r['peak_rss'] / mb:7,.0f} MB {journeys:10,.0f}  ({r['imports']:.2f} s)"
        )
        if len(r["all_runs"]) > 1:
            print(f"{'':36s}runs: " + ", ".join(f"{t:.2f}" for t in r["all_runs"]))
    if "duckdb" in runs and sync:
        print(f"{'ours, DuckDB + the mirror sync':34s} {runs['duckdb']['total'] + sync['seconds']:7.2f}s")
    if "peers" in runs:
        r = runs["peers"]
        print(
            f"    peers' models: ChannelAttribution markov_model {r['channelattribution']:.2f} s, "
            f"mam run_markov {r['mam']:.2f} s; {r['touchpoints_read']:,} touchpoints read"
        )
    print()
    ratios: dict[str, float] = {}
    if "peers" in runs:
        peers = runs["peers"]["total"]
        if "duckdb" in runs:
            ratios["duckdb"] = peers / runs["duckdb"]["total"]
            if sync:
                ratios["duckdb_with_sync"] = peers / (runs["duckdb"]["total"] + sync["seconds"])
        if "store" in runs:
            ratios["store"] = peers / runs["store"]["total"]
        for key, ratio in ratios.items():
            verdict = "met" if ratio >= GOAL_RATIO else "MISSED"
            print(
                f"peers' workflow ÷ ours ({key.replace('_', ' ')}): {ratio:.1f}x  (goal ≥ {GOAL_RATIO:.0f}x: {verdict})"
            )
    report["ratios"] = ratios
    print()
    for engine, r in runs.items():
        a = r["agreement"]
        if a["match"]:
            print(
                f"journeys {engine}: match the generated ones ({a['journeys']:,.0f} journeys, "
                f"{a['conversions']:,.0f} conversions, {a['paths']:,} paths)"
            )
        else:
            print(
                f"!!! JOURNEYS DIFFER on {engine}: {a['differing_paths']:,} of the paths differ "
                f"({a['journeys']:,.0f} journeys, {a['conversions']:,.0f} conversions, {a['paths']:,} paths); "
                f"examples: {a['examples']}"
            )
    print()
    columns: list[tuple[str, dict[str, float]]] = [("truth", report["truth"])]
    for engine in ("duckdb", "store"):
        if engine in runs:
            columns.append((f"ours {engine}", runs[engine]["shares"]))
    if "peers" in runs:
        shares = runs["peers"]["shares"]
        columns += [
            ("ChannelAttr.", shares["channelattribution"]),
            ("mam", shares["mam"]),
            ("mam (output)", shares["mam_attributed"]),
        ]
    print(f"{'channel':16s}" + "".join(f"{name:>14s}" for name, _ in columns))
    for channel in report["truth"]:
        print(f"{channel:16s}" + "".join(f"{values.get(channel, float('nan')):14.4f}" for _, values in columns))
    errors = {
        name: max(abs(values.get(c, 0.0) - t) for c, t in report["truth"].items()) for name, values in columns[1:]
    }
    report["max_share_error"] = errors
    print(f"{'max |Δ truth|':16s}{'':14s}" + "".join(f"{errors[name]:14.4f}" for name, _ in columns[1:]))
    if "peers" in runs:
        print(
            "(mam: its removal effects, normalized, as ChannelAttribution and ours share credit; mam (output): "
            "what run_markov returns, the effects re-split over each journey's touches)"
        )


if __name__ == "__main__":
    main()
