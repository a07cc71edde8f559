"""Attribution against its peers: RevBridge's models, ChannelAttribution, mam and mta on the same journeys.

    python benchmarks/attribution.py                              # 10,000, 100,000 and 1,000,000 journeys
    python benchmarks/attribution.py --sizes 10000 100000         # a quicker look
    python benchmarks/attribution.py --paths paths.csv            # any file of the aggregated format
    python benchmarks/attribution.py --tools revbridge,channelattribution --repeat 5

The journeys are synthetic ones with a known true channel effect
(``revbridge.domain.simulation.channel_effects.synthetic_journeys``: a noisy OR of the channels met,
whose Shapley shares are the truth), or a file in the common aggregated format (path "a > b > c",
total_conversions, total_conversion_value, total_null), where there is no truth. Each input is written
once as an aggregated CSV; then every (tool, model, size) runs in a fresh Python process that reads the
CSV into a pandas data frame (not timed), builds what the tool needs besides the call (not timed), and
measures:

1. **seconds**: the model call alone, with ``time.perf_counter``, the best of ``--repeat`` calls in that
   process (fewer when a call takes more than ``--patience`` seconds; marked †), as outside load on a
   shared machine only slows a run.
   - RevBridge, two ways: *frame*, from the data frame (``pyarrow.Table.from_pandas`` +
     ``path_files.paths_of_table``, which parses the path strings, + the model: what ChannelAttribution's
     call does too), and *parsed*, the model alone on paths parsed beforehand. Markov of order 1, 2, 3
     (solved exactly), Shapley, linear, first touch, last touch, U-shaped.
   - ChannelAttribution: ``markov_model`` of order 1, 2, 3 with its defaults (it estimates the removal
     effects by simulating journeys from the fitted chain, seed 0, one thread) and ``heuristic_models``
     (first touch, last touch, linear from one call, so one timing).
   - mam: ``run_markov()`` and ``run_shapley()`` (its default ``max_size=4``, and every channel); the
     reshaping into its grouped-journey format and ``MAM(...)``, which preprocesses, are its *prep*,
     timed apart and not in the seconds.
   - mta: ``MTA(data=frame)`` and then ``.markov()`` or ``.shapley()``, end to end (the construction is
     in the seconds, and shown as prep too). Any peer whose call is estimated, from a smaller size, at
     more than ``--max-seconds`` is skipped, and said so.
2. **peak RSS**: the largest resident memory of the worker process itself (its high-water mark,
   ``VmHWM``; the JSON also keeps ``ru_maxrss``, which on Linux carries across exec the peak of the
   process that launched the worker, here the parent's), and the model's own rise: the process's peak
   during the calls (its high-water mark reset just before them) less its resident memory just before
   the first call.
3. **agreement**: per channel share, the largest absolute difference in percentage points against
   RevBridge's same model (Markov: its exact solution of the same order), and against the truth.
   RevBridge's Markov of order 1 is checked against the absorbing chain solved here independently
   (counts by a Python loop, a dense ``(I - Q)^-1``; removal effect = 1 - P(conv | c removed) / P(conv)).

A table per size, then the ratios (our Markov against the fastest peer's and ChannelAttribution's of each
order, memory at order 1, each data-driven model's error against the truth); everything also goes to
``--json``. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import attribution_peers as peers  # noqa: E402

if TYPE_CHECKING:
    from revbridge.domain.paths import Paths

SIZES = (10_000, 100_000, 1_000_000)
TOOLS = ("revbridge", "channelattribution", "mam", "mta")
PEERS = ("channelattribution", "mam", "mta")
OUR_MODELS = ("shapley", "linear", "first_touch", "last_touch", "u_shaped")
ORDERS = (1, 2, 3)
WIDE = 12  # more channels than this: the peers' Shapley over every subset is not attempted
TOLERANCE = 1e-9
NAMES = {
    "revbridge": "revbridge (frame)",
    "revbridge-parsed": "revbridge (parsed)",
    "channelattribution": "ChannelAttribution",
    "mam": "mam",
    "mta": "mta",
}
MODEL_NAMES = {("mam", "shapley"): "shapley (max 4)", ("mam", "shapley_all"): "shapley (all)"}
MB = 1024**2


@dataclass(frozen=True)
class Run:
    """One worker: ``model`` (of ``order`` for Markov, else 0) by ``tool``."""

    tool: str
    model: str
    order: int = 0

    @property
    def spec(self) -> str:
        return f"{self.tool}:{self.model}:{self.order}"

    @property
    def label(self) -> str:
        order = f" {self.order}" if self.order else ""
        return f"{NAMES[self.tool]} {self.model}{order}"


def runs_for(tools: list[str]) -> list[Run]:
    found: list[Run] = []
    if "revbridge" in tools:
        for tool in ("revbridge", "revbridge-parsed"):
            found += [Run(tool, "markov", k) for k in ORDERS] + [Run(tool, m) for m in OUR_MODELS]
    if "channelattribution" in tools:
        found += [Run("channelattribution", "markov", k) for k in ORDERS] + [Run("channelattribution", "heuristics")]
    if "mam" in tools:
        found += [Run("mam", "markov", 1), Run("mam", "shapley"), Run("mam", "shapley_all")]
    if "mta" in tools:
        found += [Run("mta", "markov", 1), Run("mta", "shapley")]
    return found


# ----------------------------------------------------------------------------------------- the worker


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def high_water_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_high_water() -> bool:
    """Reset the process's peak resident memory to its current (Linux ≥ 4.0), so that the peak read
    after the calls is theirs; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def worker(spec: str, csv_file: Path, repeat: int, patience: float) -> None:
    """Run one (tool, model) on ``csv_file``; print its timings, memory and credits as JSON."""
    result_out = os.dup(1)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # the peers' banners and timers (some printed from C++) go nowhere
    import pandas as pd

    tool, model, order = spec.split(":")
    frame = pd.read_csv(csv_file)
    job = peers.job(tool, model, int(order), frame)
    prep: list[float] = []
    if job.prep is not None:
        for _ in range(repeat):
            began = time.perf_counter()
            job.prep()
            prep.append(time.perf_counter() - began)
    gc.collect()
    # The process's own peak so far. Not ru_maxrss alone: on Linux a process inherits across exec the
    # peak of the one that launched it (here the parent, which holds every model's shares).
    own_before = high_water_mb()
    rss_before = psutil.Process().memory_info().rss / MB
    reset = reset_high_water()
    seconds: list[float] = []
    result: Any = None
    for _ in range(repeat):
        result = None
        began = time.perf_counter()
        result = job.call()
        seconds.append(time.perf_counter() - began)
        if seconds[-1] > patience:
            break
    own_during = high_water_mb()
    if own_before is None or own_during is None:  # no /proc: ru_maxrss, the parent's peak included
        own_before = own_during = maxrss_mb()
    payload = {
        "seconds": min(seconds),
        "all_seconds": seconds,
        "prep_seconds": min(prep) if prep else None,
        "peak_rss_mb": max(own_before, own_during),
        "ru_maxrss_mb": maxrss_mb(),
        "rss_before_mb": rss_before,
        "model_rss_increase_mb": max((own_during if reset else max(own_before, own_during)) - rss_before, 0.0),
        "peak_reset": reset,
        "credits": job.read(result),
        "details": job.details(result) if job.details is not None else {},
        "notes": job.notes,
    }
    sys.stdout.flush()
    with os.fdopen(result_out, "w") as out:
        out.write(json.dumps(payload) + "\n")


