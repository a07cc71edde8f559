from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.connectors import hubspot, salesforce
from revbridge.connectors.headers import CellInvalid, MappedRow, column_key, read_batches, resolve_header
from revbridge.domain.errors import ImportFileInvalid

ALIASES = {
    "record_id": ("Record ID", "hs_object_id"),
    "first_name": ("First Name", "firstname"),
    "company": ("Company Name", "company"),
}


def test_a_column_is_found_whatever_its_case_and_spacing() -> None:
    header = [" RECORD id ", "firstName", "Company"]

    assert resolve_header(header, ALIASES) == {
        "record_id": "RECORD id",
        "first_name": "firstName",
        "company": "Company",
    }


def test_the_first_accepted_spelling_in_the_header_wins() -> None:
    assert resolve_header(["company", "Company Name"], ALIASES) == {"company": "Company Name"}


def test_fields_without_a_column_are_left_out() -> None:
    assert resolve_header(["Record ID", "Email"], ALIASES) == {"record_id": "Record ID"}


def test_a_byte_order_mark_and_non_breaking_spaces_do_not_hide_a_column() -> None:
    assert resolve_header(["\ufeffRecord\u00a0ID"], ALIASES) == {"record_id": "\ufeffRecord\u00a0ID"}


def test_a_missing_required_column_names_the_accepted_spellings_and_the_columns_found() -> None:
    with pytest.raises(ImportFileInvalid) as caught:
        resolve_header(["Email", "First Name"], ALIASES, required=("record_id",), path="contacts.csv")

    assert str(caught.value) == (
        "contacts.csv: missing required column: 'Record ID' (or 'hs_object_id') (any case or spacing); "
        "the file's columns are 'Email', 'First Name'. Export again with the column included, or rename "
        "the column to one of the accepted names."
    )
    assert caught.value.path == "contacts.csv"


def test_a_long_header_is_shortened_in_the_error() -> None:
    header = [f"Property {i}" for i in range(300)]

    with pytest.raises(ImportFileInvalid, match=r"'Property 24' and 275 more\."):
        resolve_header(header, ALIASES, required=("record_id",))


@given(st.data())
def test_changing_the_case_and_spacing_of_a_header_does_not_change_what_it_resolves_to(
    data: st.DataObject,
) -> None:
    header = ["Record ID", "First Name", "Company Name"]
    changed = []
    for name in header:
        flips = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
        name = "".join(c.swapcase() if flip else c for c, flip in zip(name, flips, strict=True))
        changed.append(name.replace(" ", data.draw(st.sampled_from(["", " ", "  ", "\t"]))))

    resolved = resolve_header(changed, ALIASES)

    assert {field: column_key(column) for field, column in resolved.items()} == {
        "record_id": "recordid",
        "first_name": "firstname",
        "company": "companyname",
    }


@pytest.mark.parametrize(
    "aliases",
    [
        hubspot.ALIASES,
        salesforce.LEAD_ALIASES,
        salesforce.OPPORTUNITY_ALIASES,
    ],
    ids=["hubspot contacts", "salesforce leads", "salesforce opportunities"],
)
def test_no_column_spelling_belongs_to_two_fields(aliases: dict[str, tuple[str, ...]]) -> None:
    owners: dict[str, set[str]] = {}
    for field, spellings in aliases.items():
        for spelling in spellings:
            owners.setdefault(column_key(spelling), set()).add(field)

    assert {key: fields for key, fields in owners.items() if len(fields) > 1} == {}


def _upper_first_name(cells: MappedRow) -> str:
    name = cells.text("first_name")
    if name is None:
        raise CellInvalid(cells.column("first_name"), "missing")
    return name.upper()


def test_batches_hold_batch_size_rows_and_the_last_holds_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Record ID,First Name\n" + "".join(f"{i},n{i}\n" for i in range(7)), encoding="utf-8")

    batches = list(read_batches(path, ALIASES, _upper_first_name, required=(), batch_size=3))

    assert [b.rows_read for b in batches] == [3, 3, 1]
    assert [b.records for b in batches] == [["N0", "N1", "N2"], ["N3", "N4", "N5"], ["N6"]]
    assert batches[-1].bytes_read == path.stat().st_size
    assert batches[0].bytes_read < batches[1].bytes_read < batches[2].bytes_read


def test_a_row_that_raises_cell_invalid_becomes_a_reject_with_its_row_number(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Record ID,First Name\n1,ada\n2,\n3,grace\n", encoding="utf-8")

    (batch,) = read_batches(path, ALIASES, _upper_first_name, required=(), batch_size=10)

    assert batch.records == ["ADA", "GRACE"]
    assert [(r.file, r.row, r.field, r.reason, r.value) for r in batch.rejects] == [
        (str(path), 3, "First Name", "missing", "")
    ]
    assert batch.rows_read == 3


def test_a_wrong_header_is_refused_before_the_first_batch_is_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Email\nada@example.com\n", encoding="utf-8")

    with pytest.raises(ImportFileInvalid, match="missing required column: 'Record ID'"):
        read_batches(path, ALIASES, _upper_first_name, required=("record_id",), batch_size=10)


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(ImportFileInvalid, match="no such file; check the path"):
        read_batches(tmp_path / "nope.csv", ALIASES, _upper_first_name, required=(), batch_size=10)


def test_a_batch_size_below_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        read_batches(tmp_path / "nope.csv", ALIASES, _upper_first_name, required=(), batch_size=0)
