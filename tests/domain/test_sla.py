from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from revbridge.domain.errors import FieldError, SlaInvalid
from revbridge.domain.sla import (
    Sla,
    Stage,
    UnknownRejectionReason,
    UnknownStage,
    default_stages,
    default_transitions,
    load_sla,
)

EXAMPLE = files("revbridge.examples").joinpath("sla.yaml").read_text(encoding="utf-8")
REPO = Path(__file__).resolve().parents[2]

MINIMAL = """\
name: Minimal SLA
scoring:
  fit:
    - {field: industry, op: equals, value: software, points: 20}
  engagement:
    half_life: 14d
    touchpoints: {demo_request: 40}
qualification:
  mql: fit >= 20 and engagement >= 30
  sql: {requires_activity: meeting_held}
clocks:
  timezone: Europe/Berlin
  business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
  accept_within: 4h business
  escalations:
    accept_within: {escalate_to: role:sales_manager}
feedback:
  reasons:
    no_budget: {action: recycle, cool_off: 90d}
recycling:
  reenter_when: engagement >= 50
"""


def line_of(text: str, fragment: str) -> int:
    """The 1-based line where ``fragment`` first appears."""
    return text[: text.index(fragment)].count("\n") + 1


def errors_of(text: str) -> list[FieldError]:
    with pytest.raises(SlaInvalid) as raised:
        load_sla(text, source="sla.yaml")
    return raised.value.errors


def messages(text: str) -> dict[str, str]:
    return {e.path: e.message for e in errors_of(text)}


def edited(text: str, **changes: Any) -> str:
    """The YAML with top-level sections replaced (``None`` removes one)."""
    data = yaml.safe_load(text)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --- the example --------------------------------------------------------------------------------------


def test_the_example_sla_is_valid() -> None:
    sla = load_sla(EXAMPLE)
    assert sla.name == "Northwind Cloud marketing–sales SLA"
    assert sla.stage_order == ("subscriber", "lead", "mql", "sal", "sql", "opportunity", "customer")
    assert sla.required_stages == ("mql", "sal", "sql", "opportunity")
    assert str(sla.qualification.mql) == "fit >= 30 and engagement >= 40"
    assert sla.clocks.accept_within.describe() == "4 business hours"


def test_the_repository_example_is_the_package_default() -> None:
    link = REPO / "examples" / "sla.yaml"
    assert link.is_symlink()
    assert link.read_text(encoding="utf-8") == EXAMPLE


def test_three_mistakes_are_reported_together_with_their_paths_and_lines() -> None:
    text = (
        EXAMPLE.replace("accept_within: 4h business", "accept_within: 4 hours")
        .replace("mql: fit >= 30 and engagement >= 40", "mql: fit >= 30 and engagment >= 40")
        .replace("action: recycle, cool_off: 90d}", "action: recycle, cool_of: 90d}")
    )
    assert errors_of(text) == [
        FieldError(
            "qualification.mql",
            "unknown score 'engagment' at column 15; did you mean 'engagement'? "
            "expected fit, engagement, score or p_convert",
            line_of(text, "mql: fit >= 30"),
        ),
        FieldError(
            "clocks.accept_within",
            "expected a duration like '4h business', '30m', '2d business' or '1w', got '4 hours'",
            line_of(text, "accept_within: 4 hours"),
        ),
        FieldError(
            "feedback.reasons.no_budget.cool_of",
            "unknown key 'cool_of' (did you mean 'cool_off'?); expected one of: label, action, cool_off",
            line_of(text, "no_budget:"),
        ),
    ]


def test_the_error_message_names_the_source_and_counts_the_errors() -> None:
    with pytest.raises(SlaInvalid) as raised:
        load_sla(EXAMPLE.replace("accept_within: 4h business", "accept_within: soon"), source="sla.yaml")
    line = line_of(EXAMPLE, "accept_within: 4h business")
    assert str(raised.value) == (
        "sla.yaml has 1 error(s):\n"
        f"  clocks.accept_within (line {line}): expected a duration like '4h business', '30m', "
        "'2d business' or '1w', got 'soon'"
    )


# --- the document -------------------------------------------------------------------------------------


