"""Matching a person to the company they work for: by e-mail domain first, then by fuzzy company name."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from revbridge.domain.identity import email_domain, normalise_company

FUZZY_THRESHOLD = 90.0  # token-sort ratio on normalised names; "Acme Corp." ~ "ACME Corporation"


@dataclass(frozen=True, slots=True)
class AccountMatch:
    account_id: int
    why: str  # "domain acme.com" | "company name 'acme' ~ 'acme' (100)"


@dataclass
class AccountIndex:
    """The accounts one import run knows, kept current as it creates new ones."""

    by_domain: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)

    def add(self, account_id: int, name: str | None, domain: str | None) -> None:
        if domain:
            self.by_domain.setdefault(domain.lower(), account_id)
        normalised = normalise_company(name)
        if normalised:
            self.by_name.setdefault(normalised, account_id)

    def match(self, email: str | None, company: str | None) -> AccountMatch | None:
        domain = email_domain(email)
        if domain and domain in self.by_domain:
            return AccountMatch(self.by_domain[domain], f"domain {domain}")
        name = normalise_company(company)
        if not name:
            return None
        if name in self.by_name:
            return AccountMatch(self.by_name[name], f"company name {company!r}")
        if not self.by_name:
            return None
        best = process.extractOne(name, self.by_name.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_THRESHOLD)
        if best is None:
            return None
        matched, score, _ = best
        return AccountMatch(self.by_name[matched], f"company name {name!r} ~ {matched!r} ({score:.0f})")
