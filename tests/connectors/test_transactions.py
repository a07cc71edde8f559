"""Reading purchases for the CLV models: any separator, with or without a header, bad rows named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from revbridge.connectors.transactions import read_purchases
from revbridge.domain.errors import ImportFileInvalid


def test_a_csv_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text('order,client,placed,total\n1,c1,2024-03-01,10.50\n2,c2,03/02/2024,"1,200.00"\n')
    got = read_purchases(path, customer="client", day="placed", amount="total")
    assert got.customers == ["c1", "c2"]
    assert got.days == [date(2024, 3, 1), date(2024, 3, 2)]
    assert got.amounts == [10.5, 1200.0]


def test_whitespace_separated_without_a_header_as_cdnow_ships_it(tmp_path: Path) -> None:
    path = tmp_path / "sample.txt"
    path.write_bytes(b" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n")
    got = read_purchases(
        path, customer="id", day="date", amount="value", columns=["master", "id", "date", "cds", "value"]
    )
    assert got.customers == ["0001", "0001"]  # leading zeros kept: ids are text
    assert got.days == [date(1997, 1, 1), date(1997, 1, 18)]


def test_bad_rows_are_named_by_line_and_field_and_nothing_is_read(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("client;placed;total\nc1;2024-03-01;10\nc2;someday;5\n;2024-03-03;5\nc4;2024-03-04;lots\n")
    with pytest.raises(ImportFileInvalid) as caught:
        read_purchases(path, customer="client", day="placed", amount="total")
    message = str(caught.value)
    assert message.startswith(f"{path}: 3 row(s) cannot be read")
    assert "line 3, placed: expected a date" in message
    assert "line 4, client: no customer" in message
    assert "line 5, total: expected a number, got 'lots'" in message


def test_a_missing_column_lists_the_columns_there_are(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("client,placed,total\nc1,2024-03-01,10\n")
    with pytest.raises(ImportFileInvalid, match="no amount column 'amount'; the columns are client, placed, total"):
        read_purchases(path, customer="client", day="placed", amount="amount")