def test_a_yaml_syntax_error_is_reported_with_its_line() -> None:
    [error] = errors_of("name: x\nstages: [a, b\nclocks: {}\n")
    assert error.path == "(document)"
    assert error.line == 3
    assert error.message.startswith("not valid YAML: while parsing a flow sequence")


def test_a_character_yaml_forbids_is_an_error_of_the_document() -> None:
    [error] = errors_of("\x1fname: x\n")
    assert error.path == "(document)"
    assert error.message.startswith("not valid YAML: unacceptable character #x001f")


def test_an_empty_file_says_where_to_start() -> None:
    assert errors_of("# nothing yet\n") == [
        FieldError("(document)", "the file is empty; start from examples/sla.yaml", 1)
    ]


def test_a_key_written_twice_is_an_error_rather_than_silently_overwritten() -> None:
    text = MINIMAL.replace("name: Minimal SLA\n", "name: Minimal SLA\nname: Other\n")
    assert errors_of(text) == [
        FieldError("name", "key written twice (first at line 1); YAML keeps only the last, so remove one", 2)
    ]


def test_an_unknown_section_suggests_the_likely_one() -> None:
    text = MINIMAL.replace("recycling:", "recyling:")
    assert messages(text) == {
        "recycling": "missing; this key is required",
        "recyling": "unknown key 'recyling' (did you mean 'recycling'?); expected one of: name, version, "
        "teams, stages, side_states, transitions, scoring, qualification, routing, clocks, feedback, "
        "recycling, commitments",
    }


def test_a_missing_required_value_says_what_to_write() -> None:
    text = MINIMAL.replace("  accept_within: 4h business\n", "")
    assert messages(text) == {
        "clocks.accept_within": "missing; expected a duration like '4h business'",
    }


def test_yaml_11_surprises_are_read_as_people_mean_them() -> None:
    text = MINIMAL.replace('end: "17:00"', "end: 17:30") + (
        "routing:\n  strategy: territory\n  territories:\n"
        "    - {name: Nordics, match: {country: [NO, SE]}, assign_to: team:nordics}\n"
    )
    sla = load_sla(text)
    assert sla.clocks.business_hours.describe() == "mon–fri 09:00–17:30"
    assert sla.routing.territories[0].match.country == ["NO", "SE"]


# --- stages and transitions ---------------------------------------------------------------------------


def test_without_stages_the_default_funnel_maps_onto_hubspot() -> None:
    sla = load_sla(MINIMAL)
    assert sla.stage_order == ("subscriber", "lead", "mql", "sal", "sql", "opportunity", "customer")
    assert [s.hubspot for s in sla.stages] == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        None,
        "salesqualifiedlead",
        "opportunity",
        "customer",
    ]
    assert [sla.owner_of(s) for s in ("mql", "sal", "nurture")] == ["marketing", "sales", "marketing"]
    assert sla.stage("sal").label == "Sales accepted lead"


def test_the_default_path_goes_forward_one_required_stage_at_a_time() -> None:
    sla = load_sla(MINIMAL)
    assert sla.transitions_from("subscriber") == ("lead", "mql", "nurture", "disqualified")
    assert sla.allowed("mql", "sal")
    assert not sla.allowed("mql", "sql")
    assert sla.allowed("nurture", "mql")
    assert sla.transitions_from("customer") == ()
    assert sla.transitions_from("disqualified") == ()


def test_asking_about_an_unknown_stage_names_the_known_ones() -> None:
    sla = load_sla(MINIMAL)
    with pytest.raises(UnknownStage) as raised:
        sla.allowed("prospect", "mql")
    assert str(raised.value) == (
        "stage 'prospect' is not in the SLA; its stages are: subscriber, lead, mql, sal, sql, opportunity, "
        "customer, nurture, disqualified"
    )


