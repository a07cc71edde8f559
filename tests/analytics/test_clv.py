"""The CLV models on CDNOW, their reference data set: the customer summary equals the published one and
the fitted parameters are those Fader, Hardie & Lee (2005) report (BG/NBD: r 0.243, alpha 4.414, a 0.793,
b 2.426; Gamma-Gamma: p 6.25, q 3.74, v 15.44)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from revbridge.analytics.clv import ClvUnavailable, fit, rfm
from revbridge.cli.main import app
from revbridge.connectors.transactions import read_purchases

pytestmark = pytest.mark.datasets
END = date(1997, 9, 30)
COLUMNS = ["master_id", "sample_id", "date", "cds", "dollar_value"]


def _sample(datasets: Path) -> pd.DataFrame:
    purchases = read_purchases(
        datasets / "cdnow" / "CDNOW_sample.txt",
        customer="sample_id",
        day="date",
        amount="dollar_value",
        columns=COLUMNS,
    )
    return rfm(purchases, calibration_end=END, unit="week")


def test_the_customer_summary_is_the_published_one(datasets: Path) -> None:
    summary = _sample(datasets)
    published = pd.read_csv(datasets / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    merged = summary.assign(ID=summary.customer_id.astype(int)).merge(published, on="ID")
    assert len(merged) == len(published) == 2357
    assert (merged.frequency == merged.x).all()
    assert (merged.recency - merged.t_x).abs().max() < 0.006  # the published weeks are rounded to 2 places
    assert (merged.T_x - merged.T_y).abs().max() < 0.006
    assert (merged.monetary_value - merged.zbar).abs().max() < 0.006


def test_the_fitted_parameters_are_the_published_ones(datasets: Path) -> None:
    result = fit(_sample(datasets), unit="week", calibration_end=END)
    assert (result.customers, result.repeat_customers) == (2357, 946)
    assert result.r == pytest.approx(0.243, abs=0.001)
    assert result.alpha == pytest.approx(4.414, abs=0.001)
    assert result.a == pytest.approx(0.793, abs=0.001)
    assert result.b == pytest.approx(2.426, abs=0.001)
    assert result.p == pytest.approx(6.25, abs=0.01)
    assert result.q == pytest.approx(3.74, abs=0.01)
    assert result.v == pytest.approx(15.44, abs=0.01)


def test_the_command_prints_the_parameters_as_json(datasets: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["clv", "fit", "--transactions", str(datasets / "cdnow" / "CDNOW_sample.txt"), "--columns", ",".join(COLUMNS),
         "--customer", "sample_id", "--date", "date", "--amount", "dollar_value", "--calibration-end", "1997-09-30",
         "--unit", "week", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) >= {"r", "alpha", "a", "b", "p", "q", "v"}
    assert printed["r"] == pytest.approx(0.243, abs=0.001)


def test_too_few_buyers_to_fit_is_said_plainly() -> None:
    summary = pd.DataFrame(
        {"customer_id": ["a"], "frequency": [1], "recency": [1.0], "T": [2.0], "monetary_value": [5.0]}
    )
    with pytest.raises(ClvUnavailable, match="too few customers to fit: 1 with 1 repeat buyers"):
        fit(summary, unit="week", calibration_end=END)