# ----------------------------------------------------------------------------------------- the parent


def absorbing_chain_effects(paths: Paths) -> np.ndarray:
    """The removal effects of the order-1 chain, independently of RevBridge's code: the counts of every
    move by a plain loop over the paths, then a dense fundamental matrix ``N = (I - Q)^-1``. State 0 is
    the start, ``c + 1`` channel ``c``; removing ``c`` loses every journey that moves into it."""
    m = len(paths.channels)
    size = m + 1
    flow = np.zeros((size, size))
    to_conversion, to_null = np.zeros(size), np.zeros(size)
    steps, starts = paths.steps.tolist(), paths.starts.tolist()
    conversions, nulls = paths.conversions.tolist(), paths.nulls.tolist()
    for i in range(len(conversions)):
        state = 0
        for channel in steps[starts[i] : starts[i + 1]]:
            flow[state, channel + 1] += conversions[i] + nulls[i]
            state = channel + 1
        to_conversion[state] += conversions[i]
        to_null[state] += nulls[i]
    leaving = flow.sum(axis=1) + to_conversion + to_null
    leaving[leaving == 0] = 1.0
    q, r = flow / leaving[:, None], to_conversion / leaving

    def converting(moves: np.ndarray) -> float:
        fundamental = np.linalg.inv(np.identity(size) - moves)
        return float((fundamental @ r)[0])

    base = converting(q)
    effects = np.zeros(m)
    for channel in range(m):
        cut = q.copy()
        cut[:, channel + 1] = 0.0
        effects[channel] = 1.0 - converting(cut) / base
    return effects


