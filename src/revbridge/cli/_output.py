"""One place for how the CLI prints: tables, JSON or CSV on stdout; errors on stderr with exit codes.

Exit codes: 0 success, 1 failure, 2 bad input (a wrong SLA file, mapping or import file).
"""

from __future__ import annotations

import ast
import csv
import functools
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from revbridge.domain.errors import InvalidInput, RevBridgeError

P = ParamSpec("P")
T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


def progress_bar(label: str, *columns: ProgressColumn, width: int | None = None) -> Progress:
    """A bar on stderr for long work: ``label`` in bold, then with a ``width`` the task's description
    (padded to it, so that the bar does not jump), then ``columns`` (default: the bar, done of total,
    time elapsed). Gone when the work ends, and not drawn when stderr is not a terminal (a pipe, a log)."""
    described = f"[bold]{label}[/bold]" + ("" if width is None else f" {{task.description:<{width}}}")
    return Progress(
        TextColumn(described),
        *(columns or (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="How to print the result: a table for people, json or csv for tools."),
]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="REVBRIDGE_DATABASE_URL",
        help="Database URL (sqlite:///FILE or postgresql+psycopg://...). Default: sqlite:///revbridge.db",
    ),
]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_jsonable, indent=2) + "\n")


def emit_summary(data: Mapping[str, Any], fmt: OutputFormat, *, title: str | None = None) -> None:
    """A flat summary (counts, figures) as a two-column table, a JSON object or one CSV row."""
    if fmt is OutputFormat.json:
        emit_json(dict(data))
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(list(data))
        writer.writerow([_datum(v) for v in data.values()])
    else:
        table = Table(title=title, show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        for key, value in data.items():
            table.add_row(key.replace("_", " "), _cell(value))
        console.print(table)


def emit_rows(
    rows: Sequence[Mapping[str, Any]],
    fmt: OutputFormat,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """A listing as a table, a JSON array of objects, or CSV with a header."""
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if fmt is OutputFormat.json:
        emit_json([{c: row.get(c) for c in cols} for row in rows])
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(cols)
        for row in rows:
            writer.writerow([_datum(row.get(c)) for c in cols])
    else:
        table = Table(title=title, title_justify="left")
        for c in cols:
            table.add_column(c.replace("_", " "))
        for row in rows:
            table.add_row(*(_cell(row.get(c)) for c in cols))
        console.print(table)


def _datum(value: Any) -> str:
    """A value for a tool (CSV): every digit of a number (a whole one without ".0"), no separators."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _cell(value: Any) -> str:
    """A value for people (a table): large numbers with separators and two decimals, others 4 digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _print_error(exc: Exception) -> None:
    err_console.print(Text("error: ", style="bold red") + Text(str(exc)), highlight=False, soft_wrap=True)


def handles_errors(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn RevBridge errors into a message on stderr and an exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as exc:
            _print_error(exc)
            raise typer.Exit(2) from exc
        except RevBridgeError as exc:
            _print_error(exc)
            raise typer.Exit(1) from exc

    return wrapper


def definitions_help(module: str, examples: str) -> str:
    """A command's help: the definitions in the docstring of the module named ``module`` (read from its
    source, not imported: the analytics modules bring Ibis and pandas, which a command's help needs not
    wait for), each paragraph on one line (the terminal wraps it; markup removed), then ``examples``."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ValueError(f"no module {module}")
    docstring = ast.get_docstring(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))) or ""
    paragraphs = docstring.strip().replace("**", "").replace("``", "").split("\n\n")
    lines: list[str] = []
    for paragraph in paragraphs:
        # A list ("- a\n  more\n- b") keeps an item a paragraph, so that the terminal shows one a line.
        items = re.split(r"\n(?=- )", paragraph.strip())
        lines += [" ".join(item.split()) for item in items]
    return "\n\n".join([*lines, examples])
