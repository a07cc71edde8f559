"""Reading the stored SLA versions side by side: which one is in force, and what changes from one to
another, in the words of ``domain/sla_diff`` (what ``revbridge sla diff`` prints)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from revbridge.domain.errors import InvalidInput
from revbridge.domain.sla import Sla, load_sla
from revbridge.domain.sla_diff import Change, explain_changes
from revbridge.services.sla_versions import NoSlaInForce, current_sla, get_sla_version

CURRENT = "current"


def version_in_force(engine: Engine, at: datetime) -> int | None:
    """The number of the version in force at ``at``, or None before the first."""
    found = current_sla(engine, at)
    return None if found is None else found[0]


def sla_named(engine: Engine, ref: str, *, at: datetime) -> Sla:
    """A stored version by its number, or ``current``: the one in force at ``at``."""
    if ref == CURRENT:
        found = current_sla(engine, at)
        if found is None:
            raise NoSlaInForce(at)
        return found[1]
    if not (ref.isascii() and ref.isdigit()) or len(ref) > 9:
        raise InvalidInput(f"name an SLA version by its number (1, 2 …) or 'current', not {ref!r}")
    stored = get_sla_version(engine, int(ref))
    return load_sla(stored.text, source=f"SLA version {stored.version}")


def changes_between(engine: Engine, old: str, new: str, *, at: datetime) -> list[Change]:
    """Every difference from version ``old`` to version ``new`` (numbers, or ``current``), in words."""
    return explain_changes(sla_named(engine, old, at=at), sla_named(engine, new, at=at))
