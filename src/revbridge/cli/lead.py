"""``revbridge lead``: one lead's story, and the people acting on it (verdicts, activities, moves, disputes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from revbridge import bootstrap
from revbridge.cli._audit import audited
from revbridge.cli._moments import AT_HELP, moment
from revbridge.cli._output import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    console,
    emit_json,
    emit_rows,
    emit_summary,
    handles_errors,
)
from revbridge.domain.lifecycle import CONTACT_ACTIVITIES
from revbridge.services import leads
from revbridge.services.leads import ActionResult, ClockChange, FeedbackEntry, LeadStory

app = typer.Typer(
    help="One lead: its whole story, and what sales and marketing do with it.\n\n"
    "Read a lead with `show`. Sales gives its verdict on an MQL with `accept` or `reject`, logs calls and "
    "meetings with `activity`, and moves a lead on with `advance` or `lost`; marketing answers a rejection "
    "with `dispute`, and a sales manager settles it with `resolve`. Each action runs under the SLA in force, "
    "as the person given with --as, and is refused, with nothing written, if the SLA does not allow it.",
    no_args_is_help=True,
)

LeadId = Annotated[
    int, typer.Argument(metavar="LEAD_ID", help="The lead's id (`revbridge lead list` finds it).", min=1)
]
FeedbackId = Annotated[
    int, typer.Argument(metavar="FEEDBACK_ID", help="The verdict's id, from `revbridge lead show LEAD_ID`.", min=1)
]
AsEmail = Annotated[
    str, typer.Option("--as", metavar="EMAIL", help="Who is acting: their e-mail as RevBridge knows it.")
]
At = Annotated[str | None, typer.Option("--at", metavar="WHEN", help=AT_HELP)]
Rating = Annotated[
    int | None,
    typer.Option("--rating", min=1, max=5, help="The lead's quality, 1 (poor) to 5 (great); marketing reads these."),
]
Note = Annotated[str | None, typer.Option("--note", help="A free-text note for marketing.")]


# --- reading --------------------------------------------------------------------------------------------


@app.command()
@handles_errors
def show(lead_id: LeadId, database: DatabaseOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Show everything about one lead, each part in time order.

    Who it is and why it scores what it does, its touchpoints and sales activities on one timeline, its
    scores over time, every stage change (who, when, why, under which SLA version), its SLA clocks, and
    sales' verdicts with marketing's disputes.

    With --format json, the whole story is one JSON object, datetimes in ISO 8601 (UTC).

    Examples:

        revbridge lead show 42

        revbridge lead show 42 --format json | jq '.transitions'
    """
    if fmt is OutputFormat.csv:
        raise typer.BadParameter("a lead's story has several parts: use table or json", param_hint="--format")
    story = leads.lead_story(bootstrap.engine(database), lead_id)
    if fmt is OutputFormat.json:
        emit_json(story.as_dict())
    else:
        _print_story(story)


