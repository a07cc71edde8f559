"""``revbridge report weekly``: the weekly check-in of marketing and sales, as one HTML file (and its PDF)
to take to the meeting, or as JSON for other tools."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from revbridge import bootstrap
from revbridge.cli._moments import moment
from revbridge.cli._output import DatabaseOption, definitions_help, emit_json, handles_errors, progress_bar
from revbridge.cli.metrics import EngineOption
from revbridge.domain.errors import InvalidInput
from revbridge.domain.iso_weeks import IsoWeek

app = typer.Typer(help="Reports to take to a meeting: the weekly check-in.", no_args_is_help=True)


class ReportFormat(StrEnum):
    html = "html"
    json = "json"


EXAMPLES = (
    "Which week: --week names an ISO week (2026-W47: Monday 16 to Monday 23 November 2026, UTC). Without "
    "it, the last complete week: run on any day of 2026-W48, the report is of 2026-W47. The week running "
    "now may be named too; its numbers are as of now.\n\n"
    "Examples:\n\n"
    "    revbridge report weekly    (the last complete week, to check-in-YYYY-Www.html)\n\n"
    "    revbridge report weekly --week 2026-W47 --out report.html --pdf\n\n"
    "    revbridge report weekly --week 2026-W47 --format json > week.json\n\n"
    "    revbridge report weekly --engine duckdb:./mirror --out report.html\n\n"
    "The HTML file holds its styles, scripts and charts: it opens offline, anywhere. --pdf prints it with "
    "headless Chromium (`apt install chromium`, or set REVBRIDGE_CHROMIUM). The dashboard shows the same "
    "page at /checkin, where decisions are recorded and the team leads sign the week off."
)


def _week(text: str | None, now: datetime) -> IsoWeek:
    if text is None:
        return IsoWeek.last_complete(now)
    try:
        week = IsoWeek.parse(text)
    except InvalidInput as wrong:
        raise typer.BadParameter(str(wrong), param_hint="--week") from None
    if not week.has_started(now):
        raise typer.BadParameter(f"{week} has not begun: name a week up to {IsoWeek.of(now)}", param_hint="--week")
    return week


@handles_errors
def weekly(
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            help="The ISO week, like 2026-W47 (Monday 00:00 to Monday 00:00, UTC). Default: the last complete week.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the report. Default: check-in-WEEK.html here (with --format json: stdout).",
            dir_okay=False,
        ),
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option("--pdf", help="Also print the HTML to PDF beside it (same name, .pdf), with headless Chromium."),
    ] = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="html: the report file (default); json: its data, for other tools."),
    ] = ReportFormat.html,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="The moment 'now' means: which week is the last complete one, the MQLs slipping; default now."
        ),
    ] = None,
    engine: EngineOption = None,
    database: DatabaseOption = None,
) -> None:
    from revbridge.reports.pdf import find_chromium, print_pdf
    from revbridge.reports.render import render_html
    from revbridge.reports.weekly import STEPS, weekly_report

    if pdf and fmt is ReportFormat.json:
        raise InvalidInput("--pdf prints the HTML report: leave out --format json, or --pdf")
    now = moment(at)
    chosen = _week(week, now)
    with progress_bar("weekly check-in", width=18) as bar:
        task = bar.add_task(str(chosen), total=len(STEPS) + 1)

        def step(name: str) -> None:
            bar.update(task, description=name, completed=STEPS.index(name))

        report = weekly_report(bootstrap.engine(database), chosen, now=now, analytics=engine, progress=step)
        bar.update(task, description="writing", completed=len(STEPS))
        if fmt is ReportFormat.json:
            data = json.loads(json.dumps(report.as_dict(), default=_iso))
            if out is None:
                emit_json(data)
            else:
                out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
                typer.echo(f"Wrote {out}: the weekly check-in of {chosen}, as JSON", err=True)
            return
        target = out or Path(f"check-in-{chosen}.html")
        target.write_text(render_html(report), encoding="utf-8")
        typer.echo(f"Wrote {target}: the weekly check-in of {chosen} ({target.stat().st_size // 1024:,} KB)", err=True)
        if pdf:
            printed = target.with_suffix(".pdf")
            bar.update(task, description="printing the PDF")
            print_pdf(target, printed, browser=find_chromium(bootstrap.settings().chromium))
            typer.echo(f"Wrote {printed}: the same, as PDF", err=True)
        bar.update(task, completed=len(STEPS) + 1)


def _iso(value: object) -> str:
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


app.command(name="weekly", help=definitions_help("revbridge.reports.weekly", EXAMPLES))(weekly)
