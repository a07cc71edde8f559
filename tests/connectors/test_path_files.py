"""The common aggregated path format: read (comma or semicolon), written back, bad numbers named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from revbridge.analytics.attribution import markov
from revbridge.connectors.path_files import paths_of_table, read_paths, write_paths
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


def test_spaces_around_the_separator_do_not_matter_and_a_frame_reads_like_a_file() -> None:
    frame = pd.DataFrame(
        {"path": ["a>b", " a >b ", "b > a > c", "c"], "total_conversions": [1, 2, 3, 4], "total_null": [0, 1, 0, 2]}
    )
    paths = paths_of_table(pa.Table.from_pandas(frame, preserve_index=False))
    assert paths.channels == ("a", "b", "c")
    assert paths.steps.tolist() == [0, 1, 0, 1, 1, 0, 2, 2]
    assert paths.starts.tolist() == [0, 2, 4, 7, 8]
    assert paths.value.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a > b,1\na >  > b,2\n", "line 3, path: a step is empty"),
        ("a,1\nb >,2\n", "line 3, path: a step is empty"),
        ("a,1\nb,1\n> c,2\n", "line 4, path: a step is empty"),
    ],
)
def test_an_empty_step_is_named_by_line(tmp_path: Path, text: str, message: str) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("path,total_conversions\n" + text)
    with pytest.raises(ImportFileInvalid, match=message):
        read_paths(source)


def test_a_missing_path_in_a_frame_is_named_by_line() -> None:
    frame = pa.table({"path": ["a", None], "total_conversions": [1, 2]})
    with pytest.raises(ImportFileInvalid, match="line 3, path: a path is missing"):
        paths_of_table(frame, "frame")


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