def our_shares(paths: Paths) -> dict[str, np.ndarray]:
    """RevBridge's shares by every model, computed here: the reference of the agreement columns."""
    from revbridge.analytics.attribution import MODELS, markov

    found = {f"markov {k}": markov(paths, k).shares for k in ORDERS}
    found.update({name: MODELS[name](paths).shares for name in OUR_MODELS})
    return found


def reference_of(run: Run, model: str) -> str:
    """Which of our models a row is held against: Markov of the same order (mam's and mta's are of
    order 1), our Shapley for every Shapley, else the same rule."""
    if run.model == "markov":
        return f"markov {run.order}"
    if model.startswith("shapley"):
        return "shapley"
    return model


def shares_of(credit: dict[str, float], channels: tuple[str, ...]) -> np.ndarray:
    values = np.array([credit.get(c, 0.0) for c in channels])
    total = values.sum()
    return values / total if total else values


def launch(run: Run, csv_file: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--worker", run.spec, "--csv", str(csv_file), "--repeat", str(args.repeat),
        "--patience", str(args.patience),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.timeout,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"killed after {args.timeout:.0f} s"}
    if done.returncode != 0:
        tail = [line for line in done.stderr.strip().splitlines() if line.strip()][-3:]
        return {"error": f"exit code {done.returncode}: " + " | ".join(tail)}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def estimate(run: Run, rows: int, earlier: dict[str, dict[str, Any]]) -> tuple[float, str] | None:
    """A peer's call at ``rows`` paths from its largest smaller run, scaled by the paths (their loops
    are per path); None when it has not run yet."""
    best: tuple[int, float, str] | None = None
    for label, size in earlier.items():
        done = size["runs"].get(run.spec)
        if done and "seconds" in done and (best is None or size["paths"] > best[0]):
            best = (size["paths"], done["seconds"], label)
    if best is None:
        return None
    return best[1] * rows / best[0], best[2]


