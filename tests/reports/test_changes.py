"""What changed since last week, in words: percentages for counts, points for rates, better or worse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.reports.changes import Change


def test_a_count_changes_by_a_percentage_of_last_week() -> None:
    mqls = Change.of("mqls", "MQLs", "count", 52, 41)
    assert mqls.words == "MQLs 41 → 52, +27%"
    assert (mqls.direction, mqls.verdict) == ("up", "better")


def test_a_rate_changes_by_points_not_percent() -> None:
    rate = Change.of("sal_acceptance_rate", "SAL acceptance rate", "rate", 0.58, 0.62)
    assert rate.words == "SAL acceptance rate 62% → 58%, -4 pts"
    assert rate.verdict == "worse"


def test_for_speed_to_lead_lower_is_better() -> None:
    speed = Change.of("speed", "Median speed to lead", "hours", 8.4, 17.25, higher_is_better=False)
    assert speed.words == "Median speed to lead 17.2 h → 8.4 h, -51%"
    assert (speed.direction, speed.verdict) == ("down", "better")


def test_an_amount_is_grouped_and_something_from_nothing_is_new() -> None:
    assert Change.of("won", "Won revenue", "amount", 12000, 0).words == "Won revenue 0 → 12,000, new"
    assert Change.of("won", "Won revenue", "amount", 0, 219000).words == "Won revenue 219,000 → 0, -100%"
    assert Change.of("won", "Won revenue", "amount", 0, 0).change == "unchanged"


@pytest.mark.parametrize(
    ("now", "before", "says"),
    [(None, 0.8, "no figure this week"), (0.8, None, "no figure last week"), (None, None, "no figure either week")],
)
def test_a_week_without_a_figure_says_so(now: float | None, before: float | None, says: str) -> None:
    change = Change.of("sla_compliance", "SLA compliance", "rate", now, before)
    assert change.change == says
    assert change.verdict == "unknown"


def test_a_change_too_small_to_show_is_unchanged() -> None:
    assert Change.of("r", "Rate", "rate", 0.704, 0.70).change == "unchanged"
    assert Change.of("n", "Leads", "count", 1001, 1000).change == "unchanged"


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown unit 'dollars'"):
        Change.of("x", "X", "dollars", 1, 2)


figures = st.one_of(st.none(), st.floats(min_value=0, max_value=1e7, allow_nan=False))


@given(figures, figures, st.sampled_from(["count", "amount", "rate", "hours"]), st.booleans())
def test_the_verdict_follows_the_direction_and_which_way_is_good(
    now: float | None, before: float | None, unit: str, higher: bool
) -> None:
    change = Change.of("k", "Label", unit, now, before, higher_is_better=higher)
    assert change.words.startswith("Label ")
    if now is None or before is None:
        assert (change.direction, change.verdict) == ("unknown", "unknown")
    elif change.direction == "flat":
        assert change.verdict == "same"
        assert change.change == "unchanged"
    else:
        assert (change.direction == "up") == (now > before)
        assert (change.verdict == "better") == ((now > before) == higher)
