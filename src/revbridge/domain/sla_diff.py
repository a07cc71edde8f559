"""What changed between two SLA versions, in sentences both teams can read before they sign.

Not a text diff: formatting, comments and key order do not show; a changed threshold does, as
``MQL condition: engagement ≥ 40 → ≥ 50``. Every section is covered; a difference no sentence below
describes still shows as ``<section> changed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from revbridge.domain.conditions import Condition
from revbridge.domain.durations import Duration, number_text
from revbridge.domain.sla import Sla
from revbridge.domain.sla_sections import (
    Engagement,
    FitRule,
    RejectionReason,
    Stage,
    Territory,
    TouchpointPoints,
)

ChangeKind = Literal["added", "removed", "changed"]
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: where (``clocks.accept_within``), what kind, and a sentence for people."""

    path: str
    kind: ChangeKind
    sentence: str

    def __str__(self) -> str:
        return self.sentence


def explain_changes(old: Sla, new: Sla) -> list[Change]:
    """Every difference between ``old`` and ``new``, section by section, in file order."""
    changes: list[Change] = []
    before, after = old.normalised(), new.normalised()
    for section, explain in _SECTIONS.items():
        found = list(explain(old, new))
        if not found and before.get(section) != after.get(section):
            found = [Change(section, "changed", f"{section.replace('_', ' ').capitalize()} changed")]
        changes.extend(found)
    return changes


# --- helpers ------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, Duration):
        return value.describe()
    if isinstance(value, Condition):
        return value.pretty()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number_text(value)
    describe = getattr(value, "describe", None)
    return str(describe()) if callable(describe) else str(value)


def _value(path: str, label: str, old: Any, new: Any) -> Iterator[Change]:
    """``Label: old → new``, added when there was none, removed when there is none."""
    if old == new:
        return
    kind: ChangeKind = "added" if old is None else "removed" if new is None else "changed"
    yield Change(path, kind, f"{label}: {_text(old)} → {_text(new)}")


def _keyed(
    path: str,
    old: Mapping[str, V],
    new: Mapping[str, V],
    *,
    added: Callable[[str, V], str],
    removed: Callable[[str, V], str],
    changed: Callable[[str, str, V, V], Iterator[Change]],
) -> Iterator[Change]:
    for key, value in old.items():
        if key not in new:
            yield Change(f"{path}.{key}", "removed", removed(key, value))
        elif value != new[key]:
            yield from changed(f"{path}.{key}", key, value, new[key])
    for key, value in new.items():
        if key not in old:
            yield Change(f"{path}.{key}", "added", added(key, value))


def _condition(path: str, label: str, old: Condition | None, new: Condition | None) -> Iterator[Change]:
    """Thresholds alone when only they moved (``engagement ≥ 40 → ≥ 50``), else the whole condition."""
    if old is None or new is None or not old.same_shape(new):
        yield from _value(path, label, old, new)
        return
    for a, b in zip(old.comparisons(), new.comparisons(), strict=True):
        if a != b:
            before = a.render(pretty=True)
            after = b.render(pretty=True).removeprefix(f"{b.name} ")
            yield Change(path, "changed", f"{label}: {before} → {after}")


# --- the sections -------------------------------------------------------------------------------------


def _name(old: Sla, new: Sla) -> Iterator[Change]:
    yield from _value("name", "Name", old.name, new.name)


def _version(old: Sla, new: Sla) -> Iterator[Change]:
    yield from _value("version", "Version label", old.version, new.version)


def _teams(old: Sla, new: Sla) -> Iterator[Change]:
    for team in ("marketing", "sales"):
        a, b = getattr(old.teams, team).lead, getattr(new.teams, team).lead
        yield from _value(f"teams.{team}.lead", f"{team.capitalize()} signatory", a, b)


def _stages(old: Sla, new: Sla) -> Iterator[Change]:
    before = {s.id: s for s in old.stages}
    after = {s.id: s for s in new.stages}
    yield from _keyed(
        "stages",
        before,
        after,
        added=lambda k, s: f"Stage '{k}' added ({_stage_facts(s)})",
        removed=lambda k, s: f"Stage '{k}' removed",
        changed=_stage_changed,
    )
    common_old = [s for s in old.stage_order if s in after]
    common_new = [s for s in new.stage_order if s in before]
    if common_old != common_new:
        yield Change(
            "stages",
            "changed",
            f"Stage order: {' → '.join(old.stage_order)} becomes {' → '.join(new.stage_order)}",
        )


def _stage_facts(stage: Stage) -> str:
    return f"{stage.label}, owned by {stage.owner}, {'required' if stage.required else 'optional'}"


def _stage_changed(path: str, key: str, a: Stage, b: Stage) -> Iterator[Change]:
    yield from _value(f"{path}.label", f"Stage '{key}' label", a.label, b.label)
    yield from _value(f"{path}.owner", f"Stage '{key}' owner", a.owner, b.owner)
    if a.required != b.required:
        now = "now required" if b.required else "no longer required: leads may skip it"
        yield Change(f"{path}.required", "changed", f"Stage '{key}' is {now}")
    yield from _value(f"{path}.hubspot", f"Stage '{key}' HubSpot lifecycle value", a.hubspot, b.hubspot)


