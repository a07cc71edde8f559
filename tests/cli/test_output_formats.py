"""CSV is for tools: every digit of a number and no thousands separators; tables round for people."""

from __future__ import annotations

import csv
import io

import pytest

from revbridge.cli._output import OutputFormat, emit_rows, emit_summary

ROWS = [{"channel": "email", "value": 1630463.2712, "share": 0.590541234}]


def test_csv_keeps_every_digit(capsys: pytest.CaptureFixture[str]) -> None:
    emit_rows(ROWS, OutputFormat.csv)
    emit_summary({"spend": 105270.33, "roi": 0.35841}, OutputFormat.csv)
    lines = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert lines == [
        ["channel", "value", "share"],
        ["email", "1630463.2712", "0.590541234"],
        ["spend", "roi"],
        ["105270.33", "0.35841"],
    ]


def test_a_table_rounds_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    emit_rows(ROWS, OutputFormat.table)
    shown = capsys.readouterr().out
    assert "1,630,463.27" in shown
    assert "0.5905" in shown


def test_csv_writes_a_whole_number_without_its_point(capsys: pytest.CaptureFixture[str]) -> None:
    emit_rows([{"score": 70.0, "big": 1e20, "none": None}], OutputFormat.csv)
    assert capsys.readouterr().out.splitlines() == ["score,big,none", "70,1e+20,"]
