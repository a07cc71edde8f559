"""Customer lifetime value of transactional customers: the BG/NBD model of how often a customer buys
and when they silently stop (Fader, Hardie & Lee 2005), and the Gamma-Gamma model of how much they
spend (Fader, Hardie & Lee 2005, "RFM and CLV"), fitted by PyMC-Marketing (``pip install
revbridge[clv]``) at the maximum of the likelihood (flat priors).

Each customer is summed up over the calibration period as repeat purchases (**frequency**: days with a
purchase after the first), **recency** (first to last purchase) and **T** (first purchase to the end of
the period), in days or weeks; purchases on the same day count as one, and the **monetary value** is
the mean of the repeat days' amounts. BG/NBD gives ``r`` and ``alpha`` (the purchase rate's gamma) and
``a`` and ``b`` (the drop-out chance's beta); Gamma-Gamma gives ``p``, ``q`` and ``v``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd

from revbridge.connectors.transactions import Purchases
from revbridge.domain.errors import RevBridgeError

Unit = Literal["day", "week"]
UNIT_DAYS = {"day": 1.0, "week": 7.0}


class ClvUnavailable(RevBridgeError):
    pass


@dataclass(frozen=True)
class ClvFit:
    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    v: float
    customers: int
    repeat_customers: int
    unit: str
    calibration_end: date

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rfm(purchases: Purchases, *, calibration_end: date, unit: Unit = "week") -> pd.DataFrame:
    """Per customer who bought by ``calibration_end``: ``frequency``, ``recency``, ``T`` and
    ``monetary_value``, as the models read them."""
    rows = pd.DataFrame({"customer_id": purchases.customers, "day": purchases.days, "amount": purchases.amounts})
    rows = rows[rows.day <= calibration_end]
    daily = rows.groupby(["customer_id", "day"], as_index=False).amount.sum().sort_values(["customer_id", "day"])
    first = daily.groupby("customer_id").head(1).set_index("customer_id")
    per = daily.groupby("customer_id").agg(first=("day", "min"), last=("day", "max"), days=("day", "count"))
    per["total"] = daily.groupby("customer_id").amount.sum()
    scale = UNIT_DAYS[unit]
    end = pd.Timestamp(calibration_end)
    out = pd.DataFrame(index=per.index)
    out["frequency"] = per["days"] - 1
    out["recency"] = (pd.to_datetime(per["last"]) - pd.to_datetime(per["first"])).dt.days / scale
    out["T"] = (end - pd.to_datetime(per["first"])).dt.days / scale
    repeat_total = per["total"] - first["amount"]
    out["monetary_value"] = (repeat_total / out["frequency"]).where(out["frequency"] > 0, 0.0)
    return out.reset_index()


@contextmanager
def _quiet() -> Iterator[None]:
    """PyMC and ArviZ announce refactors and BLAS on import and fit: not the user's business."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def fit(summary: pd.DataFrame, *, unit: Unit, calibration_end: date) -> ClvFit:
    """BG/NBD on every customer and Gamma-Gamma on the repeat customers of ``summary`` (``rfm``)."""
    try:
        with _quiet():
            from pymc_extras.prior import Prior
            from pymc_marketing import clv
    except ImportError as exc:
        raise ClvUnavailable("CLV models need PyMC-Marketing: pip install 'revbridge[clv]'") from exc
    repeat = summary[(summary.frequency > 0) & (summary.monetary_value > 0)]  # Gamma-Gamma needs spend above 0
    if len(summary) < 10 or len(repeat) < 10:
        raise ClvUnavailable(
            f"too few customers to fit: {len(summary)} with {len(repeat)} repeat buyers by the calibration end"
        )
    with _quiet():
        flat = {name: Prior("HalfFlat") for name in ("r", "alpha", "a", "b")}
        purchases = clv.BetaGeoModel(data=summary[["customer_id", "frequency", "recency", "T"]], model_config=flat)
        purchases.fit(method="map", progressbar=False)
        rates = _estimates(purchases, ("r", "alpha", "a", "b"))
        flat = {name: Prior("HalfFlat") for name in ("p", "q", "v")}
        spend = clv.GammaGammaModel(data=repeat[["customer_id", "frequency", "monetary_value"]], model_config=flat)
        spend.fit(method="map", progressbar=False)
        values = _estimates(spend, ("p", "q", "v"))
    return ClvFit(
        **rates,
        **values,
        customers=len(summary),
        repeat_customers=len(repeat),
        unit=unit,
        calibration_end=calibration_end,
    )


def _estimates(model: Any, names: tuple[str, ...]) -> dict[str, float]:
    """The fitted parameters at full precision (``fit_summary`` rounds them)."""
    return {name: float(model.fit_result[name].values.reshape(-1)[0]) for name in names}