def _side_states(old: Sla, new: Sla) -> Iterator[Change]:
    for state in ("nurture", "disqualified"):
        a, b = getattr(old.side_states, state), getattr(new.side_states, state)
        yield from _value(f"side_states.{state}.label", f"Side state '{state}' label", a.label, b.label)
        yield from _value(f"side_states.{state}.owner", f"Side state '{state}' owner", a.owner, b.owner)


def _transitions(old: Sla, new: Sla) -> Iterator[Change]:
    before, after = old.transition_map(), new.transition_map()
    for source in dict.fromkeys([*before, *after]):
        a, b = before.get(source, ()), after.get(source, ())
        for target in a:
            if target not in b:
                yield Change(f"transitions.{source}", "removed", f"Move {source} → {target} no longer allowed")
        for target in b:
            if target not in a:
                yield Change(f"transitions.{source}", "added", f"Move {source} → {target} now allowed")


def _scoring(old: Sla, new: Sla) -> Iterator[Change]:
    yield from _keyed(
        "scoring.fit",
        _fit_rules(old.scoring.fit),
        _fit_rules(new.scoring.fit),
        added=lambda k, r: f"Fit rule '{r.describe()}' added ({r.points:+d} points)",
        removed=lambda k, r: f"Fit rule '{r.describe()}' removed (was {r.points:+d} points)",
        changed=lambda p, k, a, b: iter(
            [Change(p, "changed", f"Fit rule '{a.describe()}': {a.points} → {b.points} points")]
        ),
    )
    yield from _engagement(old.scoring.engagement, new.scoring.engagement)
    yield from _value(
        "scoring.predictive_weight",
        "Predictive model weight",
        old.scoring.predictive_weight,
        new.scoring.predictive_weight,
    )
    yield from _value("scoring.predictive", "Predictive model foresees", _label(old), _label(new))


def _label(sla: Sla) -> str:
    label = sla.scoring.label
    return f"{label.outcome} within {_text(label.within)} of {label.scored}"


def _fit_rules(rules: list[FitRule]) -> dict[str, FitRule]:
    keyed: dict[str, FitRule] = {}
    for rule in rules:
        key = rule.describe()
        while key in keyed:
            key += " (again)"
        keyed[key] = rule
    return keyed


def _engagement(old: Engagement | None, new: Engagement | None) -> Iterator[Change]:
    path = "scoring.engagement"
    if old is None or new is None:
        if old != new:
            kind: ChangeKind = "added" if old is None else "removed"
            yield Change(path, kind, f"Engagement scoring {kind}")
        return
    yield from _value(f"{path}.half_life", "Engagement half-life", old.half_life, new.half_life)
    yield from _keyed(
        f"{path}.touchpoints",
        old.touchpoints,
        new.touchpoints,
        added=lambda k, t: f"Engagement points for '{k}' added: {_touchpoint(t)}",
        removed=lambda k, t: f"Engagement points for '{k}' removed (was {_touchpoint(t)})",
        changed=_touchpoint_changed,
    )
    a, b = old.competitors, new.competitors
    for domain in a.domains if a else []:
        if b is None or domain not in b.domains:
            yield Change(f"{path}.competitors", "removed", f"Competitor domain '{domain}' removed")
    for domain in b.domains if b else []:
        if a is None or domain not in a.domains:
            yield Change(f"{path}.competitors", "added", f"Competitor domain '{domain}' added")
    yield from _value(
        f"{path}.competitors.points",
        "Competitor penalty (points)",
        a.points if a else None,
        b.points if b else None,
    )


def _touchpoint(t: TouchpointPoints) -> str:
    return f"{t.points:+d} points" + (f", capped at {t.cap.describe()}" if t.cap else "")


def _touchpoint_changed(path: str, key: str, a: TouchpointPoints, b: TouchpointPoints) -> Iterator[Change]:
    yield from _value(f"{path}.points", f"Engagement points for '{key}'", a.points, b.points)
    yield from _value(f"{path}.cap", f"Engagement cap for '{key}'", a.cap, b.cap)


def _qualification(old: Sla, new: Sla) -> Iterator[Change]:
    a, b = old.qualification, new.qualification
    yield from _condition("qualification.mql", "MQL condition", a.mql, b.mql)
    yield from _value(
        "qualification.sal.accepted_by",
        "SAL accepted by",
        a.sal.accepted_by.replace("_", " "),
        b.sal.accepted_by.replace("_", " "),
    )
    yield from _condition("qualification.sql.when", "SQL condition", a.sql.when, b.sql.when)
    yield from _value(
        "qualification.sql.requires_activity",
        "SQL required activity",
        a.sql.requires_activity,
        b.sql.requires_activity,
    )