def test_transitions_must_name_known_stages_and_may_not_skip_a_required_one() -> None:
    text = edited(
        MINIMAL,
        stages=[
            {"id": "lead", "owner": "marketing"},
            {"id": "mql", "owner": "marketing", "required": True},
            {"id": "sal", "owner": "sales", "required": True},
        ],
        transitions={"lead": ["mql", "sal"], "mql": ["sal", "mql", "won"], "limbo": ["lead"]},
    )
    assert messages(text) == {
        "transitions.lead[1]": "lead → sal skips the required stage mql; a lead may not skip a required stage",
        "transitions.mql[1]": "mql cannot move to itself",
        "transitions.mql[2]": "unknown stage 'won'; expected one of: lead, mql, sal, nurture, disqualified",
        "transitions.limbo": "unknown stage 'limbo'; expected one of: lead, mql, sal, nurture, disqualified",
    }


def test_stage_ids_are_unique_and_owned_by_a_known_team() -> None:
    text = edited(
        MINIMAL,
        stages=[
            {"id": "lead", "owner": "marketing"},
            {"id": "lead", "owner": "sales"},
            {"id": "mql", "owner": "revops"},
            {"id": "nurture", "owner": "marketing"},
        ],
    )
    assert messages(text) == {
        "stages[2].owner": "expected 'marketing' or 'sales', got 'revops'",
    }
    text = edited(
        MINIMAL,
        stages=[
            {"id": "lead", "owner": "marketing"},
            {"id": "lead", "owner": "sales"},
            {"id": "nurture", "owner": "marketing"},
        ],
    )
    assert messages(text) == {
        "stages[1].id": "stage 'lead' is declared twice (first at stages[0])",
        "stages[2].id": "'nurture' is a side state; configure it under side_states",
    }


@given(st.lists(st.booleans(), min_size=1, max_size=8))
def test_no_default_transition_skips_a_required_stage(required: list[bool]) -> None:
    stages = [Stage(id=f"s{i}", label=f"S{i}", owner="marketing", required=r) for i, r in enumerate(required)]
    order = [s.id for s in stages]
    for source, targets in default_transitions(stages).items():
        for target in targets:
            if source in order and target in order and order.index(target) > order.index(source):
                skipped = stages[order.index(source) + 1 : order.index(target)]
                assert not any(s.required for s in skipped)


# --- scoring and qualification ------------------------------------------------------------------------


def test_each_fit_rule_is_checked_against_its_operator() -> None:
    fit = [
        {"field": "industry", "op": "in", "value": "software", "points": 5},
        {"field": "employees", "op": "between", "value": [500, 50], "points": 5},
        {"field": "industry", "op": "contains", "value": "soft", "points": 5},
        {"field": "job_title", "op": "regex", "value": "(vp|head", "points": 5},
        {"field": "phone", "op": "exists", "value": True, "points": 5},
        {"field": "employes", "op": "gte", "value": 10, "points": 5},
        {"field": "account.employees", "op": "gte", "value": "many", "points": 5},
    ]
    text = edited(MINIMAL, scoring={"fit": fit, "engagement": {"half_life": "14d", "touchpoints": {"demo": 1}}})
    assert messages(text) == {
        "scoring.fit[0].value": "in needs a list of values, like [software, fintech], got 'software'",
        "scoring.fit[1].value": "between needs low <= high, got [500, 50]",
        "scoring.fit[2].op": "expected 'equals', 'in', 'between', 'regex', 'exists', 'gte' or 'lte', got 'contains'",
        "scoring.fit[3].value": "not a valid regular expression: missing ), unterminated subpattern at position 0",
        "scoring.fit[4].value": "exists takes no value; remove 'value'",
        "scoring.fit[5].field": "unknown field 'employes'; expected a lead field (email, first_name, "
        "last_name, company, job_title, industry, country, region, city, employees, annual_revenue, phone, "
        "lead_source, campaign, status), account.<name|domain|industry|country|region|employees|"
        "annual_revenue>, or properties.<name> for a custom property",
        "scoring.fit[6].value": "gte needs a number, like 1000000, got 'many'",
    }


