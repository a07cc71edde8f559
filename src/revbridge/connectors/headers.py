"""Reading an export by the fields a reader needs, whatever the tool called its columns.

Exports name one field several ways: HubSpot writes labels ("Record ID") where its API uses internal
names ("hs_object_id"); Salesforce reports write labels ("Lead ID") where Data Loader writes API names
("Id"). A reader declares the spellings it accepts per field; ``resolve_header`` finds them ignoring case
and whitespace, ``MappedRow`` reads a row's cells by field, and ``read_batches`` streams a file as batches
of records and rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from revbridge.connectors.batches import Batch
from revbridge.connectors.csv_rows import CsvRow, csv_header, read_csv_rows
from revbridge.connectors.values import ValueInvalid, blank
from revbridge.domain.errors import ImportFileInvalid
from revbridge.domain.records import Reject

R = TypeVar("R")
T = TypeVar("T")

Aliases = Mapping[str, tuple[str, ...]]
Json = str | int | float | bool | None  # what a record's ``properties`` may hold: it is stored as JSON
Property = tuple[Callable[[str], Json], tuple[str, ...]]  # how to parse a property, and its spellings

_SHOWN_COLUMNS = 25  # a HubSpot "All properties" export has hundreds of columns; name the first few


def column_key(name: str) -> str:
    """How a column name is compared: case and all whitespace ignored (``First Name`` = ``firstname``)."""
    return "".join(name.replace("\ufeff", "").split()).casefold()


def resolve_header(
    header: list[str], aliases: Aliases, *, required: Collection[str] = (), path: str = "file"
) -> dict[str, str]:
    """Canonical field -> the column (stripped) that holds it, for each field the header has.

    Each field takes its first spelling, in ``aliases`` order, that the header contains. Raises
    ImportFileInvalid when a field in ``required`` has no column, naming the accepted spellings and the
    columns the file does have.
    """
    columns: dict[str, str] = {}
    for name in header:
        columns.setdefault(column_key(name), name.strip())
    resolved: dict[str, str] = {}
    for field, spellings in aliases.items():
        for spelling in spellings:
            column = columns.get(column_key(spelling))
            if column is not None:
                resolved[field] = column
                break
    missing = [field for field in required if field not in resolved]
    if missing:
        raise ImportFileInvalid(path, _missing_columns(missing, aliases, header))
    return resolved


def with_properties(fields: Aliases, properties: Mapping[str, Property]) -> dict[str, tuple[str, ...]]:
    """One alias table for a reader's record fields and its properties."""
    return {**fields, **{key: spellings for key, (_, spellings) in properties.items()}}


def property_parsers(properties: Mapping[str, Property]) -> dict[str, Callable[[str], Json]]:
    return {key: parse for key, (parse, _) in properties.items()}


def _missing_columns(missing: list[str], aliases: Aliases, header: list[str]) -> str:
    wanted = "; ".join(_spellings(aliases[field]) for field in missing)
    names = [h.strip() for h in header if h.strip()]
    shown = ", ".join(repr(n) for n in names[:_SHOWN_COLUMNS])
    more = f" and {len(names) - _SHOWN_COLUMNS} more" if len(names) > _SHOWN_COLUMNS else ""
    found = f"the file's columns are {shown}{more}" if names else "the file's header row is empty"
    plural = "s" if len(missing) > 1 else ""
    return (
        f"missing required column{plural}: {wanted} (any case or spacing); {found}. "
        "Export again with the column included, or rename the column to one of the accepted names."
    )


def _spellings(spellings: tuple[str, ...]) -> str:
    unique = list(dict.fromkeys(spellings))
    first, rest = unique[0], unique[1:]
    return f"{first!r}" + (f" (or {', '.join(repr(s) for s in rest)})" if rest else "")


class CellInvalid(Exception):
    """One cell makes its row unusable; ``read_batches`` turns this into a Reject."""

    def __init__(self, column: str, reason: str, value: str = "") -> None:
        self.column = column
        self.reason = reason
        self.value = value
        super().__init__(f"{column}: {reason}")


@dataclass(frozen=True, slots=True)
class MappedRow:
    """A CSV row read by canonical field: blank cells and absent columns both read as None."""

    row: CsvRow
    columns: Mapping[str, str]

    def column(self, field: str) -> str:
        """The file's name for ``field``, for rejects and flags."""
        return self.columns.get(field, field)

    def has(self, field: str) -> bool:
        return field in self.columns

    def text(self, field: str) -> str | None:
        name = self.columns.get(field)
        raw = None if name is None else self.row.values.get(name)
        return None if raw is None or blank(raw) else raw.strip()

    def parsed(self, field: str, parse: Callable[[str], T]) -> T | None:
        """The cell parsed by ``parse``; a ValueInvalid rejects the row with this column as field."""
        raw = self.text(field)
        if raw is None:
            return None
        try:
            return parse(raw)
        except ValueInvalid as exc:
            raise CellInvalid(self.column(field), str(exc), raw) from None

    def properties(self, parsers: Mapping[str, Callable[[str], Json]]) -> dict[str, Json]:
        """Each field of ``parsers`` the row has a value for, parsed, keyed by field."""
        found = {field: self.parsed(field, parse) for field, parse in parsers.items()}
        return {field: value for field, value in found.items() if value is not None}


def read_batches(
    path: Path,
    aliases: Aliases,
    convert: Callable[[MappedRow], R],
    *,
    required: Collection[str],
    batch_size: int,
) -> Iterator[Batch[R]]:
    """Batches of ``batch_size`` rows each (records plus rejects), streamed: one row in memory at a time.

    The header is checked now, so a wrong file fails before the first batch is asked for.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if not path.is_file():
        raise ImportFileInvalid(str(path), "no such file; check the path")
    columns = resolve_header(csv_header(path), aliases, required=required, path=str(path))
    return _batches(path, columns, convert, batch_size)


def _batches(
    path: Path, columns: Mapping[str, str], convert: Callable[[MappedRow], R], batch_size: int
) -> Iterator[Batch[R]]:
    batch: Batch[R] = Batch()
    for row in read_csv_rows(path):
        try:
            batch.records.append(convert(MappedRow(row, columns)))
        except CellInvalid as exc:
            batch.rejects.append(Reject(str(path), row.number, exc.column, exc.reason, exc.value))
        batch.rows_read += 1
        batch.bytes_read = row.position
        if batch.rows_read == batch_size:
            yield batch
            batch = Batch()
    if batch.rows_read:
        yield batch
