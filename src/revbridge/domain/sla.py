"""The marketing–sales SLA: the contract both teams sign, as a validated model of its YAML file.

``load_sla(text)`` reads the file and returns an ``Sla``, or raises ``SlaInvalid`` listing every problem
at once, each with its path in the file and its line (``clocks.accept_within (line 88): expected a
duration like '4h business'``). Every mapping refuses unknown keys: a typo is an error, never ignored.
Pure: no I/O and no clock. The sections, in file order: ``name``, ``version``, ``teams``, ``stages``,
``side_states``, ``transitions``, ``scoring``, ``qualification``, ``routing``, ``clocks``, ``feedback``,
``recycling``, ``commitments``; ``examples/sla.yaml`` explains each.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import ErrorDetails

from revbridge.domain.durations import number_text
from revbridge.domain.errors import FieldError, InvalidInput, SlaInvalid
from revbridge.domain.sla_sections import (
    Clocks,
    Commitments,
    Feedback,
    FitRule,
    Part,
    Qualification,
    Recycling,
    RejectionReason,
    Routing,
    Scoring,
    SideState,
    SideStates,
    Stage,
    TeamName,
    Teams,
    default_stages,
)
from revbridge.domain.stages import DISQUALIFIED, NURTURE, SIDE_STATES
from revbridge.domain.validation_messages import describe_error
from revbridge.domain.yaml_source import Loc, YamlSource, path_text

__all__ = [
    "Clocks",
    "Commitments",
    "Feedback",
    "FitRule",
    "Qualification",
    "Recycling",
    "RejectionReason",
    "Routing",
    "Scoring",
    "SideState",
    "SideStates",
    "Sla",
    "Stage",
    "TeamName",
    "Teams",
    "UnknownRejectionReason",
    "UnknownStage",
    "default_stages",
    "default_transitions",
    "load_sla",
]

# --- the contract -------------------------------------------------------------------------------------


class UnknownStage(InvalidInput):
    def __init__(self, stage: str, known: Iterable[str]) -> None:
        self.stage = stage
        super().__init__(f"stage {stage!r} is not in the SLA; its stages are: {', '.join(known)}")


class UnknownRejectionReason(InvalidInput):
    def __init__(self, reason: str, known: Iterable[str]) -> None:
        self.reason = reason
        super().__init__(f"{reason!r} is not a rejection reason in the SLA; use one of: {', '.join(known)}")


def _version_label(value: Any) -> Any:
    return number_text(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class Sla(Part):
    """The whole contract. Build it with ``load_sla``; constructing it directly checks it the same way."""

    name: str = Field(min_length=1)
    version: Annotated[str | None, BeforeValidator(_version_label)] = None  # a label, e.g. "2025.1"
    teams: Teams = Teams()
    stages: list[Stage] = Field(default_factory=default_stages, min_length=1)
    side_states: SideStates = SideStates()
    transitions: dict[str, list[str]] | None = None  # None: the default path (see default_transitions)
    scoring: Scoring
    qualification: Qualification
    routing: Routing = Routing()
    clocks: Clocks
    feedback: Feedback
    recycling: Recycling
    commitments: Commitments = Commitments()

    @model_validator(mode="after")
    def _consistent(self) -> Sla:
        problems = [f"{path_text(loc)}: {msg}" for loc, msg in _cross_problems(self.__dict__)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def stage_order(self) -> tuple[str, ...]:
        """The funnel stages in order; side states are not in it."""
        return tuple(s.id for s in self.stages)

    @property
    def required_stages(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages if s.required)

    @property
    def all_states(self) -> tuple[str, ...]:
        return (*self.stage_order, *SIDE_STATES)

    def owner_of(self, stage: str) -> TeamName:
        if stage in SIDE_STATES:
            side: SideState = getattr(self.side_states, stage)
            return side.owner
        return self.stage(stage).owner

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise UnknownStage(stage_id, self.all_states)

    def label_of(self, stage: str) -> str:
        if stage in SIDE_STATES:
            side: SideState = getattr(self.side_states, stage)
            return side.label
        return self.stage(stage).label

    def transition_map(self) -> dict[str, tuple[str, ...]]:
        """Every allowed move, from each state: the file's ``transitions`` or the default path."""
        if self.transitions is None:
            return default_transitions(self.stages)
        return {source: tuple(targets) for source, targets in self.transitions.items()}

    def transitions_from(self, stage: str) -> tuple[str, ...]:
        if stage not in self.all_states:
            raise UnknownStage(stage, self.all_states)
        return self.transition_map().get(stage, ())

    def allowed(self, from_stage: str, to_stage: str) -> bool:
        return to_stage in self.transitions_from(from_stage)

    def rejection_reason(self, name: str) -> RejectionReason:
        try:
            return self.feedback.reasons[name]
        except KeyError:
            raise UnknownRejectionReason(name, self.feedback.reasons) from None

    def normalised(self) -> dict[str, Any]:
        """The content as plain JSON values, defaults filled in: equal contracts give equal dicts."""
        data = self.model_dump(mode="json")
        data["transitions"] = {k: list(v) for k, v in self.transition_map().items()}
        return data

    def checksum(self) -> str:
        """SHA-256 of the normalised content: formatting, comments and key order do not change it."""
        canonical = json.dumps(self.normalised(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def default_transitions(stages: list[Stage]) -> dict[str, tuple[str, ...]]:
    """Forward to each next stage up to the first required one; any open stage to nurture or
    disqualified; nurture back to marketing's stages (or out); disqualified nowhere."""
    order = [s.id for s in stages]
    moves: dict[str, tuple[str, ...]] = {}
    for i, stage in enumerate(stages):
        ahead: list[str] = []
        for later in stages[i + 1 :]:
            ahead.append(later.id)
            if later.required:
                break
        moves[stage.id] = (*ahead, NURTURE, DISQUALIFIED) if ahead else ()
    back = tuple(s.id for s in stages[1:] if s.owner == "marketing") or tuple(order[:1])
    moves[NURTURE] = (*back, DISQUALIFIED)
    moves[DISQUALIFIED] = ()
    return moves


# --- checks across sections ---------------------------------------------------------------------------

Problem = tuple[Loc, str]


def _stage_problems(stages: list[Stage]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for i, stage in enumerate(stages):
        if stage.id in SIDE_STATES:
            yield ("stages", i, "id"), f"{stage.id!r} is a side state; configure it under side_states"
        elif stage.id in first:
            yield (
                ("stages", i, "id"),
                f"stage {stage.id!r} is declared twice (first at stages[{first[stage.id]}])",
            )
        first.setdefault(stage.id, i)


def _transition_problems(stages: list[Stage], transitions: dict[str, list[str]] | None) -> Iterator[Problem]:
    order = [s.id for s in stages]
    known = (*order, *SIDE_STATES)
    required = {s.id for s in stages if s.required}
    for source, targets in (transitions or {}).items():
        if source not in known:
            yield ("transitions", source), f"unknown stage {source!r}; expected one of: {', '.join(known)}"
            continue
        for j, target in enumerate(targets):
            where: Loc = ("transitions", source, j)
            if target not in known:
                yield where, f"unknown stage {target!r}; expected one of: {', '.join(known)}"
            elif target == source:
                yield where, f"{source} cannot move to itself"
            elif targets.index(target) < j:
                yield where, f"{target} is listed twice"
            elif source in order and target in order and order.index(target) > order.index(source) + 1:
                between = order[order.index(source) + 1 : order.index(target)]
                skipped = [s for s in between if s in required]
                if skipped:
                    yield (
                        where,
                        (
                            f"{source} → {target} skips the required stage {', '.join(skipped)}; "
                            "a lead may not skip a required stage"
                        ),
                    )


def _condition_problems(scoring: Scoring, conditions: dict[Loc, Any]) -> Iterator[Problem]:
    missing = {
        "fit": "scoring.fit has no rules" if not scoring.fit else None,
        "engagement": "scoring.engagement is not declared" if scoring.engagement is None else None,
        "p_convert": "scoring.predictive_weight is not set" if scoring.predictive_weight is None else None,
    }
    for loc, condition in conditions.items():
        for name in sorted(condition.names if condition is not None else ()):
            if missing.get(name):
                yield loc, f"names {name}, but {missing[name]}; declare it or change the condition"


def _qualification_problems(scoring: Scoring, qualification: Qualification) -> Iterator[Problem]:
    yield from _condition_problems(
        scoring,
        {
            ("qualification", "mql"): qualification.mql,
            ("qualification", "sql", "when"): qualification.sql.when,
        },
    )


def _recycling_problems(scoring: Scoring, recycling: Recycling) -> Iterator[Problem]:
    yield from _condition_problems(scoring, {("recycling", "reenter_when"): recycling.reenter_when})


def _label_problems(stages: list[Stage], scoring: Scoring) -> Iterator[Problem]:
    """The predictive score's stages are funnel stages, the outcome after the scoring stage."""
    order = [s.id for s in stages]
    if "predictive" not in scoring.model_fields_set:
        return  # the default names stages a funnel of other stages need not have
    label = scoring.predictive
    for field_name, stage in (("scored", label.scored), ("outcome", label.outcome)):
        if stage not in order:
            yield ("scoring", "predictive", field_name), f"unknown stage {stage!r}; expected one of: {', '.join(order)}"
    if label.scored in order and label.outcome in order and order.index(label.outcome) <= order.index(label.scored):
        yield ("scoring", "predictive", "outcome"), f"{label.outcome} does not come after {label.scored}"


_CHECKS: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("stages",), _stage_problems),
    (("stages", "scoring"), _label_problems),
    (("stages", "transitions"), _transition_problems),
    (("scoring", "qualification"), _qualification_problems),
    (("scoring", "recycling"), _recycling_problems),
)


def _cross_problems(sections: dict[str, Any]) -> list[Problem]:
    """The checks that need more than one value, run on whichever sections are valid."""
    problems: list[Problem] = []
    for names, check in _CHECKS:
        if all(n in sections for n in names):
            problems.extend(check(*(sections[n] for n in names)))
    return problems


# --- reading the file ---------------------------------------------------------------------------------

_HINTS = {
    "name": "the contract's name, like 'Acme marketing-sales SLA'",
    "timezone": "an IANA time zone like 'Europe/Berlin'",
    "accept_within": "a duration like '4h business'",
    "within": "a duration like '5d business'",
    "half_life": "a duration like '14d'",
    "mql": "a condition like 'fit >= 30 and engagement >= 40'",
    "escalate_to": "who, like 'role:sales_manager'",
    "owner": "'marketing' or 'sales'",
    "action": "'recycle' or 'disqualify'",
    "reasons": "rejection reasons, like 'no_budget: {action: recycle, cool_off: 90d}'",
}


def load_sla(text: str, source: str = "SLA") -> Sla:
    """Read an SLA from YAML text; raises ``SlaInvalid`` listing every problem with its path and line."""
    doc = YamlSource.parse(text)
    errors = list(doc.problems)
    if doc.root is None and not errors:
        errors.append(FieldError("(document)", "the file is empty; start from examples/sla.yaml", 1))
    elif doc.root is not None and not isinstance(doc.data, dict):
        errors.append(FieldError("(document)", "expected sections like 'name:', 'stages:', 'clocks:'", 1))
    if errors:
        raise SlaInvalid(errors, source)
    sections: dict[str, Any] = {}
    problems: list[tuple[Loc, str]] = []
    for key in doc.data:
        if key not in Sla.model_fields:
            problems.append(((str(key),), describe_error(_extra(key), allowed_keys=list(Sla.model_fields))))
    for name, field in Sla.model_fields.items():
        if name not in doc.data:
            if field.is_required():
                problems.append(((name,), describe_error(_missing(name), hints=_HINTS)))
            else:
                sections[name] = field.get_default(call_default_factory=True)
            continue
        try:
            sections[name] = _section_adapter(name).validate_python(doc.data[name])
        except ValidationError as exc:
            problems.extend(_reworded(name, exc))
    problems.extend(_cross_problems(sections))
    if problems:
        found = [FieldError(path_text(loc), msg, doc.line_of(loc)) for loc, msg in problems]
        raise SlaInvalid(sorted(found, key=lambda e: (e.line or 0, e.path)), source)
    try:
        return Sla.model_validate(doc.data)
    except ValidationError as exc:  # pragma: no cover - the sections above found everything
        raise SlaInvalid([FieldError(path_text(loc), msg) for loc, msg in _reworded(None, exc)], source) from None


@cache
def _section_adapter(name: str) -> TypeAdapter[Any]:
    field = Sla.model_fields[name]
    kind = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return TypeAdapter(kind)


def _reworded(section: str | None, exc: ValidationError) -> Iterator[tuple[Loc, str]]:
    for error in exc.errors():
        loc: Loc = tuple(p for p in error["loc"] if p != "[key]")
        loc = (section, *loc) if section else loc
        allowed = _keys_at(loc[:-1]) if error["type"] == "extra_forbidden" else []
        yield loc, describe_error(error, allowed_keys=allowed, hints=_HINTS)


def _keys_at(loc: Loc) -> list[str]:
    """The keys the mapping at ``loc`` allows, found by walking the model's annotations."""
    kind: Any = Sla
    for part in loc:
        kind = _unwrap(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel) and part in kind.model_fields:
            kind = kind.model_fields[str(part)].annotation
        elif get_origin(kind) is list:
            kind = get_args(kind)[0]
        elif get_origin(kind) is dict:
            kind = get_args(kind)[1]
        else:
            return []
    kind = _unwrap(kind)
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _unwrap(kind: Any) -> Any:
    while True:
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
            continue
        args = [a for a in get_args(kind) if a is not type(None)]
        if get_origin(kind) not in (list, dict) and len(args) == 1 and type(None) in get_args(kind):
            kind = args[0]
            continue
        return kind


def _extra(key: Any) -> ErrorDetails:
    return {"type": "extra_forbidden", "loc": (str(key),), "msg": "", "input": None}


def _missing(name: str) -> ErrorDetails:
    return {"type": "missing", "loc": (name,), "msg": "", "input": None}
