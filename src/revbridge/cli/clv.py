"""``revbridge clv fit``: the lifetime-value models of transactional customers, fitted on a purchases file."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from revbridge.cli._output import (
    FormatOption,
    OutputFormat,
    definitions_help,
    emit_summary,
    err_console,
    handles_errors,
)

app = typer.Typer(help="Customer lifetime value: BG/NBD and Gamma-Gamma models.", no_args_is_help=True)


class Unit(StrEnum):
    day = "day"
    week = "week"


EXAMPLES = (
    "Examples (CDNOW, the models' reference data set):\n\n"
    "    revbridge clv fit --transactions CDNOW_master.txt --customer customer_id --date date "
    "--amount dollar_value --calibration-end 1997-09-30 --unit week\n\n"
    "    revbridge clv fit --transactions CDNOW_sample.txt --columns master_id,customer,date,cds,amount "
    "--customer customer --date date --amount amount --calibration-end 1997-09-30 --format json"
)


@app.command(help=definitions_help("revbridge.analytics.clv", EXAMPLES))
@handles_errors
def fit(
    transactions: Annotated[
        Path,
        typer.Option("--transactions", help="The purchases: one row per purchase, separated by , ; tab or spaces."),
    ],
    customer: Annotated[str, typer.Option("--customer", help="The column that names the customer.")],
    day: Annotated[str, typer.Option("--date", help="The column of the purchase's date.")],
    amount: Annotated[str, typer.Option("--amount", help="The column of the purchase's amount.")],
    calibration_end: Annotated[
        str, typer.Option("--calibration-end", help="Fit on purchases up to this day (YYYY-MM-DD), inclusive.")
    ],
    unit: Annotated[Unit, typer.Option("--unit", help="Recency and T in days or weeks.")] = Unit.week,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Names of the file's columns, comma-separated, if it has no header.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from revbridge.analytics import clv  # PyMC: seconds to import, only for this command
    from revbridge.connectors.transactions import read_purchases

    try:
        end = date.fromisoformat(calibration_end)
    except ValueError:
        raise typer.BadParameter(f"expected a day like 1997-09-30, got {calibration_end!r}") from None
    names = [c.strip() for c in columns.split(",")] if columns else None
    purchases = read_purchases(transactions, customer=customer, day=day, amount=amount, columns=names)
    err_console.print(f"fitting on {len(purchases.customers):,} purchases ...", highlight=False)
    summary = clv.rfm(purchases, calibration_end=end, unit=unit.value)
    result = clv.fit(summary, unit=unit.value, calibration_end=end)
    emit_summary(result.as_dict(), fmt, title=f"CLV models fitted on {transactions.name}")
