from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from revbridge.domain import notifications as notify
from revbridge.domain.notifications import (
    KINDS,
    MAX_DIGEST_NOTES,
    Notification,
    deadline_breached,
    escalated,
    mql_assigned,
    rejection_digest,
)

DUE = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)


def an_mql(**changes: Any) -> Notification:
    values: dict[str, Any] = {
        "lead_id": 7,
        "lead_name": "Ada Lovelace",
        "email": "ada@example.com",
        "score": 82.4,
        "owner_name": "Sam Okafor",
        "reason": "fit 45 >= 30 and engagement 52 >= 40",
        "due_at": DUE,
    }
    return mql_assigned(**(values | changes))


def every_kind() -> list[Notification]:
    return [
        an_mql(),
        deadline_breached(11, "accept", 7, "Ada Lovelace", "Sam Okafor", DUE),
        escalated(11, "first_touch", 7, "Ada Lovelace", "Head of Sales", "Lee Chan"),
        rejection_digest(date(2025, 3, 4), {"bad_fit": 3, "no_budget": 1}, ["Student, not a buyer"]),
    ]


def mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    for block in payload["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        else:
            texts.extend(element["text"] for element in block["elements"])
    return texts


def all_text(notification: Notification) -> str:
    return "\n".join([notification.payload["text"], *mrkdwn_texts(notification.payload)])


@pytest.mark.parametrize("notification", every_kind(), ids=lambda n: n.kind)
def test_every_message_is_a_slack_webhook_body_with_fallback_text_and_mrkdwn_blocks(
    notification: Notification,
) -> None:
    payload = json.loads(json.dumps(notification.payload))
    assert payload == notification.payload
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].strip()
    assert payload["blocks"][0]["type"] == "section"
    for block in payload["blocks"]:
        assert block["type"] in {"section", "context"}
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
        else:
            assert 1 <= len(block["elements"]) <= 10
            assert all(element["type"] == "mrkdwn" for element in block["elements"])
    assert notification.kind in KINDS


def test_the_same_event_always_gets_the_same_key() -> None:
    assert [n.key for n in every_kind()] == [n.key for n in every_kind()]
    assert an_mql().key == an_mql(score=90.0, owner_name="Lee Chan", reason="rescored").key


def test_keys_name_the_event_not_the_wording() -> None:
    keys = [n.key for n in every_kind()]
    assert keys == [
        "mql:7:20250304T153000Z",
        "breach:11",
        "escalation:11:1",
        "rejection-digest:2025-03-04",
    ]


def test_a_lead_qualifying_again_later_is_a_new_mql_event() -> None:
    assert an_mql().key != an_mql(due_at=DUE + timedelta(days=30)).key


def test_the_mql_key_is_the_same_moment_in_any_timezone() -> None:
    paris = DUE.astimezone(timezone(timedelta(hours=1)))
    assert an_mql(due_at=paris).key == an_mql().key


def test_each_escalation_level_is_its_own_event() -> None:
    first = escalated(11, "accept", 7, "Ada", "Team lead", None)
    second = escalated(11, "accept", 7, "Ada", "Head of Sales", None, level=2)
    assert first.key != second.key


def test_an_mql_message_says_who_why_and_by_when() -> None:
    text = all_text(an_mql())
    for expected in ("Ada Lovelace", "ada@example.com", "82", "Sam Okafor", "engagement 52", "2025-03-04 15:30 UTC"):
        assert expected in text


def test_an_mql_without_an_email_still_names_the_lead() -> None:
    notification = an_mql(email=None)
    assert "Ada Lovelace" in notification.payload["blocks"][0]["text"]["text"]
    assert "None" not in all_text(notification)


def test_a_breach_names_the_obligation_owner_and_deadline() -> None:
    text = all_text(deadline_breached(11, "first_touch", 7, "Ada Lovelace", "Sam Okafor", DUE))
    assert "first touch" in text
    assert "Sam Okafor" in text
    assert "2025-03-04 15:30 UTC" in text


def test_an_escalation_says_who_took_the_lead_over_only_when_someone_did() -> None:
    moved = all_text(escalated(11, "accept", 7, "Ada", "Head of Sales", "Lee Chan"))
    kept = all_text(escalated(11, "accept", 7, "Ada", "Head of Sales", None))
    assert "reassigned to *Lee Chan*" in moved
    assert "reassigned" not in kept


def test_the_digest_lists_reasons_most_frequent_first_with_the_total() -> None:
    digest = rejection_digest(date(2025, 3, 4), {"no_budget": 1, "bad_fit": 3, "competitor": 3}, [])
    section = digest.payload["blocks"][0]["text"]["text"]
    assert "*Rejected leads on 2025-03-04*: 7" in section
    assert section.index("bad_fit") < section.index("competitor") < section.index("no_budget")
    assert digest.payload["text"] == "Rejected leads on 2025-03-04: 7 (bad_fit 3, competitor 3, no_budget 1)"