def test_engagement_caps_windows_and_decay_are_checked() -> None:
    engagement = {
        "half_life": "14d business",
        "touchpoints": {
            "page_view": {"points": 1, "cap": "10 a week"},
            "unsubscribe": {"points": -20, "cap": "5 per 7d"},
        },
        "competitors": {"domains": ["rival.com"], "points": 50},
    }
    text = edited(MINIMAL, scoring={"engagement": engagement, "predictive_weight": 1.5})
    assert messages(text) == {
        "scoring.engagement.half_life": "expected calendar time like '14d', not business time",
        "scoring.engagement.touchpoints.page_view.cap": "expected a cap like '30 per 7d' "
        "(points per window), got '10 a week'",
        "scoring.engagement.touchpoints.unsubscribe.cap": "a cap limits points gained; remove it from negative points",
        "scoring.engagement.competitors.points": "expected less than 0, got 50",
        "scoring.predictive_weight": "expected a rate from 0 to 1 (0.7 means 70%), got 1.5",
    }


def test_a_condition_may_only_name_scores_the_sla_defines() -> None:
    text = edited(
        MINIMAL,
        scoring={"fit": [{"field": "phone", "op": "exists", "points": 5}]},
        qualification={"mql": "fit >= 5 and p_convert >= 0.4", "sql": {"when": "engagement > 10"}},
    )
    assert messages(text) == {
        "qualification.mql": "names p_convert, but scoring.predictive_weight is not set; "
        "declare it or change the condition",
        "qualification.sql.when": "names engagement, but scoring.engagement is not declared; declare it or "
        "change the condition",
        "recycling.reenter_when": "names engagement, but scoring.engagement is not declared; declare it or "
        "change the condition",
    }


def test_sql_criteria_must_say_something() -> None:
    text = edited(MINIMAL, qualification={"mql": "fit >= 1", "sql": {}})
    assert messages(text) == {
        "qualification.sql": "say what makes an SQL: a condition (when), a required activity, or both"
    }


# --- routing, clocks, feedback, commitments -----------------------------------------------------------


def test_routing_rules_must_fit_the_strategy() -> None:
    text = edited(MINIMAL, routing={"strategy": "territory", "fallback": "role:manager"})
    assert messages(text) == {
        "routing.territories": "strategy territory needs at least one territory",
        "routing.fallback": "leads go to a team or a person, like 'team:sales', not a role (role:manager)",
    }
    territory = {
        "name": "EU",
        "match": {"country": ["de"], "employees": {"min": 500, "max": 50}},
        "assign_to": "x",
    }
    text = edited(MINIMAL, routing={"strategy": "round_robin", "territories": [territory]})
    assert messages(text) == {
        "routing.territories[0].match.country[0]": "expected a two-letter country code like 'US' or 'DE', got 'de'",
        "routing.territories[0].match.employees.max": "max 50 is below min 500",
        "routing.territories[0].assign_to": "expected who, like 'role:sales_manager', 'team:sales' or "
        "'person:ana@example.com', got 'x'",
    }


def test_clocks_check_zone_hours_holidays_and_escalations() -> None:
    clocks = {
        "timezone": "Europe/Berlinn",
        "business_hours": {"days": ["mon", "mon", "fun"], "start": "18:00", "end": "9:00"},
        "holidays": {"country": "XX"},
        "accept_within": "4h business",
        "attempts": {"count": 0, "within": "5d business"},
        "escalations": {"accept_within": {"escalate_to": "role:sales_manager"}},
    }
    assert messages(edited(MINIMAL, clocks=clocks)) == {
        "clocks.timezone": "unknown time zone 'Europe/Berlinn'; expected an IANA name like 'Europe/Berlin' "
        "or 'America/New_York'",
        "clocks.business_hours.days[2]": "expected 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun', got 'fun'",
        "clocks.business_hours.end": "expected an end after start (18:00), got 09:00",
        "clocks.holidays.country": "no holiday calendar for 'XX'; expected an ISO code like 'US', 'GB', 'DE'",
        "clocks.attempts.count": "expected greater than or equal to 1, got 0",
    }


def test_a_holiday_subdivision_must_exist_in_its_country() -> None:
    clocks = yaml.safe_load(MINIMAL)["clocks"] | {"holidays": {"country": "DE", "subdivision": "ZZ"}}
    message = messages(edited(MINIMAL, clocks=clocks))["clocks.holidays.subdivision"]
    assert message.startswith("'ZZ' is not a subdivision of DE; expected one of: BB, BE, BW, BY,")


