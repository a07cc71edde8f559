"""The sections of an SLA file, one Pydantic model each: stages, scoring, qualification, routing,
clocks, feedback, recycling and commitments. ``revbridge.domain.sla`` assembles them into the contract.

Every model refuses unknown keys, and each validator says what it expected.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal

import holidays
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from revbridge.domain.durations import Duration, number_text
from revbridge.domain.records import PERSON_FIELDS
from revbridge.domain.sla_values import (
    AssigneeField,
    CalendarDuration,
    CapField,
    ConditionField,
    DurationField,
    Identifier,
    Party,
    PartyField,
    Rate,
    TimeOfDay,
)
from revbridge.domain.stages import DEFAULT_OWNERS, DEFAULT_STAGES
from revbridge.domain.validation_messages import shown as _shown

TeamName = Literal["marketing", "sales"]
HubspotStage = Literal[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
]
FitOp = Literal["equals", "in", "between", "regex", "exists", "gte", "lte"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Period = Literal["week", "month", "quarter"]

# The lead's own fields a fit rule may name, in the order error messages list them.
LEAD_FIELDS: tuple[str, ...] = (*(f for f in PERSON_FIELDS if f != "status"), "campaign", "status")
ACCOUNT_FIELDS: tuple[str, ...] = (
    "name",
    "domain",
    "industry",
    "country",
    "region",
    "employees",
    "annual_revenue",
)
_CUSTOM_FIELD = re.compile(r"^(account\.)?properties\.[A-Za-z_][A-Za-z0-9_]*$")
_DEFAULT_LABELS = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "mql": "Marketing qualified lead",
    "sal": "Sales accepted lead",
    "sql": "Sales qualified lead",
    "opportunity": "Opportunity",
    "customer": "Customer",
}
_DEFAULT_HUBSPOT = {
    "subscriber": "subscriber",
    "lead": "lead",
    "mql": "marketingqualifiedlead",
    "sql": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
}
_DEFAULT_REQUIRED = frozenset({"mql", "sal", "sql", "opportunity"})


class Part(BaseModel):
    """Base of every section: unknown keys are errors; values never change once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- who signs, and the stages ------------------------------------------------------------------------


class Signatory(Part):
    lead: str | None = None  # the person who signs for the team


class Teams(Part):
    marketing: Signatory = Signatory()
    sales: Signatory = Signatory()


class Stage(Part):
    """A funnel stage, the team that owns leads in it, and whether a lead may skip it."""

    id: Identifier
    label: str
    owner: TeamName
    required: bool = False
    hubspot: HubspotStage | None = None  # the HubSpot lifecycle value this stage maps onto

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            stage_id = data["id"]
            data = {"label": _DEFAULT_LABELS.get(stage_id, stage_id.replace("_", " ").capitalize()), **data}
            if stage_id in _DEFAULT_HUBSPOT and "hubspot" not in data:
                data["hubspot"] = _DEFAULT_HUBSPOT[stage_id]
        return data


class SideState(Part):
    label: str
    owner: TeamName = "marketing"


class SideStates(Part):
    """States outside the funnel order: recycled (``nurture``) and out for good (``disqualified``)."""

    nurture: SideState = SideState(label="Nurture")
    disqualified: SideState = SideState(label="Disqualified")


def default_stages() -> list[Stage]:
    """HubSpot's lifecycle with SAL between MQL and SQL; MQL, SAL, SQL and opportunity required."""
    return [
        Stage.model_validate({"id": s, "owner": DEFAULT_OWNERS[s].value, "required": s in _DEFAULT_REQUIRED})
        for s in DEFAULT_STAGES
    ]


# --- scoring ------------------------------------------------------------------------------------------


class FitRule(Part):
    """Points when a lead (or its account: ``account.industry``) field matches."""

    field: str
    op: FitOp
    value: Any = Field(None, validate_default=True)
    points: int

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str) -> str:
        bare = name.removeprefix("account.")
        known = ACCOUNT_FIELDS if name.startswith("account.") else LEAD_FIELDS
        if bare in known or _CUSTOM_FIELD.match(name):
            return name
        raise ValueError(
            f"unknown field {name!r}; expected a lead field ({', '.join(LEAD_FIELDS)}), "
            f"account.<{'|'.join(ACCOUNT_FIELDS)}>, or properties.<name> for a custom property"
        )

    @field_validator("value")
    @classmethod
    def _value_fits_op(cls, value: Any, info: ValidationInfo) -> Any:
        op = info.data.get("op")
        if op is not None:
            _check_fit_value(op, value)
        return value

    def describe(self) -> str:
        """``industry in [software, fintech]``, ``employees between 50 and 5000``."""
        v = self.value
        if self.op == "in":
            return f"{self.field} in [{', '.join(_scalar(x) for x in v)}]"
        if self.op == "between":
            return f"{self.field} between {_scalar(v[0])} and {_scalar(v[1])}"
        if self.op == "exists":
            return f"{self.field} is known"
        sign = {"equals": "=", "regex": "matches", "gte": "≥", "lte": "≤"}[self.op]
        return f"{self.field} {sign} {'/' + v + '/' if self.op == 'regex' else _scalar(v)}"