def test_the_digest_shows_a_few_notes_and_says_how_many_more_there_are() -> None:
    notes = [f"note {i} " + "x" * 500 for i in range(MAX_DIGEST_NOTES + 3)]
    digest = rejection_digest(date(2025, 3, 4), {"bad_fit": 8}, notes)
    section = digest.payload["blocks"][0]["text"]["text"]
    assert section.count("\n> ") == MAX_DIGEST_NOTES
    assert "note 0" in section
    assert f"note {MAX_DIGEST_NOTES}" not in section
    assert len(section) < 3000  # Slack's limit for a section's text
    assert digest.payload["blocks"][1]["elements"][0]["text"] == "3 more note(s) not shown"


def test_a_day_without_rejections_still_makes_a_digest() -> None:
    digest = rejection_digest(date(2025, 3, 4), {}, [])
    assert digest.payload["text"] == "Rejected leads on 2025-03-04: 0 (none)"
    assert len(digest.payload["blocks"]) == 1


def test_names_cannot_inject_mentions_or_links() -> None:
    notification = an_mql(lead_name="<!channel> & <https://evil.example|click>")
    text = all_text(notification)
    assert "<!channel>" not in text
    assert "<https://" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in notification.payload["text"]


def test_a_naive_deadline_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        an_mql(due_at=datetime(2025, 3, 4, 15, 30))


def _breaches(count: int) -> list[notify.Breach]:
    due = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    return [
        notify.Breach(100 + i, "accept", i, f"Lead <{i}>", due + timedelta(minutes=i), "Bo" if i % 2 else None)
        for i in range(count)
    ]


def test_a_digest_counts_the_breaches_lists_the_earliest_and_keys_the_set_not_the_order() -> None:
    breaches = _breaches(14)
    digest = notify.breach_digest("Ana <Ruiz>", "mia@nw.com", breaches)
    again = notify.breach_digest("Ana <Ruiz>", "mia@nw.com", list(reversed(breaches)))
    other = notify.breach_digest("Ana <Ruiz>", "mia@nw.com", breaches[:-1])
    assert digest.key == again.key != other.key
    section = digest.payload["blocks"][0]["text"]["text"]
    assert section.count("•") == notify.MAX_DIGEST_LINES
    assert "Lead &lt;0&gt;" in section
    assert "Lead &lt;13&gt;" not in section
    assert "&lt;Ruiz&gt;" in section
    context = [e["text"] for e in digest.payload["blocks"][1]["elements"]]
    assert context == ["Escalated to mia@nw.com", "7 lead(s) reassigned", "4 more not listed"]


def test_a_reassignment_nobody_could_take_is_told_and_counted() -> None:
    due = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    stayed = [notify.Breach(100 + i, "accept", i, f"Lead {i}", due, None, unplaced=True) for i in range(8)]
    digest = notify.breach_digest("Ana", "mia@nw.com", [*_breaches(2), *stayed])
    context = [e["text"] for e in digest.payload["blocks"][1]["elements"]]
    assert context[:3] == [
        "Escalated to mia@nw.com",
        "1 lead(s) reassigned",
        "8 lead(s) nobody else could take: they stay with Ana",
    ]
    one = notify.breach_messages("Ana", "mia@nw.com", stayed[:1])[1]
    assert one.payload["text"] == f"Escalated to mia@nw.com: accept for Lead 0; {notify.STAYS}"
    moved = notify.breach_messages("Ana", "mia@nw.com", _breaches(2))[3]
    assert moved.payload["text"].endswith("; lead reassigned to Bo")


def test_only_the_leads_a_message_names_need_their_names_read() -> None:
    assert notify.named_in_digest(_breaches(notify.DIGEST_AFTER)) == _breaches(notify.DIGEST_AFTER)
    named = notify.named_in_digest(list(reversed(_breaches(40))))
    assert [b.lead_id for b in named] == list(range(notify.MAX_DIGEST_LINES))


def test_a_few_breaches_are_told_one_by_one_and_more_in_one_digest() -> None:
    few = notify.breach_messages("Ana", "mia@nw.com", _breaches(notify.DIGEST_AFTER))
    assert [n.kind for n in few] == [notify.DEADLINE_BREACHED, notify.ESCALATED] * notify.DIGEST_AFTER
    many = notify.breach_messages("Ana", "mia@nw.com", _breaches(notify.DIGEST_AFTER + 1))
    assert [n.kind for n in many] == [notify.BREACH_DIGEST]
