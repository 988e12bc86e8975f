"""Customer lifetime value: expected purchases, P(alive), spend, discounted CLV with an interval,
next purchase date and P(no purchase), per customer, from order lines.

:func:`predict_clv` summarises the orders up to ``as_of`` (:func:`cimlab.analytics.rfm.customer_summary`),
fits a purchase model (:data:`PURCHASE_MODELS`; ``model="auto"`` chooses one on a holdout inside the
history) and the Gamma-Gamma spend model, and scores every customer. The methods, stated once:

- **Discounting**: purchases are discounted continuously at the moment they are expected,
  ``δ(u) = (1 + discount_rate)^(−u / year)`` (``discount_rate`` per year, a year = 365.25 days), so
  ``CLV = spend × ∫_0^H δ(u) dE[X(u)] = spend × (δ(H) E[X(H)] + ρ ∫_0^H δ(u) E[X(u)] du)`` with
  ``ρ = ln(1 + discount_rate)`` per year; the integral by 3-point Gauss-Legendre (smooth
  integrand; < 1e-5 relative error against a daily sum at 10 %). lifetimes'
  ``customer_lifetime_value`` discounts each month's purchases at the month's end instead (a
  month-end convention: about half a month of discount lower).
- **Interval** (:data:`INTERVAL_METHOD`): parametric draws from the asymptotic normal distribution
  of the log-parameters (mean the fit, covariance the inverse of the negative Hessian of the total
  log-likelihood, by central differences of the analytic gradient), for the purchase model and
  the spend model independently; the CLV of each customer at each draw; the interval its central
  quantiles. It is the uncertainty of the population parameters only (not the customer's own
  randomness), so it narrows as the customer base grows.
- **Next purchase date** (:data:`NEXT_PURCHASE_METHOD`): the first day after ``as_of`` on which
  the probability of at least one purchase since ``as_of`` reaches 50 %; null when that does not
  happen within the horizon.
- **Holdout for "auto"** (:data:`HOLDOUT_METHOD`): the last ``min(horizon, history / 3)`` of the
  history (whole days; the history runs from the first purchase day to ``as_of``) is held out.

Identical ``(frequency, recency, T, monetary_value)`` rows are scored once; the draws run in
chunks of rows, so memory stays bounded (1M customers with intervals in benchmarks/bench_predict.py).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> rows = [(f"c{i}", dt.date(2024, 1, 1) + dt.timedelta(days=(i * 7 + k * (10 + i % 9)) % 300),
...          10.0 + i % 7) for i in range(60) for k in range(1 + i % 4)]
>>> orders = pl.DataFrame(rows, schema=["customer_id", "order_ts", "amount"], orient="row")
>>> value = predict_clv(orders, as_of="2024-12-31", model="bgnbd", draws=50, status_col=None)
>>> value.customers.columns[:8]
['customer_id', 'expected_purchases', 'p_alive', 'expected_spend', 'clv', 'clv_low', 'clv_high', 'next_purchase_date']
>>> bool((value.customers["clv_low"] <= value.customers["clv_high"]).all())
True
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cimlab.analytics.rfm import UNIT_DAYS, TimeUnit, customer_summary
from cimlab.dates import DateLike, check_time_zone, to_date
from cimlab.errors import NotEnoughDataError
from cimlab.predict.purchases import (
    MIN_REPEAT_BUYERS,
    BetaGeoModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    compress,
)
from cimlab.predict.regularity import RegularBetaGeoModel

if TYPE_CHECKING:
    from cimlab.predict.holdout import HoldoutEvaluation, ModelChoice
    from cimlab.predict.spend import GammaGammaModel

__all__ = [
    "FACTORISED_MODELS",
    "HOLDOUT_METHOD",
    "INTERVAL_METHOD",
    "NEWCOMER_T",
    "NEXT_PURCHASE_METHOD",
    "PURCHASE_MODELS",
    "ValuePrediction",
    "discounted_purchases",
    "fit_purchase_model",
    "log_parameter_covariance",
    "predict_clv",
    "select_purchase_model",
]

#: The purchase models "auto" compares, by code (each has fit, expected_purchases, p_alive,
#: p_no_purchase, params_, converged_, fit_report_).
PURCHASE_MODELS: dict[str, type] = {
    "bgnbd": BetaGeoModel,
    "pareto": ParetoNBDModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "mbgcnbd": RegularBetaGeoModel,
}

INTERVAL_METHOD = (
    "parametric draws of the log-parameters from a normal with the inverse negative Hessian of "
    "the log-likelihood as covariance, for the purchase and the spend model independently; the "
    "interval is the central quantile range of each customer's CLV over the draws (parameter "
    "uncertainty only)."
)
NEXT_PURCHASE_METHOD = (
    "the first day after as_of on which the probability of at least one purchase since as_of "
    "reaches 50 % (1 − P(no purchase) by the purchase model); null when not within the horizon."
)
HOLDOUT_METHOD = (
    "the last min(horizon, a third of the history) of the history before as_of, in whole days, "
    "is the holdout; every model is fitted on the rest and the lowest holdout MAE wins."
)

#: T given to customers who first bought on as_of (T = 0), in time units (see the notes).
NEWCOMER_T = 1e-9

#: Gauss-Legendre nodes on [0, 1] for the discount integral.
_GL_NODES, _GL_WEIGHTS = (
    (np.polynomial.legendre.leggauss(3)[0] + 1) / 2,
    np.polynomial.legendre.leggauss(3)[1] / 2,
)
#: Wall-clock budget of the interval's parameter draws, in seconds, once
#: :data:`MIN_INTERVAL_DRAWS` are done: the interval then uses the draws made (and says so).
INTERVAL_SECONDS = 30.0
MIN_INTERVAL_DRAWS = 40
#: Draw matrix cells held at once (rows × draws), ~ 80 MB of float64 per array.
_CHUNK_CELLS = 10_000_000

Progress = Callable[[str, float], None]


@dataclasses.dataclass(frozen=True, eq=False)  # frames inside: identity, not ==
class ValuePrediction:
    """What :func:`predict_clv` found. ``customers`` has one row per customer: ``customer_id,
    expected_purchases, p_alive, expected_spend, clv, clv_low, clv_high, next_purchase_date,
    p_no_purchase, frequency, recency, T, monetary_value`` (money columns null without money)."""

    customers: pl.DataFrame
    model: str
    purchase_model: Any
    spend_model: GammaGammaModel | None
    evaluations: list[HoldoutEvaluation]
    choice: ModelChoice | None
    as_of: dt.date
    horizon: float
    time_unit: str
    discount_rate: float
    interval: float
    interval_method: str
    next_purchase_method: str
    notes: list[str]

    def report(self) -> str:
        """The model, its fit, the choice and the methods, for people."""
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.purchase_model.params_.items())
        lines = [
            f"CLV as of {self.as_of}, horizon {self.horizon:g} {self.time_unit}s, discount "
            f"{100 * self.discount_rate:g} % a year, {self.customers.height:,} customers.",
            f"Purchase model {self.model}: {params}; log-likelihood "
            f"{self.purchase_model.log_likelihood_:,.1f}; "
            + ("converged." if self.purchase_model.converged_ else "NOT converged."),
        ]
        if self.spend_model is not None:
            spend = ", ".join(f"{k}={v:.4g}" for k, v in self.spend_model.params_.items())
            lines.append(
                f"Spend model Gamma-Gamma: {spend}; frequency-spend correlation "
                f"{self.spend_model.independence_:.2f} (the model assumes about 0)."
            )
        if self.choice is not None:
            lines.append(f"Model choice ({HOLDOUT_METHOD}) {self.choice.explanation}")
            for e in self.evaluations:
                error = "n/a" if e.error_pct is None else f"{e.error_pct:+.1f} %"
                lines.append(
                    f"  {e.model}: holdout MAE {e.mae:.3f}, predicted {e.predicted:,.1f} vs "
                    f"actual {e.actual:,.0f} ({error})"
                )
        if self.spend_model is not None:
            lines.append(f"Interval ({100 * self.interval:g} %): {self.interval_method}")
        lines.append(f"Next purchase date: {self.next_purchase_method}")
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


def _year_rate(discount_rate: float, time_unit: str) -> float:
    """Continuous discount rate per time unit for an annual rate."""
    return math.log1p(discount_rate) * UNIT_DAYS[time_unit] / 365.25


def discounted_purchases(model: Any, horizon: float, summary: pl.DataFrame, rate: float) -> Any:
    """``∫_0^H e^(−ρu) dE[X(u)]``: expected purchases in the horizon, each discounted at its time
    (``rate`` = ρ, continuous, per time unit; 0 gives ``E[X(H)]``).

    >>> import polars as pl
    >>> class Linear:  # 2 purchases per unit of time
    ...     def expected_purchases(self, t, summary):
    ...         return np.full(summary.height, 2.0 * t)
    >>> row = pl.DataFrame({"frequency": [1]})
    >>> round(float(discounted_purchases(Linear(), 10.0, row, 0.1)[0]), 4)  # 2(1 − e^−1)/0.1
    12.6424
    """
    end = np.asarray(model.expected_purchases(horizon, summary), dtype=np.float64)
    if rate == 0:
        return end
    total = math.exp(-rate * horizon) * end
    for node, weight in zip(_GL_NODES, _GL_WEIGHTS, strict=True):
        u = float(node) * horizon
        values = np.asarray(model.expected_purchases(u, summary), dtype=np.float64)
        total = total + rate * horizon * float(weight) * math.exp(-rate * u) * values
    return total


def log_parameter_covariance(
    log_likelihood: Callable[..., tuple[Any, Any]],
    params: dict[str, float],
    data: tuple[Any, ...],
    weight: Any,
) -> Any:
    """Covariance of the log-parameters: the inverse negative Hessian of the total (weighted)
    log-likelihood over log-parameters, by central differences of the analytic gradient.

    ``log_likelihood(params, *data)`` returns per-row values and gradients over the natural
    parameters (the functions of :mod:`cimlab.predict.purchases` and :mod:`~.spend`). Raises
    ``np.linalg.LinAlgError`` when the Hessian is not negative definite (no maximum).
    """
    theta = np.log(np.array(list(params.values()), dtype=np.float64))

    def gradient(th: Any) -> Any:
        natural = np.exp(th)
        _, grad = log_likelihood(natural, *data)
        return (grad @ weight) * natural

    k = theta.size
    hessian = np.empty((k, k))
    step = 1e-5
    for i in range(k):
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        hessian[:, i] = (gradient(up) - gradient(down)) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    covariance = np.linalg.inv(-hessian)
    np.linalg.cholesky(covariance)  # raises unless positive definite
    return covariance


def _draw_params(
    params: dict[str, float], covariance: Any, draws: int, rng: np.random.Generator
) -> list[dict[str, float]]:
    theta = np.log(np.array(list(params.values()), dtype=np.float64))
    sample = np.exp(rng.multivariate_normal(theta, covariance, size=draws, method="cholesky"))
    return [dict(zip(params, row.tolist(), strict=True)) for row in sample]


def _with_params(model: Any, params: dict[str, float]) -> Any:
    twin = copy.copy(model)
    twin.params_ = params
    return twin


def _next_purchase_offset(model: Any, rows: pl.DataFrame, horizon_days: int, unit: float) -> Any:
    """Whole days after as_of until P(at least one purchase) >= 0.5 (binary search per row; the
    probability grows with the horizon); -1 when not within ``horizon_days``."""
    reach = 1.0 - np.asarray(model.p_no_purchase(horizon_days / unit, rows), dtype=np.float64)
    found = reach >= 0.5
    low = np.zeros(rows.height, dtype=np.int64)  # P(purchase by low days) < 0.5
    high = np.full(rows.height, horizon_days, dtype=np.int64)  # >= 0.5 where found
    while True:
        open_ = np.flatnonzero(found & (high - low > 1))  # only the rows still searched
        if not open_.size:
            break
        mid = (low[open_] + high[open_]) // 2
        probe = model.p_no_purchase(mid / unit, rows[open_])
        hit = 1.0 - np.asarray(probe, dtype=np.float64) >= 0.5
        high[open_[hit]] = mid[hit]
        low[open_[~hit]] = mid[~hit]
    return np.where(found, high, -1)


def _model_data(
    model_class: type,
    summary: pl.DataFrame,
    *,
    orders: pl.DataFrame | pl.LazyFrame | None,
    as_of: DateLike | None,
    time_unit: TimeUnit,
    columns: dict[str, Any],
) -> pl.DataFrame:
    """The summary as a model fits it: ``T = 0`` (first bought on as_of) raised to
    :data:`NEWCOMER_T`, and the extra columns the model needs (``litt`` of
    :func:`cimlab.predict.gaps.purchase_gaps` for the regularity model, from ``orders``)."""
    data = summary.with_columns(pl.col("T").clip(lower_bound=NEWCOMER_T))
    needs = getattr(model_class, "summary_columns", ())
    if "litt" in needs and "litt" not in data.columns:
        if orders is None or as_of is None:
            raise ValueError(
                f"{model_class.__name__} needs the column 'litt' (sum of log inter-purchase "
                "times): pass orders and as_of, or add it with cimlab.predict.gaps.purchase_gaps."
            )
        from cimlab.predict.gaps import purchase_gaps

        customer_col = columns.get("customer_col", "customer_id")
        gaps = purchase_gaps(orders.lazy(), as_of=as_of, time_unit=time_unit, **columns)
        litt = gaps.select(customer_col, "litt").collect()
        data = data.join(litt, on=customer_col, how="left", maintain_order="left")
        data = data.with_columns(pl.col("litt").fill_null(0.0))
    return data


def fit_purchase_model(
    code: str,
    summary: pl.DataFrame,
    *,
    orders: pl.DataFrame | pl.LazyFrame | None = None,
    as_of: DateLike | None = None,
    time_unit: TimeUnit = "week",
    time_zone: str = "UTC",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    min_repeat_buyers: int = MIN_REPEAT_BUYERS,
) -> Any:
    """Fit the purchase model ``code`` of :data:`PURCHASE_MODELS` on a summary
    (``frequency, recency, T``, the customer column) and return it.

    Customers with ``T = 0`` (first purchase on ``as_of``) are fitted at ``T =``
    :data:`NEWCOMER_T` (their likelihood term is 1 either way). A model that needs more than the
    summary (``litt`` for the regularity model) computes it from ``orders`` up to ``as_of``.

    >>> import polars as pl
    >>> summary = pl.DataFrame({"customer_id": [str(i) for i in range(30)],
    ...     "frequency": [0, 1, 2, 3, 0, 5] * 5, "recency": [0.0, 5.0, 20.0, 30.0, 0.0, 35.0] * 5,
    ...     "T": [39.0, 39.0, 39.0, 39.0, 0.0, 39.0] * 5})
    >>> fit_purchase_model("bgnbd", summary, min_repeat_buyers=5).converged_
    True
    """
    if code not in PURCHASE_MODELS:
        raise ValueError(f"unknown model {code!r}; known: {', '.join(PURCHASE_MODELS)}.")
    model_class = PURCHASE_MODELS[code]
    columns: dict[str, Any] = {
        "customer_col": customer_col,
        "time_col": time_col,
        "amount_col": amount_col,
        "status_col": status_col,
        "time_zone": time_zone,
    }
    data = _model_data(
        model_class, summary, orders=orders, as_of=as_of, time_unit=time_unit, columns=columns
    )
    return model_class(min_repeat_buyers=min_repeat_buyers).fit(data)


#: Models whose E[X(t) | x, t_x, T] is P(alive | x, t_x, T) times a function of (x, T) only
#: (given alive, the posterior of the rates does not depend on t_x): their draws compute the
#: expensive part once per distinct (x, T), P(alive) once per distinct (x, t_x, T).
FACTORISED_MODELS = frozenset({"bgnbd", "mbgnbd", "pareto"})


class _DrawnPurchases:
    """Discounted expected purchases of each distinct row at each parameter draw."""

    def __init__(self, model: Any, rows: pl.DataFrame, horizon: float, rate: float, draws: int):
        self.model, self.rows, self.horizon, self.rate = model, rows, horizon, rate
        self.factorised = getattr(model, "code", None) in FACTORISED_MODELS
        if self.factorised:
            keys = rows.select("frequency", "T").unique().sort("frequency", "T")
            self.keys = keys.with_columns(
                recency=pl.when(pl.col("frequency") > 0).then(pl.col("T")).otherwise(0.0)
            )
            self.key_index = (
                rows.select("frequency", "T")
                .join(
                    keys.with_row_index("_key"),
                    on=["frequency", "T"],
                    how="left",
                    maintain_order="left",
                )["_key"]
                .to_numpy()
            )
            self.alive = np.empty((draws, rows.height), dtype=np.float32)
            self.per_key = np.empty((draws, keys.height))
        else:
            self.per_key = np.empty((draws, rows.height), dtype=np.float32)

    def add(self, d: int, params: dict[str, float]) -> bool:
        """Compute draw ``d``; False when it gives no finite prediction (left out)."""
        if not all(math.isfinite(v) and v > 0 for v in params.values()):
            return False
        twin = _with_params(self.model, params)
        try:
            with np.errstate(all="ignore"):  # a far draw may overflow: caught, left out
                if self.factorised:
                    alive = twin.p_alive(self.rows)
                    per_key = discounted_purchases(
                        twin, self.horizon, self.keys, self.rate
                    ) / twin.p_alive(self.keys)
                else:
                    alive, per_key = (
                        None,
                        discounted_purchases(twin, self.horizon, self.rows, self.rate),
                    )
        except (FloatingPointError, ValueError, ZeroDivisionError, OverflowError):
            return False  # a draw far in the tails (a parameter at 0 or inf): left out
        if not np.isfinite(per_key).all():
            return False
        self.per_key[d] = per_key  # one contiguous row per draw; keep() transposes once
        if alive is not None:
            self.alive[d] = alive
        return True

    def keep(self, usable: Any) -> None:
        """Leave out the unusable draws; lay the draws out along rows, ``(rows, draws)``."""
        self.per_key = np.ascontiguousarray(self.per_key[usable].T)
        if self.factorised:
            self.alive = np.ascontiguousarray(self.alive[usable].T)

    def values(self, rows: Any) -> Any:
        """``(len(rows), draws)`` discounted purchases of the given distinct rows."""
        if self.factorised:
            return self.alive[rows] * self.per_key[self.key_index[rows]]
        return self.per_key[rows].astype(np.float64)


def _clv_interval(
    purchase_model: Any,
    spend_model: GammaGammaModel,
    data: pl.DataFrame,
    rows: pl.DataFrame,
    index: Any,
    spend_rows: pl.DataFrame,
    *,
    horizon: float,
    rate: float,
    interval: float,
    draws: int,
    seed: int,
    report: Progress,
    notes: list[str],
) -> tuple[Any, Any]:
    """Per-customer CLV quantiles over parametric draws (:data:`INTERVAL_METHOD`); NaN (null)
    with a note when the Hessian of either model is not negative definite."""
    from cimlab.predict.spend import gamma_gamma_log_likelihood

    n = data.height
    names = purchase_model.param_names
    point = {k: purchase_model.params_[k] for k in names}
    spend_point = {k: spend_model.params_[k] for k in ("p", "q", "v")}
    fit_rows = compress(data, ["frequency", "recency", "T"])
    buyers = compress(
        data.filter(pl.col("frequency") > 0, pl.col("monetary_value") > 0),
        ["frequency", "monetary_value"],
    )

    def arrays(frame: pl.DataFrame, cols: list[str]) -> tuple[Any, ...]:
        return tuple(frame[c].cast(pl.Float64).to_numpy() for c in cols)

    try:
        cov_purchase = log_parameter_covariance(
            purchase_model._log_likelihood,  # static, or bound (fixed k of the regularity model)
            point,
            arrays(fit_rows, ["frequency", "recency", "T"]),
            fit_rows["weight"].to_numpy(),
        )
        cov_spend = log_parameter_covariance(
            gamma_gamma_log_likelihood,
            spend_point,
            arrays(buyers, ["frequency", "monetary_value"]),
            buyers["weight"].to_numpy(),
        )
    except np.linalg.LinAlgError as error:
        notes.append(
            "no CLV interval: the log-likelihood has no proper maximum to draw around "
            f"(the Hessian is not negative definite: {error})."
        )
        nan = np.full(n, np.nan)
        return nan, nan
    except AttributeError as error:
        notes.append(
            f"no CLV interval: the {getattr(purchase_model, 'code', 'purchase')} model exposes no "
            f"per-row log-likelihood with a gradient to take the Hessian of ({error})."
        )
        nan = np.full(n, np.nan)
        return nan, nan
    rng = np.random.default_rng(seed)
    purchase_draws = _draw_params(point, cov_purchase, draws, rng)
    spend_draws = np.array(
        [list(d.values()) for d in _draw_params(spend_point, cov_spend, draws, rng)]
    )
    drawn = _DrawnPurchases(purchase_model, rows, horizon, rate, draws)
    usable = np.ones(draws, dtype=bool)
    started = time.perf_counter()
    attempted = draws
    for d, params in enumerate(purchase_draws):
        if d >= MIN_INTERVAL_DRAWS and time.perf_counter() - started > INTERVAL_SECONDS:
            attempted = d
            usable[d:] = False
            notes.append(
                f"the CLV interval uses {d} of {draws} parameter draws: their time budget of "
                f"{INTERVAL_SECONDS:g} s ran out (a slow model, e.g. MBG/CNBD-k with k > 1, on "
                "many distinct customer histories)."
            )
            break
        if d % max(1, draws // 10) == 0:
            report("CLV interval draws", 0.72 + 0.2 * d / draws)
        usable[d] = drawn.add(d, params)
    p, q, v = spend_draws.T
    usable &= q > 1  # the spend model has a mean only for q > 1
    if usable.sum() < max(2, attempted // 2):
        notes.append(
            f"no CLV interval: only {int(usable.sum())} of {attempted} parameter draws gave "
            "finite predictions."
        )
        nan = np.full(n, np.nan)
        return nan, nan
    if usable[:attempted].sum() < attempted:
        notes.append(
            f"{int(attempted - usable[:attempted].sum())} of {attempted} parameter draws gave no "
            "finite prediction and were left out of the interval."
        )
    x = spend_rows["frequency"].cast(pl.Float64).to_numpy()
    m = spend_rows["monetary_value"].cast(pl.Float64).to_numpy()
    m = np.where(x > 0, m, 0.0)
    drawn.keep(usable)
    p, q, v = p[None, usable], q[None, usable], v[None, usable]
    kept = int(usable.sum())
    # central quantiles as numpy's default ("linear"), by partial sorting along the draws
    position = np.array([(1 - interval) / 2, (1 + interval) / 2]) * (kept - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, kept - 1)
    share = position - below
    kth = sorted(set(below.tolist()) | set(above.tolist()))
    # customers with the same row and spend history have the same draws (one-time buyers of
    # the same age, above all): each distinct (row, monetary value) is computed once
    distinct = pl.DataFrame({"row": index, "m": m})
    keys = distinct.unique(maintain_order=True).with_row_index("key")
    back = distinct.join(keys, on=["row", "m"], how="left", maintain_order="left")["key"]
    rows_k = keys["row"].to_numpy()
    m_k = keys["m"].to_numpy()
    x_k = rows["frequency"].cast(pl.Float64).to_numpy()[rows_k]
    k = keys.height
    low, high = np.empty(k), np.empty(k)
    chunk = max(1, _CHUNK_CELLS // kept)
    report("CLV interval quantiles", 0.93)
    for start in range(0, k, chunk):
        part = slice(start, min(k, start + chunk))
        xs, ms = x_k[part][:, None], m_k[part][:, None]
        values = drawn.values(rows_k[part]) * (p * (v + xs * ms) / (p * xs + q - 1))
        values.partition(kth, axis=1)
        bounds = values[:, below] * (1 - share) + values[:, above] * share
        low[part], high[part] = bounds[:, 0], bounds[:, 1]
    where = back.to_numpy()
    return low[where], high[where]


def select_purchase_model(
    orders: pl.LazyFrame,
    *,
    as_of: dt.date,
    first_purchase: dt.date,
    horizon_days: int,
    time_unit: TimeUnit,
    columns: dict[str, Any],
    min_repeat_buyers: int = MIN_REPEAT_BUYERS,
    report: Progress | None = None,
    notes: list[str] | None = None,
) -> tuple[str, list[HoldoutEvaluation], ModelChoice | None]:
    """The "auto" choice (:data:`HOLDOUT_METHOD`) with the orders up to ``as_of`` only: every
    model of :data:`PURCHASE_MODELS` is fitted on the history before the holdout and validated on
    it; the lowest holdout MAE wins. Falls back to ``"bgnbd"`` with a note (``notes``) when the
    history is too short or no model can be validated. ``columns`` are the keyword arguments
    ``customer_col, time_col, amount_col, status_col, time_zone``."""
    from cimlab.predict.holdout import compare_models

    report = report or (lambda step, share: None)
    notes = notes if notes is not None else []
    unit = UNIT_DAYS[time_unit]
    history = (as_of - first_purchase).days
    holdout_days = min(horizon_days, history // 3)
    if holdout_days < max(1, math.ceil(unit)):
        notes.append(
            f"the history ({history} days) is too short for a holdout of one {time_unit}; "
            "BG/NBD used without a model choice."
        )
        return "bgnbd", [], None
    comparison = compare_models(
        orders,
        calibration_end=as_of - dt.timedelta(days=holdout_days),
        holdout_end=as_of,
        time_unit=time_unit,
        progress=report,
        min_repeat_buyers=min_repeat_buyers,
        **columns,
    )
    for name, reason in comparison.failures.items():
        notes.append(f"{name} could not be validated on the holdout: {reason}")
    if comparison.choice is None:
        notes.append("no model could be validated on the holdout; BG/NBD used without a choice.")
        return "bgnbd", [], None
    return comparison.choice.model, comparison.evaluations, comparison.choice


# --------------------------------------------------------------------------------------------
# predict_clv
# --------------------------------------------------------------------------------------------


def predict_clv(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike,
    horizon: float = 52,
    time_unit: TimeUnit = "week",
    model: str = "auto",
    discount_rate: float = 0.10,
    interval: float = 0.90,
    draws: int = 200,
    seed: int = 0,
    time_zone: str = "UTC",
    with_money: bool = True,
    progress: Progress | None = None,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    min_repeat_buyers: int = MIN_REPEAT_BUYERS,
) -> ValuePrediction:
    """Fit a purchase model (and Gamma-Gamma) on the orders up to ``as_of`` and score customers.

    Parameters
    ----------
    orders
        Order lines (customer, time, amount, optional status); nothing after ``as_of`` is read.
    as_of
        Scoring date (that day included in the history).
    horizon
        Prediction horizon in ``time_unit`` (52 weeks by default).
    time_unit
        ``"day"``, ``"week"`` or ``"month"``.
    model
        ``"auto"`` (choose on a holdout, :data:`HOLDOUT_METHOD`) or a code of
        :data:`PURCHASE_MODELS`.
    discount_rate
        Annual discount rate (continuous discounting at the purchase time, module docstring).
    interval, draws, seed
        Interval coverage, number of parameter draws and their seed (:data:`INTERVAL_METHOD`).
    with_money
        False: no spend model; ``expected_spend, clv, clv_low, clv_high, monetary_value`` null.
    progress
        Called as ``progress(step, share)`` with share in [0, 1] as the work advances.
    min_repeat_buyers
        Fewer repeat buyers raise :class:`cimlab.errors.NotEnoughDataError`.

    Raises
    ------
    NotEnoughDataError
        Fewer than ``min_repeat_buyers`` customers with a repeat purchase up to ``as_of``.
    """
    report = progress or (lambda step, share: None)
    if model != "auto" and model not in PURCHASE_MODELS:
        raise ValueError(
            f"model={model!r} should be 'auto' or one of {', '.join(PURCHASE_MODELS)}."
        )
    if time_unit not in ("day", "week", "month"):
        raise ValueError(f"time_unit={time_unit!r} should be one of day, week, month.")
    if not (isinstance(horizon, int | float) and horizon > 0 and math.isfinite(horizon)):
        raise ValueError(f"horizon={horizon!r} should be a positive number of {time_unit}s.")
    if not 0 < interval < 1:
        raise ValueError(f"interval={interval!r} should be between 0 and 1 (0.90 for 90 %).")
    if not (discount_rate >= 0 and math.isfinite(discount_rate)):
        raise ValueError(f"discount_rate={discount_rate!r} should be >= 0 (0.10 for 10 % a year).")
    if not (isinstance(draws, int) and draws >= 2):
        raise ValueError(f"draws={draws!r} should be a whole number >= 2.")
    tz = check_time_zone(time_zone)
    day = to_date(as_of, name="as_of", time_zone=tz)
    unit = UNIT_DAYS[time_unit]
    columns: dict[str, Any] = {
        "customer_col": customer_col,
        "time_col": time_col,
        "amount_col": amount_col,
        "status_col": status_col,
        "time_zone": tz,
    }
    lf = orders.lazy()
    report("summary", 0.0)
    summary = customer_summary(lf, as_of=day, time_unit=time_unit, **columns).collect()
    repeat = int((summary["frequency"] > 0).sum()) if summary.height else 0
    if repeat < min_repeat_buyers:
        raise NotEnoughDataError(
            f"only {repeat} of {summary.height} customers bought more than once up to {day}; "
            f"CLV needs at least {min_repeat_buyers} repeat buyers to be trusted. Use a longer "
            "history or more customers."
        )
    notes: list[str] = []
    newcomers = int((summary["T"] <= 0).sum())
    if newcomers:
        notes.append(
            f"{newcomers} customers first bought on {day} (T = 0): scored at T = {NEWCOMER_T:g} "
            f"{time_unit}s, the limit the models refuse to take at 0 (their likelihood term is 1)."
        )
        summary = summary.with_columns(pl.col("T").clip(lower_bound=NEWCOMER_T))

    # ---- the model: given, or chosen on a holdout inside the history
    evaluations: list[HoldoutEvaluation] = []
    choice: ModelChoice | None = None
    code = model
    if model == "auto":
        first: dt.date = summary["first_purchase"].min()  # type: ignore[assignment]
        code, evaluations, choice = select_purchase_model(
            lf,
            as_of=day,
            first_purchase=first,
            horizon_days=math.floor(horizon * unit),
            time_unit=time_unit,
            columns=columns,
            min_repeat_buyers=min_repeat_buyers,
            report=report,
            notes=notes,
        )
    model_class = PURCHASE_MODELS[code]
    report(f"fitting {code}", 0.5)
    data = _model_data(
        model_class, summary, orders=lf, as_of=day, time_unit=time_unit, columns=columns
    )
    purchase_model = model_class(min_repeat_buyers=min_repeat_buyers).fit(data)
    if not purchase_model.converged_:
        notes.append(
            f"{code} did not converge on the full history (see its fit report); the "
            "predictions use its best parameters."
        )
    spend_model = None
    if with_money:
        from cimlab.predict.spend import GammaGammaModel

        report("fitting the spend model", 0.6)
        spend_model = GammaGammaModel(min_repeat_buyers=min_repeat_buyers).fit(summary)
        if not spend_model.converged_:
            notes.append("the Gamma-Gamma spend model did not converge (see its fit report).")

    # ---- scoring: the purchase side once per distinct (frequency, recency, T) row
    report("scoring", 0.65)
    keys = ["frequency", "recency", "T"]
    rows = compress(data, keys).drop("weight")
    index = (
        data.select(keys)
        .join(rows.with_row_index("_row"), on=keys, how="left", maintain_order="left")["_row"]
        .to_numpy()
    )
    rate = _year_rate(discount_rate, time_unit)
    expected = purchase_model.expected_purchases(horizon, rows)
    alive = purchase_model.p_alive(rows)
    no_purchase = purchase_model.p_no_purchase(horizon, rows)
    report("next purchase dates", 0.7)
    offset = _next_purchase_offset(purchase_model, rows, math.floor(horizon * unit), unit)[index]
    null = pl.lit(None, dtype=pl.Float64)
    money: dict[str, Any] = dict.fromkeys(("expected_spend", "clv", "clv_low", "clv_high"), null)
    money["monetary_value"] = null
    if spend_model is not None:
        spend_rows = data.select("frequency", pl.col("monetary_value").fill_null(0.0))
        spend = spend_model.expected_spend(spend_rows)
        purchases = discounted_purchases(purchase_model, horizon, rows, rate)[index]
        low, high = _clv_interval(
            purchase_model, spend_model, data, rows, index, spend_rows,
            horizon=horizon, rate=rate, interval=interval, draws=draws, seed=seed,
            report=report, notes=notes,
        )  # fmt: skip
        money = {
            "expected_spend": pl.Series(spend, dtype=pl.Float64),
            "clv": pl.Series(purchases * spend, dtype=pl.Float64),
            "clv_low": pl.Series(low, dtype=pl.Float64).fill_nan(None),
            "clv_high": pl.Series(high, dtype=pl.Float64).fill_nan(None),
            "monetary_value": pl.col("monetary_value").cast(pl.Float64),
        }
    days = pl.Series(offset)
    customers = data.select(
        customer_col,
        expected_purchases=pl.Series(expected[index], dtype=pl.Float64),
        p_alive=pl.Series(alive[index], dtype=pl.Float64),
        expected_spend=money["expected_spend"],
        clv=money["clv"],
        clv_low=money["clv_low"],
        clv_high=money["clv_high"],
        next_purchase_date=pl.when(days >= 0).then(pl.lit(day) + pl.duration(days=pl.lit(days))),
        p_no_purchase=pl.Series(no_purchase[index], dtype=pl.Float64),
        frequency="frequency",
        recency="recency",
        T="T",
        monetary_value=money["monetary_value"],
    ).sort(customer_col)
    report("done", 1.0)
    return ValuePrediction(
        customers=customers,
        model=code,
        purchase_model=purchase_model,
        spend_model=spend_model,
        evaluations=evaluations,
        choice=choice,
        as_of=day,
        horizon=float(horizon),
        time_unit=time_unit,
        discount_rate=float(discount_rate),
        interval=float(interval),
        interval_method=INTERVAL_METHOD,
        next_purchase_method=NEXT_PURCHASE_METHOD,
        notes=notes,
    )