def _routing(old: Sla, new: Sla) -> Iterator[Change]:
    a, b = old.routing, new.routing
    yield from _value(
        "routing.strategy", "Routing strategy", a.strategy.replace("_", " "), b.strategy.replace("_", " ")
    )
    yield from _keyed(
        "routing.territories",
        {t.name: t for t in a.territories},
        {t.name: t for t in b.territories},
        added=lambda k, t: f"Territory '{k}' added ({_territory(t)})",
        removed=lambda k, t: f"Territory '{k}' removed (was {_territory(t)})",
        changed=_territory_changed,
    )
    yield from _value("routing.capacity", "Capacity", a.capacity, b.capacity)
    yield from _value("routing.fallback", "Routing fallback", a.fallback, b.fallback)


def _territory(t: Territory) -> str:
    return f"{t.match.describe()} → {t.assign_to.describe()}"


def _territory_changed(path: str, key: str, a: Territory, b: Territory) -> Iterator[Change]:
    yield from _value(f"{path}.match", f"Territory '{key}' matches", a.match, b.match)
    yield from _value(f"{path}.assign_to", f"Territory '{key}' goes to", a.assign_to, b.assign_to)


def _clocks(old: Sla, new: Sla) -> Iterator[Change]:
    a, b = old.clocks, new.clocks
    yield from _value("clocks.timezone", "Time zone", a.timezone, b.timezone)
    yield from _value("clocks.business_hours", "Business hours", a.business_hours, b.business_hours)
    calendar_a = a.holidays.describe() if a.holidays else None
    calendar_b = b.holidays.describe() if b.holidays else None
    yield from _value("clocks.holidays", "Holiday calendar", calendar_a, calendar_b)
    closed_a = a.holidays.closed if a.holidays else []
    closed_b = b.holidays.closed if b.holidays else []
    for day in closed_a:
        if day not in closed_b:
            yield Change("clocks.holidays.closed", "removed", f"Closed day {day.isoformat()} removed")
    for day in closed_b:
        if day not in closed_a:
            yield Change("clocks.holidays.closed", "added", f"Closed day {day.isoformat()} added")
    yield from _value("clocks.accept_within", "Accept deadline", a.accept_within, b.accept_within)
    yield from _value("clocks.first_touch_within", "First-touch deadline", a.first_touch_within, b.first_touch_within)
    yield from _value("clocks.attempts", "Attempts", a.attempts, b.attempts)
    for deadline, words in _DEADLINE_WORDS.items():
        yield from _value(
            f"clocks.escalations.{deadline}",
            f"Escalation when {words} is missed",
            getattr(a.escalations, deadline),
            getattr(b.escalations, deadline),
        )


_DEADLINE_WORDS = {
    "accept_within": "the accept deadline",
    "first_touch_within": "the first-touch deadline",
    "attempts": "the attempts rule",
}


def _feedback(old: Sla, new: Sla) -> Iterator[Change]:
    yield from _keyed(
        "feedback.reasons",
        old.feedback.reasons,
        new.feedback.reasons,
        added=lambda k, r: f"Rejection reason '{k}' added ({r.consequence()})",
        removed=lambda k, r: f"Rejection reason '{k}' removed",
        changed=_reason_changed,
    )


def _reason_changed(path: str, key: str, a: RejectionReason, b: RejectionReason) -> Iterator[Change]:
    if a.consequence() != b.consequence():
        yield Change(path, "changed", f"Rejection reason '{key}' now {b.consequence()} (was: {a.consequence()})")
    yield from _value(f"{path}.label", f"Rejection reason '{key}' label", a.label, b.label)


def _recycling(old: Sla, new: Sla) -> Iterator[Change]:
    a, b = old.recycling, new.recycling
    yield from _condition("recycling.reenter_when", "Re-entry condition", a.reenter_when, b.reenter_when)
    yield from _value("recycling.max_loops", "Most trips through nurture", a.max_loops, b.max_loops)
    yield from _value(
        "recycling.min_time_in_nurture", "Least time in nurture", a.min_time_in_nurture, b.min_time_in_nurture
    )


_COMMITMENT_WORDS = {
    "mql_volume": "MQL volume",
    "sal_acceptance_rate": "SAL acceptance rate",
    "acceptance_speed": "acceptance speed",
    "follow_up_compliance": "follow-up compliance",
    "sql_to_opportunity_rate": "SQL-to-opportunity rate",
}


def _commitments(old: Sla, new: Sla) -> Iterator[Change]:
    for team in ("marketing", "sales"):
        a, b = getattr(old.commitments, team), getattr(new.commitments, team)
        for name in type(a).model_fields:
            yield from _value(
                f"commitments.{team}.{name}",
                f"{team.capitalize()} commitment, {_COMMITMENT_WORDS[name]}",
                getattr(a, name),
                getattr(b, name),
            )


_SECTIONS: dict[str, Callable[[Sla, Sla], Iterator[Change]]] = {
    "name": _name,
    "version": _version,
    "teams": _teams,
    "stages": _stages,
    "side_states": _side_states,
    "transitions": _transitions,
    "scoring": _scoring,
    "qualification": _qualification,
    "routing": _routing,
    "clocks": _clocks,
    "feedback": _feedback,
    "recycling": _recycling,
    "commitments": _commitments,
}
