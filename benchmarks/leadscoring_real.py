"""The predictive lead score on real leads: X Education's export, 5-fold cross-validation, twice.

    python benchmarks/leadscoring_real.py                 # REVBRIDGE_DATASETS or /work/shared/datasets
    python benchmarks/leadscoring_real.py --folds 10 --seed 1

It runs what ``revbridge model evaluate`` runs (``analytics.prediction.export_evaluation.evaluate_export``:
the generic CSV importer's mapping ``examples/mappings/x-education.yaml``, label ``Converted``, the SLA
``examples/x-education-sla.yaml`` for the rules score) and prints ROC AUC, PR AUC and Brier score of
``model``, ``naive_bayes`` and ``rules``, the model's gain table and the seconds each took; everything
goes to ``benchmarks/results/leadscoring_real.json`` too.

**Run 1, all columns** (but ``Lead Number``, an identifier in the order leads arrived: not a fact about
the lead in either run).

**Run 2, without the columns filled in after contact** — the honest one. The data dictionary and the
values say these are written by the sales team, or by a process after the lead was worked, so a score
computed when the lead arrives (when sales must decide whom to call first) cannot know them:

- ``Tags``: "the current status of the lead" as sales tags it ("Closed by Horizzon", "Lost to EINS",
  "Ringing", "Will revert after reading the email"): the outcome itself, or the call's result.
- ``Lead Quality``: "based on the data and intuition of the employee who has been assigned to the lead":
  an assigned rep's judgement, after contact (its "Worst" converts 2%, "High in Relevance" 95%).
- ``Last Activity`` and ``Last Notable Activity``: the latest activity at export time, which includes
  sales' own actions and their results ("SMS Sent", "Had a Phone Conversation", "Unreachable",
  "Email Bounced"), dated after the lead was worked.
- ``Lead Profile``: "a lead level assigned to each customer" ("Potential Lead", "Lateral Student"):
  assigned by staff, not filled in by the lead.
- ``Asymmetrique Activity Index``/``Score`` and ``Asymmetrique Profile Index``/``Score``: "an index and
  score assigned to each customer based on their activity and their profile": assigned, with no date;
  the activity part counts activity that may include contact. Left out as not provably known at scoring.

What stays: where the lead came from (``Lead Origin``, ``Lead Source``), what the lead told the form
(occupation, specialization, country, city, how they heard, what matters, the newsletter and "do not"
choices) and what they did on the website before (visits, time, pages per visit).

Run 1 is **not** honest: its figures are what a score would get if it could read sales' verdict, and no
score can before the call. Run 2's figures are the ones to quote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from revbridge.analytics.prediction.export_evaluation import evaluate_export

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "examples" / "mappings" / "x-education.yaml"
SLA = ROOT / "examples" / "x-education-sla.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "leadscoring_real.json"
IDENTIFIERS = ["Lead Number"]
AFTER_CONTACT = [
    "Tags",
    "Lead Quality",
    "Last Activity",
    "Last Notable Activity",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
]
RUNS = {"all_columns": IDENTIFIERS, "before_contact": IDENTIFIERS + AFTER_CONTACT}


def _dataset() -> Path:
    root = Path(os.environ.get("REVBRIDGE_DATASETS") or "/work/shared/datasets")
    path = root / "x-education-leads" / "Leads.csv"
    if not path.is_file():
        raise SystemExit(f"{path} not found: set REVBRIDGE_DATASETS to the folder of the shared data sets")
    return path


def _run(csv: Path, exclude: list[str], folds: int, seed: int) -> dict[str, Any]:
    began = time.perf_counter()
    result = evaluate_export(csv, MAPPING, "Converted", exclude=exclude, folds=folds, seed=seed, sla=SLA)
    seconds = time.perf_counter() - began
    summary = result.as_json()
    summary["excluded"] = exclude
    summary["seconds"] = round(seconds, 2)
    summary["model_gain"] = result.evaluation.gain("model").to_dict("records")
    summary["model_calibration"] = result.evaluation.calibration("model").to_dict("records")
    return summary


def _print(name: str, run: dict[str, Any]) -> None:
    print(f"\n== {name}: {run['rows']:,} leads, {run['positives']:,} converted, {run['folds']} folds, "
          f"{len(run['features'])} features, {run['seconds']:.1f} s")  # fmt: skip
    print(f"{'scorer':<12} {'ROC AUC':>8} {'PR AUC':>8} {'Brier':>8} {'seconds':>8}")
    for scorer in ("model", "naive_bayes", "rules"):
        r = run[scorer]
        print(f"{scorer:<12} {r['roc_auc']:>8.4f} {r['pr_auc']:>8.4f} {r['brier']:>8.4f} {r['seconds']:>8.2f}")
    tops = {row["decile"]: row["cumulative_conversions_share"] for row in run["model_gain"]}
    print(f"model gain: the top 10% of leads hold {tops[1]:.0%} of conversions, the top 20% {tops[2]:.0%}, "
          f"the top 30% {tops[3]:.0%}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    csv = _dataset()
    runs = {name: _run(csv, exclude, args.folds, args.seed) for name, exclude in RUNS.items()}
    for name, run in runs.items():
        _print(name, run)
    honest = runs["before_contact"]
    beats = {
        other: honest["model"]["roc_auc"] > honest[other]["roc_auc"]
        and honest["model"]["brier"] < honest[other]["brier"]
        for other in ("rules", "naive_bayes")
    }
    print("\nThe honest result is before_contact: a score must be computed before sales calls, so it cannot")
    print("read Tags, Lead Quality or the last activity, which record what happened after the call; all_columns")
    print("shows how far such columns would inflate every scorer.")
    for other, ok in beats.items():
        verdict = "beats" if ok else "does NOT beat"
        print(f"before_contact: the model {verdict} {other} on both ROC AUC and Brier score")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    RESULTS.write_text(json.dumps({"machine": machine, "runs": runs, "model_beats": beats}, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