def measure_size(
    label: str, paths: Paths, truth: np.ndarray | None, folder: Path, args: argparse.Namespace,
    earlier: dict[str, dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    from revbridge.analytics.attribution import removal_effects
    from revbridge.connectors.path_files import write_paths

    csv_file = folder / f"paths-{label}.csv"
    write_paths(paths, csv_file)
    channels = paths.channels
    ours = our_shares(paths)
    rows = len(paths.lengths)
    size: dict[str, Any] = {
        "journeys": float(paths.conversions.sum() + paths.nulls.sum()),
        "paths": rows,
        "conversions": float(paths.conversions.sum()),
        "channels": list(channels),
        "truth": dict(zip(channels, truth.tolist(), strict=True)) if truth is not None else None,
        "runs": {},
        "rows": [],
        "notes": [],
    }
    reference = absorbing_chain_effects(paths)
    effects = removal_effects(paths, 1)
    check_effects = float(np.abs(effects - reference).max())
    check_shares = float(np.abs(ours["markov 1"] - reference / reference.sum()).max())
    size["absorbing_chain_check"] = {
        "removal_effects_max_diff": check_effects,
        "shares_max_diff": check_shares,
        "equal_to_1e-9": check_effects <= TOLERANCE and check_shares <= TOLERANCE,
        "reference_removal_effects": dict(zip(channels, reference.tolist(), strict=True)),
    }
    results: dict[str, dict[str, Any]] = {}
    for run in runs_for(args.tools):
        skip = None
        every_subset = (run.tool, run.model) in (("mam", "shapley_all"), ("mta", "shapley"))
        if every_subset and len(channels) > WIDE:
            skip = f"skipped: {len(channels)} channels (> {WIDE}), every subset would not finish"
        if skip is None and run.tool in PEERS:
            guess = estimate(run, rows, earlier)
            if guess is not None and guess[0] > args.max_seconds:
                skip = (
                    f"skipped: estimated {guess[0]:,.0f} s a call from {guess[1]} journeys "
                    f"(> --max-seconds {args.max_seconds:g})"
                )
        if skip is not None:
            print(f"[{label}] {run.label}: {skip}", file=sys.stderr, flush=True)
            size["runs"][run.spec] = {"skipped": skip}
            size["rows"].append({"tool": NAMES[run.tool], "model": run.model, "order": run.order, "skipped": skip})
            continue
        print(f"[{label}] {run.label} ...", file=sys.stderr, flush=True)
        result = launch(run, csv_file, args)
        results[run.spec] = result
        size["runs"][run.spec] = {k: v for k, v in result.items() if k != "credits"}  # the rows hold the shares
        if "error" in result:
            print(f"[{label}]     failed: {result['error']}", file=sys.stderr, flush=True)
            size["rows"].append(
                {"tool": NAMES[run.tool], "model": run.model, "order": run.order, "error": result["error"]}
            )
            continue
        print(
            f"[{label}]     {result['seconds']:.3f} s (calls: "
            + ", ".join(f"{s:.3f}" for s in result["all_seconds"])
            + f"), peak RSS {result['peak_rss_mb']:,.0f} MB",
            file=sys.stderr,
            flush=True,
        )
        for model, credit in result["credits"].items():
            name = model or run.model
            shares = shares_of(credit, channels)
            against = reference_of(run, name)
            size["rows"].append(
                {
                    "tool": NAMES[run.tool],
                    "model": MODEL_NAMES.get((run.tool, name), name),
                    "order": run.order,
                    "seconds": result["seconds"],
                    "calls": len(result["all_seconds"]),
                    "prep_seconds": result["prep_seconds"]
                    if result["prep_seconds"] is not None
                    else _first(result["notes"].get("construction_seconds")),
                    "peak_rss_mb": result["peak_rss_mb"],
                    "model_rss_increase_mb": result["model_rss_increase_mb"],
                    "shares": dict(zip(channels, shares.tolist(), strict=True)),
                    "against": against,
                    "vs_ours_pp": float(np.abs(shares - ours[against]).max() * 100),
                    "vs_truth_pp": float(np.abs(shares - truth).max() * 100) if truth is not None else None,
                }
            )
    frame_markov = results.get(Run("revbridge", "markov", 1).spec, {})
    if "credits" in frame_markov:
        worker_shares = shares_of(frame_markov["credits"][""], channels)
        size["absorbing_chain_check"]["worker_shares_max_diff"] = float(
            np.abs(worker_shares - reference / reference.sum()).max()
        )
    mam_markov = results.get(Run("mam", "markov", 1).spec, {})
    if mam_markov.get("details", {}).get("removal_effects"):
        theirs = np.array([mam_markov["details"]["removal_effects"].get(c, 0.0) for c in channels])
        size["notes"].append(
            "mam's Markov: its removal effects equal the absorbing chain's to "
            f"{np.abs(theirs - reference).max():.1e}; its shares differ from them by "
            f"{np.abs(shares_of(mam_markov['credits'][''], channels) - ours['markov 1']).max() * 100:.2f} pp "
            "because it splits each journey's conversions over that journey's touches by their removal effects "
            f"(removal effects as shares: {np.abs(theirs / theirs.sum() - ours['markov 1']).max() * 100:.2e} pp)"
        )
    size["ratios"] = ratios(size, ours, truth, channels)
    return size


def _first(values: list[float] | None) -> float | None:
    return min(values) if values else None


def _row(size: dict[str, Any], tool: str, model: str, order: int = 0) -> dict[str, Any] | None:
    for row in size["rows"]:
        if row["tool"] == NAMES[tool] and row["model"] == model and row["order"] == order and "seconds" in row:
            found: dict[str, Any] = row
            return found
    return None


def ratios(
    size: dict[str, Any], ours: dict[str, np.ndarray], truth: np.ndarray | None, channels: tuple[str, ...]
) -> dict[str, Any]:
    """What the acceptance asks for: speed against the peers, memory, and error against the truth."""
    found: dict[str, Any] = {}
    frame, parsed = _row(size, "revbridge", "markov", 1), _row(size, "revbridge-parsed", "markov", 1)
    peers_1 = [r for r in (_row(size, p, "markov", 1) for p in PEERS) if r is not None]
    if frame and parsed and peers_1:
        fastest = min(peers_1, key=lambda r: r["seconds"])
        found["markov_order_1"] = {
            "ours_frame_seconds": frame["seconds"],
            "ours_model_only_seconds": parsed["seconds"],
            "fastest_peer": fastest["tool"],
            "fastest_peer_seconds": fastest["seconds"],
            "peer_over_ours_frame": fastest["seconds"] / frame["seconds"],
            "peer_over_ours_model_only": fastest["seconds"] / parsed["seconds"],
        }
    for k in ORDERS:
        ca, f, p = (_row(size, t, "markov", k) for t in ("channelattribution", "revbridge", "revbridge-parsed"))
        if ca and f and p:
            found[f"channelattribution_markov_order_{k}"] = {
                "channelattribution_seconds": ca["seconds"],
                "ours_frame_seconds": f["seconds"],
                "ours_model_only_seconds": p["seconds"],
                "theirs_over_ours_frame": ca["seconds"] / f["seconds"],
                "theirs_over_ours_model_only": ca["seconds"] / p["seconds"],
                "theirs_vs_ours_pp": ca["vs_ours_pp"],
            }
    ca1 = _row(size, "channelattribution", "markov", 1)
    if frame and parsed and ca1:
        found["peak_rss_order_1"] = {
            "ours_frame_mb": frame["peak_rss_mb"],
            "ours_model_only_mb": parsed["peak_rss_mb"],
            "channelattribution_mb": ca1["peak_rss_mb"],
            "ours_over_theirs": frame["peak_rss_mb"] / ca1["peak_rss_mb"],
            "ours_frame_model_increase_mb": frame["model_rss_increase_mb"],
            "ours_model_only_increase_mb": parsed["model_rss_increase_mb"],
            "channelattribution_model_increase_mb": ca1["model_rss_increase_mb"],
        }
    if truth is not None:
        data_driven = {f"markov {k}": ours[f"markov {k}"] for k in ORDERS} | {"shapley": ours["shapley"]}
        errors = {name: float(np.abs(s - truth).max() * 100) for name, s in data_driven.items()}
        best = min(errors, key=lambda name: errors[name])
        found["error_vs_truth_pp"] = {"ours": errors, "ours_best_model": best, "ours_best": errors[best]}
        for model in ("shapley (max 4)", "shapley (all)", "markov"):
            row = _row(size, "mam", model, 1 if model == "markov" else 0)
            if row is not None:
                found["error_vs_truth_pp"][f"mam {model}"] = row["vs_truth_pp"]
    return found


# ----------------------------------------------------------------------------------------- the output


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def print_size(label: str, size: dict[str, Any], repeat: int) -> None:
    print(
        f"\n{label} journeys: {size['paths']:,} distinct paths, {size['conversions']:,.0f} conversions, "
        f"{len(size['channels'])} channels"
    )
    header = (
        f"{'tool':<20}{'model':<15}{'order':>5}{'seconds':>10}{'prep s':>9}{'peak RSS MB':>13}"
        f"{'model +MB':>11}{'vs ours pp':>12}{'vs truth pp':>13}"
    )
    print(header)
    print("-" * len(header))
    for row in size["rows"]:
        order = str(row["order"]) if row["order"] else ""
        if "seconds" not in row:
            reason = row.get("skipped") or f"failed: {row.get('error')}"
            print(f"{row['tool']:<20}{row['model']:<15}{order:>5}  {reason}")
            continue
        seconds = _number(row["seconds"]) + ("†" if row["calls"] < repeat else " ")
        model = row["model"] + ("*" if row["tool"] == NAMES["channelattribution"] and row["order"] == 0 else "")
        print(
            f"{row['tool']:<20}{model:<15}{order:>5}{seconds:>11}{_number(row['prep_seconds']):>8}"
            f"{row['peak_rss_mb']:>13,.0f}{row['model_rss_increase_mb']:>11,.1f}{row['vs_ours_pp']:>12.3f}"
            f"{_number(row['vs_truth_pp']):>13}"
        )
    print(
        f"seconds: the model call, best of {repeat} in a fresh process († fewer: a call took longer than "
        "--patience); prep: mam's reshaping and MAM(...) (not in seconds), mta's construction (in seconds); "
        "* one heuristic_models call gives the three; peak RSS: the worker's own high-water mark; model +MB: "
        "the peak during the calls less the RSS just before; vs ours: against RevBridge's same model "
        "(Markov: the exact solution of the same order)"
    )
    check = size["absorbing_chain_check"]
    verdict = "equal" if check["equal_to_1e-9"] else "NOT equal"
    print(
        f"RevBridge's Markov order 1 against the absorbing chain solved here (dense (I-Q)^-1): {verdict} to 1e-9 "
        f"(removal effects {check['removal_effects_max_diff']:.1e}, shares {check['shares_max_diff']:.1e}"
        + (f", the worker's shares {check['worker_shares_max_diff']:.1e}" if "worker_shares_max_diff" in check else "")
        + ")"
    )
    for note in size["notes"]:
        print(note)
    r = size["ratios"]
    if "markov_order_1" in r:
        m = r["markov_order_1"]
        print(
            f"Markov order 1: ours {m['ours_frame_seconds']:.3f} s from the frame, "
            f"{m['ours_model_only_seconds']:.3f} s model only; the fastest peer, {m['fastest_peer']}, "
            f"{m['fastest_peer_seconds']:.3f} s: "
            f"{m['peer_over_ours_frame']:.1f}x and {m['peer_over_ours_model_only']:.1f}x ours"
        )
    for k in ORDERS:
        key = f"channelattribution_markov_order_{k}"
        if key in r:
            c = r[key]
            print(
                f"Markov order {k}: ChannelAttribution {c['channelattribution_seconds']:.3f} s = "
                f"{c['theirs_over_ours_frame']:.1f}x ours from the frame ({c['ours_frame_seconds']:.3f} s), "
                f"{c['theirs_over_ours_model_only']:.1f}x ours model only ({c['ours_model_only_seconds']:.3f} s); "
                f"its shares within {c['theirs_vs_ours_pp']:.2f} pp of the exact ones"
            )
    if "peak_rss_order_1" in r:
        p = r["peak_rss_order_1"]
        print(
            f"peak RSS at order 1: ours {p['ours_frame_mb']:,.0f} MB from the frame ({p['ours_model_only_mb']:,.0f} MB "
            f"model only), ChannelAttribution {p['channelattribution_mb']:,.0f} MB: {p['ours_over_theirs']:.2f}x; "
            f"the model's own rise: ours {p['ours_frame_model_increase_mb']:,.1f} MB from the frame, "
            f"{p['ours_model_only_increase_mb']:,.1f} MB model only, ChannelAttribution "
            f"{p['channelattribution_model_increase_mb']:,.1f} MB"
        )
    if "error_vs_truth_pp" in r:
        e = r["error_vs_truth_pp"]
        mam = ", ".join(f"{k} {v:.2f} pp" for k, v in e.items() if k.startswith("mam"))
        print(
            f"largest error against the truth: ours at best {e['ours_best']:.2f} pp ({e['ours_best_model']}; "
            + ", ".join(f"{k} {v:.2f}" for k, v in e["ours"].items())
            + ")"
            + (f"; {mam}" if mam else "")
        )


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("revbridge", "channelattribution", "marketing-attribution-models", "mta", "polars", "pandas",
                    "numpy", "scipy", "pyarrow"):  # fmt: skip
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def source() -> dict[str, Any]:
    """Which RevBridge was measured: where it was imported from (the workers import the same), the
    repository's commit, and, when that is the repository's own ``src/``, its uncommitted changes there."""
    import revbridge

    imported = Path(revbridge.__file__).resolve().parent
    found: dict[str, Any] = {"imported_from": str(imported)}
    try:
        found["repository_head"] = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if imported == ROOT / "src" / "revbridge":
            changed = subprocess.run(
                ["git", "-C", str(ROOT), "status", "--porcelain", "src"], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            found["uncommitted_src_changes"] = [line[3:] for line in changed]
    except (OSError, subprocess.CalledProcessError):
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="Journeys to simulate.")
    parser.add_argument("--paths", type=Path, help="A file of the aggregated format, instead of --sizes.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the synthetic journeys.")
    parser.add_argument(
        "--tools",
        default=",".join(TOOLS),
        type=lambda text: text.split(","),
        help="Comma-separated, of " + ", ".join(TOOLS),
    )
    parser.add_argument("--repeat", type=int, default=3, help="Calls per worker; the fastest is reported.")
    parser.add_argument("--patience", type=float, default=60.0, help="No further call after one this long (s).")
    parser.add_argument(
        "--max-seconds", type=float, default=600.0, help="Skip a peer estimated from a smaller size to take longer."
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="Kill a worker after this long (s).")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "attribution.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.csv, args.repeat, args.patience)
        return
    unknown = set(args.tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools {', '.join(sorted(unknown))}; choose from {', '.join(TOOLS)}")

    from revbridge.connectors.path_files import read_paths
    from revbridge.domain.simulation.channel_effects import synthetic_journeys

    report: dict[str, Any] = {
        "repeat": args.repeat,
        "tools": args.tools,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": versions(),
        "revbridge_source": source(),
        "sizes": {},
    }
    if args.paths:
        report["paths_file"] = str(args.paths)
    with tempfile.TemporaryDirectory() as scratch:
        inputs: list[tuple[str, int | None]] = (
            [(args.paths.name, None)] if args.paths else [(f"{n:,}", n) for n in args.sizes]
        )
        for label, journeys in inputs:
            if journeys is None:
                paths, truth = read_paths(args.paths), None
            else:
                synthetic = synthetic_journeys(journeys, seed=args.seed)
                paths, truth = synthetic.paths, synthetic.truth
            print(f"[{label}] {len(paths.lengths):,} paths", file=sys.stderr, flush=True)
            size = measure_size(label, paths, truth, Path(scratch), args, report["sizes"])
            report["sizes"][label] = size
            print_size(label, size, args.repeat)
            sys.stdout.flush()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
