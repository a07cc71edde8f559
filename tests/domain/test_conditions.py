from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.domain.conditions import ConditionInvalid, parse_condition


def test_an_mql_condition_holds_only_when_both_scores_reach_their_thresholds() -> None:
    mql = parse_condition("fit >= 30 and engagement >= 40")
    assert mql.holds({"fit": 30, "engagement": 40})
    assert not mql.holds({"fit": 29.9, "engagement": 80})
    assert not mql.holds({"fit": 50, "engagement": 39})


def test_and_binds_tighter_than_or_and_parentheses_override_it() -> None:
    loose = parse_condition("fit >= 50 or fit >= 30 and engagement >= 40")
    tight = parse_condition("(fit >= 50 or fit >= 30) and engagement >= 40")
    scores = {"fit": 60, "engagement": 0}
    assert loose.holds(scores)
    assert not tight.holds(scores)


def test_not_negates_and_a_missing_score_never_satisfies_a_comparison() -> None:
    assert parse_condition("not fit < 10").holds({"fit": 10})
    assert not parse_condition("p_convert >= 0.2").holds({"fit": 90})
    assert parse_condition("not p_convert >= 0.2").holds({"fit": 90})


def test_prints_canonically_and_prettily() -> None:
    condition = parse_condition("(fit>=30 OR score ≥ 70.0) and not engagement<5")
    assert str(condition) == "(fit >= 30 or score >= 70) and not engagement < 5"
    assert condition.pretty() == "(fit ≥ 30 or score ≥ 70) and not engagement < 5"
    assert condition.names == {"fit", "score", "engagement"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a condition like 'fit >= 30 and engagement >= 40', got nothing"),
        (
            "fit >= 30 and engagment >= 40",
            "unknown score 'engagment' at column 15; did you mean 'engagement'? "
            "expected fit, engagement, score or p_convert",
        ),
        ("fit >=", "expected a number after '>=' at column 7, got the end of the condition"),
        ("fit 30", "expected an operator (>=, <=, >, <, ==) after 'fit' at column 5, got '30'"),
        ("(fit >= 3", "expected ')' at column 10 to close the '(' at column 1, got the end of the condition"),
        ("fit >= 3)", "unexpected ')' at column 9: no '(' opens it"),
        (
            "fit >= 3 engagement >= 3",
            "unexpected 'engagement' at column 10; join comparisons with 'and' or 'or'",
        ),
        ("fit >= 3 && score > 2", "unexpected character '&' at column 10; use and, or, not and parentheses"),
        ("30 <= fit", "expected a score name (fit, engagement, score or p_convert) at column 1, got '30'"),
        (
            "p_convert > 30",
            "p_convert is a probability: compare it with a number from 0 to 1, got 30 at column 13",
        ),
        (
            "__import__('os')",
            "unknown score '__import__' at column 1; expected fit, engagement, score or p_convert",
        ),
    ],
)
def test_refuses_a_wrong_condition_naming_the_token_and_its_column(text: str, message: str) -> None:
    with pytest.raises(ConditionInvalid) as raised:
        parse_condition(text)
    assert str(raised.value) == message


names = st.sampled_from(["fit", "engagement", "score"])
ops = st.sampled_from([">=", "<=", ">", "<", "=="])
comparisons = st.builds(lambda n, o, v: f"{n} {o} {v}", names, ops, st.integers(0, 200))
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=8,
)


@given(conditions, st.fixed_dictionaries({"fit": st.integers(0, 200), "engagement": st.integers(0, 200)}))
def test_the_canonical_text_parses_back_to_the_same_condition(text: str, scores: dict[str, float]) -> None:
    condition = parse_condition(text)
    again = parse_condition(str(condition))
    assert again == condition
    assert parse_condition(condition.pretty()) == condition
    scores = {**scores, "score": scores["fit"] + scores["engagement"]}
    assert again.holds(scores) == condition.holds(scores)
