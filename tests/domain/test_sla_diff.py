from __future__ import annotations

from importlib.resources import files

import pytest

from revbridge.domain.sla import Sla, load_sla
from revbridge.domain.sla_diff import Change, explain_changes

EXAMPLE = files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8")
OLD = load_sla(EXAMPLE)


def changes_after(*edits: tuple[str, str]) -> list[Change]:
    text = EXAMPLE
    for before, after in edits:
        assert before in text, before
        text = text.replace(before, after)
    return explain_changes(OLD, load_sla(text))


def sentences_after(*edits: tuple[str, str]) -> list[str]:
    return [c.sentence for c in changes_after(*edits)]


def test_the_same_contract_has_no_changes_even_when_comments_and_layout_differ() -> None:
    assert explain_changes(OLD, OLD) == []
    assert (
        changes_after(
            ("# What each team promises", "# Promises"),
            ("mql_volume: {target: 400, per: month}", "mql_volume:\n      target: 400\n      per: month"),
        )
        == []
    )


def test_a_raised_mql_threshold_reads_as_the_threshold_that_moved() -> None:
    assert changes_after(("engagement >= 40", "engagement >= 50")) == [
        Change("qualification.mql", "changed", "MQL condition: engagement ≥ 40 → ≥ 50")
    ]


def test_a_longer_accept_deadline_reads_in_business_hours() -> None:
    assert changes_after(("accept_within: 4h business", "accept_within: 8h business")) == [
        Change("clocks.accept_within", "changed", "Accept deadline: 4 business hours → 8 business hours")
    ]


def test_a_reshaped_condition_is_shown_whole() -> None:
    assert sentences_after(("engagement >= 40", "(engagement >= 40 or score >= 70)")) == [
        "MQL condition: fit ≥ 30 and engagement ≥ 40 → fit ≥ 30 and (engagement ≥ 40 or score ≥ 70)"
    ]


def test_a_new_rejection_reason_says_what_it_does() -> None:
    assert changes_after(
        ("    wrong_persona:", "    no_fit: {action: recycle, cool_off: 90d}\n    wrong_persona:")
    ) == [
        Change(
            "feedback.reasons.no_fit",
            "added",
            "Rejection reason 'no_fit' added (recycles to nurture after 90 days)",
        )
    ]


def test_a_rejection_reason_that_now_disqualifies_says_what_it_did_before() -> None:
    assert sentences_after(
        (
            "bad_timing: {label: Not buying for 6+ months, action: recycle, cool_off: 60d}",
            "bad_timing: {action: disqualify}",
        )
    ) == [
        "Rejection reason 'bad_timing' now disqualifies the lead (was: recycles to nurture after 60 days)",
        "Rejection reason 'bad_timing' label: Not buying for 6+ months → none",
    ]


def test_a_fit_rule_worth_more_points_is_named_by_what_it_matches() -> None:
    assert sentences_after(("healthcare it], points: 15", "healthcare it], points: 20")) == [
        "Fit rule 'industry in [software, fintech, healthcare it]': 15 → 20 points"
    ]


def test_a_fit_rule_matching_something_else_is_one_removed_and_one_added() -> None:
    assert sentences_after(("value: [software, fintech, healthcare it]", "value: [software, fintech]")) == [
        "Fit rule 'industry in [software, fintech, healthcare it]' removed (was +15 points)",
        "Fit rule 'industry in [software, fintech]' added (+15 points)",
    ]


def test_a_stage_made_required_and_a_new_move_are_both_explained() -> None:
    changes = changes_after(
        (
            "{id: customer, label: Customer, owner: sales, required: false",
            "{id: customer, label: Customer, owner: sales, required: true",
        ),
        ("disqualified: []", "disqualified: [lead]"),
    )
    assert changes == [
        Change("stages.customer.required", "changed", "Stage 'customer' is now required"),
        Change("transitions.disqualified", "added", "Move disqualified → lead now allowed"),
    ]


def test_removing_the_predictive_model_weight_is_a_removal() -> None:
    assert changes_after(("  predictive_weight: 0.3", "  # no model yet")) == [
        Change("scoring.predictive_weight", "removed", "Predictive model weight: 0.3 → none")
    ]


