"""The models that read each touch's age and role (time decay, W-shaped, full path), worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.attribution import DATA_DRIVEN, MODELS, Credit, full_path, time_decay, w_shaped
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import LEAD_CREATED, OPPORTUNITY_CREATED, WON, Paths

DAY = 86400.0
LEAD, OPP = LEAD_CREATED, OPPORTUNITY_CREATED

# J1: A > B > C > D > E, 1 conversion worth 100: B created the lead, D the opportunity, E won it.
# J2: A > B, 2 conversions: A both first touch and lead creation, no opportunity (a journey to MQL).
# J3: C alone, 1 conversion, no role at all (the lead was created before its window).
JOURNEYS = Paths.of(
    [["A", "B", "C", "D", "E"], ["A", "B"], ["C"]],
    conversions=[1, 2, 1],
    value=[100, 0, 0],
    ages=[[14 * DAY, 7 * DAY, 7 * DAY, 0, 0], [7 * DAY, 0], [3 * DAY]],
    marks=[[0, LEAD, 0, OPP, WON], [LEAD, 0], [0]],
)


def _by_channel(credit: Credit) -> dict[str, object]:
    return {c: pytest.approx(float(x)) for c, x in zip(credit.channels, credit.conversions, strict=True)}


def test_w_shaped_by_hand() -> None:
    # J1: A, B (lead), D (opportunity) 0.3 each; C and E share 0.1.
    # J2: A is first and lead creation, 0.3 + 0.3; B the only other, 0.1; no opportunity, so scaled by 1/0.7:
    #     A 6/7, B 1/7, times 2 conversions. J3: C takes all.
    assert _by_channel(w_shaped(JOURNEYS)) == {
        "A": 0.3 + 12 / 7, "B": 0.3 + 2 / 7, "C": 0.05 + 1, "D": 0.3, "E": 0.05,
    }  # fmt: skip
    assert w_shaped(JOURNEYS).value.tolist() == pytest.approx([30, 30, 5, 30, 5])  # J1's 100 as J1's weights


def test_full_path_by_hand() -> None:
    # J1: A, B (lead), D (opportunity), E (won) 0.225 each; C, the only other, 0.1.
    # J2: A 0.225 + 0.225, B 0.1: scaled by 1/0.55 to A 9/11, B 2/11, times 2. J3: C takes all.
    assert _by_channel(full_path(JOURNEYS)) == {
        "A": 0.225 + 18 / 11, "B": 0.225 + 4 / 11, "C": 0.1 + 1, "D": 0.225, "E": 0.225,
    }  # fmt: skip


def test_a_journey_of_key_touches_only_splits_evenly_among_its_roles() -> None:
    # First touch, lead creation and opportunity creation on three touches, no other: 0.3 each, scaled to 1/3.
    paths = Paths.of([["A", "B", "C"]], conversions=[1], ages=[[0, 0, 0]], marks=[[0, LEAD, OPP]])
    assert _by_channel(w_shaped(paths)) == {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}


def test_time_decay_by_hand() -> None:
    # Half-life 7 days. J1 ages 14, 7, 7, 0, 0 days weigh 1/4, 1/2, 1/2, 1, 1 (of 13/4): 1/13, 2/13, 2/13,
    # 4/13, 4/13. J2 ages 7 and 0 days weigh 1/2 and 1: A 1/3, B 2/3, times 2. J3: C takes all.
    assert _by_channel(time_decay(JOURNEYS)) == {
        "A": 1 / 13 + 2 / 3, "B": 2 / 13 + 4 / 3, "C": 2 / 13 + 1, "D": 4 / 13, "E": 4 / 13,
    }  # fmt: skip
    # A half-life of one day: J2's A is 2^-7 of B, so takes 1/129 of each conversion.
    one_day = time_decay(JOURNEYS, half_life=timedelta(days=1))
    assert float(one_day.conversions[0]) == pytest.approx(2**-14 / (2**-14 + 2 * 2**-7 + 2) + 2 / 129)


def test_time_decay_of_very_old_touches_still_adds_up() -> None:
    # 700 and 707 days at a 7-day half-life: 2^-100 and 2^-101, i.e. 2/3 and 1/3.
    paths = Paths.of([["A", "B"]], conversions=[3], ages=[[700 * DAY, 707 * DAY]], marks=[[0, 0]])
    assert _by_channel(time_decay(paths)) == {"A": 2, "B": 1}
    assert _by_channel(time_decay(paths, half_life=timedelta(hours=1))) == {"A": 3, "B": 0}


def test_the_models_of_ages_and_roles_refuse_aggregated_paths_and_say_what_to_do() -> None:
    aggregated = Paths.of([["A", "B"]], conversions=[1])
    for model in (time_decay, w_shaped, full_path):
        with pytest.raises(InvalidInput, match="build the journeys from the store"):
            model(aggregated)
    with pytest.raises(InvalidInput, match="half-life of time decay must be positive"):
        time_decay(JOURNEYS, half_life=timedelta(0))


def test_steps_given_to_paths_must_match_them() -> None:
    with pytest.raises(InvalidInput, match="ages: one value per step"):
        Paths.of([["A", "B"]], conversions=[1], ages=[[0.0]])


@st.composite
def journeys_with_steps(draw: st.DrawFn) -> Paths:
    paths, ages, marks = [], [], []
    for _ in range(draw(st.integers(1, 10))):
        path = draw(st.lists(st.sampled_from(["A", "B", "C", "direct"]), min_size=1, max_size=6))
        paths.append(path)
        ages.append(draw(st.lists(st.floats(0, 1e9), min_size=len(path), max_size=len(path))))
        flags = [0] * len(path)
        for bit in (LEAD, OPP, WON):
            at = draw(st.none() | st.integers(0, len(path) - 1))
            if at is not None:
                flags[at] |= bit
        marks.append(flags)
    return Paths.of(paths, conversions=[1] * len(paths), ages=ages, marks=marks)


HEURISTICS = sorted(name for name in MODELS if name not in DATA_DRIVEN)


@settings(max_examples=100, deadline=None)
@given(journeys_with_steps(), st.sampled_from(HEURISTICS))
def test_every_heuristic_gives_each_journey_weights_adding_up_to_1(paths: Paths, model: str) -> None:
    for journey in range(len(paths.lengths)):  # one journey converting at a time: its weights are the credit
        alone = np.zeros(len(paths.lengths))
        alone[journey] = 1.0
        credit = MODELS[model](replace(paths, conversions=alone))
        assert credit.conversions.sum() == pytest.approx(1.0)
        assert (credit.conversions >= 0).all()
