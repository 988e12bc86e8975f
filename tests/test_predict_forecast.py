"""Tests for cimlab.predict.forecast: the forecast summed by hand on a small base, the cut at
``end``, and the CDNOW 39 + 39-week backtest against the published holdout totals."""

from __future__ import annotations

import datetime as dt
import importlib.resources

import numpy as np
import polars as pl
import pytest

from cimlab.errors import NotEnoughDataError
from cimlab.predict.clv import PURCHASE_MODELS
from cimlab.predict.forecast import ForecastBacktest, backtest_forecast, forecast_purchases
from cimlab.predict.purchases import BetaGeoModel
from cimlab.predict.spend import GammaGammaModel

CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)


@pytest.fixture(scope="module")
def published() -> pl.DataFrame:
    text = (
        importlib.resources.files("lifetimes")
        / "datasets"
        / "cdnow_customers_summary_with_transactions.csv"
    ).read_bytes()
    return pl.read_csv(text).rename({"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    """CDNOW_sample.txt as order lines: 2,357 customers, 6,919 lines (no status column)."""
    text = (importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt").read_text()
    rows = [line.split() for line in text.splitlines() if line]
    frame = pl.DataFrame(rows, schema=["customer_id", "ID", "date", "cds", "dollars"], orient="row")
    return frame.select(
        "customer_id",
        order_ts=pl.col("date").str.to_date("%Y%m%d"),
        amount=pl.col("dollars").cast(pl.Float64),
    )


def test_forecast_is_the_sum_of_the_customers_by_hand(published: pl.DataFrame) -> None:
    model = BetaGeoModel().fit(published)
    spend = GammaGammaModel().fit(published)
    base = published.head(5)
    frame = forecast_purchases(
        model, base, as_of="1997-09-30", periods=3, time_unit="week", spend_model=spend
    )
    assert frame.columns == [
        "period_start", "period_end", "expected_purchases", "expected_revenue",
        "cumulative_purchases", "cumulative_revenue",
    ]  # fmt: skip
    assert frame["period_start"].to_list() == [
        dt.date(1997, 10, 1), dt.date(1997, 10, 8), dt.date(1997, 10, 15)
    ]  # fmt: skip
    assert frame["period_end"].to_list() == [
        dt.date(1997, 10, 7), dt.date(1997, 10, 14), dt.date(1997, 10, 21)
    ]  # fmt: skip
    by_customer = np.stack([model.expected_purchases(float(k), base) for k in (0, 1, 2, 3)])
    per_period = np.diff(by_customer, axis=0)
    np.testing.assert_allclose(frame["expected_purchases"], per_period.sum(axis=1))
    np.testing.assert_allclose(frame["cumulative_purchases"], by_customer[1:].sum(axis=1))
    revenue = per_period @ spend.expected_spend(base)
    np.testing.assert_allclose(frame["expected_revenue"], revenue)
    np.testing.assert_allclose(frame["cumulative_revenue"], np.cumsum(revenue))
    # without a spend model: revenue null
    bare = forecast_purchases(model, base.drop("monetary_value"), as_of="1997-09-30", periods=2)
    assert bare["expected_revenue"].null_count() == 2
    assert bare["expected_revenue"].dtype == pl.Float64


def test_forecast_cut_at_end_and_monthly_periods(published: pl.DataFrame) -> None:
    model = BetaGeoModel().fit(published)
    cut = forecast_purchases(model, published, as_of="1997-09-30", periods=3, end="1997-10-10")
    assert cut["period_end"].to_list() == [dt.date(1997, 10, 7), dt.date(1997, 10, 10)]
    whole = model.expected_purchases(10 / 7, published).sum()
    assert cut["cumulative_purchases"][-1] == pytest.approx(whole)
    # months are 30.4375 days: ends after 30, 60, 91 days
    monthly = forecast_purchases(model, published, as_of="1997-09-30", periods=3, time_unit="month")
    offsets = [(d - dt.date(1997, 9, 30)).days for d in monthly["period_end"]]
    assert offsets == [30, 60, 91]
    with pytest.raises(ValueError, match="periods=0"):
        forecast_purchases(model, published, as_of="1997-09-30", periods=0)


@pytest.fixture(scope="module")
def cdnow_bgnbd(sample: pl.DataFrame) -> ForecastBacktest:
    return backtest_forecast(
        sample,
        calibration_end=CALIBRATION_END,
        holdout_end=HOLDOUT_END,
        model="bgnbd",
        status_col=None,
    )


def test_cdnow_backtest_reproduces_the_published_holdout(
    sample: pl.DataFrame, cdnow_bgnbd: ForecastBacktest
) -> None:
    """39 + 39 weeks: 1,882 actual repeat purchases; BG/NBD forecasts 1,653 (−12.1 %)."""
    result = cdnow_bgnbd
    assert result.periods.height == 39 and result.customers == 2_349
    assert result.actual_purchases == 1_882.0
    assert result.expected_purchases == pytest.approx(1_653.4, abs=0.5)
    assert result.purchase_error_pct == pytest.approx(-12.1, abs=0.05)
    # the actual weekly counts and revenue, recomputed from the lines: purchase days with a
    # positive spend of customers first seen in the calibration period
    days = (
        sample.group_by("customer_id", "order_ts")
        .agg(spend=pl.col("amount").sum())
        .filter(pl.col("spend") > 0)
    )
    cohort = days.filter(pl.col("order_ts") <= CALIBRATION_END)["customer_id"].unique()
    holdout = days.filter(
        pl.col("order_ts") > CALIBRATION_END, pl.col("customer_id").is_in(cohort.implode())
    )
    week = ((holdout["order_ts"] - CALIBRATION_END).dt.total_days() - 1) // 7
    counts = np.bincount(week.to_numpy(), minlength=39)
    np.testing.assert_array_equal(result.periods["actual_purchases"], counts)
    assert result.actual_revenue == pytest.approx(holdout["spend"].sum())
    assert result.expected_revenue is not None and result.revenue_error_pct is not None
    last = result.periods.row(-1, named=True)
    assert last["cumulative_actual_purchases"] == 1_882.0
    assert last["cumulative_expected_purchases"] == pytest.approx(1_653.4, abs=0.5)
    assert result.new_in_holdout == 0
    report = result.report()
    assert "1,882 actual" in report and "-12.1 %" in report


def test_cdnow_backtest_pareto_and_auto(sample: pl.DataFrame) -> None:
    pareto = backtest_forecast(
        sample,
        calibration_end=CALIBRATION_END,
        holdout_end=HOLDOUT_END,
        model="pareto",
        status_col=None,
    )
    assert pareto.expected_purchases == pytest.approx(1_666.0, abs=2.0)
    auto = backtest_forecast(
        sample, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END, status_col=None
    )
    # chosen inside the calibration period: the backtest's holdout is never seen by the choice
    assert auto.choice is not None and auto.model in PURCHASE_MODELS
    for evaluation in auto.evaluations:
        assert evaluation.tracking["period_end"].max() <= CALIBRATION_END
    assert auto.actual_purchases == 1_882.0


def test_new_customers_in_the_holdout_are_counted_apart() -> None:
    from tests.test_predict_clv import _orders

    calibration = _orders(300, seed=1, days=366)  # 2024 only
    assert calibration["order_ts"].max() < dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    late = [
        ("late", dt.datetime(2025, 2, 1, tzinfo=dt.UTC), 50.0, "paid"),  # first buys in the holdout
        ("late", dt.datetime(2025, 2, 9, tzinfo=dt.UTC), 50.0, "paid"),
        ("c0001", dt.datetime(2025, 1, 5, tzinfo=dt.UTC), 20.0, "paid"),
    ]
    orders = pl.concat([calibration, pl.DataFrame(late, schema=calibration.schema, orient="row")])
    result = backtest_forecast(
        orders, calibration_end="2024-12-31", holdout_end="2025-03-31", model="bgnbd"
    )
    assert result.new_in_holdout == 1
    assert result.actual_purchases == 1.0 and result.actual_revenue == 20.0
    assert "1 customers first bought in the holdout" in result.report()


def test_backtest_refuses_bad_input(sample: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="model='x'"):
        backtest_forecast(sample, calibration_end="1997-09-30", holdout_end="1998-06-30", model="x")
    with pytest.raises(ValueError, match="should be before"):
        backtest_forecast(sample, calibration_end="1998-06-30", holdout_end="1997-09-30")
    with pytest.raises(NotEnoughDataError, match="at least 20 repeat buyers"):
        backtest_forecast(
            sample, calibration_end="1997-01-05", holdout_end="1998-06-30", status_col=None
        )


def test_forecast_takes_customers_first_seen_on_as_of(published: pl.DataFrame) -> None:
    """T = 0 (first purchase on as_of) is forecast as a brand-new customer."""
    model = BetaGeoModel().fit(published)
    newcomer = pl.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0]})
    frame = forecast_purchases(model, newcomer, as_of="1997-09-30", periods=4)
    expected = model.expected_purchases_new(np.array([4.0]))[0]
    assert frame["cumulative_purchases"][-1] == pytest.approx(expected, rel=1e-6)
