"""Every error RevBridge raises on purpose, as one tree.

::

    RevBridgeError
    ├── NotFound
    │   └── LeadNotFound(lead_id)
    ├── Conflict
    │   └── StaleLead(lead_id, version)
    ├── Refused
    │   └── TransitionNotAllowed(stage, event)
    ├── InvalidInput
    │   ├── SlaInvalid(errors)
    │   ├── MappingInvalid(path, errors)
    │   └── ImportFileInvalid(path, reason)
    └── DeliveryFailed(permanent)

Interfaces map these to exit codes (CLI: 2 for bad input, 1 for anything else) and HTTP statuses in one
place each. Messages say what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass


class RevBridgeError(Exception):
    """Base of every deliberate RevBridge error."""


class NotFound(RevBridgeError):
    """Something asked for does not exist."""


class Conflict(RevBridgeError):
    """Somebody else changed the thing first."""


class Refused(RevBridgeError):
    """The contract does not allow this."""


class InvalidInput(RevBridgeError):
    """Input that cannot be used as given."""


class LeadNotFound(NotFound):
    def __init__(self, lead_id: int | str) -> None:
        self.lead_id = lead_id
        super().__init__(f"no lead with id {lead_id}; list leads with `revbridge lead list`")


class StaleLead(Conflict):
    def __init__(self, lead_id: int, version: int) -> None:
        self.lead_id = lead_id
        self.version = version
        super().__init__(f"lead {lead_id} changed since version {version} was read; reload it and try again")


class TransitionNotAllowed(Refused):
    def __init__(self, stage: str, event: str, allowed: tuple[str, ...] = ()) -> None:
        self.stage = stage
        self.event = event
        hint = f"; from {stage} the SLA allows: {', '.join(allowed)}" if allowed else ""
        super().__init__(f"the SLA does not allow {event!r} from stage {stage!r}{hint}")


@dataclass(frozen=True)
class FieldError:
    """One problem at one place in a document: ``clocks.accept_within: expected ...``."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{where}: {self.message}"


class SlaInvalid(InvalidInput):
    def __init__(self, errors: list[FieldError], source: str = "SLA") -> None:
        self.errors = errors
        self.source = source
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"{source} has {len(errors)} error(s):\n{lines}")


class MappingInvalid(InvalidInput):
    def __init__(self, path: str, errors: list[FieldError]) -> None:
        self.path = path
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"mapping {path} has {len(errors)} error(s):\n{lines}")


class ImportFileInvalid(InvalidInput):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class DeliveryFailed(RevBridgeError):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        self.permanent = permanent
        super().__init__(message)
