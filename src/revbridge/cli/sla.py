"""``revbridge sla``: check, sign, read and compare the marketing–sales SLA."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

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
    handles_errors,
)
from revbridge.domain.errors import FieldError, SlaInvalid
from revbridge.domain.sla import Sla, load_sla
from revbridge.domain.sla_diff import explain_changes
from revbridge.services.sla_versions import (
    NoSlaInForce,
    SlaVersion,
    apply_sla,
    current_sla,
    get_sla_version,
)

app = typer.Typer(
    help="The marketing–sales SLA as code: one YAML file both teams sign.\n\n"
    "Check a file with `validate`, store a signed version with `apply`, read the version in force with "
    "`show`, and see what a change means with `diff`; try one on the stored history with `simulate` and "
    "`suggest-threshold`. Start from examples/sla.yaml.",
    no_args_is_help=True,
)

SlaFile = Annotated[Path, typer.Argument(help="The SLA file (YAML).", exists=True, dir_okay=False, readable=True)]
_SYMBOLS = {"added": "+", "removed": "-", "changed": "~"}


@app.command()
@handles_errors
def validate(file: SlaFile, fmt: FormatOption = OutputFormat.table) -> None:
    """Check an SLA file; list every problem with its path and line (exit code 2 if any).

    With --format json, stdout holds "valid" (true or false) and "errors", each with its path, line and
    message; nothing is written to the database.

    Examples:

        revbridge sla validate examples/sla.yaml

        revbridge sla validate sla.yaml --format json
    """
    try:
        sla = load_sla(_read(file), source=str(file))
    except SlaInvalid as exc:
        _emit_errors(exc.errors, fmt)
        raise
    if fmt is OutputFormat.table:
        typer.echo(f"ok: {_headline(sla)}")
    else:
        _emit_errors([], fmt)


@app.command()
@handles_errors
def apply(
    file: SlaFile,
    effective: Annotated[
        str,
        typer.Option(
            "--effective",
            metavar="DATE",
            help="When this version takes effect: a date (the start of that day in the SLA's time zone) "
            "or a date-time such as 2025-07-01T09:00.",
        ),
    ],
    signed_by: Annotated[
        list[str],
        typer.Option("--signed-by", metavar="TEAM=NAME", help="TEAM=NAME, once for marketing and once for sales."),
    ],
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Store the file as the next SLA version, signed by marketing and sales.

    The file is validated first; the same contract as the latest version is refused.

    Example:

        revbridge sla apply sla.yaml --effective 2025-07-01
        --signed-by marketing="Maria Lopez" --signed-by sales="Sam Okafor"
    """
    text = _read(file)
    sla = load_sla(text, source=str(file))
    effective_from = _moment(effective, sla.clocks.zone)
    signatures = _signatures(signed_by)
    version = apply_sla(
        bootstrap.engine(database),
        text,
        effective_from=effective_from,
        signed_by=signatures,
        now=datetime.now(UTC),
        source=str(file),
    )
    if fmt is OutputFormat.table:
        signers = " and ".join(f"{name} ({team})" for team, name in signatures.items())
        typer.echo(f"applied: version {version}, in force from {effective_from.isoformat()}, signed by {signers}")
    else:
        data = {"version": version, "effective_from": effective_from, "checksum": sla.checksum()}
        emit_summary({**data, **{f"signed_by_{team}": name for team, name in signatures.items()}}, fmt)


