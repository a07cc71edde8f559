"""Reading a file of purchases (customer, date, amount) for a customer-lifetime-value fit.

Comma-, semicolon-, tab- or whitespace-separated, with a header, or without one when ``columns`` names
them (CDNOW's sample file has none). Dates as any export writes them (2024-03-01, 19970101, 03/01/2024).
A row whose customer, date or amount cannot be read is an error naming the file, the line and the
field; nothing is fitted on part of a file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from revbridge.connectors.values import ValueInvalid, blank, parse_date, parse_float
from revbridge.domain.errors import ImportFileInvalid

_SHOWN = 5  # bad rows listed in an error


@dataclass(frozen=True)
class Purchases:
    customers: list[str]
    days: list[date]
    amounts: list[float]


def _split(path: Path, sample: str) -> re.Pattern[str] | str:
    first = sample.splitlines()[0] if sample else ""
    for separator in (",", ";", "\t"):
        if separator in first:
            return separator
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return re.compile(r"\s+")


def read_purchases(
    path: Path, *, customer: str, day: str, amount: str, columns: Sequence[str] | None = None
) -> Purchases:
    """The purchases in ``path``: the ``customer``, ``day`` and ``amount`` columns of each row."""
    if not path.is_file():
        raise ImportFileInvalid(str(path), "no such file")
    text = path.read_text(encoding="utf-8-sig")
    separator = _split(path, text[:4096])
    rows = [_cells(line, separator) for line in text.splitlines()]
    numbered = [(n, cells) for n, cells in enumerate(rows, start=1) if any(c.strip() for c in cells)]
    if not numbered:
        raise ImportFileInvalid(str(path), "the file is empty")
    if columns is None:
        header = [c.strip() for c in numbered[0][1]]
        numbered = numbered[1:]
    else:
        header = list(columns)
    wanted = {"customer": customer, "date": day, "amount": amount}
    missing = [f"{role} column {name!r}" for role, name in wanted.items() if name not in header]
    if missing:
        raise ImportFileInvalid(
            str(path),
            f"no {', '.join(missing)}; the columns are {', '.join(header)} (name them with --columns "
            "if the file has no header)",
        )
    at = {role: header.index(name) for role, name in wanted.items()}
    out = Purchases([], [], [])
    problems: list[str] = []
    for line, cells in numbered:
        try:
            who = cells[at["customer"]].strip()
            if blank(who):
                raise ValueInvalid("no customer")
            when, value = parse_date(cells[at["date"]]), parse_float(cells[at["amount"]])
        except IndexError:
            problems.append(f"line {line}: expected {len(header)} fields, found {len(cells)}")
            continue
        except ValueInvalid as exc:
            field = _field(exc, wanted, cells, at)
            problems.append(f"line {line}, {field}: {exc}")
            continue
        out.customers.append(who)
        out.days.append(when)
        out.amounts.append(value)
    if problems:
        listed = "; ".join(problems[:_SHOWN]) + (
            f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        )
        raise ImportFileInvalid(str(path), f"{len(problems)} row(s) cannot be read: {listed}")
    return out


def _cells(line: str, separator: re.Pattern[str] | str) -> list[str]:
    if isinstance(separator, re.Pattern):
        return separator.split(line.strip())
    return next(csv.reader([line], delimiter=separator))


def _field(exc: ValueInvalid, wanted: dict[str, str], cells: list[str], at: dict[str, int]) -> str:
    """Which field a parse error is about: the first of customer, date, amount that does not read."""
    if blank(cells[at["customer"]]):
        return wanted["customer"]
    try:
        parse_date(cells[at["date"]])
    except ValueInvalid:
        return wanted["date"]
    return wanted["amount"]
