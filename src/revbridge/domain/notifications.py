"""Chat notifications as plain values: what to say about a business event, and the key that names the event.

Each builder returns a :class:`Notification` whose payload is a Slack incoming-webhook message: a plain
``text`` (the fallback shown in push notifications and by receivers without blocks) and ``blocks`` of
``section`` and ``context`` blocks in Slack's mrkdwn. The ``key`` is derived from the event alone
(``breach:{obligation_id}``), never from the clock or a counter, so a replayed decision yields the same key
and the outbox stores it once; receivers get it as the ``Idempotency-Key`` header.

Text from people (names, reasons, notes) is escaped for mrkdwn, so a lead called ``<!channel>`` cannot
ping a channel. Times are shown in UTC.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, NamedTuple

MQL_ASSIGNED = "mql_assigned"
DEADLINE_BREACHED = "deadline_breached"
ESCALATED = "escalated"
REJECTION_DIGEST = "rejection_digest"
BREACH_DIGEST = "breach_digest"
KINDS: tuple[str, ...] = (MQL_ASSIGNED, DEADLINE_BREACHED, ESCALATED, REJECTION_DIGEST, BREACH_DIGEST)

# More breaches than this for one person in one batch of a tick (a tick after the worker was down, a rep
# away without cover) make one digest instead of two messages a lead: a channel flooded with hundreds of
# identical alerts is a channel people mute.
DIGEST_AFTER = 5
MAX_DIGEST_LINES = 10

MAX_DIGEST_NOTES = 5
STAYS = "nobody else can take the lead now: it stays with its owner"
MAX_NOTE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to deliver: its kind, the idempotency key of the event, and the webhook JSON body."""

    kind: str
    key: str
    payload: dict[str, Any]


def mql_assigned(
    lead_id: int,
    lead_name: str,
    email: str | None,
    score: float,
    owner_name: str,
    reason: str,
    due_at: datetime,
) -> Notification:
    """A lead became an MQL and was routed to ``owner_name``, who must accept or reject it by ``due_at``.

    The key includes the deadline: a lead recycled to nurture and qualifying again later is a new event.
    """
    who = _lead(lead_name, email)
    return _notification(
        MQL_ASSIGNED,
        f"mql:{lead_id}:{_stamp(due_at)}",
        fallback=f"New MQL {lead_name} (score {score:.0f}) assigned to {owner_name}, due {_when(due_at)}",
        headline=f":inbox_tray: *New MQL* {who}, score *{score:.0f}*, assigned to *{_escape(owner_name)}*",
        details=[f"Why: {_escape(reason)}", f"Accept or reject by {_when(due_at)}", f"Lead #{lead_id}"],
    )


def deadline_breached(
    obligation_id: int, kind: str, lead_id: int, lead_name: str, owner_name: str, due_at: datetime
) -> Notification:
    """An obligation (accept, first touch, attempts) passed its deadline without being met."""
    return _notification(
        DEADLINE_BREACHED,
        f"breach:{obligation_id}",
        fallback=f"SLA breached: {_label(kind)} for {lead_name} ({owner_name}) was due {_when(due_at)}",
        headline=(
            f":rotating_light: *SLA breached*: {_escape(_label(kind))} for *{_escape(lead_name)}* "
            f"by *{_escape(owner_name)}* was due {_when(due_at)}"
        ),
        details=[f"Lead #{lead_id}", f"Obligation #{obligation_id}"],
    )


def escalated(
    obligation_id: int,
    kind: str,
    lead_id: int,
    lead_name: str,
    to_whom: str,
    reassigned_to: str | None,
    *,
    level: int = 1,
    unplaced: bool = False,
) -> Notification:
    """A breached obligation was escalated to ``to_whom``, and the lead perhaps handed to someone else
    (or, ``unplaced``, it was to be and nobody else could take it: it stays with its owner).

    ``level`` is the obligation's escalation level: each level is its own event (and key).
    """
    moved = f"; lead reassigned to {reassigned_to}" if reassigned_to else ""
    moved_md = f"; lead reassigned to *{_escape(reassigned_to)}*" if reassigned_to else ""
    if unplaced and not reassigned_to:
        moved = moved_md = f"; {STAYS}"
    return _notification(
        ESCALATED,
        f"escalation:{obligation_id}:{level}",
        fallback=f"Escalated to {to_whom}: {_label(kind)} for {lead_name}{moved}",
        headline=(
            f":arrow_double_up: *Escalated* to *{_escape(to_whom)}*: {_escape(_label(kind))} "
            f"for *{_escape(lead_name)}*{moved_md}"
        ),
        details=[f"Lead #{lead_id}", f"Obligation #{obligation_id}", f"Escalation level {level}"],
    )


class Breach(NamedTuple):
    """One breached obligation, as a digest lists it. (A tuple: a backlog tick makes 100,000 of them, and
    a frozen dataclass cost it a tenth of a second more.)"""

    obligation_id: int
    kind: str
    lead_id: int
    lead_name: str
    due_at: datetime
    reassigned_to: str | None
    unplaced: bool = False  # to be reassigned, but nobody else could take it


