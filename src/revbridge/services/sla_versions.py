"""Versions of the SLA: apply a signed text, find the version in force at a moment, read and list them.

Versions are numbered 1, 2, 3 … in the order they are applied, and take effect in that order: a new
version may not take effect before the latest one does. The stored text is exactly what was signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revbridge.domain.errors import Conflict, InvalidInput, NotFound, Refused
from revbridge.domain.sla import Scoring, Sla, load_sla
from revbridge.store import sla_queries as queries
from revbridge.store.tables import SlaVersionRow

SIGNING_TEAMS: tuple[str, ...] = ("marketing", "sales")


@dataclass(frozen=True, slots=True)
class SlaVersion:
    """One stored version, as signed."""

    version: int
    text: str
    checksum: str
    effective_from: datetime
    signed_by: dict[str, str]
    created_at: datetime


class SlaVersionNotFound(NotFound):
    def __init__(self, version: int, known: Iterable[int]) -> None:
        self.version = version
        numbers = ", ".join(str(v) for v in known)
        hint = f"stored versions: {numbers}" if numbers else "none is stored yet; apply one with `revbridge sla apply`"
        super().__init__(f"no SLA version {version}; {hint}")


class NoSlaInForce(NotFound):
    def __init__(self, at: datetime) -> None:
        self.at = at
        super().__init__(
            f"no SLA version is in force at {at.isoformat()}; apply one with "
            "`revbridge sla apply FILE --effective DATE --signed-by marketing=NAME --signed-by sales=NAME`"
        )


class SignaturesMissing(InvalidInput):
    def __init__(self, missing: Iterable[str], unknown: Iterable[str]) -> None:
        self.missing = tuple(missing)
        self.unknown = tuple(unknown)
        problems = []
        if self.missing:
            problems.append(f"missing a signature for {' and '.join(self.missing)}")
        if self.unknown:
            problems.append(f"{', '.join(repr(u) for u in self.unknown)} is not a signing team")
        super().__init__(
            f"{'; '.join(problems)}: an SLA version is signed by one person for each of marketing and sales"
        )


class SlaUnchanged(Refused):
    def __init__(self, version: int, checksum: str) -> None:
        self.version = version
        self.checksum = checksum
        super().__init__(
            f"this SLA is already version {version} (checksum {checksum[:12]}); nothing to apply. "
            "Change the file, or compare with `revbridge sla diff`"
        )


class SlaVersionOutOfOrder(Refused):
    def __init__(self, latest: int, latest_from: datetime, effective_from: datetime) -> None:
        self.latest = latest
        super().__init__(
            f"version {latest} takes effect at {latest_from.isoformat()}; a new version cannot take effect "
            f"earlier ({effective_from.isoformat()}). Choose an effective date on or after it"
        )


class SlaVersionRace(Conflict):
    def __init__(self, version: int) -> None:
        super().__init__(f"another SLA version {version} was applied at the same moment; check and apply again")


def apply_sla(
    engine: Engine,
    text: str,
    *,
    effective_from: datetime,
    signed_by: Mapping[str, str],
    now: datetime,
    source: str = "SLA",
) -> int:
    """Validate ``text`` and store it as the next version; returns its number.

    Refused when the text is invalid (``SlaInvalid``), when marketing and sales have not both signed,
    when it is the same contract as the latest version, or when it would take effect before it."""
    sla = load_sla(text, source=source)
    signatures = _signatures(signed_by)
    _require_aware(effective_from=effective_from, now=now)
    checksum = sla.checksum()
    number = 1
    try:
        with Session(engine) as session, session.begin():
            latest = queries.latest_version(session)
            if latest is not None and latest.checksum == checksum:
                raise SlaUnchanged(latest.version, checksum)
            if latest is not None and effective_from < latest.effective_from:
                raise SlaVersionOutOfOrder(latest.version, latest.effective_from, effective_from)
            number = latest.version + 1 if latest is not None else 1
            session.add(
                SlaVersionRow(
                    version=number,
                    text=text,
                    checksum=checksum,
                    effective_from=effective_from,
                    signed_by=signatures,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise SlaVersionRace(number) from None
    return number


def current_sla(engine: Engine, at: datetime) -> tuple[int, Sla] | None:
    """The version in force at ``at`` (the latest to take effect by then), or None before the first."""
    _require_aware(at=at)
    with engine.connect() as conn:
        found = queries.text_in_force(conn, at)
    if found is None:
        return None
    return found[0], parsed_sla(*found)


def scoring_in_force(engine: Engine, at: datetime) -> Scoring | None:
    """The scoring rules of the version in force at ``at``; None before the first (nothing to score by)."""
    found = current_sla(engine, at)
    return found[1].scoring if found is not None else None


@lru_cache(maxsize=32)
def parsed_sla(version: int, text: str) -> Sla:
    """A stored version's text as an ``Sla``, parsed once per process: parsing and checking the YAML
    takes about 200 ms, and every decision, page and tick asks for the contract in force. The model is
    frozen, so one parsed copy is safely shared; a new version is new text, parsed when first asked for."""
    return load_sla(text, source=f"SLA version {version}")


def get_sla_version(engine: Engine, version: int) -> SlaVersion:
    with Session(engine) as session:
        row = queries.version_numbered(session, version)
        if row is None:
            known = [v.version for v in queries.all_versions(session)]
            raise SlaVersionNotFound(version, known)
        return _version(row)


def list_sla_versions(engine: Engine) -> list[SlaVersion]:
    """Every stored version, oldest first."""
    with Session(engine) as session:
        return [_version(row) for row in queries.all_versions(session)]


def _version(row: SlaVersionRow) -> SlaVersion:
    return SlaVersion(
        version=row.version,
        text=row.text,
        checksum=row.checksum,
        effective_from=row.effective_from,
        signed_by={str(team): str(name) for team, name in row.signed_by.items()},
        created_at=row.created_at,
    )


def _signatures(signed_by: Mapping[str, str]) -> dict[str, str]:
    names = {team.strip().lower(): name.strip() for team, name in signed_by.items()}
    missing = [t for t in SIGNING_TEAMS if not names.get(t)]
    unknown = [t for t in names if t not in SIGNING_TEAMS]
    if missing or unknown:
        raise SignaturesMissing(missing, unknown)
    return {team: names[team] for team in SIGNING_TEAMS}


def _require_aware(**moments: datetime) -> None:
    for name, moment in moments.items():
        if moment.tzinfo is None:
            raise ValueError(f"{name} must be an aware datetime (with a time zone), got {moment.isoformat()}")
