"""The real public exports in ../shared/datasets load with the committed mappings, dirt included."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.services.importing import run_import

MAPPINGS = Path(__file__).resolve().parents[2] / "examples" / "mappings"

pytestmark = pytest.mark.datasets


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_x_education_loads_all_9240_leads_with_converted_kept_as_the_known_outcome(
    engine: Engine, datasets: Path, tmp_path: Path
) -> None:
    source = tmp_path / "Leads.csv"
    shutil.copyfile(datasets / "x-education-leads" / "Leads.csv", source)
    summary = run_import(engine, "csv", source, mapping=MAPPINGS / "x-education.yaml")
    assert summary.read == 9240
    assert summary.created + summary.rejected == 9240
    if summary.rejected:  # every rejected row is explained in the rejects file
        with open(str(summary.rejects_file), newline="") as handle:
            rejects = list(csv.DictReader(handle))
        assert {int(r["row"]) for r in rejects}
        assert all(r["field"] and r["reason"] for r in rejects)
    assert _rows(engine, "SELECT count(*) FROM leads") == [(9240,)]
    assert _rows(engine, "SELECT count(*) FROM leads WHERE converted") == [(3561,)]
    assert _rows(engine, "SELECT count(*) FROM leads WHERE converted IS NULL") == [(0,)]
    # "Select" is the form's placeholder: it never lands as a value
    assert _rows(engine, "SELECT count(*) FROM leads WHERE city = 'Select'") == [(0,)]
    # "google" and "Google" are one source
    assert _rows(engine, "SELECT count(*) FROM leads WHERE lead_source = 'google'") == [(0,)]
    again = run_import(engine, "csv", source, mapping=MAPPINGS / "x-education.yaml")
    assert (again.created, again.updated, again.duplicate) == (0, 0, 9240)


def test_maven_crm_pipeline_loads_with_its_accounts_and_reps_and_the_won_revenue_adds_up(
    engine: Engine, datasets: Path, tmp_path: Path
) -> None:
    folder = datasets / "maven-crm-sales-opportunities"
    for name, mapping in (
        ("accounts.csv", "maven-accounts.yaml"),
        ("sales_teams.csv", "maven-sales-teams.yaml"),
        ("sales_pipeline.csv", "maven-pipeline.yaml"),
    ):
        shutil.copyfile(folder / name, tmp_path / name)
        summary = run_import(engine, "csv", tmp_path / name, mapping=MAPPINGS / mapping)
        assert summary.rejected == 0, summary
    assert _rows(engine, "SELECT count(*), sum(CASE WHEN won THEN 1 ELSE 0 END) FROM opportunities") == [(8800, 4238)]
    assert _rows(engine, "SELECT sum(amount) FROM opportunities WHERE won") == [(10005534.0,)]
    assert _rows(engine, "SELECT count(*) FROM opportunities WHERE account_id IS NULL") == [(1425,)]
    assert _rows(engine, "SELECT count(*) FROM opportunities WHERE owner_id IS NULL") == [(0,)]
    assert _rows(engine, "SELECT count(*) FROM opportunities WHERE product = 'GTXPro'") == [(0,)]
    assert _rows(engine, "SELECT count(*) FROM accounts WHERE industry = 'technolgy'") == [(0,)]
    assert _rows(engine, "SELECT count(*) FROM accounts") == [(85,)]
    assert _rows(engine, "SELECT count(*) FROM users") == [(35,)]
