"""Attribution of conversions (and their value) to channels, from journeys aggregated by path.

A **path** is the ordered channels of a journey ("paid_search > email > direct") with how many
journeys took it and converted (their conversions and value) or did not. Every model splits each
path's conversions over its touches, and the totals per channel are the credit:

- **first touch**, **last touch**: all of it to the first (last) channel;
- **last non-direct**: to the last channel that is not direct (direct when there is no other);
- **linear**: equally over the touches;
- **U-shaped** (position-based): 40% to the first touch, 40% to the last, 20% over those between (one
  touch takes all; two take half each);
- **time decay**: each touch weighs 2^(-age / half-life), its age being the time from the touch to the
  journey's end (its milestone, or the end of the window for a journey that did not convert); a half-life
  of 7 days unless said otherwise; the weights of each journey scaled to add up to 1;
- **W-shaped**: 30% to the first touch, 30% to the **lead-creation touch** (the last touch at or before
  the lead was created), 30% to the **opportunity-creation touch** (the last at or before it became an
  opportunity), 10% shared equally by the other touches;
- **full path** (Z-shaped): 22.5% each to the first touch, the lead-creation touch, the
  opportunity-creation touch and the **won touch** (the last at or before it was won), 10% over the
  others;
- **Markov** (data-driven): the journeys as an absorbing Markov chain over channels (of order k: the
  last k channels are the state); a channel's **removal effect** is the share of conversions lost when
  every journey reaching it is lost instead, computed **exactly** by solving the chain's linear system,
  not by simulation. Credit is shared in proportion to the removal effects;
- **Shapley** (data-driven): each set of channels journeys met shares its conversions by the channels'
  Shapley values in the game "conversion rate of the journeys that met these channels", the journeys
  that went nowhere included: exact over every subset up to 15 channels in a journey, sampled beyond.

In W-shaped and full path a touch that plays several roles takes each of their shares, and a journey
missing a role (a journey to MQL has no opportunity yet; a lead created before its window has no
lead-creation touch in it) or without other touches has its weights scaled up to add to 1. Time decay,
W-shaped and full path need each touch's time and role, which only journeys built from the store carry
(not an aggregated paths file).

Bootstrap intervals (resampled journeys) give each data-driven share a 95% range. Pure numpy over the
paths: they come from a file in the common aggregated format or from journeys built in the engine, one
per lead or one per opportunity (the touches of all its contacts, up to its creation or its winning;
its lead-creation touch is its earliest-created contact's).
"""

from __future__ import annotations

from collections.abc import Callable

from revbridge.analytics.attribution.credit import Credit, with_roi
from revbridge.analytics.attribution.heuristics import (
    first_touch,
    full_path,
    last_non_direct,
    last_touch,
    linear,
    time_decay,
    u_shaped,
    w_shaped,
)
from revbridge.analytics.attribution.intervals import Interval, bootstrap, intervals
from revbridge.analytics.attribution.markov_chain import chain, layout, markov, removal_effects
from revbridge.analytics.attribution.shapley_game import ShapleyGame, shapley
from revbridge.domain.paths import Paths

MODELS: dict[str, Callable[[Paths], Credit]] = {
    "first_touch": first_touch,
    "last_touch": last_touch,
    "last_non_direct": last_non_direct,
    "linear": linear,
    "u_shaped": u_shaped,
    "time_decay": time_decay,
    "w_shaped": w_shaped,
    "full_path": full_path,
    "markov": markov,
    "shapley": shapley,
}
DATA_DRIVEN = ("markov", "shapley")
PER_STEP = ("time_decay", "w_shaped", "full_path")  # need Paths.ages or Paths.marks

__all__ = [
    "DATA_DRIVEN",
    "MODELS",
    "PER_STEP",
    "Credit",
    "Interval",
    "ShapleyGame",
    "bootstrap",
    "chain",
    "first_touch",
    "full_path",
    "intervals",
    "last_non_direct",
    "last_touch",
    "layout",
    "linear",
    "markov",
    "removal_effects",
    "shapley",
    "time_decay",
    "u_shaped",
    "w_shaped",
    "with_roi",
]