def _check_fit_value(op: str, value: Any) -> None:
    scalar = (str, int, float, bool)
    if op == "equals" and not isinstance(value, scalar):
        raise ValueError(f"equals needs one value, like 'software', got {_shown(value)}")
    if op == "in" and not (isinstance(value, list) and value and all(isinstance(x, scalar) for x in value)):
        raise ValueError(f"in needs a list of values, like [software, fintech], got {_shown(value)}")
    if op == "between":
        if not (isinstance(value, list) and len(value) == 2 and all(_is_number(x) for x in value)):
            raise ValueError(f"between needs two numbers [low, high], like [50, 5000], got {_shown(value)}")
        if value[0] > value[1]:
            raise ValueError(f"between needs low <= high, got [{_scalar(value[0])}, {_scalar(value[1])}]")
    if op in ("gte", "lte") and not _is_number(value):
        raise ValueError(f"{op} needs a number, like 1000000, got {_shown(value)}")
    if op == "exists" and value is not None:
        raise ValueError("exists takes no value; remove 'value'")
    if op == "regex":
        if not isinstance(value, str):
            raise ValueError(f"regex needs a pattern in quotes, like '(?i)vp|head', got {_shown(value)}")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None


class TouchpointPoints(Part):
    points: int
    cap: CapField | None = None  # at most this many points per window: "30 per 7d"

    @field_validator("cap")
    @classmethod
    def _cap_on_gains(cls, cap: Any, info: ValidationInfo) -> Any:
        points = info.data.get("points")
        if cap is not None and points is not None and points <= 0:
            raise ValueError("a cap limits points gained; remove it from negative points")
        return cap


def _points_shorthand(value: Any) -> Any:
    return {"points": value} if isinstance(value, int) and not isinstance(value, bool) else value


class Competitors(Part):
    """Negative points for people writing from a competitor's domain."""

    domains: list[str] = Field(min_length=1)
    points: int = Field(lt=0)


class Engagement(Part):
    half_life: CalendarDuration  # engagement halves after this long without new touchpoints
    touchpoints: dict[Identifier, Annotated[TouchpointPoints, BeforeValidator(_points_shorthand)]] = Field(min_length=1)
    competitors: Competitors | None = None


class PredictiveLabel(Part):
    """What the predictive score learns to foresee (``revbridge model train``): that a lead reaches
    ``outcome`` within ``within`` of reaching ``scored``, the moment it is described as it stood."""

    scored: Identifier = "mql"
    outcome: Identifier = "opportunity"
    within: CalendarDuration = Duration(90, "d")


class Scoring(Part):
    fit: list[FitRule] = []
    engagement: Engagement | None = None
    predictive_weight: Rate | None = None  # share of the combined score from the model (0..1)
    predictive: PredictiveLabel = PredictiveLabel()  # not said: an opportunity within 90 days of the MQL

    @property
    def label(self) -> PredictiveLabel:
        """What the predictive score foresees."""
        return self.predictive


# --- qualification, routing ---------------------------------------------------------------------------


class SalCriteria(Part):
    """A lead becomes SAL when sales accepts it: the assigned rep, or any sales rep."""

    accepted_by: Literal["assigned_rep", "any_sales_rep"] = "assigned_rep"


class SqlCriteria(Part):
    """A SAL becomes SQL when the condition holds and/or the required activity happened."""

    when: ConditionField | None = None
    requires_activity: Identifier | None = None  # e.g. meeting_held, discovery_call

    @model_validator(mode="after")
    def _says_something(self) -> SqlCriteria:
        if self.when is None and self.requires_activity is None:
            raise ValueError("say what makes an SQL: a condition (when), a required activity, or both")
        return self


class Qualification(Part):
    mql: ConditionField
    sal: SalCriteria = SalCriteria()
    sql: SqlCriteria


