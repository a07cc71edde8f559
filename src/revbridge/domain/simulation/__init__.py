"""A simulated year of a B2B software company, for ``revbridge demo`` and for testing analytics.

Pure: no I/O, no clock; ``random.Random(seed)`` makes every draw. ``build_world`` returns the records
the company's tools would export, and ``Truth``: the rates the simulation really used.
"""

from revbridge.domain.simulation.truth import FunnelTruth, Truth
from revbridge.domain.simulation.world import SlaUnfitForDemo, World, build_world, check_funnel

__all__ = ["FunnelTruth", "SlaUnfitForDemo", "Truth", "World", "build_world", "check_funnel"]
