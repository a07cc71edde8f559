"""The example SLA (``examples/sla.yaml``), parsed once for the domain tests that score and decide by it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from revbridge.domain.sla import Sla, load_sla

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"


@cache
def example_sla() -> Sla:
    return load_sla(EXAMPLE.read_text())