EVERY_SECTION = [
    (
        "name",
        ("name: Northwind Cloud marketing–sales SLA", "name: Northwind Cloud SLA"),
        "Name: Northwind Cloud marketing–sales SLA → Northwind Cloud SLA",
    ),
    ("version", ('version: "2025.1"', 'version: "2025.2"'), "Version label: 2025.1 → 2025.2"),
    ("teams", ("lead: Sam Okafor", "lead: Dana Kim"), "Sales signatory: Sam Okafor → Dana Kim"),
    (
        "stages",
        ("label: Sales accepted lead,", "label: Sales accepted lead (SAL),"),
        "Stage 'sal' label: Sales accepted lead → Sales accepted lead (SAL)",
    ),
    (
        "side_states",
        ("nurture: {label: Nurture, owner: marketing}", "nurture: {label: Nurture, owner: sales}"),
        "Side state 'nurture' owner: marketing → sales",
    ),
    (
        "transitions",
        ("nurture: [mql, disqualified]", "nurture: [lead, mql, disqualified]"),
        "Move nurture → lead now allowed",
    ),
    ("scoring", ("demo_request: 40", "demo_request: 50"), "Engagement points for 'demo_request': 40 → 50"),
    (
        "qualification",
        ("accepted_by: assigned_rep", "accepted_by: any_sales_rep"),
        "SAL accepted by: assigned rep → any sales rep",
    ),
    (
        "routing",
        ("fallback: team:sdr", "fallback: team:inside_sales"),
        "Routing fallback: team sdr → team inside_sales",
    ),
    (
        "clocks",
        ("timezone: America/New_York", "timezone: America/Chicago"),
        "Time zone: America/New_York → America/Chicago",
    ),
    (
        "feedback",
        ("{label: Duplicate of another lead, action", "{label: Duplicate, action"),
        "Rejection reason 'duplicate' label: Duplicate of another lead → Duplicate",
    ),
    (
        "recycling",
        ("min_time_in_nurture: 30d", "min_time_in_nurture: 45d"),
        "Least time in nurture: 30 days → 45 days",
    ),
    (
        "commitments",
        ("{target: 0.4, per: quarter}", "{target: 0.45, per: quarter}"),
        "Sales commitment, SQL-to-opportunity rate: 40%, measured per quarter → 45%, measured per quarter",
    ),
]


def test_the_cases_below_cover_every_section_of_the_contract() -> None:
    assert [section for section, _, _ in EVERY_SECTION] == list(Sla.model_fields)


@pytest.mark.parametrize(("section", "edit", "sentence"), EVERY_SECTION, ids=[s for s, _, _ in EVERY_SECTION])
def test_a_change_in_any_section_is_explained(section: str, edit: tuple[str, str], sentence: str) -> None:
    [change] = changes_after(edit)
    assert change.sentence == sentence
    assert change.path.split(".")[0] == section


def test_more_changes_in_one_section_read_one_by_one_in_file_order() -> None:
    assert sentences_after(
        ('end: "17:30"', 'end: "18:00"'),
        ("closed: [2025-12-24, 2025-12-31]", "closed: [2025-12-24]"),
        ("count: 3", "count: 4"),
        (
            "attempts: {escalate_to: team:sales_ops, reassign: false}",
            "attempts: {escalate_to: team:sales_ops, reassign: true}",
        ),
    ) == [
        "Business hours: mon–fri 09:00–17:30 → mon–fri 09:00–18:00",
        "Closed day 2025-12-31 removed",
        "Attempts: 3 within 5 business days → 4 within 5 business days",
        "Escalation when the attempts rule is missed: team sales_ops → team sales_ops, and the lead is reassigned",
    ]


def test_what_the_predictive_model_foresees_reads_in_words() -> None:
    assert sentences_after(("    within: 90d ", "    within: 60d ")) == [
        "Predictive model foresees: opportunity within 90 days of mql → opportunity within 60 days of mql"
    ]
    section = EXAMPLE[EXAMPLE.index("  predictive:") : EXAMPLE.index("\nqualification:")]
    assert sentences_after((section, "")) == []  # left out, it foresees the same: the default