@app.command("list")
@handles_errors
def list_(
    stage: Annotated[str | None, typer.Option("--stage", help="Only leads in this stage, e.g. mql.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="EMAIL", help="Only this person's leads.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many leads.")] = 50,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List leads, most recently changed first.

    Examples:

        revbridge lead list --stage mql --owner ana@northwind.example

        revbridge lead list --limit 10 --format csv
    """
    found = leads.list_leads(bootstrap.engine(database), stage=stage, owner_email=owner, limit=limit)
    columns = ["id", "name", "email", "company", "stage", "owner", "score", "p_convert", "stage_changed_at"]
    emit_rows([line.as_dict() for line in found], fmt, columns=columns, title="Leads")


# --- sales' verdicts ------------------------------------------------------------------------------------


def _the_lead(arguments: dict[str, object]) -> str:
    return f"lead {arguments['lead_id']}"


def _the_verdict(arguments: dict[str, object]) -> str:
    return f"feedback {arguments['feedback_id']}"


@app.command()
@handles_errors
@audited("revbridge lead accept", _the_lead)
def accept(
    lead_id: LeadId,
    as_: AsEmail,
    rating: Rating = None,
    note: Note = None,
    at: At = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Accept an MQL as sales: it becomes a sales accepted lead (SAL).

    Its accept clock is met, and the SLA's follow-up clocks start (first touch, attempts).

    Only sales gives verdicts; under the SLA's `qualification.sal.accepted_by: assigned_rep` only the
    lead's assigned rep does (`any_sales_rep` lets any rep).

    Examples:

        revbridge lead accept 42 --as ana@northwind.example

        revbridge lead accept 42 --as ana@northwind.example --rating 4 --note "Good fit, call booked"
    """
    when = moment(at)
    result = leads.accept(bootstrap.engine(database), lead_id, as_, at=when, rating=rating, note=note)
    _print_result(result, fmt)


@app.command()
@handles_errors
@audited("revbridge lead reject", _the_lead)
def reject(
    lead_id: LeadId,
    as_: AsEmail,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="One of the SLA's rejection reasons (feedback.reasons in the SLA, e.g. no_budget, wrong_persona; "
            "`revbridge sla show` lists them). The reason decides: back to nurture, or disqualified.",
        ),
    ],
    rating: Rating = None,
    note: Note = None,
    at: At = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Reject an MQL as sales, with one of the SLA's reasons.

    The reason's action decides what happens: recycled to nurture (with a cool-off before it may come
    back) or disqualified. Marketing can dispute a rejection.

    The reasons are the SLA's closed list (`feedback.reasons`); an unknown one is refused with the list.

    Examples:

        revbridge lead reject 42 --as ana@northwind.example --reason no_budget --note "Budget frozen until Q3"

        revbridge lead reject 42 --as ana@northwind.example --reason wrong_persona --rating 1
    """
    when = moment(at)
    engine = bootstrap.engine(database)
    result = leads.reject(engine, lead_id, as_, reason, at=when, rating=rating, note=note)
    _print_result(result, fmt)


# --- working the lead -----------------------------------------------------------------------------------


@app.command()
@handles_errors
@audited("revbridge lead activity", _the_lead)
def activity(
    lead_id: LeadId,
    as_: AsEmail,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help=f"What was done: {', '.join(sorted(CONTACT_ACTIVITIES))} count as contact (first touch, "
            "attempts); the SLA's SQL activity (qualification.sql.requires_activity, e.g. meeting_held) makes a "
            "SAL an SQL when its score holds up. Any other kind is recorded on the journey.",
        ),
    ],
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="How it went, e.g. connected, voicemail, no_show.")
    ] = None,
    external_id: Annotated[
        str | None,
        typer.Option("--external-id", help="The activity's id, so that logging it again changes nothing."),
    ] = None,
    at: At = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Log a sales activity (call, e-mail, meeting): it joins the journey and the SLA clocks count it.

    Examples:

        revbridge lead activity 42 --as ana@northwind.example --kind call --outcome connected

        revbridge lead activity 42 --as ana@northwind.example --kind meeting_held --at 2026-03-04T16:00:00Z
    """
    when = moment(at)
    engine = bootstrap.engine(database)
    result = leads.log_activity(engine, lead_id, as_, kind, at=when, outcome=outcome, external_id=external_id)
    _print_result(result, fmt)


@app.command()
@handles_errors
@audited("revbridge lead advance", _the_lead)
def advance(
    lead_id: LeadId,
    to: Annotated[str, typer.Option("--to", metavar="STAGE", help="The stage to move to: sql, opportunity …")],
    as_: AsEmail,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, for the record.")] = None,
    at: At = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Move a lead on by hand, as the SLA allows: SAL → SQL → opportunity → customer.

    To send a lead back, reject it (an MQL) or mark it lost.

    Examples:

        revbridge lead advance 42 --to opportunity --as ana@northwind.example

        revbridge lead advance 42 --to sql --as ana@northwind.example --reason "Budget confirmed on the call"
    """
    when = moment(at)
    result = leads.advance(bootstrap.engine(database), lead_id, as_, to, at=when, reason=reason)
    _print_result(result, fmt)


@app.command()
@handles_errors
@audited("revbridge lead lost", _the_lead)
def lost(
    lead_id: LeadId,
    as_: AsEmail,
    reason: Annotated[str, typer.Option("--reason", help="Why the deal was lost, for the record.")],
    disqualify: Annotated[
        bool, typer.Option("--disqualify", help="Disqualify the lead instead of returning it to nurture.")
    ] = False,
    at: At = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Mark a deal lost: the lead returns to nurture (or is disqualified), and its clocks stop.

    Example:

        revbridge lead lost 42 --as ana@northwind.example --reason "Chose a competitor"
    """
    when = moment(at)
    result = leads.mark_lost(bootstrap.engine(database), lead_id, as_, reason, at=when, disqualify=disqualify)
    _print_result(result, fmt)


# --- marketing's answer ---------------------------------------------------------------------------------


@app.command()
@handles_errors
@audited("revbridge lead dispute", _the_verdict)
def dispute(
    feedback_id: FeedbackId,
    as_: AsEmail,
    note: Annotated[str, typer.Option("--note", help="Why the rejection is wrong.")],
    at: At = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Dispute a rejection as marketing, once, saying why.

    The lead does not move; a sales manager settles the dispute with `revbridge lead resolve`.

    Example:

        revbridge lead dispute 17 --as maria@northwind.example --note "Their CFO asked for pricing twice"
    """
    entry = leads.dispute(bootstrap.engine(database), feedback_id, as_, note, at=moment(at))
    _print_feedback(entry, fmt, "disputed")


@app.command()
@handles_errors
@audited("revbridge lead resolve", _the_verdict)
def resolve(
    feedback_id: FeedbackId,
    as_: AsEmail,
    outcome: Annotated[
        str, typer.Option("--outcome", metavar="upheld|overturned", help="upheld (sales was right) or overturned.")
    ],
    at: At = None,
    database: DatabaseOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Settle a disputed rejection as a sales manager or an admin: upheld or overturned, once.

    Only the outcome is recorded: an overturned rejection does not move the lead back.

    Example:

        revbridge lead resolve 17 --as mia@northwind.example --outcome overturned
    """
    entry = leads.resolve_dispute(bootstrap.engine(database), feedback_id, as_, outcome, at=moment(at))
    _print_feedback(entry, fmt, "resolved")


# --- printing an action ---------------------------------------------------------------------------------


def _print_result(result: ActionResult, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        emit_json(result.as_dict())
    elif fmt is OutputFormat.csv:
        emit_summary(_flat(result), fmt)
    else:
        for line in _sentences(result):
            typer.echo(line)


def _sentences(result: ActionResult) -> list[str]:
    if result.moved:
        head = f"lead {result.lead_id}: {result.from_stage} → {result.stage} ({result.reason})"
    else:
        head = f"lead {result.lead_id}: stays {result.stage}"
    lines = [f"{head}, under SLA version {result.sla_version}"]
    if result.activity_id is not None:
        lines.append(f"  activity {result.activity_id} logged")
    lines.extend(f"  {_clock_sentence(change)}" for change in result.clocks)
    if result.feedback_id is not None:
        lines.append(f"  feedback {result.feedback_id} recorded")
        if result.action == "reject":
            lines.append(
                f"  marketing may dispute it: revbridge lead dispute {result.feedback_id} --as EMAIL --note TEXT"
            )
    if result.notifications:
        lines.append(f"  {result.notifications} notification(s) queued")
    lines.extend(f"  {note}" for note in result.notes)
    return lines


def _clock_sentence(change: ClockChange) -> str:
    due = f"due {_when(change.due_at)}" if change.due_at else ""
    if change.change == "opened":
        needs = f" ({change.required_count} needed)" if (change.required_count or 1) > 1 else ""
        return f"clock opened: {change.kind}{needs}, {due}"
    if change.change == "counted":
        return f"clock {change.kind}: {change.done_count} of {change.required_count} done, {due}"
    return f"clock {change.change}: {change.kind}" + (f" (was {due})" if due else "")


def _flat(result: ActionResult) -> dict[str, object]:
    data = result.as_dict()
    data["clocks"] = "; ".join(_clock_sentence(c) for c in result.clocks)
    data["notes"] = "; ".join(result.notes)
    return data


def _print_feedback(entry: FeedbackEntry, fmt: OutputFormat, what: str) -> None:
    if fmt is OutputFormat.json:
        emit_json(entry.as_dict())
        return
    data = {
        "feedback": entry.id,
        "lead": entry.lead_id,
        "verdict": f"{entry.verdict}: {entry.reason}" if entry.reason else entry.verdict,
        "by": entry.by,
        "at": entry.at,
        "disputed_by": entry.dispute.by if entry.dispute else None,
        "disputed_at": entry.dispute.at if entry.dispute else None,
        "dispute_note": entry.dispute.note if entry.dispute else None,
        "outcome": entry.dispute.outcome if entry.dispute else None,
        "resolved_by": entry.dispute.resolved_by if entry.dispute else None,
        "resolved_at": entry.dispute.resolved_at if entry.dispute else None,
    }
    emit_summary(data, fmt, title=f"Feedback {entry.id} {what}")


# --- printing a story -----------------------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _print_story(story: LeadStory) -> None:
    console.print(_header(story))
    for table in (_timeline(story), _scores(story), _transitions(story), _clocks(story), _feedback(story)):
        if table.row_count == 0:
            table.caption, table.caption_justify = "none yet", "left"
        console.print(table)


def _header(story: LeadStory) -> Panel:
    lead = story.lead
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    owner = f"{lead.owner_name} <{lead.owner_email}>" if lead.owner_email else "nobody yet"
    p_convert = f", p(convert) {lead.p_convert:.2f}" if lead.p_convert is not None else ""
    rows = [
        ("e-mail", lead.email or ""),
        ("company", lead.company or ""),
        ("job title", lead.job_title or ""),
        ("stage", f"{lead.stage} since {_when(lead.stage_changed_at)}" if lead.stage_changed_at else lead.stage),
        ("owner", owner),
        ("scores", f"fit {lead.fit:.0f}, engagement {lead.engagement:.0f}, score {lead.score:.0f}{p_convert}"),
        ("scored at", _when(lead.scored_at)),
        ("routing", lead.routing_reason or ""),
        ("source", lead.lead_source or lead.source),
    ]
    if lead.recycle_count:
        rows.append(("recycled", f"{lead.recycle_count} time(s)"))
    if lead.nurture_until:
        rows.append(("nurture until", _when(lead.nurture_until)))
    for key, value in rows:
        if value:
            facts.add_row(key, Text(value))
    reasons = Text("\n".join(f"{r.points:+6.1f}  {r.rule}" for r in lead.score_reasons) or "no score reasons yet")
    parts: list[RenderableType] = [facts, Text(""), Text("why this score", style="bold"), reasons]
    if lead.p_convert_reasons:
        pushes = Text("\n".join(f"  {r}" for r in lead.p_convert_reasons))
        parts += [Text(""), Text("why this p(convert) (log odds, by the predictive model)", style="bold"), pushes]
    body = Group(*parts)
    return Panel(body, title=f"lead {lead.id} · {lead.name}", title_align="left")


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def _timeline(story: LeadStory) -> Table:
    table = _table("Journey (UTC)", "when", "what", "type", "detail", "source")
    for e in story.timeline:
        detail = (
            " · ".join(p for p in (e.channel, e.campaign) if p)
            if e.kind == "touchpoint"
            else " · ".join(p for p in (e.by, e.outcome) if p)
        )
        table.add_row(_when(e.at), e.kind, e.type, detail, e.source)
    return table


def _scores(story: LeadStory) -> Table:
    table = _table("Scores over time (UTC)", "when", "fit", "engagement", "score", "cause", "top reasons")
    for s in story.scores:
        top = ", ".join(f"{r.rule} {r.points:+.0f}" for r in sorted(s.reasons, key=lambda r: -abs(r.points))[:3])
        table.add_row(_when(s.at), f"{s.fit:.0f}", f"{s.engagement:.0f}", f"{s.score:.0f}", s.cause, top)
    return table


def _transitions(story: LeadStory) -> Table:
    table = _table("Stage changes (UTC)", "when", "move", "by", "why", "SLA")
    for t in story.transitions:
        move = f"{t.from_stage or '—'} → {t.to_stage}"
        table.add_row(_when(t.at), move, t.actor, t.reason or "", str(t.sla_version or ""))
    return table


def _clocks(story: LeadStory) -> Table:
    table = _table("SLA clocks (UTC)", "kind", "owner", "opened", "due", "status", "closed", "done", "escalated to")
    for c in story.obligations:
        done = f"{c.done_count}/{c.required_count}" if c.required_count > 1 else ""
        table.add_row(
            c.kind,
            c.owner_email or "",
            _when(c.opened_at),
            _when(c.due_at),
            c.status,
            _when(c.closed_at),
            done,
            c.escalated_to or "",
        )
    return table


def _feedback(story: LeadStory) -> Table:
    table = _table("Verdicts (UTC)", "id", "when", "verdict", "reason", "rating", "by", "note", "dispute")
    for f in story.feedback:
        dispute = ""
        if f.dispute is not None:
            outcome = f.dispute.outcome or "open"
            dispute = f"disputed by {f.dispute.by or ''} on {_when(f.dispute.at)}: {f.dispute.note or ''}; {outcome}"
            if f.dispute.resolved_at is not None:
                dispute += f" by {f.dispute.resolved_by or ''} on {_when(f.dispute.resolved_at)}"
        rating = str(f.rating) if f.rating is not None else ""
        table.add_row(str(f.id), _when(f.at), f.verdict, f.reason or "", rating, f.by or "", f.note or "", dispute)
    return table
