"""``revbridge model``: the predictive lead score, measured offline against the rules and a baseline."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from revbridge import bootstrap
from revbridge.cli._moments import moment
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    definitions_help,
    emit_json,
    emit_rows,
    emit_summary,
    err_console,
    handles_errors,
)
from revbridge.cli.metrics import EngineOption
from revbridge.domain.sla_sections import PredictiveLabel

app = typer.Typer(
    help="The predictive lead score: learn from known outcomes, and measure it before trusting it.",
    no_args_is_help=True,
)

SCORERS = (
    "Scorers, each learning only from the training folds and scoring the held-out fold:\n\n"
    "- model: gradient-boosted trees (LightGBM) on every column, with probabilities calibrated "
    "(isotonic, fitted inside the training folds).\n\n"
    "- naive_bayes: the baseline built the way Odoo CRM scores leads: per column, how often each value "
    "was won and lost (plus 0.1), multiplied as if the columns were independent; numbers cut into "
    "deciles first.\n\n"
    "- rules (with --sla): the points of the SLA's fit rules; ranked by points, and for the Brier score "
    "mapped to a probability by an isotonic fit on the training folds."
)
EXAMPLES = (
    "Examples:\n\n"
    "    revbridge model evaluate --csv Leads.csv --mapping examples/mappings/x-education.yaml "
    "--label Converted --sla examples/x-education-sla.yaml\n\n"
    "    revbridge model evaluate --csv Leads.csv --mapping examples/mappings/x-education.yaml "
    '--label converted --exclude "Lead Number,Tags,Lead Quality,Last Activity,Last Notable Activity" '
    "--folds 5 --format json"
)
_INTRO = (
    "Two checks of the predictive score. Without --csv: the stored model (`revbridge model train`) measured "
    "again on the leads whose outcome became known since it was measured, beside its own figures, with a "
    "verdict: stale when ROC AUC fell more than 0.05, the Brier score rose more than 20%, the base rate "
    "moved by more than half, the scores spread otherwise (a population stability index above 0.25), or it "
    "learned from leads more than 180 days old.\n\n"
    "With --csv: cross-validate a predictive lead score on any CSV export of leads with known outcomes, beside the "
    "SLA's rules score and a naive Bayes baseline, on the same stratified folds. The file is read through "
    "the generic CSV importer's mapping (nothing is written to the database). Leave out the columns sales "
    "fills in after contact (--exclude): a score cannot use at scoring time what is only known later, "
    "and such columns make any score look better than it will be."
)


@app.command(help="\n\n".join([_INTRO, definitions_help("revbridge.analytics.prediction.metrics", SCORERS), EXAMPLES]))
@handles_errors
def evaluate(
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="An export: one row per lead, with the outcome. Without it: the stored model."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="The column mapping of the export (entity: leads), as for import."),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            help="The outcome to predict: a column of the file (Converted) or one of our fields (converted); "
            "yes/no, 1/0 or true/false. Rows without it are dropped and counted.",
        ),
    ] = None,
    exclude: Annotated[
        str,
        typer.Option(
            "--exclude",
            help="Columns to leave out, comma-separated: header names or our field names (case-insensitive).",
        ),
    ] = "",
    folds: Annotated[int, typer.Option("--folds", help="How many cross-validation folds.", min=2)] = 5,
    sla: Annotated[
        Path | None, typer.Option("--sla", help="An SLA file: also score each lead by its fit rules (rules).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fold split and the model.")] = 0,
    version: Annotated[
        int | None, typer.Option("--version", help="Without --csv: the stored model to check; default the latest.")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="Without --csv: check as of then; default now.")] = None,
    database: DatabaseOption = None,
    engine: EngineOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    if csv is None:
        _checkup(version, moment(at), database, engine, fmt)
        return
    if mapping is None or label is None:
        missing = "--mapping" if mapping is None else "--label"
        raise typer.BadParameter(f"an export needs {missing} too", param_hint=missing)
    from revbridge.analytics.prediction.export_evaluation import evaluate_export  # LightGBM: only when it runs

    names = [name.strip() for name in exclude.split(",") if name.strip()]
    result = evaluate_export(csv, mapping, label, exclude=names, folds=folds, seed=seed, sla=sla)
    summary = result.as_json()
    if fmt is OutputFormat.json:
        emit_json(summary)
        return
    scorers = [name for name in ("model", "naive_bayes", "rules") if name in summary]
    rows: list[dict[str, Any]] = [{"scorer": name, **_means(summary[name])} for name in scorers]
    title = (
        f"{result.rows:,} leads ({result.positives:,} converted), {result.evaluation.folds}-fold cross-validation"
        f"; {result.dropped:,} without a label dropped, {result.rejected:,} rows refused by the mapping"
    )
    emit_rows(rows, fmt, columns=["scorer", "roc_auc", "pr_auc", "brier"], title=title)
    if fmt is OutputFormat.table:
        gain = result.evaluation.gain("model").to_dict("records")
        emit_rows(gain, fmt, title="Gain of the model, by decile of score (1 = the best-scored tenth)")


def _checkup(version: int | None, now: datetime, database: str | None, engine: str | None, fmt: OutputFormat) -> None:
    """The stored model measured again on the outcomes known since (see ``analytics.prediction.monitoring``)."""
    from revbridge.analytics.prediction.monitoring import checkup
    from revbridge.services.predictions import current_model

    stored = current_model(bootstrap.engine(database), version)
    assert stored.model is not None
    with bootstrap.source(database, engine, None) as source:
        result = checkup(source, stored.version, stored.description, stored.model, now=now)
    if fmt is OutputFormat.json:
        emit_json({**result.as_dict(), "calibration": result.calibration.to_dict("records")})
        return
    verdict = "STALE" if result.stale else "fresh"
    title = (
        f"Model version {result.version}: {verdict} ({result.recent_leads:,} recent leads, {result.age_days} days old)"
    )
    rows = [
        {"figure": name, "when_measured": round(result.then[name], 4), "recent_leads": _rounded(result.now.get(name))}
        for name in ("roc_auc", "pr_auc", "brier", "base_rate")
    ]
    if "stability_index" in result.now:  # the spread of the scores against the model's own
        rows.append(
            {"figure": "stability_index", "when_measured": 0.0, "recent_leads": _rounded(result.now["stability_index"])}
        )
    emit_rows(rows, fmt, columns=["figure", "when_measured", "recent_leads"], title=title)
    for reason in result.reasons:
        err_console.print(f"- {reason}")
    if fmt is OutputFormat.table and not result.calibration.empty:
        emit_rows(result.calibration.to_dict("records"), fmt, title="Calibration on the recent leads")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _means(figures: dict[str, Any]) -> dict[str, float]:
    return {m: round(float(figures[m]), 4) for m in ("roc_auc", "pr_auc", "brier")}


@app.command()
@handles_errors
def train(
    until: Annotated[
        str | None,
        typer.Option("--until", help="Learn from what was known by then (ISO 8601, UTC unless it says); default now."),
    ] = None,
    scored: Annotated[
        str | None,
        typer.Option("--scored", help="The stage at which a lead is scored (default: the SLA's, else mql)."),
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="The stage it predicts a lead reaches (default: the SLA's, else opportunity)."),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option("--horizon", help="Within how many days of being scored (default: the SLA's, else 90).", min=1),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the model.")] = 0,
    database: DatabaseOption = None,
    engine: EngineOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Learn the predictive score from the store's own history, measure it, and keep it as a new version.

    Each lead that became an MQL (`--scored`) is described as it stood at that moment: its fit fields
    (country, region, industry, employees, annual revenue, job title, lead source) and what it had done
    by then (touches in the last 7, 30 and 90 days, by type and by channel, days since its first and last
    touch, and whether its touches are speeding up), from nothing after that moment. Its outcome is
    whether it became an opportunity (`--outcome`) within 90 days (`--horizon`); a lead whose 90 days
    have not passed yet is left out, as its outcome is not known. The SLA may say otherwise
    (`scoring.predictive: {scored: mql, outcome: opportunity, within: 90d}`); the options win over it.

    The model learns from the earlier 80% of those leads and is measured on the later 20%, as it will be
    used: on leads it has not seen. The figures printed are of that later part: ROC AUC (the chance a
    converting lead scores above a non-converting one), PR AUC, the Brier score (mean squared gap from
    the outcome; the base rate r alone scores r(1 - r)), and the base rate.

    Then `revbridge model score` gives every lead its probability (`p_convert`, which the SLA's MQL
    condition and combined score may use) and its top reasons (`revbridge lead show ID`).

    Examples:

        revbridge model train

        revbridge model train --until 2026-07-01 --horizon 60 --format json
    """
    from revbridge.analytics.prediction.training import Label
    from revbridge.analytics.prediction.training import train as learn
    from revbridge.services.predictions import save_model

    moment_until = moment(until, option="--until")
    said = _sla_label(database, moment_until)
    label = Label(
        scored=scored or said.scored,
        outcome=outcome or said.outcome,
        horizon=timedelta(days=horizon) if horizon is not None else said.within.as_timedelta(),
    )
    with bootstrap.source(database, engine, None) as source:
        trained = learn(source, until=moment_until, label=label, seed=seed)
    version = save_model(
        bootstrap.engine(database),
        label=str(trained.label),
        trained_until=moment_until,
        description=trained.description(),
        model=trained.model.as_dict(),
    )
    metrics = trained.metrics
    summary = {
        "version": version,
        "label": str(trained.label),
        "learned_from_leads": int(metrics["learned_from_leads"]),
        "learned_from": " to ".join(m.date().isoformat() for m in trained.learned_from),
        "measured_on_leads": int(metrics["measured_on_leads"]),
        "measured_on": " to ".join(m.date().isoformat() for m in trained.measured_on),
        **{name: round(metrics[name], 4) for name in ("roc_auc", "pr_auc", "brier", "base_rate")},
    }
    emit_summary(summary, fmt, title=f"Predictive score, version {version}")


