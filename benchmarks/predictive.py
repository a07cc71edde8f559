"""The predictive lead score at volume (GitHub issue 6): training on 1,000,000 leads (goal ≤ 60 s) and
scoring them (goal ≤ 10 s), peak memory reported.

    PYTHONPATH=src python benchmarks/predictive.py                       # 1,000,000 leads, 1 thread
    PYTHONPATH=src python benchmarks/predictive.py --leads 20000         # a quick run (under a minute)
    PYTHONPATH=src python benchmarks/predictive.py --threads 2 --repeat 3 --json /tmp/predictive-2.json
    PYTHONPATH=src python benchmarks/predictive.py --experiment n_estimators=100 --experiment max_bin=63

**The population** (generated once in the parent, seeded, vectorised numpy, not timed; handed to the
children as a ``.npz`` file, whose loading is not timed either): N leads, each with fit fields (industry,
country, job title with 5% missing, lead source as categories; employees with 10% missing and annual
revenue with 20% missing as numbers), one to many touches before its MQL moment (1 + Poisson(2.2); the
first touch uniform over the first 300 days of 2024, the MQL an hour to 60 days after it, every touch in
between), 7 touch types and 7 channels. The outcome (an opportunity within 90 days of the MQL) is drawn
from a known logistic function of industry, job title, lead source, employees and the behaviour *before*
the MQL (pricing-page and demo touches, touches in the last 7 days, event and referral touches), with an
intercept set so that 12% convert; country has no effect. **The leakage trap**: touches *after* the MQL
(Poisson(0.6), or Poisson(3.1) for a lead that converts, mostly demos and pricing pages) say a lot about
the outcome; a feature that saw them would lift the model above the true function's own AUC. Together
about 4 touches per lead.

**What is measured**, each phase in a fresh child process (imports and loading the population not
counted; peak RSS of the child and its own children, sampled every 20 ms, which includes the population
it holds; with ``--repeat``, each phase runs that many times and the fastest is reported, as outside load
on a shared machine only slows a run):

1. **features**: ``domain.lead_features.features_as_of`` for every lead as of its MQL moment, joined with
   the fit fields into one pandas frame (categories as ``category``, from their codes, as the store's
   Arrow dictionary columns arrive; numbers as floats).
2. **training**: the same features, then ``training_set.split_in_time`` (the earlier 80% of leads by MQL
   moment to learn from, the later 20% to measure on) and ``LeadModel(threads=--threads).fit`` on the
   earlier part (100 trees; from 100,000 rows on, the calibration's map is fitted on a held-out 15%: one
   LightGBM fit; below, on 3 folds: four). Reported: the fit alone
   and features + split + fit; **the goal's figure is features + split + fit**, which is what
   ``prediction.training.train`` does after reading the store (the fit alone is given beside it). Each
   LightGBM fit inside is timed too (where the time goes). Then, not in the goal: the calibrated
   probabilities of the later 20%, their ROC AUC, PR AUC and Brier score, beside those of the true
   function (the best any model can do) and of the post-MQL touch count (what leakage would buy).
   The model is written as ``SavedModel.of(model).as_dict()`` JSON for phase 3.
3. **scoring**: the child builds the frame of all N leads (timed, not in the goal), reads the saved
   model's JSON and loads it (``SavedModel.from_dict(...).scorer()``, timed apart), then
   ``Scorer.probability`` on all N leads: **the goal's figure**. A second child does the same and then
   ``Scorer.reasons`` (top 3 per lead) for all N, reported beside it. LightGBM's prediction uses
   OpenMP's default thread count unless told otherwise, so the scoring children run with
   ``OMP_NUM_THREADS=--threads``. The probabilities of the later 20% are checked against phase 2's.

``--experiment KEY=VALUE`` (repeatable) overrides one of ``model.TREE_SETTINGS`` inside the training child
(e.g. ``n_estimators=100``, ``max_bin=63``, ``learning_rate=0.08``), and ``--calibration-folds K`` the
folds: **experiments**, labelled as such in the output and the JSON, not the shipped model.
``--breakdown`` also times LightGBM's Dataset construction (binning) of the learning rows once, after the
measured work. Figures go to ``--json`` (default ``benchmarks/results/predictive.json``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from analytics import finish, measured  # noqa: E402

GOAL_TRAIN_SECONDS, GOAL_SCORE_SECONDS = 60.0, 10.0
DAY = 86_400
START = 1_704_067_200  # 2024-01-01T00:00:00Z
HORIZON_DAYS = 90
BASE_RATE = 0.12
TEST_SHARE = 0.2

KINDS = ("page_view", "email_open", "email_click", "content_download", "webinar", "pricing_page", "demo_request")
KIND_WEIGHTS = (0.40, 0.20, 0.12, 0.10, 0.07, 0.07, 0.04)
CHANNELS = ("organic_search", "paid_search", "paid_social", "email", "events", "referral", "direct")
CHANNEL_WEIGHTS = (0.25, 0.20, 0.15, 0.20, 0.06, 0.05, 0.09)
CATEGORIES: dict[str, tuple[str, ...]] = {
    "industry": ("software", "fintech", "retail", "healthcare", "manufacturing", "education", "media", "logistics"),
    "country": ("US", "CA", "GB", "DE", "FR", "NL", "BR", "IN", "JP", "AU"),
    "job_title": ("CTO", "VP Data", "Head of Analytics", "Director of IT", "Data Engineer", "Analyst", "Student"),
    "lead_source": ("organic", "paid", "webinar", "referral", "event", "partner"),
}
# The true function's weights (log odds); country has none.
EFFECTS: dict[str, tuple[float, ...]] = {
    "industry": (0.5, 0.4, -0.3, 0.1, 0.0, -0.5, -0.2, 0.2),
    "job_title": (0.7, 0.6, 0.4, 0.3, 0.0, -0.2, -1.2),
    "lead_source": (0.0, -0.2, 0.3, 0.8, 0.4, 0.5),
}
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the population -------------------------------------------------------------------------------------------


def population(leads: int, seed: int) -> dict[str, np.ndarray]:
    """N leads with fit fields, touches before and after their MQL moment, and an outcome drawn from a
    known logistic function (see the module's text). No Python loop per lead."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name, values in CATEGORIES.items():
        weights = rng.dirichlet(np.full(len(values), 4.0))
        out[name] = rng.choice(len(values), size=leads, p=weights).astype(np.int16)
    out["job_title"][rng.random(leads) < 0.05] = -1  # missing
    employees = np.round(rng.lognormal(4.0, 1.6, leads)) + 1
    revenue = employees * rng.lognormal(11.8, 0.7, leads)
    out["employees"] = np.where(rng.random(leads) < 0.10, np.nan, employees)
    out["annual_revenue"] = np.where(rng.random(leads) < 0.20, np.nan, revenue)

    # Before the MQL: the first touch, then the rest between it and the MQL moment.
    before = 1 + rng.poisson(2.2, leads)
    first = START + rng.integers(0, 300 * DAY, leads)
    runup = np.minimum(rng.exponential(20 * DAY, leads), 60 * DAY).astype(np.int64) + 3600
    mql = first + runup
    lead = np.repeat(np.arange(leads, dtype=np.int64), before)
    starts = np.cumsum(before) - before
    offset = (rng.random(len(lead)) * runup[lead]).astype(np.int64)
    offset[starts] = 0  # each lead's first touch is its arrival
    moment = first[lead] + offset  # strictly before the MQL
    kind = rng.choice(len(KINDS), size=len(lead), p=KIND_WEIGHTS).astype(np.int64)
    channel = rng.choice(len(CHANNELS), size=len(lead), p=CHANNEL_WEIGHTS).astype(np.int64)

    # The true function, of the fit fields and the behaviour before the MQL.
    intent = np.bincount(lead, weights=np.isin(kind, (5, 6)), minlength=leads)
    recent = np.bincount(lead, weights=(mql[lead] - moment) < 7 * DAY, minlength=leads)
    invited = np.bincount(lead, weights=np.isin(channel, (4, 5)), minlength=leads)
    logit = np.zeros(leads)
    for name, effect in EFFECTS.items():
        codes = out[name]
        logit += np.where(codes >= 0, np.asarray(effect)[np.maximum(codes, 0)], 0.0)
    logit += np.where(np.isnan(out["employees"]), -0.2, 0.3 * (np.log10(employees) - 2.0))
    logit += 0.6 * np.minimum(intent, 3) + 0.25 * np.minimum(recent, 4) + 0.3 * np.minimum(invited, 2)
    low, high = -15.0, 5.0  # the intercept that makes BASE_RATE convert on average
    for _ in range(50):
        middle = (low + high) / 2
        if (1 / (1 + np.exp(-(logit + middle)))).mean() < BASE_RATE:
            low = middle
        else:
            high = middle
    truth = 1 / (1 + np.exp(-(logit + (low + high) / 2)))
    converted = rng.random(leads) < truth

    # The leakage trap: after the MQL, converting leads touch far more, mostly demos and pricing pages.
    after = rng.poisson(np.where(converted, 3.1, 0.6))
    later = np.repeat(np.arange(leads, dtype=np.int64), after)
    later_moment = mql[later] + 1 + rng.integers(0, HORIZON_DAYS * DAY, len(later))
    keen = converted[later] & (rng.random(len(later)) < 0.7)
    later_kind = np.where(keen, rng.choice((5, 6), size=len(later)), rng.choice(len(KINDS), len(later), p=KIND_WEIGHTS))
    later_channel = rng.choice(len(CHANNELS), size=len(later), p=CHANNEL_WEIGHTS)

    shuffle = rng.permutation(len(lead) + len(later))  # the store returns touches in no lead's order
    out["touch_lead"] = np.concatenate([lead, later])[shuffle]
    out["touch_moment"] = np.concatenate([moment, later_moment])[shuffle]
    out["touch_kind"] = np.concatenate([kind, later_kind]).astype(np.int64)[shuffle]
    out["touch_channel"] = np.concatenate([channel, later_channel]).astype(np.int64)[shuffle]
    out["mql"] = mql
    out["converted"] = converted
    out["truth"] = truth
    out["touches_after"] = after.astype(np.int64)
    return out


def load(path: str) -> dict[str, np.ndarray]:
    """The population, and the modules the timed work uses imported (an import is not work)."""
    import pandas  # noqa: F401

    import revbridge.analytics.training_set
    import revbridge.domain.lead_features  # noqa: F401

    with np.load(path) as stored:
        return {name: stored[name] for name in stored.files}


def frame_of(people: dict[str, np.ndarray]) -> Any:
    """The feature frame of every lead as of its MQL moment: fit fields, then behaviour."""
    import pandas as pd

    from revbridge.domain.lead_features import Touches, features_as_of

    touches = Touches(people["touch_lead"], people["touch_moment"], people["touch_kind"], people["touch_channel"])
    behaviour = features_as_of(touches, people["mql"], KINDS, CHANNELS)
    fit: dict[str, Any] = {
        name: pd.Categorical.from_codes(people[name], categories=list(values)) for name, values in CATEGORIES.items()
    }
    fit["employees"] = people["employees"]
    fit["annual_revenue"] = people["annual_revenue"]
    return pd.concat([pd.DataFrame(fit), pd.DataFrame(behaviour)], axis=1)


def split(people: dict[str, np.ndarray], frame: Any) -> tuple[np.ndarray, np.ndarray]:
    """The production split in time (``training_set.split_in_time``): earlier 80%, later 20%."""
    import pandas as pd

    from revbridge.analytics.training_set import TrainingSet, split_in_time

    rows = TrainingSet(
        np.arange(len(people["mql"])),
        pd.Series(pd.to_datetime(people["mql"], unit="s", utc=True)),
        frame,
        people["converted"],
    )
    return split_in_time(rows, TEST_SHARE)


# --- the children ---------------------------------------------------------------------------------------------


def child_features(data: str) -> None:
    people = load(data)
    start = time.perf_counter()
    frame = frame_of(people)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rows": len(frame), "columns": frame.shape[1]}))


def child_train(data: str, out: str, threads: int, experiments: dict[str, Any], folds: int, breakdown: bool) -> None:
    from lightgbm import LGBMClassifier

    from revbridge.analytics.prediction import model as model_module
    from revbridge.analytics.prediction.metrics import brier, pr_auc, roc_auc
    from revbridge.analytics.prediction.saved_model import SavedModel

    if experiments:  # an experiment, not the shipped settings
        model_module.TREE_SETTINGS = {**model_module.TREE_SETTINGS, **experiments}
    fits: list[dict[str, float]] = []
    fit_trees = LGBMClassifier.fit

    @functools.wraps(fit_trees)
    def timed_fit(self: Any, x: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        fitted = fit_trees(self, x, y, *args, **kwargs)
        fits.append({"rows": float(len(x)), "seconds": time.perf_counter() - began})
        return fitted

    LGBMClassifier.fit = timed_fit  # type: ignore[method-assign]  # timing only

    people = load(data)
    start = time.perf_counter()
    frame = frame_of(people)
    featured = time.perf_counter()
    learn, measure = split(people, frame)
    learning, labels = frame.iloc[learn], people["converted"][learn]
    parted = time.perf_counter()
    model = model_module.LeadModel(seed=0, calibration_folds=folds, threads=threads).fit(learning, labels)
    fitted = time.perf_counter()
    p = model.predict_proba(frame.iloc[measure])
    measured_at = time.perf_counter()

    truth, later = people["converted"][measure], people["truth"][measure]
    figures = {
        "model": {"roc_auc": roc_auc(truth, p), "pr_auc": pr_auc(truth, p), "brier": brier(truth, p)},
        "true_function": {
            "roc_auc": roc_auc(truth, later),
            "pr_auc": pr_auc(truth, later),
            "brier": brier(truth, later),
        },
        "leaky_touches_after_mql": {"roc_auc": roc_auc(truth, people["touches_after"][measure])},
        "base_rate": float(truth.mean()),
        "base_rate_brier": float(truth.mean() * (1 - truth.mean())),
    }
    Path(out).write_text(json.dumps(SavedModel.of(model).as_dict()))
    np.save(Path(out).with_suffix(".npy"), p)
    result: dict[str, Any] = {
        "features": featured - start,
        "split": parted - featured,
        "fit": fitted - parted,
        "features_and_fit": fitted - start,
        "evaluate": measured_at - fitted,
        "learned_from": len(learn),
        "measured_on": len(measure),
        "columns": frame.shape[1],
        "lightgbm_fits": fits,
        "calibration_and_rest": (fitted - parted) - sum(f["seconds"] for f in fits),
        "trees_per_fit": model.trees.booster_.num_trees(),
        "saved_model_bytes": Path(out).stat().st_size,
        "metrics": figures,
    }
    if breakdown:
        import lightgbm

        coded = model._coded(learning)
        params = {**model_module.TREE_SETTINGS, "num_threads": threads, "verbose": -1}
        params.pop("n_estimators", None)
        began = time.perf_counter()
        lightgbm.Dataset(coded, label=labels.astype(int), params=params).construct()
        result["dataset_construct"] = time.perf_counter() - began
    print(json.dumps(result))


def child_score(data: str, saved: str, threads: int, reasons: bool) -> None:
    os.environ["OMP_NUM_THREADS"] = str(threads)  # before LightGBM's OpenMP starts
    from revbridge.analytics.prediction.saved_model import SavedModel

    people = load(data)
    start = time.perf_counter()
    frame = frame_of(people)
    featured = time.perf_counter()
    text = Path(saved).read_text()
    scorer = SavedModel.from_dict(json.loads(text)).scorer()
    loaded = time.perf_counter()
    probability = scorer.probability(frame)
    scored = time.perf_counter()
    result: dict[str, Any] = {
        "features": featured - start,
        "load_model": loaded - featured,
        "probability": scored - loaded,
        "rows": len(probability),
        "mean_probability": float(probability.mean()),
    }
    _, measure = split(people, frame)
    earlier = np.load(Path(saved).with_suffix(".npy"))
    result["max_difference_from_training"] = float(np.abs(probability[measure] - earlier).max())
    if reasons:
        began = time.perf_counter()
        found = scorer.reasons(frame)
        result["reasons"] = time.perf_counter() - began
        result["reasons_per_lead"] = sum(len(r) for r in found) / max(len(found), 1)
        result["example_reasons"] = [[r.feature, str(r.value), r.contribution] for r in found[0]]
    print(json.dumps(result))


# --- the parent -----------------------------------------------------------------------------------------------


def fastest(command: list[str], repeat: int, key: str, label: str) -> dict[str, Any]:
    runs = []
    for i in range(repeat):
        say(f"{label}: run {i + 1} of {repeat} ...")
        runs.append(measured(command))
    result, _ = min(runs, key=lambda run: float(run[0][key]))
    return {**result, "peak_rss": max(peak for _, peak in runs), "all_runs": sorted(float(r[key]) for r, _ in runs)}


def code_state() -> dict[str, Any]:
    """The commit measured, and the files of ``src`` that differed from it (others edit them meanwhile)."""

    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    import revbridge

    return {
        "imported_from": str(Path(revbridge.__file__).resolve().parent),
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_src": git("status", "--short", "src").splitlines(),
    }


def versions() -> dict[str, str]:
    from importlib import metadata

    found = {"python": sys.version.split()[0]}
    for package in ("lightgbm", "scikit-learn", "numpy", "pandas"):
        found[package] = metadata.version(package)
    return found


def setting(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    if not key or not value:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000, help="Leads to generate (1,000,000).")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each phase; the fastest is reported.")
    parser.add_argument("--threads", type=int, default=1, help="LightGBM threads, training and scoring (1).")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the population.")
    parser.add_argument("--phases", default="features,training,scoring,reasons", help="Which phases to run.")
    parser.add_argument(
        "--experiment", type=setting, action="append", default=[], metavar="KEY=VALUE",
        help="EXPERIMENT: override one of model.TREE_SETTINGS in the training child (repeatable).",
    )  # fmt: skip
    parser.add_argument("--calibration-folds", type=int, default=3, help="EXPERIMENT unless 3 (the shipped value).")
    parser.add_argument("--breakdown", action="store_true", help="Also time LightGBM's Dataset construction.")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "predictive.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    experiments = dict(args.experiment)
    if args.child == "features":
        child_features(args.data)
        return
    if args.child == "training":
        child_train(args.data, args.out, args.threads, experiments, args.calibration_folds, args.breakdown)
        return
    if args.child in ("scoring", "reasons"):
        child_score(args.data, args.out, args.threads, args.child == "reasons")
        return

    phases = [p for p in args.phases.split(",") if p]
    unknown = set(phases) - {"features", "training", "scoring", "reasons"}
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    if {"scoring", "reasons"} & set(phases) and "training" not in phases:
        parser.error("scoring needs the model the training phase saves")
    experiment = bool(experiments) or args.calibration_folds != 3
    report: dict[str, Any] = {
        "leads": args.leads,
        "threads": args.threads,
        "repeat": args.repeat,
        "seed": args.seed,
        "experiment": {"tree_settings": experiments, "calibration_folds": args.calibration_folds}
        if experiment
        else None,
        "machine": {"cpus": os.cpu_count()},
        "versions": versions(),
        "code": code_state(),
        "load_average_before": os.getloadavg(),
        "phases": {},
    }
    with tempfile.TemporaryDirectory() as scratch:
        data, saved = str(Path(scratch) / "population.npz"), str(Path(scratch) / "model.json")
        say(f"generating {args.leads:,} leads ...")
        began = time.perf_counter()
        people = population(args.leads, args.seed)
        np.savez(data, **people)
        report["population"] = {
            "generate_seconds": time.perf_counter() - began,
            "touches": len(people["touch_lead"]),
            "touches_per_lead": len(people["touch_lead"]) / args.leads,
            "touches_after_mql": int(people["touches_after"].sum()),
            "conversion_rate": float(people["converted"].mean()),
        }
        del people
        me = [sys.executable, __file__, "--data", data, "--out", saved, "--threads", str(args.threads)]
        if "features" in phases:
            report["phases"]["features"] = fastest([*me, "--child", "features"], args.repeat, "seconds", "features")
        if "training" in phases:
            command = [*me, "--child", "training", "--calibration-folds", str(args.calibration_folds)]
            command += [f"--experiment={k}={v}" for k, v in experiments.items()]
            command += ["--breakdown"] if args.breakdown else []
            report["phases"]["training"] = fastest(command, args.repeat, "features_and_fit", "training")
        if "scoring" in phases:
            report["phases"]["scoring"] = fastest([*me, "--child", "scoring"], args.repeat, "probability", "scoring")
        if "reasons" in phases:
            report["phases"]["reasons"] = fastest([*me, "--child", "reasons"], args.repeat, "reasons", "reasons")
    finish(report, args.json, print_report)


def print_report(report: dict[str, Any]) -> None:
    mb = 1024**2
    phases, people = report["phases"], report["population"]
    print(
        f"{report['leads']:,} leads, {people['touches']:,} touches ({people['touches_per_lead']:.2f} a lead, "
        f"{people['touches_after_mql']:,} after the MQL), {people['conversion_rate']:.1%} convert; "
        f"LightGBM threads {report['threads']}; load average {report['load_average_before'][0]:.1f} before, "
        f"{report['load_average_after'][0]:.1f} after"
    )
    if report["experiment"]:
        print(f"!!! EXPERIMENT, not the shipped model: {report['experiment']}")
    verdicts: dict[str, Any] = {}
    if "features" in phases:
        f = phases["features"]
        print(f"features   {f['seconds']:7.2f} s  {f['columns']} columns  peak RSS {f['peak_rss'] / mb:7,.0f} MB")
    if "training" in phases:
        t = phases["training"]
        fits = ", ".join(f"{x['seconds']:.1f} s ({x['rows']:,.0f} rows)" for x in t["lightgbm_fits"])
        print(
            f"training   {t['features_and_fit']:7.2f} s  = features {t['features']:.2f} + split {t['split']:.2f} "
            f"+ fit {t['fit']:.2f} on {t['learned_from']:,} leads  peak RSS {t['peak_rss'] / mb:7,.0f} MB"
        )
        print(
            f"    the fit: {len(t['lightgbm_fits'])} LightGBM fits of {t['trees_per_fit']} trees: {fits}; "
            f"calibration and the rest {t['calibration_and_rest']:.2f} s"
        )
        if "dataset_construct" in t:
            print(f"    LightGBM Dataset construction (binning) of the learning rows: {t['dataset_construct']:.2f} s")
        if len(t["all_runs"]) > 1:
            print("    runs (features + fit, s): " + ", ".join(f"{x:.2f}" for x in t["all_runs"]))
        m = t["metrics"]
        print(
            f"    on the later {t['measured_on']:,} leads (evaluated in {t['evaluate']:.2f} s): model ROC AUC "
            f"{m['model']['roc_auc']:.4f}, PR AUC {m['model']['pr_auc']:.4f}, Brier {m['model']['brier']:.4f}; "
            f"the true function {m['true_function']['roc_auc']:.4f} / {m['true_function']['pr_auc']:.4f} / "
            f"{m['true_function']['brier']:.4f}; base rate {m['base_rate']:.4f} (Brier {m['base_rate_brier']:.4f})"
        )
        leak = m["leaky_touches_after_mql"]["roc_auc"]
        gap = m["model"]["roc_auc"] - m["true_function"]["roc_auc"]
        print(
            f"    leakage trap: the touches after the MQL alone would score ROC AUC {leak:.4f}; the model is "
            f"{gap:+.4f} from the true function ({'no sign of leakage' if gap <= 0.005 else 'SUSPICIOUS: above it'})"
        )
        verdicts["training"] = {
            "seconds": t["features_and_fit"],
            "figure": "features + split + fit",
            "goal": GOAL_TRAIN_SECONDS,
            "met": t["features_and_fit"] <= GOAL_TRAIN_SECONDS,
            "fit_alone_seconds": t["fit"],
            "fit_alone_met": t["fit"] <= GOAL_TRAIN_SECONDS,
        }
    if "scoring" in phases:
        s = phases["scoring"]
        print(
            f"scoring    {s['probability']:7.2f} s  probability of {s['rows']:,} leads (+ loading the model "
            f"{s['load_model']:.2f} s; their features {s['features']:.2f} s, apart)  "
            f"peak RSS {s['peak_rss'] / mb:7,.0f} MB"
        )
        print(f"    against the training child's probabilities: max difference {s['max_difference_from_training']:.2g}")
        if len(s["all_runs"]) > 1:
            print("    runs (probability, s): " + ", ".join(f"{x:.2f}" for x in s["all_runs"]))
        verdicts["scoring"] = {
            "seconds": s["probability"],
            "figure": "Scorer.probability",
            "goal": GOAL_SCORE_SECONDS,
            "met": s["probability"] <= GOAL_SCORE_SECONDS,
            "with_model_load_seconds": s["probability"] + s["load_model"],
        }
    if "reasons" in phases:
        r = phases["reasons"]
        print(
            f"reasons    {r['reasons']:7.2f} s  top 3 reasons of {r['rows']:,} leads ({r['reasons_per_lead']:.2f} "
            f"a lead), after the probability ({r['probability']:.2f} s)  peak RSS {r['peak_rss'] / mb:7,.0f} MB"
        )
        print(f"    the first lead's: {r['example_reasons']}")
    for name, v in verdicts.items():
        label = "met" if v["met"] else "MISSED"
        print(f"goal {name}: {v['figure']} {v['seconds']:.2f} s (≤ {v['goal']:.0f} s): {label}")
    if "training" in verdicts:
        v = verdicts["training"]
        print(f"    (the fit alone: {v['fit_alone_seconds']:.2f} s: {'met' if v['fit_alone_met'] else 'MISSED'})")
    if report["experiment"]:
        print("!!! these verdicts are for the EXPERIMENT's settings, not the shipped model")
    report["goals"] = verdicts


if __name__ == "__main__":
    main()
