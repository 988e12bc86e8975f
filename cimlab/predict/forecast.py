"""Forecast of the existing customer base: expected repeat purchases and revenue per period, and
its backtest on a holdout.

:func:`forecast_purchases` sums the per-customer models: the expected purchases of the base in
period ``k`` are ``Σ_i E_i[X(t_k)] − E_i[X(t_{k−1})]`` (``t_k`` the time from ``as_of`` to the end
of period ``k``), the expected revenue ``Σ_i spend_i · (E_i[X(t_k)] − E_i[X(t_{k−1})])`` with the
Gamma-Gamma expected spend per purchase. Only customers already in the summary count: new
customers are not forecast. Period ``k`` covers the days ``as_of + floor((k−1)·u) + 1`` to
``as_of + floor(k·u)`` (``u`` the unit's length in days), so weeks are 7 whole days.

:func:`backtest_forecast` fits on the calibration period and compares the forecast with what the
calibration customers really bought in the holdout, period by period (a purchase is a purchase
day, :mod:`cimlab.lines`; revenue is its net spend).

Examples
--------
>>> import polars as pl
>>> class TwoPerWeek:  # a toy model: 2 purchases per week, whatever the history
...     def expected_purchases(self, t, summary):
...         return np.full(summary.height, 2.0 * t)
>>> summary = pl.DataFrame({"frequency": [1, 0], "recency": [3.0, 0.0], "T": [5.0, 2.0]})
>>> forecast_purchases(TwoPerWeek(), summary, as_of="2024-01-07", periods=2).rows()
[(datetime.date(2024, 1, 8), datetime.date(2024, 1, 14), 4.0, None, 4.0, None), (datetime.date(2024, 1, 15), datetime.date(2024, 1, 21), 4.0, None, 8.0, None)]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cimlab.analytics.rfm import UNIT_DAYS, TimeUnit
from cimlab.dates import DateLike, check_time_zone, to_date
from cimlab.predict.purchases import MIN_REPEAT_BUYERS, compress

if TYPE_CHECKING:
    from cimlab.predict.holdout import HoldoutEvaluation, ModelChoice

__all__ = ["ForecastBacktest", "backtest_forecast", "forecast_purchases"]


def _period_days(periods: int, unit: float, end_day: int | None) -> Any:
    """Days from as_of to the end of each period (clipped at ``end_day``)."""
    ends = np.floor(np.arange(1, periods + 1) * unit).astype(np.int64)
    if end_day is not None:
        ends = np.minimum(ends, end_day)
    return ends


def forecast_purchases(
    purchase_model: Any,
    summary: pl.DataFrame,
    *,
    as_of: DateLike,
    periods: int,
    time_unit: TimeUnit = "week",
    spend_model: Any | None = None,
    end: DateLike | None = None,
) -> pl.DataFrame:
    """Expected repeat purchases (and revenue) of the customers in ``summary``, period by period.

    Parameters
    ----------
    purchase_model
        A fitted purchase model (``expected_purchases(t, summary)``), in ``time_unit``.
    summary
        ``frequency, recency, T`` as of ``as_of`` (and ``monetary_value`` with a spend model).
    as_of
        The summary's date; the first period starts the day after.
    periods
        Number of periods of ``time_unit``.
    spend_model
        A fitted :class:`cimlab.predict.spend.GammaGammaModel`; without it revenue is null.
    end
        Optional last day: the last period is cut there (for a holdout that is not a whole
        number of periods).

    Returns
    -------
    pl.DataFrame
        ``period_start, period_end`` (dates), ``expected_purchases, expected_revenue,
        cumulative_purchases, cumulative_revenue``.
    """
    if not isinstance(periods, int) or isinstance(periods, bool) or periods < 1:
        raise ValueError(f"periods={periods!r} should be a whole number >= 1.")
    if time_unit not in ("day", "week", "month"):
        raise ValueError(f"time_unit={time_unit!r} should be one of day, week, month.")
    day = to_date(as_of, name="as_of")
    unit = UNIT_DAYS[time_unit]
    end_day = None if end is None else (to_date(end, name="end") - day).days
    if end_day is not None and end_day < 1:
        raise ValueError(f"end={end!r} should be after as_of={day}.")
    ends = _period_days(periods, unit, end_day)
    ends = ends[ends > np.concatenate([[0], ends[:-1]])]  # drop empty periods after `end`
    from cimlab.predict.clv import NEWCOMER_T

    # customers who first bought on as_of (T = 0): at the limit the models take (predict_clv's rule)
    summary = summary.with_columns(pl.col("T").clip(lower_bound=NEWCOMER_T))
    keys = ["frequency", "recency", "T"]
    if spend_model is not None:
        keys.append("monetary_value")
        summary = summary.with_columns(pl.col("monetary_value").fill_null(0.0))
    rows = compress(summary, keys)
    weight = rows["weight"].to_numpy()
    spend = spend_model.expected_spend(rows) if spend_model is not None else None
    cumulative = np.empty(ends.size)
    revenue = np.empty(ends.size)
    for k, days in enumerate(ends):
        expected = np.asarray(purchase_model.expected_purchases(days / unit, rows))
        cumulative[k] = float(weight @ expected)
        if spend is not None:
            revenue[k] = float((weight * spend) @ expected)
    starts = np.concatenate([[0], ends[:-1]]) + 1
    null = pl.lit(None, dtype=pl.Float64)
    return pl.DataFrame(
        {
            "period_start": [day + dt.timedelta(days=int(d)) for d in starts],
            "period_end": [day + dt.timedelta(days=int(d)) for d in ends],
            "expected_purchases": np.diff(cumulative, prepend=0.0),
            "cumulative_purchases": cumulative,
        },
        schema={
            "period_start": pl.Date,
            "period_end": pl.Date,
            "expected_purchases": pl.Float64,
            "cumulative_purchases": pl.Float64,
        },
    ).select(
        "period_start",
        "period_end",
        "expected_purchases",
        expected_revenue=pl.Series(np.diff(revenue, prepend=0.0)) if spend is not None else null,
        cumulative_purchases="cumulative_purchases",
        cumulative_revenue=pl.Series(revenue) if spend is not None else null,
    )


@dataclasses.dataclass(frozen=True, eq=False)  # frames inside: identity, not ==
class ForecastBacktest:
    """A forecast of the calibration customers against their real holdout purchases.

    ``periods``: ``period_start, period_end, actual_purchases, expected_purchases,
    actual_revenue, expected_revenue`` and the cumulative ``cumulative_actual_purchases,
    cumulative_expected_purchases, cumulative_actual_revenue, cumulative_expected_revenue``
    (revenue null when there is no spend model). ``purchase_error_pct`` and
    ``revenue_error_pct``: ``100 × (expected − actual) / actual`` over the whole holdout;
    ``period_mae``: mean absolute error of the purchases per period.
    """

    periods: pl.DataFrame
    model: str
    customers: int
    calibration_end: dt.date
    holdout_end: dt.date
    time_unit: str
    actual_purchases: float
    expected_purchases: float
    purchase_error_pct: float | None
    actual_revenue: float
    expected_revenue: float | None
    revenue_error_pct: float | None
    period_mae: float
    evaluations: list[HoldoutEvaluation]
    choice: ModelChoice | None
    new_in_holdout: int
    notes: list[str]

    def report(self) -> str:
        """The backtest in words."""

        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{value:+.1f} %"

        lines = [
            f"Forecast backtest of {self.model}: fitted on the {self.customers:,} customers first "
            f"seen up to {self.calibration_end}, forecast over ({self.calibration_end} .. "
            f"{self.holdout_end}], {self.periods.height} {self.time_unit} periods.",
            f"Repeat purchases: {self.expected_purchases:,.1f} forecast vs "
            f"{self.actual_purchases:,.0f} actual ({pct(self.purchase_error_pct)}); mean "
            f"absolute error per period {self.period_mae:,.2f}.",
        ]
        if self.expected_revenue is not None:
            lines.append(
                f"Revenue: {self.expected_revenue:,.2f} forecast vs {self.actual_revenue:,.2f} "
                f"actual ({pct(self.revenue_error_pct)})."
            )
        if self.choice is not None:
            lines.append(f"Model choice inside the calibration period: {self.choice.explanation}")
        lines.append(
            f"{self.new_in_holdout:,} customers first bought in the holdout: not part of the "
            "forecast of the existing base."
        )
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)


def backtest_forecast(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    calibration_end: DateLike,
    holdout_end: DateLike,
    model: str = "auto",
    time_unit: TimeUnit = "week",
    time_zone: str = "UTC",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    min_repeat_buyers: int = MIN_REPEAT_BUYERS,
) -> ForecastBacktest:
    """Fit on the orders up to ``calibration_end``, forecast the calibration customers over the
    holdout and compare with what they really bought, period by period.

    ``model="auto"`` chooses with :func:`cimlab.predict.clv.select_purchase_model` **inside the
    calibration period** (its own holdout before ``calibration_end``), so the backtest's holdout
    stays unseen. The revenue forecast needs the Gamma-Gamma model; with too few repeat buyers for
    it, revenue is null and a note says why.
    """
    from cimlab.analytics.rfm import customer_summary
    from cimlab.errors import NotEnoughDataError
    from cimlab.lines import purchase_days
    from cimlab.predict.clv import NEWCOMER_T, PURCHASE_MODELS, select_purchase_model
    from cimlab.predict.spend import GammaGammaModel

    if model != "auto" and model not in PURCHASE_MODELS:
        raise ValueError(
            f"model={model!r} should be 'auto' or one of {', '.join(PURCHASE_MODELS)}."
        )
    if time_unit not in ("day", "week", "month"):
        raise ValueError(f"time_unit={time_unit!r} should be one of day, week, month.")
    tz = check_time_zone(time_zone)
    cal_end = to_date(calibration_end, name="calibration_end", time_zone=tz)
    hold_end = to_date(holdout_end, name="holdout_end", time_zone=tz)
    if not cal_end < hold_end:
        raise ValueError(f"calibration_end={cal_end} should be before holdout_end={hold_end}.")
    columns: dict[str, Any] = {
        "customer_col": customer_col,
        "time_col": time_col,
        "amount_col": amount_col,
        "status_col": status_col,
        "time_zone": tz,
    }
    lf = orders.lazy()
    summary = customer_summary(lf, as_of=cal_end, time_unit=time_unit, **columns).collect()
    summary = summary.with_columns(pl.col("T").clip(lower_bound=NEWCOMER_T))
    repeat = int((summary["frequency"] > 0).sum()) if summary.height else 0
    if repeat < min_repeat_buyers:
        raise NotEnoughDataError(
            f"only {repeat} customers bought more than once up to {cal_end}; the backtest needs "
            f"at least {min_repeat_buyers} repeat buyers. Move calibration_end later."
        )
    notes: list[str] = []
    evaluations: list[HoldoutEvaluation] = []
    choice = None
    code = model
    if model == "auto":
        code, evaluations, choice = select_purchase_model(
            lf,
            as_of=cal_end,
            first_purchase=summary["first_purchase"].min(),  # type: ignore[arg-type]
            horizon_days=(hold_end - cal_end).days,
            time_unit=time_unit,
            columns=columns,
            min_repeat_buyers=min_repeat_buyers,
            notes=notes,
        )
    purchase_model = PURCHASE_MODELS[code](min_repeat_buyers=min_repeat_buyers).fit(summary)
    if not purchase_model.converged_:
        notes.append(f"{code} did not converge on the calibration period (see its fit report).")
    spend_model: GammaGammaModel | None = None
    try:
        spend_model = GammaGammaModel(min_repeat_buyers=min_repeat_buyers).fit(summary)
    except NotEnoughDataError as error:
        notes.append(f"no revenue forecast: {error}")
    unit = UNIT_DAYS[time_unit]
    holdout_days = (hold_end - cal_end).days
    periods = math.ceil(holdout_days / unit)
    forecast = forecast_purchases(
        purchase_model,
        summary,
        as_of=cal_end,
        periods=periods,
        time_unit=time_unit,
        spend_model=spend_model,
        end=hold_end,
    )
    # what the calibration customers really bought, per period
    cohort = summary.select(customer_col)
    days = (
        purchase_days(lf, as_of=hold_end, **columns)
        .filter(pl.col("day") > cal_end)
        .join(cohort.lazy(), on=customer_col, how="semi")
        .collect()
    )
    ends = forecast["period_end"].to_numpy()
    index = np.searchsorted(ends, days["day"].to_numpy(), side="left")
    actual = np.bincount(index, minlength=ends.size).astype(np.float64)
    actual_revenue = np.bincount(
        index, weights=days["spend"].cast(pl.Float64).to_numpy(), minlength=ends.size
    )
    new_in_holdout = (
        purchase_days(lf, as_of=hold_end, **columns)
        .group_by(customer_col)
        .agg(first=pl.col("day").min())
        .filter(pl.col("first") > cal_end)
        .collect()
        .height
    )
    frame = forecast.select(
        "period_start",
        "period_end",
        actual_purchases=pl.Series(actual),
        expected_purchases="expected_purchases",
        actual_revenue=pl.Series(actual_revenue),
        expected_revenue="expected_revenue",
    ).with_columns(
        cumulative_actual_purchases=pl.col("actual_purchases").cum_sum(),
        cumulative_expected_purchases=pl.col("expected_purchases").cum_sum(),
        cumulative_actual_revenue=pl.col("actual_revenue").cum_sum(),
        cumulative_expected_revenue=pl.col("expected_revenue").cum_sum(),
    )
    total_actual = float(actual.sum())
    total_expected = float(frame["expected_purchases"].sum())
    revenue_actual = float(actual_revenue.sum())
    revenue_expected = None if spend_model is None else float(frame["expected_revenue"].sum())

    def error_pct(expected: float | None, observed: float) -> float | None:
        if expected is None or observed <= 0:
            return None
        return 100.0 * (expected - observed) / observed

    return ForecastBacktest(
        periods=frame,
        model=code,
        customers=summary.height,
        calibration_end=cal_end,
        holdout_end=hold_end,
        time_unit=time_unit,
        actual_purchases=total_actual,
        expected_purchases=total_expected,
        purchase_error_pct=error_pct(total_expected, total_actual),
        actual_revenue=revenue_actual,
        expected_revenue=revenue_expected,
        revenue_error_pct=error_pct(revenue_expected, revenue_actual),
        period_mae=float(np.abs(frame["expected_purchases"].to_numpy() - actual).mean()),
        evaluations=evaluations,
        choice=choice,
        new_in_holdout=new_in_holdout,
        notes=notes,
    )
