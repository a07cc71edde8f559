"""Journeys in the common aggregated format other attribution tools read and write.

One row per distinct path: ``path`` (channels joined by ``" > "``), ``total_conversions``,
``total_conversion_value`` and ``total_null`` (journeys that did not convert); comma- or
semicolon-separated (sniffed). Read column-wise with Arrow: a million paths are split and encoded
without a Python loop per row. A value that is not a number is an error naming the file, line and column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from revbridge.domain.errors import ImportFileInvalid
from revbridge.domain.paths import Paths

PATH, CONVERSIONS, VALUE, NULLS = "path", "total_conversions", "total_conversion_value", "total_null"
SEPARATOR = " > "


def _delimiter(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(8192)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        return ";" if sample.count(";") > sample.count(",") else ","


def read_paths(path: Path) -> Paths:
    """The journeys in ``path``; ``total_conversion_value`` and ``total_null`` may be missing (zero)."""
    if not path.is_file():
        raise ImportFileInvalid(str(path), "no such file")
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=_delimiter(path)),
        convert_options=pacsv.ConvertOptions(column_types={PATH: pa.string()}, strings_can_be_null=False),
    )
    return paths_of_table(table, str(path))


def paths_of_table(table: pa.Table, origin: str = "the table") -> Paths:
    """The journeys in an Arrow table (or a data frame made one) of the aggregated format's columns;
    ``origin`` names it in errors. The path strings are split and encoded column-wise."""
    if PATH not in table.column_names or CONVERSIONS not in table.column_names:
        raise ImportFileInvalid(
            origin,
            f"expected the columns {PATH} and {CONVERSIONS} (and {VALUE}, {NULLS}); found "
            f"{', '.join(table.column_names)}",
        )
    numbers = {name: _numbers(origin, table, name) for name in (CONVERSIONS, VALUE, NULLS)}
    column = table.column(PATH)
    if column.null_count:
        line = int(np.flatnonzero(pc.is_null(column).to_numpy(zero_copy_only=False))[0]) + 2
        raise ImportFileInvalid(origin, f"line {line}, {PATH}: a path is missing")
    tokens, lengths = _split(pc.cast(column, pa.large_string()).combine_chunks())
    encoded = pc.dictionary_encode(tokens)
    # The tokens keep the separator and spaces around them ("email >", " web"): few, cleaned here.
    cleaned = [t.strip().removesuffix(SEPARATOR.strip()).strip() for t in encoded.dictionary.to_pylist()]
    channels = sorted(set(cleaned) - {""})
    rank = {c: i for i, c in enumerate(channels)}
    codes = np.array([rank.get(c, -1) for c in cleaned], dtype=np.int64)[encoded.indices.to_numpy()]
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if (codes < 0).any():
        line = int(np.searchsorted(starts, np.flatnonzero(codes < 0)[0], side="right")) + 1
        raise ImportFileInvalid(origin, f"line {line}, {PATH}: a step is empty; paths look like 'a > b > c'")
    return Paths(tuple(channels), codes, starts, numbers[CONVERSIONS], numbers[VALUE], numbers[NULLS])


def _split(paths: pa.LargeStringArray) -> tuple[pa.LargeStringArray, np.ndarray]:
    """Each path's steps, without copying the text: a step runs from its path's start or just past a
    separator to the next step's start (so it holds the separator after it); and the steps per path."""
    _, offset_buffer, data_buffer = paths.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64)[paths.offset : paths.offset + len(paths) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    low, high = int(offsets[0]), int(offsets[-1])
    separators = np.flatnonzero(data[low:high] == ord(SEPARATOR.strip())) + low
    lengths = np.diff(np.searchsorted(separators, offsets)) + 1
    total = int(lengths.sum())
    first = np.cumsum(lengths) - lengths
    inner = np.ones(total, dtype=bool)
    inner[first] = False
    starts = np.empty(total + 1, dtype=np.int64)
    starts[first] = offsets[:-1]
    starts[:-1][inner] = separators + 1
    starts[-1] = high
    return pa.Array.from_buffers(pa.large_string(), total, [None, pa.py_buffer(starts), data_buffer]), lengths


def _numbers(origin: str, table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        return np.zeros(table.num_rows)
    column = table.column(name)
    try:
        values = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        texts = pc.cast(column, pa.string()).to_pylist()
        for line, text in enumerate(texts, start=2):
            try:
                float(text)
            except (TypeError, ValueError):
                raise ImportFileInvalid(origin, f"line {line}, {name}: expected a number, got {text!r}") from None
        raise
    if values.null_count:
        line = int(np.flatnonzero(pc.is_null(values).to_numpy(zero_copy_only=False))[0]) + 2
        raise ImportFileInvalid(origin, f"line {line}, {name}: a number is missing")
    return np.asarray(values.to_numpy(), dtype=float)


def write_paths(paths: Paths, path: Path) -> int:
    """``paths`` in the aggregated format, comma-separated: journeys that took the same path (one per
    lead, from the store) summed into one row, in order of first appearance. The rows written."""
    bounds = zip(paths.starts[:-1].tolist(), paths.starts[1:].tolist(), strict=True)
    names = [SEPARATOR.join(paths.channels[c] for c in paths.steps[a:b]) for a, b in bounds]
    table = pa.table({PATH: names, CONVERSIONS: paths.conversions, VALUE: paths.value, NULLS: paths.nulls})
    summed = table.group_by(PATH, use_threads=False).aggregate([(c, "sum") for c in (CONVERSIONS, VALUE, NULLS)])
    out = pa.table({PATH: summed.column(PATH), **{c: summed.column(f"{c}_sum") for c in (CONVERSIONS, VALUE, NULLS)}})
    pacsv.write_csv(out, path)
    return int(out.num_rows)
