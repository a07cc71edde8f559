"""The SLA's history as people read it: every stored version, the one in force, and any version with
what changed from the one before it, in words (``domain/sla_diff.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from revbridge.domain.sla import Sla, load_sla
from revbridge.domain.sla_diff import Change, explain_changes
from revbridge.services.sla_versions import SlaVersion, SlaVersionNotFound, current_sla, list_sla_versions


@dataclass(frozen=True)
class VersionRead:
    """One version: as stored and signed, as read, and what changed from the version before it
    (None for the first)."""

    stored: SlaVersion
    sla: Sla
    changes: list[Change] | None


@dataclass(frozen=True)
class SlaHistory:
    versions: list[SlaVersion]  # oldest first
    in_force: int | None  # the version in force at the moment asked about; None before the first
    shown: VersionRead | None  # the version asked for (default: the one in force, else the latest)


def sla_history(engine: Engine, *, now: datetime, version: int | None = None) -> SlaHistory:
    """The versions, the one in force at ``now``, and ``version`` read with its changes; a version
    number not stored is ``SlaVersionNotFound``."""
    versions = list_sla_versions(engine)
    found = current_sla(engine, now)
    in_force = found[0] if found is not None else None
    wanted = version if version is not None else in_force
    if wanted is None and versions:
        wanted = versions[-1].version  # none in force yet: the first takes effect later
    if wanted is None:
        return SlaHistory(versions, in_force, None)
    by_number = {v.version: v for v in versions}
    if wanted not in by_number:
        raise SlaVersionNotFound(wanted, list(by_number))
    stored = by_number[wanted]
    sla = load_sla(stored.text, source=f"SLA version {stored.version}")
    before = by_number.get(wanted - 1)
    changes = None
    if before is not None:
        changes = explain_changes(load_sla(before.text, source=f"SLA version {before.version}"), sla)
    return SlaHistory(versions, in_force, VersionRead(stored, sla, changes))
