"""A CSV export of leads read for evaluation: through the generic CSV importer's mapping and row
conversion (the same records an import would store), without writing anywhere.

The **label** is the known outcome to predict, named by one of our fields (``converted``) or by a column
of the file (``Converted``; case-insensitive). Its values must read as yes/no (1/0, true/false, yes/no);
a row without one is dropped and counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revbridge.analytics.prediction.frames import feature_frame
from revbridge.connectors.csv_rows import csv_header
from revbridge.connectors.generic_csv import read_mapped_csv
from revbridge.connectors.mapping import load_mapping
from revbridge.connectors.values import ValueInvalid, parse_bool
from revbridge.domain.errors import ImportFileInvalid
from revbridge.domain.records import LeadRecord


@dataclass(frozen=True)
class Export:
    """The lead records of one file, with its header and which column each of our fields came from."""

    path: Path
    records: list[LeadRecord]
    header: list[str]
    field_columns: dict[str, str]  # our field -> the file's column
    rejected: int  # rows the importer refused (a required cell empty, a value of the wrong type)


@dataclass(frozen=True)
class Labelled:
    """Features and outcomes, row for row; ``dropped`` rows had no label."""

    features: pd.DataFrame
    labels: np.ndarray  # 1 = converted, 0 = not
    records: list[LeadRecord]
    dropped: int


def read_export(path: Path, mapping_path: Path) -> Export:
    """Every lead record of ``path`` as mapped by ``mapping_path``; refused rows are only counted."""
    if not path.is_file():
        raise ImportFileInvalid(str(path), "no such file; check the path")
    header = csv_header(path)
    mapping = load_mapping(mapping_path, header)
    if mapping.entity != "leads":
        raise ImportFileInvalid(str(mapping_path), f"maps {mapping.entity}; evaluating a score needs a leads mapping")
    records: list[LeadRecord] = []
    rejected = 0
    for batch in read_mapped_csv(path, mapping):
        records.extend(batch.records)
        rejected += batch.rows_read - len(batch.records)
    columns = {name: spec.column.strip() for name, spec in mapping.specs().items() if spec.column is not None}
    return Export(path, records, [h.strip() for h in header], columns, rejected)


def _resolve(export: Export, name: str, what: str) -> tuple[str | None, str | None]:
    """(our field, property name) that ``name`` designates: a field, a mapped column, or a property."""
    wanted = name.strip().casefold()
    fields = set(LeadRecord.__dataclass_fields__)
    field = next((f for f in fields if f.casefold() == wanted), None)
    if field is None:
        field = next((f for f, c in export.field_columns.items() if c.casefold() == wanted), None)
    column = next((h for h in export.header if h.casefold() == wanted), None)
    if field is None and column is None:
        raise ImportFileInvalid(
            str(export.path), f"{what}: no column {name!r} (the file has: {', '.join(export.header)})"
        )
    return field, column


def _outcome(value: Any, row: int, column: str, path: Path) -> float:
    if value is None or value == "":
        return np.nan
    if isinstance(value, bool):
        return float(value)
    try:
        return float(parse_bool(str(value)))
    except ValueInvalid:
        raise ImportFileInvalid(
            str(path), f"the label column {column!r} must hold yes/no, 1/0 or true/false; lead {row} has {value!r}"
        ) from None


def labelled(export: Export, label: str, *, exclude: Iterable[str] = ()) -> Labelled:
    """The feature frame and labels of ``export``: rows without a label dropped, the label and the
    ``exclude`` columns left out of the features."""
    field, column = _resolve(export, label, "the label")
    outcomes = np.array(
        [
            _outcome(
                getattr(r, field) if field else r.properties.get(column or ""), i + 1, column or label, export.path
            )
            for i, r in enumerate(export.records)
        ],
        dtype=float,
    )
    left_out = [n for n in (field, column) if n]
    for name in exclude:
        left_out += [n for n in _resolve(export, name, "cannot exclude") if n]
    known = ~np.isnan(outcomes)
    kept = [r for r, k in zip(export.records, known, strict=True) if k]
    labels = outcomes[known].astype(int)
    if len(kept) == 0 or labels.min() == labels.max():
        raise ImportFileInvalid(
            str(export.path),
            f"the label {label!r} needs both outcomes to learn from; the file has "
            f"{int(labels.sum())} converted and {int(len(labels) - labels.sum())} not converted",
        )
    return Labelled(feature_frame(kept, exclude=left_out), labels, kept, int((~known).sum()))