def test_every_deadline_needs_an_escalation() -> None:
    clocks = yaml.safe_load(MINIMAL)["clocks"] | {"first_touch_within": "1h business"}
    assert messages(edited(MINIMAL, clocks=clocks)) == {
        "clocks.escalations": "add first_touch_within: {escalate_to: ...} saying who hears of a missed deadline"
    }


def test_feedback_needs_at_least_one_reason_and_cool_off_only_for_recycling() -> None:
    assert messages(edited(MINIMAL, feedback={"reasons": {}})) == {
        "feedback.reasons": "expected at least 1 item(s), got 0"
    }
    reasons = {"spam": {"action": "disqualify", "cool_off": "30d"}, "Bad Fit": {"action": "recycle"}}
    assert messages(edited(MINIMAL, feedback={"reasons": reasons})) == {
        "feedback.reasons.spam.cool_off": "cool_off applies only to action: recycle; "
        "a disqualified lead does not come back",
        "feedback.reasons.Bad Fit": "expected a lower-case name like 'no_budget' "
        "(letters, digits and _), got 'Bad Fit'",
    }


def test_commitment_targets_are_rates_or_positive_volumes() -> None:
    commitments = {
        "marketing": {"mql_volume": {"target": 0, "per": "month"}, "sal_acceptance_rate": {"target": 70}},
        "sales": {
            "acceptance_speed": {"target": "90%"},
            "follow_up_compliance": {"target": 0.9, "per": "day"},
        },
    }
    assert messages(edited(MINIMAL, commitments=commitments)) == {
        "commitments.marketing.mql_volume.target": "expected greater than 0, got 0",
        "commitments.marketing.sal_acceptance_rate.target": "expected a rate from 0 to 1 (0.7 means 70%), got 70",
        "commitments.sales.follow_up_compliance.per": "expected 'week', 'month' or 'quarter', got 'day'",
    }
    sla = load_sla(edited(MINIMAL, commitments={"sales": {"acceptance_speed": {"target": "90%"}}}))
    assert sla.commitments.sales.acceptance_speed is not None
    assert sla.commitments.sales.acceptance_speed.target == 0.9


# --- the contract's helpers ---------------------------------------------------------------------------


def test_a_rejection_reason_is_found_by_name_or_the_known_ones_are_listed() -> None:
    sla = load_sla(EXAMPLE)
    assert sla.rejection_reason("no_budget").consequence() == "recycles to nurture after 90 days"
    assert sla.rejection_reason("competitor").consequence() == "disqualifies the lead"
    with pytest.raises(UnknownRejectionReason) as raised:
        sla.rejection_reason("too_small")
    assert str(raised.value) == (
        "'too_small' is not a rejection reason in the SLA; use one of: no_budget, bad_timing, "
        "not_decision_maker, wrong_persona, competitor, student_or_job_seeker, duplicate"
    )


def test_the_checksum_ignores_comments_layout_and_key_order_but_not_content() -> None:
    sla = load_sla(EXAMPLE)
    relaid = yaml.safe_dump(yaml.safe_load(EXAMPLE), sort_keys=True, allow_unicode=True)
    assert load_sla(relaid).checksum() == sla.checksum()
    assert len(sla.checksum()) == 64
    changed = EXAMPLE.replace("engagement >= 40", "engagement >= 41")
    assert load_sla(changed).checksum() != sla.checksum()


def test_spelling_out_the_default_path_does_not_change_the_checksum() -> None:
    implicit = load_sla(MINIMAL)
    transitions = {k: list(v) for k, v in implicit.transition_map().items()}
    explicit = load_sla(edited(MINIMAL, transitions=transitions, stages=[s.model_dump() for s in default_stages()]))
    assert explicit.checksum() == implicit.checksum()


def test_a_contract_built_in_code_is_checked_like_a_file() -> None:
    data = yaml.safe_load(MINIMAL) | {"transitions": {"lead": ["sql"]}}
    with pytest.raises(ValidationError, match="lead → sql skips the required stage mql, sal"):
        Sla.model_validate(data)
