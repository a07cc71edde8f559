"""Fit rules over whole columns (Arrow), for batch rescoring: the same answers as ``domain.scoring.rule_holds``.

Text is compared trimmed and without regard to case; regular expressions run in Arrow (RE2). A pattern
RE2 cannot compile, or a number rule on a text column that does not parse as numbers, is answered value by
value with the domain's own ``rule_holds``, so the result never depends on which path ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revbridge.domain.scoring import rule_holds
from revbridge.domain.scoring_batch import Bools, Floats
from revbridge.domain.sla_sections import FitRule


def fit_points(rules: Sequence[FitRule], leads: pa.Table, aliases: Mapping[str, str]) -> tuple[Floats, list[Bools]]:
    """Each lead's fit points under ``rules`` (its fields read as ``store.score_batches`` names them:
    ``aliases``), and, per rule, where it holds."""
    matched = [rule_mask(rule, leads.column(aliases[rule.field])) for rule in rules]
    fit = np.zeros(leads.num_rows)
    for rule, mask in zip(rules, matched, strict=True):
        fit += np.where(mask, float(rule.points), 0.0)
    return fit, matched


def rule_mask(rule: FitRule, column: pa.Array | pa.ChunkedArray) -> Bools:
    """Where ``rule`` holds for each value of ``column``."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    try:
        result = _arrow_mask(rule, column)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = column.to_pylist()
        return np.fromiter((rule_holds(rule, v) for v in values), dtype=bool, count=len(values))
    mask: Bools = pc.fill_null(result, False).to_numpy(zero_copy_only=False)
    return mask


def _text(column: pa.Array) -> pa.Array:
    text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
    return pc.utf8_trim_whitespace(text)


def _present(column: pa.Array) -> pa.Array:
    valid = pc.is_valid(column)
    if pa.types.is_string(column.type):
        return pc.and_(valid, pc.not_equal(column, ""))
    return valid


def _arrow_mask(rule: FitRule, column: pa.Array) -> pa.Array:
    present = _present(column)
    if rule.op == "exists":
        return present
    if rule.op in ("equals", "in"):
        wanted = rule.value if rule.op == "in" else [rule.value]
        if pa.types.is_string(column.type) or any(isinstance(v, str) for v in wanted):
            options = pa.array(sorted({str(v).strip().casefold() for v in wanted}), pa.string())
            return pc.and_(present, pc.is_in(pc.utf8_lower(_text(column)), value_set=options))
        numbers = pc.cast(column, pa.float64())
        return pc.is_in(numbers, value_set=pa.array([float(v) for v in wanted], pa.float64()))
    if rule.op == "regex":
        text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
        return pc.and_(present, pc.match_substring_regex(text, rule.value))
    numbers = pc.cast(_text(column), pa.float64()) if pa.types.is_string(column.type) else pc.cast(column, pa.float64())
    if rule.op == "between":
        low, high = float(rule.value[0]), float(rule.value[1])
        return pc.and_(pc.greater_equal(numbers, low), pc.less_equal(numbers, high))
    if rule.op == "gte":
        return pc.greater_equal(numbers, float(rule.value))
    return pc.less_equal(numbers, float(rule.value))
