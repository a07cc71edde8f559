"""Lead records as a feature frame: one row per lead, one column per field or property.

A column is **numeric** (float) when every non-empty value in it parses as a number (``12``, ``3.5``,
``1,200``); every other column is **categorical** (pandas ``category``, the text as it is). A missing
value stays missing (NaN): the scorers decide what missing means. Identity fields (source, ids, e-mail,
names, phone) and the creation time are never features; neither is a column with fewer than two
distinct values, which cannot tell one lead from another.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from revbridge.domain.records import LeadRecord

# Fields of a lead record that name or date a person rather than describe them.
NOT_FEATURES: frozenset[str] = frozenset(
    {
        "source",
        "external_id",
        "email",
        "first_name",
        "last_name",
        "phone",
        "created_at",
        "stage_history",
        "flags",
        "properties",
    }
)
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(LeadRecord) if f.name not in NOT_FEATURES)


def lead_values(record: LeadRecord) -> dict[str, Any]:
    """A record's fields and properties as one dict (fields first; a property never hides a field)."""
    values: dict[str, Any] = {name: getattr(record, name) for name in RECORD_FIELDS}
    for name, value in record.properties.items():
        values.setdefault(name, value)
    return values


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def typed_column(values: Sequence[Any]) -> pd.Series:
    """One column: floats when every non-missing value is a number, else a category of the texts."""
    present = [v for v in values if v is not None and v != ""]
    numbers = [_as_number(v) for v in present]
    if present and all(n is not None for n in numbers):
        return pd.Series([np.nan if v is None or v == "" else _as_number(v) for v in values], dtype="float64")
    texts = [None if v is None or v == "" else str(v) for v in values]
    return pd.Series(texts, dtype="object").astype("category")


def feature_frame(records: Sequence[LeadRecord], *, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """The feature frame of ``records``, without the columns named in ``exclude`` (case-insensitive,
    our field names or the export's header names as they appear in the properties)."""
    dropped = {name.strip().casefold() for name in exclude}
    rows = [lead_values(record) for record in records]
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns: dict[str, pd.Series] = {}
    for name in names:
        if name.casefold() in dropped:
            continue
        column = typed_column([row.get(name) for row in rows])
        if column.nunique(dropna=True) >= 2:
            columns[name] = column
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