class EmployeeRange(Part):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @field_validator("max")
    @classmethod
    def _ordered(cls, high: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min")
        if high is not None and low is not None and low > high:
            raise ValueError(f"max {high} is below min {low}")
        return high

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min}–{self.max}"
        return f"{self.min}+" if self.min is not None else f"up to {self.max}"


class TerritoryMatch(Part):
    """All given criteria must match; a list matches any of its values."""

    country: list[Annotated[str, BeforeValidator(lambda v: _country_code(v))]] | None = None
    region: list[str] | None = None
    industry: list[str] | None = None
    employees: EmployeeRange | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> TerritoryMatch:
        if not (self.country or self.region or self.industry or self.employees):
            raise ValueError("match on at least one of country, region, industry, employees")
        return self

    def describe(self) -> str:
        """``country in [US, CA] and employees 1000+``."""
        parts = [
            f"{name} in [{', '.join(values)}]"
            for name, values in (
                ("country", self.country),
                ("region", self.region),
                ("industry", self.industry),
            )
            if values
        ]
        if self.employees is not None:
            parts.append(f"employees {self.employees.describe()}")
        return " and ".join(parts)


def _country_code(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError(f"expected a two-letter country code like 'US' or 'DE', got {_shown(value)}")
    return value


class Territory(Part):
    name: str
    match: TerritoryMatch
    assign_to: AssigneeField


class Capacity(Part):
    max_open_leads_per_rep: int = Field(gt=0)
    skip_away: bool = True  # reps marked away get no new leads

    def describe(self) -> str:
        away = ", skipping reps who are away" if self.skip_away else ""
        return f"at most {self.max_open_leads_per_rep} open leads per rep{away}"


class Routing(Part):
    """How a new MQL finds its rep. ``fallback`` takes leads nothing else claims; a team means round
    robin within it, and with ``strategy: round_robin`` it is the team leads rotate through."""

    strategy: Literal["round_robin", "territory", "account_owner"] = "round_robin"
    territories: list[Territory] = Field([], validate_default=True)
    capacity: Capacity | None = None
    fallback: AssigneeField = Party("team", "sales")

    @field_validator("territories")
    @classmethod
    def _fit_strategy(cls, territories: list[Territory], info: ValidationInfo) -> list[Territory]:
        strategy = info.data.get("strategy")
        if strategy == "territory" and not territories:
            raise ValueError("strategy territory needs at least one territory")
        if strategy not in (None, "territory") and territories:
            raise ValueError(f"territories apply only with strategy: territory (the strategy is {strategy})")
        names = [t.name for t in territories]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"territory names must differ; written twice: {', '.join(twice)}")
        return territories


# --- clocks -------------------------------------------------------------------------------------------


class BusinessHours(Part):
    days: list[Weekday] = Field(min_length=1)
    start: TimeOfDay
    end: TimeOfDay

    @field_validator("days")
    @classmethod
    def _once_each(cls, days: list[str]) -> list[str]:
        twice = sorted({d for d in days if days.count(d) > 1})
        if twice:
            raise ValueError(f"each day once; written twice: {', '.join(twice)}")
        return days

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: Any, info: ValidationInfo) -> Any:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError(f"expected an end after start ({start:%H:%M}), got {end:%H:%M}")
        return end

    def describe(self) -> str:
        """``mon–fri 09:00–17:30``."""
        return f"{_day_ranges(self.days)} {self.start:%H:%M}–{self.end:%H:%M}"


_WEEK: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day_ranges(days: list[Weekday]) -> str:
    numbers = sorted(_WEEK.index(d) for d in days)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{_WEEK[r[0]]}–{_WEEK[r[-1]]}" if len(r) > 2 else ", ".join(_WEEK[n] for n in r) for r in runs)


class HolidayCalendar(Part):
    """Public holidays from the ``holidays`` package, plus the company's own closed days."""

    country: str
    subdivision: str | None = None
    closed: list[date] = []

    @field_validator("country")
    @classmethod
    def _supported(cls, country: str) -> str:
        if country not in _holiday_countries():
            raise ValueError(f"no holiday calendar for {country!r}; expected an ISO code like 'US', 'GB', 'DE'")
        return country

    @field_validator("subdivision")
    @classmethod
    def _subdivision(cls, sub: str | None, info: ValidationInfo) -> str | None:
        known = _holiday_countries().get(info.data.get("country", ""))
        if sub is not None and known is not None and sub not in known:
            raise ValueError(
                f"{sub!r} is not a subdivision of {info.data['country']}; expected one of: {', '.join(known)}"
            )
        return sub

    def describe(self) -> str:
        return self.country + (f" ({self.subdivision})" if self.subdivision else "")


