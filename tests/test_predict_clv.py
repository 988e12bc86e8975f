"""Tests for P(no purchase) of the purchase models (cimlab.predict.purchases) and for
cimlab.predict.clv: limits and Monte-Carlo simulation, hand-computed small cases, CDNOW against
lifetimes' ``customer_lifetime_value``, and adversarial input."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.resources
import math

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.rfm import customer_summary
from cimlab.errors import NotEnoughDataError
from cimlab.predict.clv import (
    FACTORISED_MODELS,
    PURCHASE_MODELS,
    ValuePrediction,
    _DrawnPurchases,
    discounted_purchases,
    log_parameter_covariance,
    predict_clv,
)
from cimlab.predict.purchases import (
    BetaGeoModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    bgnbd_log_likelihood,
    compress,
)

MODELS = (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel)


def _lifetimes_file(name: str) -> bytes:
    return (importlib.resources.files("lifetimes") / "datasets" / name).read_bytes()


@pytest.fixture(scope="module")
def published() -> pl.DataFrame:
    """lifetimes' shipped CDNOW summary (2,357 customers, weeks) with the mean repeat spend."""
    frame = pl.read_csv(_lifetimes_file("cdnow_customers_summary_with_transactions.csv"))
    return frame.rename({"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def fitted(published: pl.DataFrame) -> dict[str, object]:
    return {model.code: model().fit(published) for model in MODELS}


# --------------------------------------------------------------------------------------------
# P(no purchase in (T, T + t])
# --------------------------------------------------------------------------------------------


def _simulate(
    code: str, params: tuple[float, ...], n: int, big_t: float, t: float, seed: int
) -> tuple[pl.DataFrame, np.ndarray]:
    """Customers drawn from the model's own story, observed for ``big_t``; returns their summary
    and whether each bought in (big_t, big_t + t]."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params[0], 1 / params[1], n)
    if code == "pareto":
        death = rng.exponential(1 / rng.gamma(params[2], 1 / params[3], n))
        p = np.zeros(n)
    else:
        p = rng.beta(params[2], params[3], n)
        death = np.full(n, np.inf)
        if code == "mbgnbd":  # MBG/NBD: may drop out right after the first purchase too
            death = np.where(rng.random(n) < p, 0.0, np.inf)
    now, x, t_x = np.zeros(n), np.zeros(n), np.zeros(n)
    later = np.zeros(n, dtype=bool)
    active = death > 0
    while active.any():
        idx = np.flatnonzero(active)
        nxt = now[idx] + rng.exponential(1 / lam[idx])
        ok = (nxt < death[idx]) & (nxt <= big_t + t)
        active[idx[~ok]] = False
        idx, nxt = idx[ok], nxt[ok]
        now[idx] = nxt
        inside = nxt <= big_t
        x[idx[inside]] += 1
        t_x[idx[inside]] = nxt[inside]
        later[idx[~inside]] = True
        active[idx[~inside]] = False
        if code != "pareto":
            die = rng.random(idx.size) < p[idx]
            active[idx[die]] = False
    summary = pl.DataFrame({"frequency": x, "recency": t_x, "T": np.full(n, big_t)})
    return summary, later


_TRUE_PARAMS = {
    "bgnbd": (0.8, 5.0, 0.8, 2.5),
    "mbgnbd": (0.8, 5.0, 0.8, 2.5),
    "pareto": (0.8, 5.0, 0.6, 10.0),
}


@pytest.mark.parametrize("model_class", MODELS, ids=lambda m: m.code)
def test_p_no_purchase_matches_monte_carlo(model_class: type[BetaGeoModel]) -> None:
    params = _TRUE_PARAMS[model_class.code]
    summary, bought = _simulate(model_class.code, params, 60_000, 30.0, 20.0, seed=7)
    model = model_class()
    model.params_ = dict(zip(model_class.param_names, params, strict=True))
    predicted = model.p_no_purchase(20.0, summary)
    # by calibration frequency: the conditioning on (x, t_x, T) is what is tested
    bucket = np.minimum(summary["frequency"].to_numpy(), 5)
    for k in range(6):
        chosen = bucket == k
        observed = 1.0 - bought[chosen].mean()
        se = math.sqrt(observed * (1 - observed) / chosen.sum())
        assert abs(predicted[chosen].mean() - observed) < 4 * se + 1e-3, (k, observed)
    assert abs(predicted.mean() - (1 - bought.mean())) < 4 * math.sqrt(0.25 / bought.size)


@pytest.mark.parametrize("code", ["bgnbd", "mbgnbd", "pareto"])
def test_p_no_purchase_limits(
    fitted: dict[str, BetaGeoModel], published: pl.DataFrame, code: str
) -> None:
    model = fitted[code]
    assert np.array_equal(model.p_no_purchase(0.0, published), np.ones(published.height))
    short, long = model.p_no_purchase(5.0, published), model.p_no_purchase(50.0, published)
    assert np.all(short >= long) and np.all((long >= 0) & (short <= 1))
    dead = 1.0 - model.p_alive(published)
    assert np.all(long >= dead - 1e-12)
    if code != "pareto":  # the BG family: t → ∞ leaves only the dead
        np.testing.assert_allclose(model.p_no_purchase(math.inf, published), dead, atol=1e-12)
    else:  # alive customers may still die before buying: P(no purchase) stays above 1 − P(alive)
        assert np.all(model.p_no_purchase(math.inf, published) > dead)
    with pytest.raises(ValueError, match="t=-1"):
        model.p_no_purchase(-1, published)


def test_p_no_purchase_pareto_equals_monte_carlo_over_the_posterior(
    fitted: dict[str, ParetoNBDModel],
) -> None:
    """Pareto/NBD given alive: the mean over posterior draws of λ ~ Gamma(r+x, α+T) and
    μ ~ Gamma(s, β+T) of μ/(λ+μ)(1−e^{−(λ+μ)t}) + e^{−(λ+μ)t}."""
    model = fitted["pareto"]
    r, alpha, s, beta = (model.params_[k] for k in ("r", "alpha", "s", "beta"))
    rng = np.random.default_rng(11)
    for x, t_x, big_t, t in [
        (3.0, 20.0, 30.0, 26.0),
        (0.0, 0.0, 38.0, 52.0),
        (12.0, 35.0, 36.0, 4.0),
    ]:
        lam = rng.gamma(r + x, 1 / (alpha + big_t), 2_000_000)
        mu = rng.gamma(s, 1 / (beta + big_t), 2_000_000)
        rate = lam + mu
        no_buy = mu / rate * -np.expm1(-rate * t) + np.exp(-rate * t)
        row = pl.DataFrame({"frequency": [x], "recency": [t_x], "T": [big_t]})
        alive = float(model.p_alive(row)[0])
        expected = 1 - alive + alive * no_buy.mean()
        se = alive * no_buy.std() / math.sqrt(no_buy.size)
        assert float(model.p_no_purchase(t, row)[0]) == pytest.approx(expected, abs=4 * se + 1e-9)


# --------------------------------------------------------------------------------------------
# predict_clv: small cases by hand
# --------------------------------------------------------------------------------------------


def _orders(customers: int, seed: int, *, days: int = 364) -> pl.DataFrame:
    """Order lines of BG/NBD-like customers over ``days`` from 2024-01-01 (one line per day)."""
    rng = np.random.default_rng(seed)
    rows = []
    start = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    for i in range(customers):
        rate, drop, mean = rng.gamma(1.5, 1 / 40), rng.beta(1, 6), rng.gamma(4, 10)
        day = float(rng.integers(0, 120))
        while day < days:
            rows.append((f"c{i:04d}", start + dt.timedelta(days=int(day)), rng.gamma(6, mean / 6)))
            if rng.random() < drop:
                break
            day += 1 + rng.exponential(1 / rate)
    return pl.DataFrame(
        rows, schema=["customer_id", "order_ts", "amount"], orient="row"
    ).with_columns(status=pl.lit("paid"))


@pytest.fixture(scope="module")
def small_orders() -> pl.DataFrame:
    return _orders(400, seed=3, days=420)  # runs past as_of (2024-12-29)


@pytest.fixture(scope="module")
def small_value(small_orders: pl.DataFrame) -> ValuePrediction:
    return predict_clv(small_orders, as_of="2024-12-29", model="bgnbd", horizon=26, draws=100)


def test_columns_and_contract(small_value: ValuePrediction) -> None:
    frame = small_value.customers
    assert frame.columns == [
        "customer_id", "expected_purchases", "p_alive", "expected_spend", "clv", "clv_low",
        "clv_high", "next_purchase_date", "p_no_purchase", "frequency", "recency", "T",
        "monetary_value",
    ]  # fmt: skip
    assert frame["next_purchase_date"].dtype == pl.Date
    assert small_value.model == "bgnbd" and small_value.choice is None
    assert small_value.evaluations == []
    assert frame["customer_id"].is_sorted() and frame["customer_id"].is_unique().all()
    assert frame.select(pl.exclude("next_purchase_date").is_null().sum()).sum_horizontal()[0] == 0
    low, point, high = (frame[c].to_numpy() for c in ("clv_low", "clv", "clv_high"))
    assert np.all(low <= high) and np.all(low >= 0)
    # the point is inside its interval for nearly everyone (the draws centre on the fit)
    assert ((low <= point) & (point <= high)).mean() > 0.95
    report = small_value.report()
    assert "bgnbd" in report and "Gamma-Gamma" in report and "50 %" in report


def test_predictions_equal_the_models_by_hand(
    small_orders: pl.DataFrame, small_value: ValuePrediction
) -> None:
    """Every column recomputed from the two fitted models on the customer summary."""
    summary = customer_summary(small_orders, as_of="2024-12-29", time_unit="week")
    model, spend = small_value.purchase_model, small_value.spend_model
    assert spend is not None
    frame = small_value.customers
    assert frame["customer_id"].to_list() == summary["customer_id"].to_list()
    np.testing.assert_allclose(frame["expected_purchases"], model.expected_purchases(26, summary))
    np.testing.assert_allclose(frame["p_alive"], model.p_alive(summary))
    np.testing.assert_allclose(frame["p_no_purchase"], model.p_no_purchase(26, summary))
    expected_spend = spend.expected_spend(summary)
    np.testing.assert_allclose(frame["expected_spend"], expected_spend)
    # continuous discounting at 10 % a year, against a sum over days (each day's purchases
    # discounted at the day's middle)
    rate = math.log(1.10) * 7 / 365.25
    grid = np.arange(0, 26 * 7 + 1) / 7
    cumulative = np.stack([model.expected_purchases(float(u), summary) for u in grid])
    middle = (grid[1:] + grid[:-1]) / 2
    by_days = (np.diff(cumulative, axis=0) * np.exp(-rate * middle)[:, None]).sum(axis=0)
    np.testing.assert_allclose(frame["clv"], by_days * expected_spend, rtol=1e-5)
    # next purchase date: the first day P(a purchase since as_of) >= 0.5, else null
    as_of = dt.date(2024, 12, 29)
    for row in frame.head(60).iter_rows(named=True):
        one = pl.DataFrame({k: [row[k]] for k in ("frequency", "recency", "T")})
        date = row["next_purchase_date"]
        if date is None:
            assert 1 - model.p_no_purchase(26.0, one)[0] < 0.5
        else:
            days = (date - as_of).days
            assert 1 - model.p_no_purchase(days / 7, one)[0] >= 0.5
            assert 1 - model.p_no_purchase((days - 1) / 7, one)[0] < 0.5


def test_discount_zero_is_expected_purchases_times_spend(small_orders: pl.DataFrame) -> None:
    value = predict_clv(
        small_orders, as_of="2024-12-29", model="pareto", horizon=10, discount_rate=0.0, draws=20
    )
    frame = value.customers
    np.testing.assert_allclose(
        frame["clv"], frame["expected_purchases"] * frame["expected_spend"], rtol=1e-12
    )


def test_nothing_after_as_of_is_read(
    small_orders: pl.DataFrame, small_value: ValuePrediction
) -> None:
    cut = small_orders.filter(pl.col("order_ts") < dt.datetime(2024, 12, 30, tzinfo=dt.UTC))
    assert cut.height < small_orders.height  # the fixture does run past as_of
    again = predict_clv(cut, as_of="2024-12-29", model="bgnbd", horizon=26, draws=100)
    assert_frame_equal(again.customers, small_value.customers)


def test_without_money_and_progress(small_orders: pl.DataFrame) -> None:
    steps: list[tuple[str, float]] = []
    value = predict_clv(
        small_orders,
        as_of="2024-12-29",
        with_money=False,
        progress=lambda step, share: steps.append((step, share)),
    )
    frame = value.customers
    for name in ("expected_spend", "clv", "clv_low", "clv_high", "monetary_value"):
        assert frame[name].dtype == pl.Float64 and frame[name].null_count() == frame.height
    assert value.spend_model is None and value.model in PURCHASE_MODELS
    shares = [share for _, share in steps]
    assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares)
    # auto: every model validated on the holdout, the choice explained
    assert value.choice is not None and value.model == value.choice.model
    assert {e.model for e in value.evaluations} == set(PURCHASE_MODELS)
    assert "holdout" in value.report()


def test_log_parameter_covariance_equals_lifetimes_standard_errors(
    published: pl.DataFrame, fitted: dict[str, BetaGeoModel]
) -> None:
    """lifetimes' BetaGeoFitter reports standard errors from the Hessian over natural parameters;
    ours is over log-parameters, so se(θ) = θ · se(log θ) (delta method, exact at the optimum)."""
    import pandas as pd
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes import BetaGeoFitter

    model = fitted["bgnbd"]
    rows = compress(published, ["frequency", "recency", "T"])
    data = tuple(rows[c].cast(pl.Float64).to_numpy() for c in ("frequency", "recency", "T"))
    params = {k: model.params_[k] for k in model.param_names}
    covariance = log_parameter_covariance(
        bgnbd_log_likelihood, params, data, rows["weight"].to_numpy()
    )
    ours = np.sqrt(np.diag(covariance)) * np.array(list(params.values()))
    pandas_summary = published.select("frequency", "recency", "T").to_pandas()
    reference = BetaGeoFitter().fit(
        pandas_summary["frequency"], pandas_summary["recency"], pandas_summary["T"]
    )
    theirs = reference.standard_errors_[["r", "alpha", "a", "b"]].to_numpy()
    assert isinstance(reference.standard_errors_, pd.Series)
    np.testing.assert_allclose(ours, theirs, rtol=2e-3)


# --------------------------------------------------------------------------------------------
# CDNOW against lifetimes' customer_lifetime_value
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_orders() -> pl.DataFrame:
    """CDNOW_sample.txt as order lines (2,357 customers, 6,919 lines)."""
    text = _lifetimes_file("CDNOW_sample.txt").decode()
    rows = [line.split() for line in text.splitlines() if line]
    frame = pl.DataFrame(rows, schema=["customer_id", "ID", "date", "cds", "dollars"], orient="row")
    return frame.select(
        "customer_id",
        order_ts=pl.col("date").str.to_date("%Y%m%d"),
        amount=pl.col("dollars").cast(pl.Float64),
    )


@pytest.mark.parametrize("code", ["bgnbd", "pareto"])
def test_cdnow_clv_equals_lifetimes(cdnow_orders: pl.DataFrame, code: str) -> None:
    """lifetimes' GammaGammaFitter.customer_lifetime_value(time=12 months, freq="W") with our
    fitted parameters: equal at a 0 discount rate (both are E[X(52.14 weeks)] × spend); at 1 %
    a month lifetimes discounts each month's purchases at the month's end, cimlab at the moment
    of purchase, so cimlab's is higher by about half a month of discount (0.5 %)."""
    import pandas as pd
    import setuptools  # noqa: F401
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

    horizon = 12 * 4.345
    results = {}
    for monthly in (0.0, 0.01):
        value = predict_clv(
            cdnow_orders,
            as_of="1997-09-30",
            model=code,
            horizon=horizon,
            discount_rate=(1 + monthly) ** 12 - 1,
            draws=20,
            status_col=None,
        )
        results[monthly] = value
    value = results[0.0]
    assert value.spend_model is not None
    frame = value.customers.to_pandas()
    purchase = (BetaGeoFitter if code == "bgnbd" else ParetoNBDFitter)()
    purchase.params_ = pd.Series(value.purchase_model.params_)
    purchase.predict = purchase.conditional_expected_number_of_purchases_up_to_time
    spend = GammaGammaFitter()
    spend.params_ = pd.Series(value.spend_model.params_)
    for monthly, result in results.items():
        theirs = spend.customer_lifetime_value(
            purchase,
            frame["frequency"],
            frame["recency"],
            frame["T"],
            frame["monetary_value"],
            time=12,
            discount_rate=monthly,
            freq="W",
        ).to_numpy()
        ours = result.customers["clv"].to_numpy()
        if monthly == 0:
            np.testing.assert_allclose(ours, theirs, rtol=1e-7)
        else:
            ratio = ours / theirs
            # half a month at 1 %: 1.01 ** 0.5 = 1.00499 (and lifetimes' 4.345-week month
            # makes its year 52.14 weeks, cimlab's 52.18)
            assert np.all((ratio > 1.004) & (ratio < 1.006))


# --------------------------------------------------------------------------------------------
# Adversarial input
# --------------------------------------------------------------------------------------------


def test_one_customer_is_not_enough() -> None:
    orders = _orders(1, seed=1)
    with pytest.raises(NotEnoughDataError, match="at least 20 repeat buyers"):
        predict_clv(orders, as_of="2024-12-29")


def test_all_one_time_buyers_is_not_enough() -> None:
    orders = _orders(300, seed=2).unique("customer_id", keep="first")
    with pytest.raises(NotEnoughDataError, match="only 0 of 300 customers bought more than once"):
        predict_clv(orders, as_of="2024-12-29")


def test_too_few_repeat_buyers_and_empty_orders() -> None:
    orders = _orders(400, seed=4)
    repeaters = orders.group_by("customer_id").len().filter(pl.col("len") > 1)["customer_id"]
    keep = set(repeaters.to_list()[:10])
    few = orders.filter(
        pl.col("customer_id").is_in(keep) | ~pl.col("customer_id").is_in(repeaters.to_list())
    )
    with pytest.raises(NotEnoughDataError, match="only 10 of"):
        predict_clv(few, as_of="2024-12-29")
    with pytest.raises(NotEnoughDataError, match="only 0 of 0"):
        predict_clv(orders.clear(), as_of="2024-12-29")


def test_auto_with_a_short_history_says_so() -> None:
    """Two weeks of history cannot hold out a week's third: BG/NBD without a choice, said."""
    orders = _orders(2000, seed=5, days=400).filter(
        pl.col("order_ts") >= dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    )
    value = predict_clv(orders, as_of="2024-06-14", draws=10)
    assert value.choice is None and value.model == "bgnbd"
    assert any("too short for a holdout" in note for note in value.notes)


def test_bad_arguments_are_refused(small_orders: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="model='nope'"):
        predict_clv(small_orders, as_of="2024-12-29", model="nope")
    with pytest.raises(ValueError, match=r"interval=1\.5"):
        predict_clv(small_orders, as_of="2024-12-29", interval=1.5)
    with pytest.raises(ValueError, match="horizon=0"):
        predict_clv(small_orders, as_of="2024-12-29", horizon=0)


@pytest.mark.parametrize("code", ["bgnbd", "mbgnbd", "pareto"])
def test_factorised_draws_equal_the_direct_computation(
    fitted: dict[str, BetaGeoModel], published: pl.DataFrame, code: str
) -> None:
    """E[X(t) | x, t_x, T] = P(alive | x, t_x, T) · h(x, T): the draws compute h once per
    distinct (x, T); the result equals the discounted purchases computed row by row."""
    model = fitted[code]
    rows = compress(published, ["frequency", "recency", "T"]).drop("weight")
    assert getattr(model, "code", None) in FACTORISED_MODELS
    drawn = _DrawnPurchases(model, rows, 52.0, 0.002, draws=2)
    shifted = {k: v * 1.03 for k, v in model.params_.items()}
    assert drawn.add(0, model.params_) and drawn.add(1, shifted)
    drawn.keep(np.array([True, True]))
    everything = np.arange(rows.height)
    for d, params in enumerate([model.params_, shifted]):
        twin = copy.copy(model)
        twin.params_ = params
        direct = discounted_purchases(twin, 52.0, rows, 0.002)
        np.testing.assert_allclose(drawn.values(everything)[:, d], direct, rtol=1e-6)


def test_interval_equals_brute_force_draws(
    small_orders: pl.DataFrame, small_value: ValuePrediction
) -> None:
    """The same parameter draws (same seed), every customer's CLV at every draw computed the
    plain way, numpy's quantiles: equal to the fast path (factorised, deduplicated, partial
    sort)."""
    from cimlab.predict.clv import _draw_params, _year_rate
    from cimlab.predict.spend import gamma_gamma_log_likelihood

    model, spend = small_value.purchase_model, small_value.spend_model
    assert spend is not None
    summary = customer_summary(small_orders, as_of="2024-12-29", time_unit="week")
    rows = compress(summary, ["frequency", "recency", "T"])
    point = {k: model.params_[k] for k in model.param_names}
    cov = log_parameter_covariance(
        bgnbd_log_likelihood,
        point,
        tuple(rows[c].cast(pl.Float64).to_numpy() for c in ("frequency", "recency", "T")),
        rows["weight"].to_numpy(),
    )
    buyers = compress(
        summary.filter(pl.col("frequency") > 0, pl.col("monetary_value") > 0),
        ["frequency", "monetary_value"],
    )
    spend_point = {k: spend.params_[k] for k in ("p", "q", "v")}
    spend_cov = log_parameter_covariance(
        gamma_gamma_log_likelihood,
        spend_point,
        tuple(buyers[c].cast(pl.Float64).to_numpy() for c in ("frequency", "monetary_value")),
        buyers["weight"].to_numpy(),
    )
    rng = np.random.default_rng(0)
    purchase_draws = _draw_params(point, cov, 100, rng)
    spend_draws = _draw_params(spend_point, spend_cov, 100, rng)
    rate = _year_rate(0.10, "week")
    values = []
    for purchase_params, spend_params in zip(purchase_draws, spend_draws, strict=True):
        twin, spend_twin = copy.copy(model), copy.copy(spend)
        twin.params_, spend_twin.params_ = purchase_params, spend_params
        values.append(
            discounted_purchases(twin, 26.0, summary, rate) * spend_twin.expected_spend(summary)
        )
    low, high = np.quantile(np.array(values), [0.05, 0.95], axis=0)
    frame = small_value.customers
    np.testing.assert_allclose(frame["clv_low"], low, rtol=1e-5)
    np.testing.assert_allclose(frame["clv_high"], high, rtol=1e-5)


def test_the_interval_draws_stop_at_their_time_budget_and_say_so(
    small_orders: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cimlab.predict import clv

    monkeypatch.setattr(clv, "INTERVAL_SECONDS", 0.0)
    monkeypatch.setattr(clv, "MIN_INTERVAL_DRAWS", 5)
    value = predict_clv(small_orders, as_of="2024-12-29", model="bgnbd", draws=50)
    assert any("uses 5 of 50 parameter draws" in note for note in value.notes), value.notes
    frame = value.customers.drop_nulls("clv_low")
    assert frame.height > 0
    assert (frame["clv_low"] <= frame["clv_high"]).all()
