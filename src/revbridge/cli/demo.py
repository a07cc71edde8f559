"""``revbridge demo``: a simulated year of a B2B company, through the real services."""

from __future__ import annotations


def demo() -> None:
    """Load a simulated year of a B2B software company (not written yet)."""
    raise NotImplementedError