@app.command()
@handles_errors
def show(
    version: Annotated[
        int | None,
        typer.Option("--version", "-v", help="A stored version number (default: the one in force)."),
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print the signed YAML text exactly as stored.")] = False,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show the SLA in force now, or a stored version: a summary, or the signed YAML with --raw.

    Examples:

        revbridge sla show

        revbridge sla show --version 2 --raw > sla-v2.yaml

        revbridge sla show --format json
    """
    engine = bootstrap.engine(database)
    if version is None:
        found = current_sla(engine, datetime.now(UTC))
        if found is None:
            raise NoSlaInForce(datetime.now(UTC))
        version = found[0]
    stored = get_sla_version(engine, version)
    if raw:
        if fmt is OutputFormat.table:
            sys.stdout.write(stored.text)
        else:
            emit_summary({"version": stored.version, "text": stored.text}, fmt)
        return
    sla = load_sla(stored.text, source=f"SLA version {stored.version}")
    if fmt is OutputFormat.json:
        emit_json({**_about(stored, sla), "sla": sla.normalised()})
    else:
        emit_summary({**_about(stored, sla), **_summary(sla)}, fmt, title=f"SLA version {stored.version}")


@app.command()
@handles_errors
def diff(
    old: Annotated[str, typer.Argument(help="The earlier SLA: a file, a stored version number, or 'current'.")],
    new: Annotated[str, typer.Argument(help="The later SLA: a file, a stored version number, or 'current'.")],
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Say in words what changes from one SLA to another (not a text diff).

    Each of the two is a file, a stored version number, or 'current' (the version in force now).

    Examples:

        revbridge sla diff current sla.yaml

        revbridge sla diff 2 3

        revbridge sla diff old.yaml new.yaml --format json
    """
    changes = explain_changes(_resolve(old, database), _resolve(new, database))
    if fmt is OutputFormat.table:
        for change in changes:
            typer.echo(f"{_SYMBOLS[change.kind]} {change.sentence}")
        if not changes:
            typer.echo("no changes: the two contracts say the same")
    else:
        rows = [{"path": c.path, "kind": c.kind, "change": c.sentence} for c in changes]
        emit_rows(rows, fmt, columns=["path", "kind", "change"])


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SlaInvalid([FieldError("(document)", "not UTF-8 text; save the file as UTF-8")], str(file)) from None


def _emit_errors(errors: list[FieldError], fmt: OutputFormat) -> None:
    rows = [{"path": e.path, "line": e.line, "message": e.message} for e in errors]
    if fmt is OutputFormat.json:
        emit_json({"valid": not errors, "errors": rows})
    elif fmt is OutputFormat.csv:
        emit_rows(rows, fmt, columns=["path", "line", "message"])


def _headline(sla: Sla) -> str:
    engagement = sla.scoring.engagement
    return (
        f"{len(sla.stages)} stages ({len(sla.required_stages)} required), {len(sla.scoring.fit)} fit rules, "
        f"{len(engagement.touchpoints) if engagement else 0} engagement touchpoint types, "
        f"{len(sla.feedback.reasons)} rejection reasons; MQL when {sla.qualification.mql.pretty()}; "
        f"accept within {sla.clocks.accept_within.describe()}"
    )


def _about(stored: SlaVersion, sla: Sla) -> dict[str, Any]:
    return {
        "version": stored.version,
        "effective_from": stored.effective_from.astimezone(sla.clocks.zone),
        "signed_by": ", ".join(f"{name} ({team})" for team, name in stored.signed_by.items()),
        "checksum": stored.checksum,
    }


def _summary(sla: Sla) -> dict[str, Any]:
    clocks, quali, recycling = sla.clocks, sla.qualification, sla.recycling
    sql = " and ".join(
        part
        for part in (
            quali.sql.when.pretty() if quali.sql.when else "",
            f"activity {quali.sql.requires_activity}" if quali.sql.requires_activity else "",
        )
        if part
    )
    commitments = {
        f"{team} commits to {name.replace('_', ' ')}": target.describe()
        for team in ("marketing", "sales")
        for name, target in getattr(sla.commitments, team)
        if target is not None
    }
    return {
        "name": sla.name + (f" ({sla.version})" if sla.version else ""),
        "stages": " → ".join(sla.stage_order),
        "required stages": ", ".join(sla.required_stages),
        "MQL when": quali.mql.pretty(),
        "SQL when": sql,
        "routing": sla.routing.strategy.replace("_", " ") + f", fallback {sla.routing.fallback.describe()}",
        "business hours": f"{clocks.business_hours.describe()} {clocks.timezone}",
        "holidays": clocks.holidays.describe() if clocks.holidays else "none",
        "accept within": clocks.accept_within.describe(),
        "first touch within": clocks.first_touch_within.describe() if clocks.first_touch_within else "none",
        "attempts": clocks.attempts.describe() if clocks.attempts else "none",
        "rejection reasons": ", ".join(f"{k} ({r.action})" for k, r in sla.feedback.reasons.items()),
        "recycling": f"back when {recycling.reenter_when.pretty()}, at most {recycling.max_loops} times",
        **commitments,
    }


def _moment(text: str, zone: tzinfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date like 2025-07-01 or a date-time like 2025-07-01T09:00, got {text!r}",
            param_hint="--effective",
        ) from None
    # A date alone, or a time without an offset, is read on the SLA's clocks (a date: that day's start).
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _signatures(pairs: list[str]) -> dict[str, str]:
    signatures: dict[str, str] = {}
    for pair in pairs:
        team, sep, name = pair.partition("=")
        if not sep or not team.strip() or not name.strip():
            raise typer.BadParameter(
                f"expected TEAM=NAME, like marketing='Maria Lopez', got {pair!r}", param_hint="--signed-by"
            )
        if team.strip().lower() in signatures:
            raise typer.BadParameter(f"{team.strip()} signed twice; one name per team", param_hint="--signed-by")
        signatures[team.strip().lower()] = name.strip()
    return signatures


def _resolve(ref: str, database: str | None) -> Sla:
    """A file path, a stored version number, or 'current'."""
    path = Path(ref)
    if path.is_file():
        return load_sla(_read(path), source=ref)
    if ref.isdigit():
        stored = get_sla_version(bootstrap.engine(database), int(ref))
        return load_sla(stored.text, source=f"SLA version {stored.version}")
    if ref == "current":
        now = datetime.now(UTC)
        found = current_sla(bootstrap.engine(database), now)
        if found is None:
            raise NoSlaInForce(now)
        return found[1]
    raise typer.BadParameter(f"{ref!r} is not a file, a version number or 'current'")


class SimulationPeriod(StrEnum):
    week = "week"
    month = "month"


class SweptScore(StrEnum):
    score = "score"
    engagement = "engagement"
    fit = "fit"


_SIMULATE_EXAMPLES = """Examples:

    revbridge sla simulate new-sla.yaml --since 2026-01-01

    revbridge sla simulate new-sla.yaml --since 2026-01-01 --per week --format json"""
_SUGGEST_EXAMPLES = """Examples:

    revbridge sla suggest-threshold --capacity 120

    revbridge sla suggest-threshold --capacity 30 --per week --on engagement --sla new-sla.yaml --format json"""
PerOption = Annotated[
    SimulationPeriod | None,
    typer.Option("--per", help="Count MQLs per week or per month (default: the SLA's MQL volume period, else month)."),
]
UntilOption = Annotated[
    str | None, typer.Option("--until", metavar="DATE", help="Up to this day or moment, exclusive (default: now).")
]


def simulate(
    file: SlaFile,
    since: Annotated[
        str, typer.Option("--since", metavar="DATE", help="From this day or moment (UTC unless it says), inclusive.")
    ],
    until: UntilOption = None,
    per: PerOption = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.services.sla_simulation import simulate as replay_history

    sla = load_sla(_read(file), source=str(file))
    start, end = moment(since, option="--since"), moment(until, option="--until")
    report, seconds = replay_history(bootstrap.engine(database), sla, since=start, until=end, per=_period(per, sla))
    if fmt is OutputFormat.json:
        emit_json({**_whatif_json(report), "timings_seconds": seconds})
        return
    _emit_whatif(report, fmt, str(file))


def suggest_threshold(
    capacity: Annotated[
        float, typer.Option("--capacity", min=0, help="How many MQLs sales can work per period (see --per).")
    ],
    per: PerOption = None,
    on: Annotated[
        SweptScore | None,
        typer.Option("--on", help="The score whose threshold to sweep (default: the MQL condition's main score)."),
    ] = None,
    sla_file: Annotated[
        Path | None,
        typer.Option(
            "--sla", exists=True, dir_okay=False, readable=True, help="A proposed SLA file (default: the SLA in force)."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="From this day or moment, inclusive (default: a year before now)."
        ),
    ] = None,
    until: UntilOption = None,
    step: Annotated[
        float | None, typer.Option("--step", min=0.001, help="Between thresholds (default: a round step, about 20).")
    ] = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.services.sla_simulation import suggest_threshold as sweep_history

    engine = bootstrap.engine(database)
    end = moment(until, option="--until")
    start = moment(since, option="--since") if since else end - timedelta(days=365)
    if sla_file is not None:
        sla = load_sla(_read(sla_file), source=str(sla_file))
    else:
        found = current_sla(engine, end)
        if found is None:
            raise NoSlaInForce(end)
        sla = found[1]
    found_per = _period(per, sla)
    chosen = sweep_history(
        engine,
        sla,
        since=start,
        until=end,
        per=found_per,
        capacity=capacity,
        on=on.value if on else None,
        step=step,
    )
    rows: list[dict[str, Any]] = [
        {
            "threshold": r.threshold,
            f"mqls_busiest_{chosen.per}": r.busiest,
            f"mqls_average_{chosen.per}": round(r.average, 2),
            "mqls": r.mqls,
            "expected_conversions": round(r.expected, 2),
            "within_capacity": r.fits,
            "current": r.current,
            "proposed": chosen.proposal is not None and r.threshold == chosen.proposal.threshold,
        }
        for r in chosen.rows
    ]
    proposal = None if chosen.proposal is None else chosen.proposal.threshold
    if fmt is OutputFormat.json:
        emit_json(
            {
                "on": chosen.on,
                "per": chosen.per,
                "capacity": chosen.capacity,
                "since": chosen.since,
                "until": chosen.until,
                "current": chosen.current,
                "proposed": proposal,
                "chance_from": chosen.chances,
                "caveats": chosen.caveats,
                "sweep": rows,
                "timings_seconds": chosen.seconds,
            }
        )
        return
    if fmt is OutputFormat.csv:
        emit_rows(rows, fmt)
        return
    top = max((r["expected_conversions"] for r in rows), default=0.0) or 1.0
    for row in rows:
        marks = ("◀ proposed" if row["proposed"] else "") + (" now" if row["current"] else "")
        marks += "" if row["within_capacity"] else " over"
        row["chart"] = "█" * round(20 * float(row["expected_conversions"]) / top) + (" " + marks if marks else "")
    shown = [c for c in rows[0] if c not in ("current", "proposed", "within_capacity")] if rows else []
    emit_rows(rows, fmt, columns=shown, title=f"MQL threshold on {chosen.on}: capacity {capacity:g} per {chosen.per}")
    if proposal is None:
        typer.echo(
            f"no threshold tried keeps the busiest {chosen.per} within {capacity:g} MQLs: sales' capacity is below "
            "what even the strictest threshold sends; raise --capacity, or tighten the rest of the condition"
        )
    else:
        typer.echo(
            f"proposed: {chosen.on} >= {proposal:g} (now {chosen.current:g}): "
            f"{chosen.proposal.expected:.1f} expected conversions, busiest {chosen.per} "  # type: ignore[union-attr]
            f"{chosen.proposal.busiest} MQLs"  # type: ignore[union-attr]
        )
    typer.echo("chance of converting from: " + ", ".join(f"{k} {v} leads" for k, v in chosen.chances.items()))
    for caveat in chosen.caveats:
        typer.echo(f"note: {caveat}")


def _period(per: SimulationPeriod | None, sla: Sla) -> str:
    if per is not None:
        return per.value
    volume = sla.commitments.marketing.mql_volume
    return volume.per if volume is not None and volume.per in ("week", "month") else "month"


def _side_json(side: Any) -> dict[str, Any]:
    return {
        "leads": side.leads,
        "accepted": side.accepted,
        "rejected": side.rejected,
        "never_judged": side.never_judged,
        "acceptance_rate": side.acceptance_rate,
        "sqls": side.sqls,
        "opportunities": side.opportunities,
        "customers": side.customers,
        "sql_to_opportunity_rate": side.sql_to_opportunity_rate,
    }


def _whatif_json(report: Any) -> dict[str, Any]:
    return {
        "since": report.since,
        "until": report.until,
        "per": report.per,
        "proposed": {**_side_json(report.proposed), "before_since": report.before_since},
        "actual": {**_side_json(report.actual), "entries": report.actual_entries, "by_sla": report.actual_by_version},
        "overlap": {"both": report.both, "only_proposed": report.only_proposed, "only_actual": report.only_actual},
        "periods": report.period_rows,
        "commitments": [vars(c) for c in report.commitments],
        "caveats": report.caveats,
    }


def _emit_whatif(report: Any, fmt: OutputFormat, name: str) -> None:
    p, a = report.proposed, report.actual
    labels = [
        ("MQL leads", "leads"),
        ("accepted by sales", "accepted"),
        ("rejected by sales", "rejected"),
        ("never judged (unknown)", "never_judged"),
        ("acceptance rate (of judged)", "acceptance_rate"),
        ("reached SQL", "sqls"),
        ("became opportunities", "opportunities"),
        ("became customers", "customers"),
    ]
    rows = [{"measure": label, "proposed": getattr(p, key), "actual": getattr(a, key)} for label, key in labels]
    rows += [
        {"measure": "MQL before since (proposed)", "proposed": report.before_since, "actual": None},
        {"measure": "MQL entries (actual)", "proposed": None, "actual": report.actual_entries},
        {"measure": "both", "proposed": report.both, "actual": report.both},
        {"measure": "only proposed / only actual", "proposed": report.only_proposed, "actual": report.only_actual},
    ]
    window = f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"
    emit_rows(rows, fmt, columns=["measure", "proposed", "actual"], title=f"{name} against history, {window}")
    periods = report.period_rows
    if fmt is OutputFormat.table:  # a period by its first day; one cut short by the window says so
        periods = [
            {**r, "period": f"{r['period']:%Y-%m-%d}" + ("" if r["whole"] else " (part)")} for r in report.period_rows
        ]
    emit_rows(periods, fmt, columns=["period", "proposed", "actual"], title=f"MQLs per {report.per}")
    commitments = [{k: v for k, v in vars(c).items() if k not in ("target", "per")} for c in report.commitments]
    if commitments:
        emit_rows(commitments, fmt, title="The proposed SLA's commitments")
    if fmt is OutputFormat.table:
        by_sla = ", ".join(f"{k}: {v}" for k, v in report.actual_by_version.items()) or "none"
        typer.echo(f"actual MQL entries by SLA version: {by_sla}")
        for caveat in report.caveats:
            typer.echo(f"note: {caveat}")


app.command(
    name="simulate",
    help="Replay the stored touchpoints under a proposed SLA: its MQLs beside the actual ones, what sales "
    "did with them, and each team's commitments.\n\n"
    + definitions_help("revbridge.domain.sla_whatif", _SIMULATE_EXAMPLES),
)(handles_errors(simulate))
app.command(
    name="suggest-threshold",
    help="Propose the MQL threshold that gives the most expected conversions within sales' capacity.\n\n"
    + definitions_help("revbridge.domain.threshold_sweep", _SUGGEST_EXAMPLES),
)(handles_errors(suggest_threshold))
