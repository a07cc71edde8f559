"""What every importer yields: batches of typed records plus the rows it had to reject.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is row 1, the first
data row is row 2. A batch is the unit of commit, so a killed import loses at most the batch in flight,
and re-running it adds only what is missing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from revbridge.domain.records import Reject

R = TypeVar("R")

DEFAULT_BATCH_SIZE = 5_000


@dataclass
class Batch(Generic[R]):
    records: list[R] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # row number of each record, when the reader knows it
    rows_read: int = 0
    bytes_read: int = 0  # position in the file after this batch, for progress bars


REJECT_COLUMNS = ("file", "row", "field", "reason", "value")


def rejects_path(source: Path) -> Path:
    """``FILE.rejects.csv`` beside the imported file."""
    return source.with_name(source.name + ".rejects.csv")


class RejectWriter:
    """Appends rejected rows to ``FILE.rejects.csv``; the file is (re)written on each import run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)

    def write(self, rejects: Iterable[Reject]) -> None:
        for r in rejects:
            self._writer.writerow((r.file, r.row, r.field, r.reason, r.value))
            self.count += 1
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()
        if self.count == 0:
            self.path.unlink(missing_ok=True)
