"""The column mapping for generic CSV imports: a small YAML file committed beside the data.

```yaml
entity: leads               # leads | touchpoints | activities | opportunities | spend | accounts | users
source: x-education         # names the system the rows come from (part of each row's identity)
null_values: ["", "Select"] # cells that mean "not given"
columns:                    # our field: the file's column, or a spec
  external_id: Prospect ID
  lead_source: {column: Lead Source, map: {google: Google}}
  converted: {column: Converted}
  channel: {constant: paid_search}
properties: rest            # rest (every unmapped column), none, or a list of columns
```
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from revbridge.domain import records
from revbridge.domain.errors import FieldError, MappingInvalid
from revbridge.domain.validation_messages import describe_error
from revbridge.domain.yaml_source import YamlSource, path_text

Entity = Literal["leads", "touchpoints", "activities", "opportunities", "spend", "accounts", "users"]

RECORD_TYPES: dict[str, type[Any]] = {
    "leads": records.LeadRecord,
    "touchpoints": records.TouchpointRecord,
    "activities": records.ActivityRecord,
    "opportunities": records.OpportunityRecord,
    "spend": records.SpendRecord,
    "accounts": records.AccountRecord,
    "users": records.UserRecord,
}

# Fields every row of an entity must have, after mapping (one of a tuple suffices).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "leads": (("external_id", "email"),),
    "touchpoints": (("external_id",), ("type",), ("occurred_at",), ("lead_email", "lead_external_id")),
    "activities": (("external_id",), ("type",), ("occurred_at",), ("lead_email", "lead_external_id")),
    "opportunities": (("external_id",),),
    "spend": (("campaign",), ("day",), ("amount",)),
    "accounts": (("name",),),
    "users": (("name",), ("team",)),
}

_NOT_MAPPABLE = {"properties", "stage_history", "flags", "contact_emails"}


class ColumnSpec(BaseModel):
    """Where one of our fields comes from: a column (optionally translated), or a constant."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    constant: str | int | float | bool | None = None
    map: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    default: str | int | float | bool | None = None
    format: str | None = None  # strptime format for dates in an unusual style

    @model_validator(mode="after")
    def _one_origin(self) -> ColumnSpec:
        if (self.column is None) == (self.constant is None):
            raise ValueError("give exactly one of 'column' or 'constant'")
        return self


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: Entity
    source: str = Field("csv", min_length=1, max_length=50)
    null_values: list[str] = Field(default_factory=lambda: [""])
    columns: dict[str, str | ColumnSpec]
    properties: Literal["rest", "none"] | list[str] = "rest"

    def specs(self) -> dict[str, ColumnSpec]:
        return {k: v if isinstance(v, ColumnSpec) else ColumnSpec(column=v) for k, v in self.columns.items()}

    def source_columns(self) -> set[str]:
        return {s.column for s in self.specs().values() if s.column is not None}


def field_types(entity: str) -> dict[str, type[Any]]:
    """Our fields for an entity and the plain type each holds (str, int, float, bool, date, datetime)."""
    record_type = RECORD_TYPES[entity]
    hints = typing.get_type_hints(record_type)
    out: dict[str, type[Any]] = {}
    for f in dataclasses.fields(record_type):
        if f.name in _NOT_MAPPABLE:
            continue
        hint = hints[f.name]
        if get_origin(hint) in (Union, types.UnionType):
            hint = next(a for a in get_args(hint) if a is not type(None))
        out[f.name] = hint if hint in (str, int, float, bool, date, datetime) else str
    return out


def _check(mapping: Mapping, header: list[str] | None) -> list[FieldError]:
    errors: list[FieldError] = []
    known = field_types(mapping.entity)
    for name in mapping.columns:
        if name not in known:
            errors.append(
                FieldError(f"columns.{name}", f"not a field of {mapping.entity}; expected one of {sorted(known)}")
            )
    present = set(mapping.columns)
    for group in REQUIRED[mapping.entity]:
        if not present & set(group):
            errors.append(FieldError("columns", f"{mapping.entity} need a column for {' or '.join(group)}"))
    if header is not None:
        lowered = {h.strip().lower() for h in header}
        for name, spec in mapping.specs().items():
            if spec.column is not None and spec.column.strip().lower() not in lowered:
                errors.append(
                    FieldError(
                        f"columns.{name}",
                        f"the file has no column {spec.column!r} (it has: {', '.join(header)})",
                    )
                )
    return errors


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """The part of a Pydantic error location that exists in the document (union branch names dropped)."""
    kept: list[Any] = []
    for part in loc:
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if in_dict or in_list:
            data = data[part]
        elif part in Mapping.model_fields or part in ColumnSpec.model_fields:
            data = None
        else:
            continue
        kept.append(part)
    return tuple(kept)


def _reworded(exc: ValidationError, doc: YamlSource) -> list[FieldError]:
    found: dict[str, FieldError] = {}
    for error in exc.errors(include_url=False):
        loc = _data_path(tuple(error["loc"]), doc.data)
        if error["type"] == "string_type" and len(loc) == 2 and loc[0] == "columns":
            continue  # the column was written as a spec; the spec's own error says what is wrong
        allowed = list(Mapping.model_fields) if len(loc) == 1 else list(ColumnSpec.model_fields)
        text = path_text(loc)
        found.setdefault(text, FieldError(text, describe_error(error, allowed_keys=allowed), doc.line_of(loc)))
    return list(found.values())


def _with_lines(errors: list[FieldError], doc: YamlSource) -> list[FieldError]:
    return [FieldError(e.path, e.message, doc.line_of(tuple(e.path.split(".")))) for e in errors]


def load_mapping(path: Path, header: list[str] | None = None) -> Mapping:
    """Read and check a mapping file; every problem at once, each with its path and line in the file."""
    try:
        doc = YamlSource.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingInvalid(str(path), [FieldError("(document)", "no such file")]) from None
    if doc.problems:
        raise MappingInvalid(str(path), doc.problems)
    try:
        mapping = Mapping.model_validate(doc.data)
    except ValidationError as exc:
        errors = _reworded(exc, doc)
        if isinstance(doc.data, dict) and isinstance(doc.data.get("columns"), dict) and "entity" in doc.data:
            entity = doc.data["entity"]
            if entity in RECORD_TYPES:  # still say which column names are wrong
                partial = Mapping.model_construct(entity=entity, columns=doc.data["columns"])
                seen = {x.path for x in errors}
                errors += [e for e in _with_lines(_check(partial, None), doc) if e.path not in seen]
        raise MappingInvalid(str(path), errors) from None
    errors = _with_lines(_check(mapping, header), doc)
    if errors:
        raise MappingInvalid(str(path), errors)
    return mapping
