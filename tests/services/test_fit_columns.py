"""Fit rules over a column give, value by value, the domain's answer."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.scoring import rule_holds
from revbridge.domain.sla_sections import FitRule
from revbridge.services.fit_columns import rule_mask

TEXT_RULES = [
    FitRule(field="industry", op="in", value=["software", "FinTech "], points=5),
    FitRule(field="industry", op="equals", value="software", points=5),
    FitRule(field="job_title", op="regex", value=r"(?i)\b(vp|head)\b", points=5),
    FitRule(field="phone", op="exists", points=2),
]
NUMBER_RULES = [
    FitRule(field="employees", op="between", value=[200, 5000], points=5),
    FitRule(field="employees", op="gte", value=5001, points=5),
    FitRule(field="employees", op="lte", value=50, points=5),
    FitRule(field="employees", op="equals", value=300, points=5),
]
texts = st.lists(
    st.one_of(st.none(), st.sampled_from(["software", " Software ", "fintech", "VP Sales", "vpn admin", "", "head"])),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(texts)
def test_text_rules_over_a_column_agree_with_the_domain(values: list[str | None]) -> None:
    column = pa.array(values, pa.string())
    for rule in TEXT_RULES:
        assert rule_mask(rule, column).tolist() == [rule_holds(rule, v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 10_000)), max_size=30))
def test_number_rules_over_a_column_agree_with_the_domain(values: list[int | None]) -> None:
    column = pa.array(values, pa.int64())
    for rule in NUMBER_RULES:
        assert rule_mask(rule, column).tolist() == [rule_holds(rule, v) for v in values]


def test_a_pattern_arrow_cannot_compile_is_answered_by_the_domain() -> None:
    rule = FitRule(field="job_title", op="regex", value=r"(?<!x)head", points=1)  # look-behind: not in RE2
    values = ["head", "xhead", None]
    assert rule_mask(rule, pa.array(values)).tolist() == [True, False, False]