@cache
def _holiday_countries() -> dict[str, list[str]]:
    countries: dict[str, list[str]] = holidays.list_supported_countries()
    return countries


class AttemptsRule(Part):
    """At least ``count`` contact attempts within ``within`` of acceptance."""

    count: int = Field(ge=1)
    within: DurationField

    def describe(self) -> str:
        return f"{self.count} within {self.within.describe()}"


class Escalation(Part):
    escalate_to: PartyField
    reassign: bool = False  # also hand the lead to another rep

    def describe(self) -> str:
        return self.escalate_to.describe() + (", and the lead is reassigned" if self.reassign else "")


class Escalations(Part):
    accept_within: Escalation | None = None
    first_touch_within: Escalation | None = None
    attempts: Escalation | None = None


_INVALID = object()


class Clocks(Part):
    timezone: str
    business_hours: BusinessHours
    holidays: HolidayCalendar | None = None
    accept_within: DurationField  # sales accepts or rejects a new MQL within this
    first_touch_within: DurationField | None = None  # first call or e-mail after acceptance
    attempts: AttemptsRule | None = None
    escalations: Escalations

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r}; expected an IANA name like 'Europe/Berlin' or 'America/New_York'"
            ) from None
        return name

    @field_validator("escalations")
    @classmethod
    def _one_per_deadline(cls, escalations: Escalations, info: ValidationInfo) -> Escalations:
        problems = []
        for deadline in ("accept_within", "first_touch_within", "attempts"):
            given = info.data.get(deadline, _INVALID)
            escalation = getattr(escalations, deadline)
            if given is None and escalation is not None:
                problems.append(f"{deadline} has an escalation but no deadline; add clocks.{deadline}")
            elif given not in (None, _INVALID) and escalation is None:
                problems.append(f"add {deadline}: {{escalate_to: ...}} saying who hears of a missed deadline")
        if problems:
            raise ValueError("; ".join(problems))
        return escalations

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


# --- feedback, recycling, commitments -----------------------------------------------------------------


class RejectionReason(Part):
    label: str | None = None
    action: Literal["recycle", "disqualify"]
    cool_off: DurationField | None = None  # how long a recycled lead rests before it may come back

    @field_validator("cool_off")
    @classmethod
    def _only_when_recycled(cls, cool_off: Any, info: ValidationInfo) -> Any:
        if cool_off is not None and info.data.get("action") == "disqualify":
            raise ValueError("cool_off applies only to action: recycle; a disqualified lead does not come back")
        return cool_off

    def consequence(self) -> str:
        """``recycles to nurture after 90 days`` or ``disqualifies the lead``."""
        if self.action == "disqualify":
            return "disqualifies the lead"
        return "recycles to nurture" + (f" after {self.cool_off.describe()}" if self.cool_off else "")


class Feedback(Part):
    reasons: dict[Identifier, RejectionReason] = Field(min_length=1)


class Recycling(Part):
    reenter_when: ConditionField  # a nurtured lead becomes an MQL again when this holds
    max_loops: int = Field(3, ge=0)  # after this many trips through nurture, disqualify instead
    min_time_in_nurture: DurationField | None = None


class Volume(Part):
    target: int = Field(gt=0)
    per: Period

    def describe(self) -> str:
        return f"{self.target} per {self.per}"


class RateTarget(Part):
    target: Rate
    per: Period = "month"

    def describe(self) -> str:
        return f"{percent(self.target)}, measured per {self.per}"


class SpeedTarget(Part):
    target: Rate  # share of MQLs accepted or rejected in time
    within: DurationField | None = None  # default: clocks.accept_within
    per: Period = "month"

    def describe(self) -> str:
        within = self.within.describe() if self.within else "the accept deadline"
        return f"{percent(self.target)} within {within}, measured per {self.per}"


def percent(rate: float) -> str:
    """``0.7`` -> ``70%``."""
    return f"{number_text(round(rate * 100, 6))}%"


class MarketingCommitments(Part):
    mql_volume: Volume | None = None
    sal_acceptance_rate: RateTarget | None = None  # share of MQLs sales accepts


class SalesCommitments(Part):
    acceptance_speed: SpeedTarget | None = None
    follow_up_compliance: RateTarget | None = None  # share of SALs touched and attempted on time
    sql_to_opportunity_rate: RateTarget | None = None


class Commitments(Part):
    marketing: MarketingCommitments = MarketingCommitments()
    sales: SalesCommitments = SalesCommitments()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return number_text(value) if _is_number(value) else str(value)