def breach_messages(owner_name: str, escalated_to: str, breaches: Sequence[Breach]) -> list[Notification]:
    """What ``owner_name``'s breaches escalated to ``escalated_to`` say: a breach and an escalation message
    for each, or, past ``DIGEST_AFTER`` of them, one digest."""
    if len(breaches) > DIGEST_AFTER:
        return [breach_digest(owner_name, escalated_to, breaches)]
    return [
        message
        for b in breaches
        for message in (
            deadline_breached(b.obligation_id, b.kind, b.lead_id, b.lead_name, owner_name, b.due_at),
            escalated(
                b.obligation_id, b.kind, b.lead_id, b.lead_name, escalated_to, b.reassigned_to, unplaced=b.unplaced
            ),
        )
    ]


_digest_order = attrgetter("due_at", "obligation_id")  # a digest lists the earliest deadlines first


def named_in_digest(breaches: Sequence[Breach]) -> list[Breach]:
    """The breaches whose lead a message about ``breaches`` names: all of them, unless they make a
    digest, which lists its earliest ``MAX_DIGEST_LINES``."""
    if len(breaches) <= DIGEST_AFTER:
        return list(breaches)
    return heapq.nsmallest(MAX_DIGEST_LINES, breaches, key=_digest_order)


def breach_digest(owner_name: str, escalated_to: str, breaches: Sequence[Breach]) -> Notification:
    """Many of ``owner_name``'s deadlines breached at once, escalated to ``escalated_to``: counted by kind,
    the earliest few listed. The key names the set of obligations, so a replayed batch is stored once."""
    listed = heapq.nsmallest(MAX_DIGEST_LINES, breaches, key=_digest_order)  # the earliest: sorted()[:n]
    ids = ",".join(map(str, sorted(b.obligation_id for b in breaches)))
    key = "breaches:" + hashlib.sha256(ids.encode()).hexdigest()[:24]
    by_kind = Counter(b.kind for b in breaches)
    kinds = ", ".join(f"{_label(kind)} {count:,}" for kind, count in sorted(by_kind.items()))
    moved = sum(1 for b in breaches if b.reassigned_to)
    stayed = sum(1 for b in breaches if b.unplaced and not b.reassigned_to)
    lines = [
        f"• *{_escape(b.lead_name)}* (lead #{b.lead_id}): {_escape(_label(b.kind))} was due {_when(b.due_at)}"
        + (f", reassigned to *{_escape(b.reassigned_to)}*" if b.reassigned_to else "")
        for b in listed
    ]
    more = len(breaches) - len(lines)
    details = [f"Escalated to {_escape(escalated_to)}"]
    if moved:
        details.append(f"{moved:,} lead(s) reassigned")
    if stayed:
        details.append(f"{stayed:,} lead(s) nobody else could take: they stay with {_escape(owner_name)}")
    if more > 0:
        details.append(f"{more:,} more not listed")
    return _notification(
        BREACH_DIGEST,
        key,
        fallback=f"SLA breached {len(breaches):,} times by {owner_name} ({kinds}); escalated to {escalated_to}",
        headline="\n".join(
            [
                f":rotating_light: *{len(breaches):,} SLA deadlines breached* by *{_escape(owner_name)}* ({kinds})",
                *lines,
            ]
        ),
        details=details,
    )


def rejection_digest(day: date, counts_by_reason: Mapping[str, int], notes: Sequence[str]) -> Notification:
    """The day's rejected leads by reason, most frequent first, with a few of the sales notes."""
    total = sum(counts_by_reason.values())
    ranked = sorted(counts_by_reason.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"• {_escape(reason)}: *{count}*" for reason, count in ranked]
    shown = [f"> {_escape(_shorten(note, MAX_NOTE_CHARS))}" for note in notes[:MAX_DIGEST_NOTES]]
    more = len(notes) - len(shown)
    details = [f"{more} more note(s) not shown"] if more > 0 else []
    summary = ", ".join(f"{reason} {count}" for reason, count in ranked) or "none"
    headline = f":clipboard: *Rejected leads on {day.isoformat()}*: {total}"
    return _notification(
        REJECTION_DIGEST,
        f"rejection-digest:{day.isoformat()}",
        fallback=f"Rejected leads on {day.isoformat()}: {total} ({summary})",
        headline="\n".join([headline, *lines, *shown]),
        details=details,
    )


def _notification(kind: str, key: str, *, fallback: str, headline: str, details: Sequence[str]) -> Notification:
    """``fallback`` is plain text (escaped here); ``headline`` and ``details`` are mrkdwn, escaped by the caller."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": headline}}]
    if details:
        elements = [{"type": "mrkdwn", "text": text} for text in details[:10]]  # Slack allows 10 elements
        blocks.append({"type": "context", "elements": elements})
    return Notification(kind=kind, key=key, payload={"text": _escape(fallback), "blocks": blocks})


def _lead(name: str, email: str | None) -> str:
    return f"*{_escape(name)}* ({_escape(email)})" if email else f"*{_escape(name)}*"


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def _escape(text: str) -> str:
    """Slack mrkdwn control characters as entities: ``<`` starts links and mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: notifications take aware datetimes")
    return moment.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return _utc(moment).strftime("%Y%m%dT%H%M%SZ")


def _when(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC")
