"""Streaming CSV rows with their spreadsheet row numbers and the byte position, for progress bars.

Memory stays flat however large the file: one line at a time. The delimiter (comma, semicolon, tab)
is sniffed from the header; a UTF-8 byte-order mark is dropped; a file that is not UTF-8 is read as
Windows-1252, which is what spreadsheet programs write on Windows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from revbridge.domain.errors import ImportFileInvalid


@dataclass(frozen=True, slots=True)
class CsvRow:
    number: int  # the header is row 1
    values: dict[str, str]
    position: int  # bytes read so far


def _sniff(path: Path) -> tuple[str, str]:
    with path.open("rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise ImportFileInvalid(str(path), "the file is empty; expected a header row and data rows")
    try:
        text = head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            encoding = "cp1252"
            text = head.decode(encoding, errors="replace")
        else:
            encoding = "utf-8-sig"
            text = head[: exc.start].decode(encoding)
    header = text.splitlines()[0] if text else ""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    return encoding, delimiter if counts[delimiter] else ","


def csv_header(path: Path) -> list[str]:
    encoding, delimiter = _sniff(path)
    with path.open(encoding=encoding, newline="") as handle:
        return next(csv.reader(handle, delimiter=delimiter))


def read_csv_rows(path: Path) -> Iterator[CsvRow]:
    """Each data row as a dict keyed by the header's column names (stripped), with its row number.

    Rows with more fields than the header raise nothing here: the extra cells land under the key "".
    """
    if not path.is_file():
        raise ImportFileInvalid(str(path), "no such file; check the path")
    encoding, delimiter = _sniff(path)
    position = 0
    with path.open("rb") as raw:

        def lines() -> Iterator[str]:
            nonlocal position
            first = True
            for line in raw:
                position += len(line)
                text = line.decode(encoding if first else encoding.replace("-sig", ""), errors="replace")
                first = False
                yield text

        reader = csv.reader(lines(), delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportFileInvalid(str(path), "the file is empty; expected a header row") from None
        width = len(header)
        for number, cells in enumerate(reader, start=2):
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            values = dict(zip(header, cells, strict=False))
            if len(cells) > width:
                values[""] = delimiter.join(cells[width:])
            yield CsvRow(number=number, values=values, position=position)


def estimate_rows(path: Path, sample_bytes: int = 1 << 20) -> int:
    """About how many data rows ``path`` holds, from the line length of its first MiB (no full read)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(sample_bytes)
    lines = head.count(b"\n")
    if lines <= 1:
        return lines
    if len(head) >= size:
        return lines - 1  # the whole file was read: count, don't estimate
    return int(size / (len(head) / lines)) - 1
