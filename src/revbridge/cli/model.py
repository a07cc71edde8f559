"""``revbridge model``: the predictive lead score, measured offline against the rules and a baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from revbridge.cli._output import FormatOption, OutputFormat, definitions_help, emit_json, emit_rows, handles_errors

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
    "Cross-validate a predictive lead score on any CSV export of leads with known outcomes, beside the "
    "SLA's rules score and a naive Bayes baseline, on the same stratified folds. The file is read through "
    "the generic CSV importer's mapping (nothing is written to the database). Leave out the columns sales "
    "fills in after contact (--exclude): a score cannot use at scoring time what is only known later, "
    "and such columns make any score look better than it will be."
)


@app.command(help="\n\n".join([_INTRO, definitions_help("revbridge.analytics.prediction.metrics", SCORERS), EXAMPLES]))
@handles_errors
def evaluate(
    csv: Annotated[Path, typer.Option("--csv", help="The export: one row per lead, with the outcome.")],
    mapping: Annotated[
        Path, typer.Option("--mapping", help="The column mapping of the export (entity: leads), as for import.")
    ],
    label: Annotated[
        str,
        typer.Option(
            "--label",
            help="The outcome to predict: a column of the file (Converted) or one of our fields (converted); "
            "yes/no, 1/0 or true/false. Rows without it are dropped and counted.",
        ),
    ],
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
    fmt: FormatOption = OutputFormat.table,
) -> None:
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


def _means(figures: dict[str, Any]) -> dict[str, float]:
    return {m: round(float(figures[m]), 4) for m in ("roc_auc", "pr_auc", "brier")}
