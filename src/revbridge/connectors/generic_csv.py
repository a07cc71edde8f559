"""Any CSV, read through a committed column mapping into typed records, row by row, streaming."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from revbridge.connectors.batches import DEFAULT_BATCH_SIZE, Batch
from revbridge.connectors.csv_rows import csv_header, read_csv_rows
from revbridge.connectors.mapping import RECORD_TYPES, REQUIRED, ColumnSpec, Mapping, field_types
from revbridge.connectors.values import (
    ValueInvalid,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
)
from revbridge.domain.errors import ImportFileInvalid
from revbridge.domain.identity import normalise_email
from revbridge.domain.records import Reject

_PARSERS: dict[type[Any], Callable[[str], Any]] = {
    int: parse_int,
    float: parse_float,
    bool: parse_bool,
    datetime: parse_datetime,
    date: parse_date,
    str: str.strip,
}


def _parser(kind: type[Any], spec: ColumnSpec) -> Callable[[str], Any]:
    if spec.format and kind in (date, datetime):
        fmt = spec.format

        def parse_formatted(raw: str) -> Any:
            try:
                value = datetime.strptime(raw.strip(), fmt)
            except ValueError:
                raise ValueInvalid(f"expected a date in the format {fmt}, got {raw!r}") from None
            return value.date() if kind is date else parse_datetime(value.isoformat())

        return parse_formatted
    return _PARSERS[kind]


class RowConverter:
    """Turns one CSV row (a dict of cells) into a record of the mapping's entity, or rejects."""

    def __init__(self, mapping: Mapping, header: list[str], file: str) -> None:
        self.mapping = mapping
        self.file = file
        self.nulls = {v.strip().lower() for v in mapping.null_values}
        self.record_type = RECORD_TYPES[mapping.entity]
        kinds = field_types(mapping.entity)
        by_lower = {h.strip().lower(): h.strip() for h in header}
        self.fields: list[tuple[str, ColumnSpec, str | None, Callable[[str], Any]]] = []
        for name, spec in mapping.specs().items():
            column = by_lower.get(spec.column.strip().lower()) if spec.column else None
            self.fields.append((name, spec, column, _parser(kinds[name], spec)))
        used = {c for _, _, c, _ in self.fields if c}
        if mapping.properties == "rest":
            self.property_columns = [h.strip() for h in header if h.strip() not in used and h.strip()]
        elif mapping.properties == "none":
            self.property_columns = []
        else:
            self.property_columns = [by_lower.get(c.strip().lower(), c) for c in mapping.properties]
        self.has_source = "source" in kinds

    def _cell(self, values: dict[str, str], column: str) -> str | None:
        raw = values.get(column)
        if raw is None or raw.strip().lower() in self.nulls:
            return None
        return raw

    def convert(self, number: int, values: dict[str, str]) -> tuple[Any | None, list[Reject]]:
        data: dict[str, Any] = {}
        rejects: list[Reject] = []
        for name, spec, column, parse in self.fields:
            if spec.constant is not None:
                data[name] = spec.constant
                continue
            assert column is not None
            raw = self._cell(values, column)
            if raw is not None and spec.map:
                key = raw.strip()
                if key in spec.map:
                    mapped = spec.map[key]
                    raw = None if mapped is None or mapped == "" else str(mapped)
            if raw is None:
                if spec.default is not None:
                    raw = str(spec.default)
                else:
                    continue
            try:
                data[name] = parse(raw)
            except ValueInvalid as exc:
                rejects.append(Reject(self.file, number, column, str(exc), raw))
        for email_field in ("email", "lead_email"):
            if data.get(email_field) is not None:
                email = normalise_email(data[email_field])
                if email is None:
                    column = next(c for n, _, c, _ in self.fields if n == email_field) or email_field
                    rejects.append(Reject(self.file, number, column, "not an e-mail address", data[email_field]))
                data[email_field] = email
        refused = {r.field for r in rejects}
        for group in REQUIRED[self.mapping.entity]:
            columns = {c for n, _, c, _ in self.fields if n in group}
            if columns & refused:
                continue  # a cell already refused is not also "empty"
            if all(data.get(f) in (None, "") for f in group):
                names = [c or n for n, _, c, _ in self.fields if n in group] or list(group)
                rejects.append(Reject(self.file, number, " or ".join(names), "required but empty", ""))
        if rejects:
            return None, rejects
        props = {}
        for column in self.property_columns:
            cell = self._cell(values, column)
            if cell is not None:
                props[column] = cell.strip()
        if self.has_source:
            data.setdefault("source", self.mapping.source)
        if self.mapping.entity == "leads" and not data.get("external_id"):
            data["external_id"] = data["email"]  # a person known only by e-mail is known by it
        if "properties" in self.record_type.__dataclass_fields__:
            data["properties"] = props
        return self.record_type(**data), []


def read_mapped_csv(path: Path, mapping: Mapping, *, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Batch[Any]]:
    """Batches of records of ``mapping.entity``; bad rows come back as rejects naming row and column."""
    header = csv_header(path)
    if not header:
        raise ImportFileInvalid(str(path), "no header row")
    converter = RowConverter(mapping, header, str(path))
    batch: Batch[Any] = Batch()
    for row in read_csv_rows(path):
        record, rejects = converter.convert(row.number, row.values)
        batch.rows_read += 1
        batch.bytes_read = row.position
        if record is not None:
            batch.records.append(record)
            batch.numbers.append(row.number)
        batch.rejects.extend(rejects)
        if batch.rows_read >= batch_size:
            yield batch
            batch = Batch()
    if batch.rows_read:
        yield batch
