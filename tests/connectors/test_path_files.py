"""The common aggregated path format: read (comma or semicolon), written back, bad numbers named."""

from __future__ import annotations

from pathlib import Path

import pytest

from revbridge.analytics.attribution import markov
from revbridge.connectors.path_files import read_paths, write_paths
from revbridge.domain.errors import ImportFileInvalid


def test_a_semicolon_file_reads_as_the_paths_it_holds(tmp_path: Path) -> None:
    source = tmp_path / "paths.csv"
    source.write_text(
        "path;total_conversions;total_conversion_value;total_null\n"
        "email > paid_search;3;300;10\nDirect;1;50;4\nemail;0;0;7\n"
    )
    paths = read_paths(source)
    assert paths.channels == ("Direct", "email", "paid_search")
    assert paths.steps.tolist() == [1, 2, 0, 1]
    assert paths.starts.tolist() == [0, 2, 3, 4]
    assert paths.conversions.tolist() == [3, 1, 0]
    assert paths.value.tolist() == [300, 50, 0]
    assert paths.nulls.tolist() == [10, 4, 7]


def test_written_and_read_again_the_paths_are_the_same(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("path,total_conversions,total_null\na > b > a,2,1\nb,1,3\n")
    paths = read_paths(source)
    write_paths(paths, tmp_path / "out.csv")
    again = read_paths(tmp_path / "out.csv")
    assert (again.channels, again.steps.tolist(), again.nulls.tolist()) == (
        paths.channels, paths.steps.tolist(), paths.nulls.tolist(),
    )  # fmt: skip
    assert markov(again).conversions.tolist() == pytest.approx(markov(paths).conversions.tolist())


def test_a_value_that_is_not_a_number_is_named_by_line_and_column(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("path,total_conversions\na,1\nb,lots\n")
    with pytest.raises(ImportFileInvalid, match="line 3, total_conversions: expected a number, got 'lots'"):
        read_paths(source)
    source.write_text("channel,conversions\na,1\n")
    with pytest.raises(ImportFileInvalid, match="expected the columns path and total_conversions"):
        read_paths(source)


def test_the_command_prints_each_channels_credit_and_share(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from revbridge.cli.main import app

    source = tmp_path / "paths.csv"
    source.write_text("path;total_conversions;total_conversion_value;total_null\nA > B;1;30;0\nA;0;0;1\nB;1;10;1\n")
    result = CliRunner().invoke(app, ["attribution", "--paths", str(source), "--model", "markov", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["channel"]: r for r in json.loads(result.stdout)}
    assert rows["A"]["share"] == pytest.approx(0.25)  # removal effects 1/3 and 1, solved by hand
    assert rows["B"]["conversions"] == pytest.approx(1.5)
    spread = CliRunner().invoke(app, ["attribution", "--paths", str(source), "--intervals", "50", "-f", "json"])
    assert all(r["share_low"] <= r["share"] <= r["share_high"] for r in json.loads(spread.stdout))
    missing = CliRunner().invoke(app, ["attribution", "--paths", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
