"""Every model side by side: each channel's share of the conversions by each model, so both teams see
where the models agree (a channel every model credits) and where the answer depends on the model."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from revbridge.analytics.attribution.credit import Credit
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

Model = Callable[[Paths], Credit]


def side_by_side(paths: Paths, models: Mapping[str, Model], *, measure: str = "share") -> pd.DataFrame:
    """One row per channel, one column per model: its ``share`` of the conversions (or ``conversions``,
    ``value``). A model the journeys cannot feed (a position model on paths without touch times) is
    left out; ``skipped`` in the frame's ``attrs`` says which and why."""
    if measure not in ("share", "conversions", "value"):
        raise InvalidInput(f"compare by share, conversions or value, not {measure!r}")
    credits, skipped = _credits(paths, models)
    columns = {
        name: [float(x) for x in (credit.shares if measure == "share" else getattr(credit, measure))]
        for name, credit in credits.items()
    }
    frame = pd.DataFrame(columns, index=pd.Index(list(paths.channels), name="channel"))
    frame.attrs["skipped"] = skipped
    return frame


def credit_by_model(paths: Paths, models: Mapping[str, Model]) -> pd.DataFrame:
    """One row per (model, channel): the channel's attributed ``conversions``, ``value`` (revenue) and
    ``share`` of the conversions by that model, models in the order given. A model the journeys cannot
    feed is left out, as in ``side_by_side`` (``skipped`` in ``attrs``). No journeys, no rows."""
    if len(paths.conversions) == 0:
        models = {}  # no journeys: nothing to credit (and no game for Shapley to play)
    credits, skipped = _credits(paths, models)
    rows = [{"model": name, **row} for name, credit in credits.items() for row in credit.as_rows()]
    frame = pd.DataFrame(rows, columns=["model", "channel", "conversions", "value", "share"])
    frame.attrs["skipped"] = skipped
    return frame


def _credits(paths: Paths, models: Mapping[str, Model]) -> tuple[dict[str, Credit], dict[str, str]]:
    """Each model's credit, in the order given, and why each model the journeys cannot feed was left out."""
    credits: dict[str, Credit] = {}
    skipped: dict[str, str] = {}
    for name, model in models.items():
        try:
            credits[name] = model(paths)
        except InvalidInput as error:
            skipped[name] = str(error)
    return credits, skipped


def at_milestones(
    journeys_to: Callable[[str], Paths],
    milestones: Sequence[str],
    models: Mapping[str, Model],
    *,
    measure: str = "share",
) -> pd.DataFrame:
    """``side_by_side`` at each milestone, stacked: columns ``milestone``, ``channel``, then a column per
    model; ``journeys_to(milestone)`` builds that milestone's journeys."""
    frames = []
    skipped: dict[str, str] = {}
    for milestone in milestones:
        frame = side_by_side(journeys_to(milestone), models, measure=measure)
        skipped |= frame.attrs["skipped"]
        frame = frame.reset_index()
        frame.insert(0, "milestone", milestone)
        frames.append(frame)
    stacked = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["milestone", "channel"])
    stacked.attrs["skipped"] = skipped
    return stacked
