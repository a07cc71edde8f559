"""Lead records as features, and an export's label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from revbridge.analytics.prediction.exports import labelled, read_export
from revbridge.analytics.prediction.frames import feature_frame
from revbridge.analytics.prediction.rules import rule_points
from revbridge.domain.errors import ImportFileInvalid
from revbridge.domain.records import LeadRecord
from revbridge.domain.sla_sections import FitRule

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "tests" / "data" / "x_education_leads_sample.csv"
MAPPING = ROOT / "examples" / "mappings" / "x-education.yaml"


def lead(n: int, **properties: str) -> LeadRecord:
    return LeadRecord("csv", str(n), job_title=["Student", "Working Professional"][n % 2], properties=properties)


def test_numbers_become_floats_and_the_rest_categories_with_missing_kept() -> None:
    records = [lead(0, Visits="3", Origin="API"), lead(1, Visits="1,200", Origin="Form"), lead(2, Origin="API")]
    frame = feature_frame(records)
    assert frame.Visits.tolist()[:2] == [3.0, 1200.0]
    assert np.isnan(frame.Visits.iloc[2])
    assert isinstance(frame.Origin.dtype, pd.CategoricalDtype)
    assert frame.job_title.tolist() == ["Student", "Working Professional", "Student"]


def test_a_column_with_one_non_number_is_categorical() -> None:
    frame = feature_frame([lead(0, Visits="3"), lead(1, Visits="many")])
    assert isinstance(frame.Visits.dtype, pd.CategoricalDtype)


def test_excluded_and_constant_columns_are_left_out() -> None:
    records = [lead(0, Tags="x", Same="1"), lead(1, Tags="y", Same="1")]
    assert list(feature_frame(records, exclude=["TAGS", "Job_Title"]).columns) == []


def test_the_export_is_read_through_the_mapping_and_rows_without_a_label_dropped() -> None:
    data = labelled(read_export(SAMPLE, MAPPING), "Converted", exclude=["Lead Number", "lead source"])
    assert (len(data.labels), int(data.labels.sum()), data.dropped) == (46, 30, 2)
    assert "converted" not in data.features.columns
    assert "lead_source" not in data.features.columns
    assert "Select" not in data.features["Specialization"].cat.categories  # the mapping's null value
    assert data.features["Total Time Spent on Website"].dtype == float


def test_an_unknown_label_names_the_file_and_the_column() -> None:
    with pytest.raises(ImportFileInvalid, match=r"x_education_leads_sample.csv: the label: no column 'Won'"):
        labelled(read_export(SAMPLE, MAPPING), "Won")


def test_a_label_that_is_not_yes_or_no_is_refused() -> None:
    with pytest.raises(ImportFileInvalid, match="the label column 'Lead Origin' must hold yes/no"):
        labelled(read_export(SAMPLE, MAPPING), "Lead Origin")


def test_rule_points_add_the_points_of_the_rules_that_hold() -> None:
    rules = [
        FitRule(field="job_title", op="equals", value="working professional", points=25),
        FitRule(field="properties.Visits", op="gte", value=5, points=10),
    ]
    records = [lead(1, Visits="7"), lead(0, Visits="7"), lead(1), lead(0, Visits="2")]
    assert rule_points(rules, records).tolist() == [35.0, 10.0, 25.0, 0.0]