def _sla_label(database: str | None, at: datetime) -> PredictiveLabel:
    """The label the SLA in force at ``at`` says (``scoring.predictive``), else the default one."""
    from revbridge.services.contract import contract_at
    from revbridge.services.sla_versions import NoSlaInForce

    try:
        return contract_at(bootstrap.engine(database), at).sla.scoring.label
    except NoSlaInForce:
        return PredictiveLabel()


@app.command()
@handles_errors
def score(
    at: Annotated[str | None, typer.Option("--at", help="Score the leads as they stood then; default now.")] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="The model to score with; default the latest.")
    ] = None,
    reasons: Annotated[
        str,
        typer.Option(
            "--reasons",
            help="Whose top reasons to work out: open (not yet an opportunity, a customer or disqualified), "
            "all, or none. About 0.6 ms a lead, thirty times the probability.",
        ),
    ] = "open",
    database: DatabaseOption = None,
    engine: EngineOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Give every lead its probability of converting by the latest model (or `--version`), and the open
    leads their top three reasons, and store them on the lead (`p_convert`).

    The SLA's MQL condition and combined score may use `p_convert` (`fit >= 20 and p_convert >= 0.3`; the
    scoring's `predictive_weight`): run `revbridge score --all` after this to apply them. A reason is a
    feature's push on the lead's score in log odds (positive: towards converting), by TreeSHAP.

    Examples:

        revbridge model score

        revbridge model score --version 3 --format json
    """
    from revbridge.analytics.prediction.saved_model import SavedModel
    from revbridge.analytics.prediction.training import predict, vocabulary_of_description
    from revbridge.services.predictions import current_model, save_predictions

    now = moment(at)
    store = bootstrap.engine(database)
    stored = current_model(store, version)
    assert stored.model is not None
    model, vocabulary = SavedModel.from_dict(stored.model), vocabulary_of_description(stored.description)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with (
        bootstrap.source(database, engine, None) as source,
        Progress(*columns, console=err_console, transient=True) as bar,
    ):
        task = bar.add_task("reasons", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        scored = predict(source, model, vocabulary, at=now, reasons=reasons, progress=advance)
    explained = [
        None if lead is None else [(r.feature, r.value, r.contribution) for r in lead] for lead in scored.reasons
    ]
    ids, probability = scored.lead_ids.tolist(), scored.probability.tolist()
    count = save_predictions(store, stored.version, now, ids, probability, explained)
    summary = {"version": stored.version, "leads_scored": count, **scored.spread()}
    emit_summary(summary, fmt, title=f"Leads scored by model version {stored.version}")


@app.command(name="list")
@handles_errors
def list_models(database: DatabaseOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Every trained model, latest first: what it predicts, what it learned from, and how it measured on
    the later leads it had not seen (ROC AUC, PR AUC, Brier, base rate)."""
    from revbridge.services.predictions import models

    rows = []
    for stored in models(bootstrap.engine(database)):
        figures = stored.description.get("metrics", {})
        rows.append(
            {
                "version": stored.version,
                "label": stored.label,
                "trained_until": stored.trained_until.date().isoformat(),
                "learned_from": " to ".join(d[:10] for d in stored.description.get("learned_from", [])),
                **{name: round(float(figures[name]), 4) for name in ("roc_auc", "pr_auc", "brier", "base_rate")},
            }
        )
    columns = ["version", "label", "trained_until", "learned_from", "roc_auc", "pr_auc", "brier", "base_rate"]
    emit_rows(rows, fmt, columns=columns, title="Predictive models")
