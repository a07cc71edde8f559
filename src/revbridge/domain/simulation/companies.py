"""The companies leads work for: names, domains, industries, countries, sizes, and how well each fits.

Accounts come in three pools by fit (high, medium, low). A few companies are far more popular than the
rest (a Pareto weight), as in any real lead list.
"""

from __future__ import annotations

import math
import random
import unicodedata
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TypeVar

from revbridge.domain.identity import normalise_company
from revbridge.domain.records import AccountRecord
from revbridge.domain.simulation.catalogue import (
    COUNTRIES,
    DEFAULT_TARGET_COUNTRIES,
    DEFAULT_TARGET_INDUSTRIES,
    GENERIC_WORDS,
    INDUSTRY_WORDS,
    NAME_CORES,
    NAME_PREFIXES,
    OTHER_INDUSTRIES,
    SIZE_BANDS,
    TIERS,
    Country,
    SizeBand,
)
from revbridge.domain.sla import Sla

T = TypeVar("T")

POOL_SHARES: dict[str, float] = {"high": 0.30, "medium": 0.40, "low": 0.30}


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    domain: str
    industry: str
    country: Country
    employees: int
    band: SizeBand
    tier: str
    annual_revenue: float
    popularity: float
    city: str


@dataclass
class Pool:
    """The companies of one fit tier, drawn by popularity."""

    companies: list[Company] = field(default_factory=list)
    _cumulative: list[float] = field(default_factory=list)

    def seal(self) -> None:
        self._cumulative = list(accumulate(c.popularity for c in self.companies))

    def draw(self, rng: random.Random) -> Company:
        return self.companies[bisect(self._cumulative, rng.random() * self._cumulative[-1])]

    def mean(self, value: str) -> float:
        """Popularity-weighted mean of a band figure: ``deal`` or ``cycle``."""
        total = self._cumulative[-1]
        if value == "deal":
            return sum(c.popularity * c.band.mean_deal for c in self.companies) / total
        return sum(c.popularity * sum(c.band.cycle_days) / 2 for c in self.companies) / total


@dataclass(frozen=True, slots=True)
class Targets:
    """The ideal customer profile, read from the SLA's fit rules where they say it."""

    industries: tuple[str, ...]
    countries: tuple[str, ...]

    @classmethod
    def from_sla(cls, sla: Sla) -> Targets:
        industries: list[str] = []
        countries: list[str] = []
        for rule in sla.scoring.fit:
            if rule.op != "in" or rule.points <= 0 or not isinstance(rule.value, list):
                continue
            name = rule.field.removeprefix("account.")
            if name == "industry":
                industries.extend(str(v) for v in rule.value)
            elif name == "country":
                countries.extend(str(v) for v in rule.value)
        known = {c.code for c in COUNTRIES}
        countries = [c for c in countries if c in known]
        return cls(tuple(industries) or DEFAULT_TARGET_INDUSTRIES, tuple(countries) or DEFAULT_TARGET_COUNTRIES)


def _choose_weighted(rng: random.Random, items: Sequence[T], weights: list[float]) -> T:
    return rng.choices(items, weights)[0]


class CompanyMaker:
    def __init__(self, rng: random.Random, targets: Targets) -> None:
        self.rng = rng
        self.targets = targets
        self.others = tuple(i for i in OTHER_INDUSTRIES if i not in targets.industries)
        self.home = [c for c in COUNTRIES if c.code in targets.countries]
        self.abroad = [c for c in COUNTRIES if c.code not in targets.countries] or self.home
        self.names: set[str] = set()
        self.domains: set[str] = set()

    def _country(self, countries: list[Country]) -> Country:
        return _choose_weighted(self.rng, countries, [c.weight for c in countries])

    def _band(self, weights: tuple[float, float, float, float]) -> SizeBand:
        return _choose_weighted(self.rng, SIZE_BANDS, list(weights))

    def make(self, tier: str) -> Company:
        rng = self.rng
        if tier == "high":
            industry = rng.choice(self.targets.industries)
            country = self._country(self.home)
            band = self._band((0.0, 0.55, 0.30, 0.15))
        elif tier == "medium":
            variant = rng.random()
            if variant < 0.40:
                industry, country, band = rng.choice(self.targets.industries), self._country(self.home), SIZE_BANDS[0]
            elif variant < 0.75:
                industry, country = rng.choice(self.others), self._country(self.home)
                band = self._band((0.0, 0.6, 0.3, 0.1))
            else:
                industry, country = rng.choice(self.targets.industries), self._country(self.abroad)
                band = self._band((0.0, 0.6, 0.3, 0.1))
        else:
            if rng.random() < 0.6:
                industry, country = rng.choice(self.others), self._country(list(COUNTRIES))
            else:
                industry, country = rng.choice((*self.targets.industries, *self.others)), self._country(self.abroad)
            band = SIZE_BANDS[0]
        employees = int(math.exp(rng.uniform(math.log(band.low), math.log(band.high + 1))))
        employees = min(band.high, max(band.low, employees))
        name, domain = self._name(industry, country)
        return Company(
            name=name,
            domain=domain,
            industry=industry,
            country=country,
            employees=employees,
            band=band,
            tier=tier,
            annual_revenue=round(employees * rng.uniform(120_000, 320_000), -4),
            popularity=min(60.0, rng.paretovariate(1.4)),
            city=rng.choice(country.cities),
        )

    def _name(self, industry: str, country: Country) -> tuple[str, str]:
        rng = self.rng
        words = INDUSTRY_WORDS.get(industry, GENERIC_WORDS)
        for attempt in range(60):
            root = rng.choice(NAME_PREFIXES) + rng.choice(NAME_CORES)
            word = rng.choice(words if attempt < 20 else (*words, *GENERIC_WORDS))
            base = f"{root} {word}" if attempt < 40 else f"{root} {word} {rng.choice(NAME_PREFIXES)}"
            name = f"{base} {country.legal}"
            normalised = normalise_company(name) or name
            domain = _slug(base) + ".example"
            if normalised not in self.names and domain not in self.domains:
                self.names.add(normalised)
                self.domains.add(domain)
                return name, domain
        number = len(self.names) + 1  # the name space is nearly used up: number the rest
        base = f"{rng.choice(NAME_PREFIXES)}{rng.choice(NAME_CORES)} {number}"
        self.names.add(normalise_company(base) or base)
        self.domains.add(_slug(base) + ".example")
        return f"{base} {country.legal}", _slug(base) + ".example"


def make_pools(rng: random.Random, count: int, targets: Targets) -> dict[str, Pool]:
    """``count`` companies (at least one per tier), split into pools by fit."""
    maker = CompanyMaker(rng, targets)
    sizes = {tier: max(1, round(count * POOL_SHARES[tier])) for tier in TIERS}
    pools = {tier: Pool() for tier in TIERS}
    order = [tier for tier in TIERS for _ in range(sizes[tier])]
    rng.shuffle(order)
    for tier in order:
        pools[tier].companies.append(maker.make(tier))
    for pool in pools.values():
        pool.seal()
    return pools


def account_record(company: Company, owner: str | None) -> AccountRecord:
    return AccountRecord(
        name=company.name,
        domain=company.domain,
        industry=company.industry,
        country=company.country.code,
        region=company.country.region,
        employees=company.employees,
        annual_revenue=company.annual_revenue,
        owner=owner,
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def mailbox(first: str, last: str) -> str:
    """``jane.doe`` for Jane Doe (accents and spaces dropped)."""
    return f"{_slug(first)}.{_slug(last)}"
