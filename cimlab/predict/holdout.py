"""Out-of-time validation of purchase models: the calibration/holdout split, holdout metrics
and the choice of a model.

The split (:func:`calibration_holdout`) counts purchases by the purchase-day rule of
:mod:`cimlab.lines` (a customer-day with positive net spend, in ``time_zone``) and summarises the
calibration period with :func:`cimlab.analytics.rfm.customer_summary`, so its columns are those
of lifetimes' ``calibration_and_holdout_data(..., freq="D", freq_multiplier=...)``:
``frequency_cal, recency_cal, T_cal, monetary_value_cal`` (as of ``calibration_end``, that day
included) and ``frequency_holdout`` (purchase days after ``calibration_end`` up to
``holdout_end``, both ends as days in ``time_zone``), ``duration_holdout`` (holdout length in
``time_unit``). A purchase day's value is final when the day is over (a later credit note never
changes it), so the calibration summary is the same whether the data stop at
``calibration_end`` or run on: no look-ahead.

Customers whose first purchase falls in the holdout are not in the calibration frame (a model
fitted on the calibration period knows nothing of them), but they are **counted and listed** in
:attr:`CalibrationHoldout.new_in_holdout`, never silently dropped (lifetimes #310).

:func:`evaluate_holdout` validates any fitted purchase model with the methods
``expected_purchases(t, summary)`` and ``expected_purchases_new(t)`` (the predict models, or an
adapter): aggregate and per-customer errors, the conditional-expectation table and the tracking
curve (Fader, Hardie & Lee 2005, figures 2-4). :func:`choose_model` picks the lowest holdout MAE.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> orders = pl.DataFrame({
...     "customer_id": ["a", "a", "a", "b"],
...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 8), dt.datetime(2024, 1, 20),
...                  dt.datetime(2024, 1, 18)],
...     "amount": [10.0, 20.0, 5.0, 7.0], "status": ["paid"] * 4})
>>> split = calibration_holdout(orders, calibration_end="2024-01-15", holdout_end="2024-01-29")
>>> split.summary.rows()
[('a', 1, 1.0, 2.0, 20.0, 1, 2.0)]
>>> split.new_in_holdout["customer_id"].to_list()
['b']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import polars as pl

from cimlab.analytics.rfm import UNIT_DAYS, TimeUnit, customer_summary
from cimlab.dates import DateLike, check_time_zone, to_date
from cimlab.lines import purchase_days

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CalibrationHoldout",
    "HoldoutEvaluation",
    "ModelChoice",
    "ModelComparison",
    "PurchaseModel",
    "calibration_holdout",
    "choose_model",
    "compare_models",
    "evaluate_holdout",
]

#: Calibration frequencies shown one by one in the conditional-expectation table (higher pooled).
DEFAULT_MAX_FREQUENCY = 7


class PurchaseModel(Protocol):
    """What validation needs of a fitted purchase model (the predict contract)."""

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> NDArray[np.float64]:
        """Conditional E[X(t) | frequency, recency, T] per row of ``summary``."""
        ...

    def expected_purchases_new(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """Unconditional E[X(t)] of a customer ``t`` units after their first purchase."""
        ...


@dataclass(frozen=True, eq=False)  # frames inside: identity, not ==
class CalibrationHoldout:
    """A calibration/holdout split (:func:`calibration_holdout`).

    Attributes
    ----------
    summary
        One row per customer first seen in the calibration period: the customer column,
        ``frequency_cal, recency_cal, T_cal, monetary_value_cal, frequency_holdout,
        duration_holdout``; sorted by customer.
    new_in_holdout
        Customers whose first purchase day falls in the holdout: the customer column,
        ``first_purchase`` and ``frequency_holdout`` (their purchase days in the holdout, the
        first included); sorted by customer.
    purchases
        The purchase days (customer column, ``day``) of the ``summary`` customers up to
        ``holdout_end``, for the tracking curve.
    """

    summary: pl.DataFrame
    new_in_holdout: pl.DataFrame
    purchases: pl.DataFrame
    calibration_end: dt.date
    holdout_end: dt.date
    time_unit: str
    customer_col: str

    @property
    def duration(self) -> float:
        """Holdout length in ``time_unit``."""
        return (self.holdout_end - self.calibration_end).days / UNIT_DAYS[self.time_unit]

    def calibration(self) -> pl.DataFrame:
        """The calibration summary under the model contract's names: the customer column,
        ``frequency, recency, T, monetary_value`` (what purchase and spend models fit on)."""
        return self.summary.select(
            self.customer_col,
            frequency=pl.col("frequency_cal"),
            recency=pl.col("recency_cal"),
            T=pl.col("T_cal"),
            monetary_value=pl.col("monetary_value_cal"),
        )

    def report(self) -> str:
        """One line on who is in the split and who is not."""
        new = self.new_in_holdout
        return (
            f"{self.summary.height:,} customers first bought on or before {self.calibration_end} "
            f"(the calibration cohort); {new.height:,} first bought in the holdout "
            f"({self.calibration_end} .. {self.holdout_end}] with "
            f"{int(new['frequency_holdout'].sum()):,} purchase days there: listed in "
            "new_in_holdout, not part of the validation (no calibration history)."
        )


def calibration_holdout(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    calibration_end: DateLike,
    holdout_end: DateLike,
    time_unit: TimeUnit = "week",
    time_zone: str = "UTC",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
) -> CalibrationHoldout:
    """Split order lines into a calibration summary and holdout purchase counts.

    The frame equals lifetimes' ``calibration_and_holdout_data(transactions, ...,
    calibration_period_end, observation_period_end, freq="D", freq_multiplier=7)`` (for
    ``time_unit="week"``) on transactions with a positive value; purchases count by the
    purchase-day rule (see the module docstring).

    Parameters
    ----------
    orders
        Order lines (DataFrame or LazyFrame).
    calibration_end, holdout_end
        Last days of the two periods (included), ``calibration_end < holdout_end``.
    time_unit
        ``"day"``, ``"week"`` (7 days) or ``"month"`` (30.4375 days). ``"calendar_week"`` is
        refused: a calendar week can straddle ``calibration_end``.
    time_zone, customer_col, time_col, amount_col, status_col
        As in :func:`cimlab.analytics.rfm.customer_summary`.

    Examples
    --------
    >>> import datetime as dt
    >>> lines = pl.DataFrame({"customer_id": ["a", "a", "a"],
    ...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 3), dt.datetime(2024, 1, 9)],
    ...     "amount": [10.0, 30.0, 8.0], "status": ["paid"] * 3})
    >>> calibration_holdout(lines, calibration_end="2024-01-05", holdout_end="2024-01-12",
    ...                     time_unit="day").summary.row(0)
    ('a', 1, 2.0, 4.0, 30.0, 1, 7.0)
    """
    if time_unit == "calendar_week":
        raise ValueError(
            "time_unit='calendar_week' cannot split at a day: a calendar week can straddle "
            "calibration_end. Use time_unit='week' (7 days), 'day' or 'month'."
        )
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit={time_unit!r} should be one of day, week, month.")
    tz = check_time_zone(time_zone)
    cal_end = to_date(calibration_end, name="calibration_end", time_zone=tz)
    hold_end = to_date(holdout_end, name="holdout_end", time_zone=tz)
    if not cal_end < hold_end:
        raise ValueError(
            f"calibration_end={cal_end} should be before holdout_end={hold_end}; the holdout "
            "is the period after the calibration."
        )
    lf = orders.lazy()
    calibration = customer_summary(
        lf,
        as_of=cal_end,
        time_unit=time_unit,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=tz,
    )
    days = purchase_days(
        lf,
        as_of=hold_end,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=tz,
    )
    holdout_counts = (
        days.filter(pl.col("day") > cal_end)
        .group_by(customer_col)
        .agg(frequency_holdout=pl.len().cast(pl.Int64))
    )
    duration = (hold_end - cal_end).days / UNIT_DAYS[time_unit]
    summary = (
        calibration.join(holdout_counts, on=customer_col, how="left")
        .select(
            customer_col,
            frequency_cal=pl.col("frequency"),
            recency_cal=pl.col("recency"),
            T_cal=pl.col("T"),
            monetary_value_cal=pl.col("monetary_value"),
            frequency_holdout=pl.col("frequency_holdout").fill_null(0),
            duration_holdout=pl.lit(duration, dtype=pl.Float64),
        )
        .sort(customer_col)
    )
    firsts = days.group_by(customer_col).agg(first_purchase=pl.col("day").min())
    new = (
        firsts.filter(pl.col("first_purchase") > cal_end)
        .join(holdout_counts, on=customer_col, how="left")
        .sort(customer_col)
    )
    cohort = summary.select(customer_col)
    purchases = days.select(customer_col, "day").join(cohort, on=customer_col, how="semi")
    summary_df, new_df, purchases_df = pl.collect_all([summary, new, purchases])
    return CalibrationHoldout(
        summary=summary_df,
        new_in_holdout=new_df,
        purchases=purchases_df.sort(customer_col, "day"),
        calibration_end=cal_end,
        holdout_end=hold_end,
        time_unit=time_unit,
        customer_col=customer_col,
    )


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # frames inside: identity, not ==
class HoldoutEvaluation:
    """How a fitted purchase model did on the holdout (:func:`evaluate_holdout`).

    Attributes
    ----------
    model
        The model's name (``"bgnbd"``...).
    customers
        Customers of the calibration cohort.
    duration
        Holdout length in the split's time unit.
    actual, predicted
        Total repeat purchases of the cohort in the holdout, observed and expected.
    error_pct
        ``100 × (predicted − actual) / actual`` (None when ``actual`` is 0).
    mae, rmse
        Per-customer mean absolute and root mean squared error of holdout purchases.
    correlation
        Pearson r between actual and predicted per customer (None when either is constant).
    conditional_expectation
        By calibration frequency (``0 .. k-1`` and ``k+`` pooled): ``frequency_cal`` (label),
        ``customers``, ``actual`` and ``predicted`` (mean holdout purchases).
    tracking
        Per period of the time unit since the cohort's first purchase: ``period`` (1, 2...),
        ``period_end`` (last day), ``actual`` and ``predicted`` repeat purchases of the cohort,
        and their cumulative sums ``cumulative_actual``, ``cumulative_predicted``.
    """

    model: str
    customers: int
    duration: float
    actual: float
    predicted: float
    error_pct: float | None
    mae: float
    rmse: float
    correlation: float | None
    conditional_expectation: pl.DataFrame
    tracking: pl.DataFrame


def _model_name(model: object, name: str | None) -> str:
    if name is not None:
        return name
    code = getattr(model, "code", None)
    return code if isinstance(code, str) else type(model).__name__


def _as_array(values: ArrayLike, what: str, size: int) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.shape != (size,):
        raise ValueError(f"{what} returned {array.size} values for {size} rows.")
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(
            f"{what} returned {bad} non-finite values (NaN or inf); the model did not fit "
            "well enough to validate: check its convergence report."
        )
    return array


def _conditional_expectation(
    frequency: NDArray[np.int64],
    actual: NDArray[np.float64],
    predicted: NDArray[np.float64],
    max_frequency: int,
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "bucket": np.minimum(frequency, max_frequency),
            "actual": actual,
            "predicted": predicted,
        }
    )
    table = (
        frame.group_by("bucket")
        .agg(
            customers=pl.len().cast(pl.Int64),
            actual=pl.col("actual").mean(),
            predicted=pl.col("predicted").mean(),
        )
        .sort("bucket")
    )
    label = (
        pl.when(pl.col("bucket") == max_frequency)
        .then(pl.format("{}+", pl.col("bucket")))
        .otherwise(pl.col("bucket").cast(pl.String))
    )
    return table.select(
        frequency_cal=label, customers="customers", actual="actual", predicted="predicted"
    )


def _tracking(model: PurchaseModel, split: CalibrationHoldout, what: str) -> pl.DataFrame:
    """Repeat purchases of the cohort per period since its first purchase day, actual and
    expected (the sum over customers of E[X(t − s_i)], s_i = the customer's first purchase)."""
    customer = split.customer_col
    unit = UNIT_DAYS[split.time_unit]
    purchases = split.purchases.with_columns(first=pl.col("day").min().over(customer))
    start: dt.date = purchases["first"].min()  # type: ignore[assignment]
    total_days = (split.holdout_end - start).days + 1
    periods = math.ceil(total_days / unit)
    # period k (1-based) covers the days start + floor((k-1)·unit) .. start + floor(k·unit) - 1
    ends = np.minimum(
        np.floor(np.arange(1, periods + 1) * unit).astype(np.int64) - 1, total_days - 1
    )
    repeat_offsets = (
        purchases.filter(pl.col("day") > pl.col("first"))
        .select(offset=(pl.col("day") - pl.lit(start)).dt.total_days())["offset"]
        .to_numpy()
    )
    period_of_purchase = np.searchsorted(ends, repeat_offsets, side="left")
    actual = np.bincount(period_of_purchase, minlength=periods).astype(np.float64)
    # expected cumulative repeat purchases at each period end, grouped by first-purchase day
    firsts = (
        purchases.group_by(customer)
        .agg(first=pl.col("first").first())
        .group_by("first")
        .agg(customers=pl.len())
        .select(offset=(pl.col("first") - pl.lit(start)).dt.total_days(), customers="customers")
    )
    offsets = firsts["offset"].to_numpy()
    counts = firsts["customers"].to_numpy().astype(np.float64)
    elapsed = (ends[None, :] - offsets[:, None]) / unit  # customers' time since first purchase
    grid = np.clip(elapsed, 0.0, None)
    expected = _as_array(
        model.expected_purchases_new(grid.reshape(-1)), f"{what}.expected_purchases_new", grid.size
    ).reshape(grid.shape)
    expected = np.where(elapsed > 0, expected, 0.0)
    cumulative_predicted = (expected * counts[:, None]).sum(axis=0)
    predicted = np.diff(cumulative_predicted, prepend=0.0)
    return pl.DataFrame(
        {
            "period": np.arange(1, periods + 1, dtype=np.int64),
            "period_end": [start + dt.timedelta(days=int(e)) for e in ends],
            "actual": actual,
            "predicted": predicted,
            "cumulative_actual": np.cumsum(actual),
            "cumulative_predicted": cumulative_predicted,
        }
    )


def evaluate_holdout(
    model: PurchaseModel,
    split: CalibrationHoldout,
    *,
    name: str | None = None,
    max_frequency: int = DEFAULT_MAX_FREQUENCY,
) -> HoldoutEvaluation:
    """Validate a purchase model fitted on ``split.calibration()`` against the holdout.

    Parameters
    ----------
    model
        A fitted model with ``expected_purchases(t, summary)`` and
        ``expected_purchases_new(t)`` (:class:`PurchaseModel`).
    split
        The split it was fitted on (:func:`calibration_holdout`).
    name
        The model's name in the result; by default its ``code`` attribute or class name.
    max_frequency
        Calibration frequencies ``0 .. max_frequency - 1`` get a row each in the
        conditional-expectation table; ``max_frequency`` and above are pooled as ``"k+"``.

    Examples
    --------
    >>> import datetime as dt
    >>> import numpy as np
    >>> class TwoPerUnit:  # a toy model: 2 purchases per unit of time, whatever the history
    ...     def expected_purchases(self, t, summary):
    ...         return np.full(summary.height, 2.0 * t)
    ...     def expected_purchases_new(self, t):
    ...         return 2.0 * np.asarray(t)
    >>> lines = pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 9), dt.datetime(2024, 1, 2)],
    ...     "amount": [5.0, 5.0, 5.0], "status": ["paid"] * 3})
    >>> split = calibration_holdout(lines, calibration_end="2024-01-07", holdout_end="2024-01-14")
    >>> result = evaluate_holdout(TwoPerUnit(), split, name="toy")
    >>> (result.actual, result.predicted, result.mae)
    (1.0, 4.0, 1.5)
    """
    if not isinstance(max_frequency, int) or isinstance(max_frequency, bool) or max_frequency < 1:
        raise ValueError(f"max_frequency={max_frequency!r} should be a whole number >= 1.")
    what = _model_name(model, name)
    summary = split.summary
    if summary.is_empty():
        raise ValueError(
            f"no customer first bought on or before calibration_end={split.calibration_end}: "
            "nothing to validate. Move calibration_end later."
        )
    contract = summary.select(
        frequency=pl.col("frequency_cal"), recency=pl.col("recency_cal"), T=pl.col("T_cal")
    )
    predicted = _as_array(
        model.expected_purchases(split.duration, contract),
        f"{what}.expected_purchases",
        summary.height,
    )
    actual = summary["frequency_holdout"].to_numpy().astype(np.float64)
    errors = predicted - actual
    total_actual, total_predicted = float(actual.sum()), float(predicted.sum())
    correlation: float | None = None
    if actual.std() > 0 and predicted.std() > 0:
        correlation = float(np.corrcoef(actual, predicted)[0, 1])
    return HoldoutEvaluation(
        model=what,
        customers=summary.height,
        duration=split.duration,
        actual=total_actual,
        predicted=total_predicted,
        error_pct=(
            100.0 * (total_predicted - total_actual) / total_actual if total_actual > 0 else None
        ),
        mae=float(np.abs(errors).mean()),
        rmse=float(np.sqrt((errors**2).mean())),
        correlation=correlation,
        conditional_expectation=_conditional_expectation(
            summary["frequency_cal"].to_numpy(), actual, predicted, max_frequency
        ),
        tracking=_tracking(model, split, what),
    )


# --------------------------------------------------------------------------------------------
# Choice
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # frames inside: identity, not ==
class ModelChoice:
    """The model chosen by :func:`choose_model`.

    Attributes
    ----------
    model
        Name of the chosen model.
    evaluation
        Its :class:`HoldoutEvaluation`.
    ranking
        All models, best first: ``model, mae, rmse, error_pct, correlation``.
    explanation
        Why, in one or two sentences (the metric and the margin).
    """

    model: str
    evaluation: HoldoutEvaluation
    ranking: pl.DataFrame
    explanation: str


def choose_model(evaluations: Sequence[HoldoutEvaluation]) -> ModelChoice:
    """Pick the model with the lowest per-customer holdout MAE, and say why.

    Ties (MAEs equal to 6 decimals) keep the first model given. Models must be evaluated on the
    same split.

    Examples
    --------
    >>> empty = pl.DataFrame()
    >>> def ev(name, mae):
    ...     return HoldoutEvaluation(name, 10, 39.0, 20.0, 18.0, -10.0, mae, mae, 0.6, empty, empty)
    >>> choice = choose_model([ev("bgnbd", 0.786), ev("pareto", 0.755)])
    >>> choice.model
    'pareto'
    >>> print(choice.explanation)  # doctest: +NORMALIZE_WHITESPACE
    pareto has the lowest holdout MAE (mean absolute error per customer of holdout purchases):
    0.755, 0.031 (3.9 %) below the next best, bgnbd (0.786). Its total holdout purchases are
    18.0 predicted vs 20.0 actual (-10.0 %).
    """
    if not evaluations:
        raise ValueError("evaluations is empty: evaluate at least one model with evaluate_holdout.")
    names = [e.model for e in evaluations]
    if len(set(names)) != len(names):
        raise ValueError(f"model names should be unique; got {names}.")
    keys = {(e.customers, e.duration, e.actual) for e in evaluations}
    if len(keys) > 1:
        raise ValueError(
            "the evaluations come from different splits (customers, holdout length or actual "
            "purchases differ); evaluate every model on the same calibration_holdout split."
        )
    # MAEs equal to 6 decimals are a tie (MBG/CNBD-k at k = 1 is MBG/NBD to rounding): the
    # first model given, the simpler one in PURCHASE_MODELS' order, is kept
    order = sorted(range(len(evaluations)), key=lambda i: (round(evaluations[i].mae, 6), i))
    ranked = [evaluations[i] for i in order]
    best = ranked[0]
    metric = "holdout MAE (mean absolute error per customer of holdout purchases)"
    if len(ranked) == 1:
        margin = "the only model evaluated."
    else:
        runner = ranked[1]
        gap = runner.mae - best.mae
        share = 100.0 * gap / runner.mae if runner.mae > 0 else 0.0
        margin = (
            f"{gap:.3f} ({share:.1f} %) below the next best, {runner.model} ({runner.mae:.3f})."
            if round(gap, 6) > 0
            else f"tied with {runner.model}; kept as the first given."
        )
    error = "n/a" if best.error_pct is None else f"{best.error_pct:+.1f} %"
    explanation = (
        f"{best.model} has the lowest {metric}: {best.mae:.3f}, {margin} Its total holdout "
        f"purchases are {best.predicted:,.1f} predicted vs {best.actual:,.1f} actual ({error})."
    )
    ranking = pl.DataFrame(
        {
            "model": [e.model for e in ranked],
            "mae": [e.mae for e in ranked],
            "rmse": [e.rmse for e in ranked],
            "error_pct": [e.error_pct for e in ranked],
            "correlation": [e.correlation for e in ranked],
        },
        schema={
            "model": pl.String,
            "mae": pl.Float64,
            "rmse": pl.Float64,
            "error_pct": pl.Float64,
            "correlation": pl.Float64,
        },
    )
    return ModelChoice(model=best.model, evaluation=best, ranking=ranking, explanation=explanation)


@dataclass(frozen=True)
class ModelComparison:
    """Purchase models fitted on one calibration period and compared on its holdout
    (:func:`compare_models`).

    Attributes
    ----------
    split
        The :class:`CalibrationHoldout` they were fitted and evaluated on.
    models
        Model code → the fitted model.
    evaluations
        One :class:`HoldoutEvaluation` per fitted model, in the order asked.
    choice
        The lowest holdout MAE (:func:`choose_model`); None when no model could be fitted.
    failures
        Model code → why it was not fitted (e.g. too few repeat buyers).
    """

    split: CalibrationHoldout
    models: dict[str, Any]
    evaluations: list[HoldoutEvaluation]
    choice: ModelChoice | None
    failures: dict[str, str]

    def rows(self) -> list[dict[str, Any]]:
        """One JSON-able dict per fitted model: ``model, params, log_likelihood, converged,
        holdout_actual, holdout_predicted, error_pct, mae, rmse, correlation`` (the
        ``cimlab predict evaluate --json`` rows)."""

        def number(value: float | None) -> float | None:
            return None if value is None or not math.isfinite(value) else float(value)

        rows = []
        for evaluation in self.evaluations:
            model = self.models[evaluation.model]
            rows.append(
                {
                    "model": evaluation.model,
                    "params": {k: number(v) for k, v in model.params_.items()},
                    "log_likelihood": number(model.log_likelihood_),
                    "converged": bool(model.converged_),
                    "holdout_actual": number(evaluation.actual),
                    "holdout_predicted": number(evaluation.predicted),
                    "error_pct": number(evaluation.error_pct),
                    "mae": number(evaluation.mae),
                    "rmse": number(evaluation.rmse),
                    "correlation": number(evaluation.correlation),
                }
            )
        return rows


def compare_models(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    calibration_end: DateLike,
    holdout_end: DateLike,
    time_unit: TimeUnit = "week",
    time_zone: str = "UTC",
    models: Sequence[str] | None = None,
    progress: Callable[[str, float], None] | None = None,
    min_repeat_buyers: int | None = None,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
) -> ModelComparison:
    """Fit each purchase model of ``models`` (codes of
    :data:`cimlab.predict.clv.PURCHASE_MODELS`; default: all) on the calibration period, evaluate
    it on the holdout and choose the lowest holdout MAE (:func:`choose_model`).

    A model that cannot be fitted (too few repeat buyers, no convergence, a non-finite score) is
    listed in ``failures`` with the reason and left out of the choice; when none is left,
    ``choice`` is None. Customers whose first purchase is on ``calibration_end`` (``T_cal = 0``)
    are scored at ``T =`` :data:`cimlab.predict.clv.NEWCOMER_T`, as the models are fitted.
    ``progress(step, share)`` is told each step.
    """
    import dataclasses

    from cimlab.errors import NotEnoughDataError
    from cimlab.predict.clv import NEWCOMER_T, PURCHASE_MODELS, fit_purchase_model
    from cimlab.predict.purchases import MIN_REPEAT_BUYERS

    codes = list(PURCHASE_MODELS) if models is None else list(models)
    unknown = [c for c in codes if c not in PURCHASE_MODELS]
    if unknown:
        raise ValueError(f"unknown model {unknown[0]!r}; known: {', '.join(PURCHASE_MODELS)}.")
    report = progress or (lambda step, share: None)
    columns = {
        "customer_col": customer_col,
        "time_col": time_col,
        "amount_col": amount_col,
        "status_col": status_col,
        "time_zone": time_zone,
    }
    report("calibration/holdout split", 0.0)
    split = calibration_holdout(
        orders,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        time_unit=time_unit,
        **columns,  # type: ignore[arg-type]
    )
    split = dataclasses.replace(
        split, summary=split.summary.with_columns(pl.col("T_cal").clip(lower_bound=NEWCOMER_T))
    )
    calibration = split.calibration()
    fitted: dict[str, Any] = {}
    evaluations: list[HoldoutEvaluation] = []
    failures: dict[str, str] = {}
    for i, code in enumerate(codes):
        report(f"holdout: fitting {code}", 0.05 + 0.45 * i / len(codes))
        try:
            model = fit_purchase_model(
                code,
                calibration,
                orders=orders,
                as_of=split.calibration_end,
                time_unit=time_unit,
                min_repeat_buyers=MIN_REPEAT_BUYERS
                if min_repeat_buyers is None
                else min_repeat_buyers,
                **columns,  # type: ignore[arg-type]
            )
            if not model.converged_:
                failures[code] = "did not converge on the calibration period (see its fit report)"
                continue
            evaluation = evaluate_holdout(model, split, name=code)
        except (NotEnoughDataError, FloatingPointError, ValueError) as error:
            failures[code] = str(error)
            continue
        fitted[code] = model
        evaluations.append(evaluation)
    choice = choose_model(evaluations) if evaluations else None
    return ModelComparison(split, fitted, evaluations, choice, failures)
