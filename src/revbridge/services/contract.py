"""The SLA in force as the lifecycle applies it: its version, its rules and its business-hours clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from revbridge.domain.business_time import BusinessClock
from revbridge.domain.sla import Sla
from revbridge.domain.stages import DEFAULT_STAGES
from revbridge.services.sla_versions import NoSlaInForce, current_sla


@dataclass(frozen=True)
class Contract:
    """The SLA in force, its version number, and its business-hours clock."""

    version: int
    sla: Sla
    clock: BusinessClock

    @classmethod
    def of(cls, version: int, sla: Sla) -> Contract:
        return cls(version, sla, BusinessClock.from_clocks(sla.clocks))


def contract_at(engine: Engine, at: datetime) -> Contract:
    """The contract in force at ``at``; ``NoSlaInForce`` if none was yet."""
    found = current_sla(engine, at)
    if found is None:
        raise NoSlaInForce(at)
    return Contract.of(*found)


def stage_order(engine: Engine, at: datetime) -> tuple[str, ...]:
    """The funnel stages of the SLA in force at ``at``, in order; the default funnel when none is."""
    found = current_sla(engine, at)
    return Contract.of(*found).sla.stage_order if found is not None else DEFAULT_STAGES
