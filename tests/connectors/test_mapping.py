"""Column mappings: every mistake reported at once with its path; rows read through them."""

from __future__ import annotations

from pathlib import Path

import pytest

from revbridge.connectors.generic_csv import read_mapped_csv
from revbridge.connectors.mapping import load_mapping
from revbridge.domain.errors import MappingInvalid
from revbridge.domain.records import LeadRecord


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return path


def test_a_mapping_with_three_mistakes_names_all_three(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        "entity: leads\ncolumns:\n  external_idd: Id\n  email: {column: Email, constant: x}\nproperty: rest\n",
    )
    with pytest.raises(MappingInvalid) as caught:
        load_mapping(path)
    messages = sorted(str(e) for e in caught.value.errors)
    assert messages == [
        "columns.email (line 4): give exactly one of 'column' or 'constant'",
        "columns.external_idd (line 3): not a field of leads; expected one of ['annual_revenue', "
        "'campaign', 'city', 'company', 'converted', 'country', 'created_at', 'email', 'employees', "
        "'external_id', 'first_name', 'industry', 'job_title', 'last_name', 'lead_source', 'owner', 'phone', "
        "'region', 'source', 'stage', 'status']",
        "property (line 5): unknown key 'property' (did you mean 'properties'?); expected one of: entity, "
        "source, null_values, columns, properties",
    ]


def test_a_mapping_naming_a_column_the_file_lacks_says_which_columns_it_has(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "entity: leads\ncolumns:\n  email: E-mail\n")
    with pytest.raises(MappingInvalid) as caught:
        load_mapping(path, header=["Email", "Name"])
    assert "the file has no column 'E-mail' (it has: Email, Name)" in str(caught.value)


def test_rows_are_read_through_maps_nulls_and_types_and_bad_cells_are_rejected_by_row(tmp_path: Path) -> None:
    data = tmp_path / "leads.csv"
    data.write_text(
        "Id,Email,Employees,Source,City\n"
        "1,Ann@Acme.com,120,google,Select\n"
        "2,bob@acme.com,many,Google,Paris\n"
        "3,,,bing,\n"
    )
    mapping = load_mapping(
        _mapping(
            tmp_path,
            "entity: leads\nsource: web\nnull_values: ['', Select]\ncolumns:\n  external_id: Id\n  email: Email\n"
            "  employees: Employees\n  lead_source: {column: Source, map: {google: Google}}\n  city: City\n"
            "properties: none\n",
        )
    )
    (batch,) = list(read_mapped_csv(data, mapping))
    assert batch.rows_read == 3
    assert batch.records == [
        LeadRecord(source="web", external_id="1", email="ann@acme.com", employees=120, lead_source="Google"),
        LeadRecord(source="web", external_id="3", lead_source="bing"),
    ]
    assert [(r.row, r.field, r.value) for r in batch.rejects] == [(3, "Employees", "many")]
    assert batch.rejects[0].reason == "expected a number, got 'many'"
