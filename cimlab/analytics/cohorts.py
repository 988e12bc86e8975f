"""Acquisition cohorts: retention and revenue by month (quarter, week) since the first purchase.

Order lines are counted by the rules of :mod:`cimlab.lines` (:func:`cimlab.lines.counted_lines`):
a purchase is a paid line on one of the customer's purchase days (days of positive net spend; an
order reversed the same day is none), cancelled and pending lines are not, revenue is net of
refunds (:func:`cimlab.lines.net_amount`, summed exactly), lines without ``customer_id`` are
ignored.

Definitions
-----------
* A customer's **cohort** is the period of their first purchase, as a ``Date``: the first day
  of its month (``period="month"``), of its quarter (``period="quarter"``: 1 January, 1 April,
  1 July or 1 October) or the Monday of its week (``period="week"``).
* Periods are calendar months/quarters/weeks **in** ``time_zone`` (default ``"UTC"``; the day
  rule of :mod:`cimlab.analytics.channels`): a time-zone-aware ``order_ts`` is converted to ``time_zone``
  first, so an order at 2024-01-31 20:00 UTC is a January order in ``"UTC"`` and a February one
  in ``"Asia/Shanghai"``; a naive ``order_ts`` is taken as written.
* ``period_index`` counts whole periods since the cohort's: 0 is the cohort period itself, so
  retention there is 1.
* A customer is **active** in a period when they have a purchase in it; the cell's ``revenue``
  is the net revenue of the cohort's lines dated in that period (refunds lower it). Lines dated
  before a customer's first purchase (a stray refund) are left out.
* Only **observable cells** are listed: periods that start on or before ``as_of``; lines after
  ``as_of`` are ignored. The period holding ``as_of`` is listed with ``complete = False`` (it is
  still running, so its retention is not final).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> orders = pl.DataFrame({"customer_id": ["a", "a", "b"],
...     "order_ts": [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 7), dt.datetime(2024, 1, 20)],
...     "amount": [10.0, 20.0, 5.0], "status": ["paid"] * 3})
>>> table = cohort_table(orders, as_of=dt.date(2024, 2, 29))
>>> table.select("period_index", "cohort_size", "active_customers", "retention_rate").rows()
[(0, 2, 2, 1.0), (1, 2, 1, 0.5)]
>>> cohort_matrix(table).rows()
[(datetime.date(2024, 1, 1), 2, 1.0, 0.5)]
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import polars as pl

from cimlab.analytics.channels import Orders, ratio
from cimlab.dates import DateLike, check_time_zone, to_date
from cimlab.lines import counted_lines, first_purchases, money_sum

__all__ = ["COHORT_PERIODS", "COHORT_VALUES", "cohort_matrix", "cohort_table"]

CohortPeriod = Literal["month", "quarter", "week"]

#: The periods :func:`cohort_table` accepts.
COHORT_PERIODS: tuple[str, ...] = get_args(CohortPeriod)

#: Columns of :func:`cohort_table` that :func:`cohort_matrix` can show.
COHORT_VALUES: tuple[str, ...] = (
    "retention_rate",
    "active_customers",
    "revenue",
    "revenue_per_customer",
    "cumulative_revenue_per_customer",
)

_SCHEMA: dict[str, pl.DataType] = {
    "cohort": pl.Date(),
    "period_index": pl.Int64(),
    "cohort_size": pl.Int64(),
    "active_customers": pl.Int64(),
    "retention_rate": pl.Float64(),
    "revenue": pl.Float64(),
    "revenue_per_customer": pl.Float64(),
    "cumulative_revenue_per_customer": pl.Float64(),
    "complete": pl.Boolean(),
}


_MONTHS = {"month": 1, "quarter": 3}


def _start_of(day: pl.Expr, period: CohortPeriod) -> pl.Expr:
    return day.dt.truncate({"month": "1mo", "quarter": "1q", "week": "1w"}[period])


def _index(start: pl.Expr, later: pl.Expr, period: CohortPeriod) -> pl.Expr:
    """Whole periods from period start ``start`` to period start ``later``."""
    if period in _MONTHS:
        months = (later.dt.year().cast(pl.Int64) - start.dt.year()) * 12 + (
            later.dt.month().cast(pl.Int64) - start.dt.month()
        )
        return (months // _MONTHS[period]).cast(pl.Int64)
    return ((later - start).dt.total_days() // 7).cast(pl.Int64)


def _offset(start: pl.Expr, n: pl.Expr | int, period: CohortPeriod) -> pl.Expr:
    """Start of the period ``n`` periods after period start ``start``."""
    if period in _MONTHS:
        months = n * _MONTHS[period]
        return start.dt.offset_by(
            pl.format("{}mo", months) if isinstance(months, pl.Expr) else f"{months}mo"
        )
    return start + pl.duration(weeks=n)


def cohort_table(
    orders: Orders,
    *,
    as_of: DateLike,
    period: CohortPeriod = "month",
    max_periods: int | None = None,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """Retention and revenue of each acquisition cohort, one row per (cohort, period index).

    Parameters
    ----------
    orders
        Order lines with ``customer_id, order_ts, status`` and ``amount`` (or ``net_amount``).
    as_of
        Last day of data (included).
    period
        ``"month"`` (calendar months), ``"quarter"`` (January–March, April–June, ...) or
        ``"week"`` (Monday–Sunday).
    max_periods
        Keep ``period_index <= max_periods`` (e.g. 12 months: the first year after the cohort
        month); None keeps every observable period.
    time_zone
        The calendar of the periods (module docstring), e.g. ``"Asia/Shanghai"``.

    Returns
    -------
    pl.DataFrame
        ``cohort`` (Date), ``period_index``, ``cohort_size``, ``active_customers``,
        ``retention_rate`` (active / size), ``revenue`` (net), ``revenue_per_customer``
        (revenue / size), ``cumulative_revenue_per_customer`` (periods 0..index) and
        ``complete`` (the period ended on or before ``as_of``); every observable cell, also
        those with no active customer. Sorted by cohort and period index.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "a"],
    ...     "order_ts": [dt.datetime(2024, 1, 5), dt.datetime(2024, 3, 1)],
    ...     "amount": [10.0, 20.0], "status": ["paid", "paid"]})
    >>> cohort_table(orders, as_of="2024-03-15").select(
    ...     "period_index", "active_customers", "cumulative_revenue_per_customer", "complete").rows()
    [(0, 1, 10.0, True), (1, 0, 10.0, True), (2, 1, 30.0, False)]
    >>> cohort_table(orders, as_of="2024-04-15", period="quarter").select(
    ...     "cohort", "period_index", "active_customers", "complete").rows()
    [(datetime.date(2024, 1, 1), 0, 1, True), (datetime.date(2024, 1, 1), 1, 0, False)]
    """
    if period not in COHORT_PERIODS:
        raise ValueError(f"period={period!r} should be one of {', '.join(COHORT_PERIODS)}.")
    if max_periods is not None and (not isinstance(max_periods, int) or max_periods < 0):
        raise ValueError(f"max_periods={max_periods!r} should be None or a whole number >= 0.")
    tz = check_time_zone(time_zone)
    end = to_date(as_of, time_zone=tz)
    lines = counted_lines(orders, as_of=end, time_zone=tz)
    first = first_purchases(lines, channel=False).select(
        "customer_id", _start_of(pl.col("first_day"), period).alias("cohort")
    )
    last_start = _start_of(pl.lit(end, dtype=pl.Date), period)
    index = _index(pl.col("cohort"), pl.col("start"), period)
    cells = (
        lines.join(first, on="customer_id")
        .with_columns(_start_of(pl.col("day"), period).alias("start"))
        .with_columns(index.alias("period_index"))
        .filter(pl.col("period_index") >= 0)
        .group_by("cohort", "period_index")
        .agg(
            pl.col("customer_id").filter("purchase").n_unique().cast(pl.Int64).alias("active"),
            money_sum("net").alias("revenue"),
        )
    )
    sizes = first.group_by("cohort").agg(pl.len().cast(pl.Int64).alias("cohort_size"))
    last_index = _index(pl.col("cohort"), last_start, period)
    if max_periods is not None:
        last_index = pl.min_horizontal(last_index, pl.lit(max_periods, pl.Int64))
    grid = sizes.with_columns(
        pl.int_ranges(0, last_index + 1, dtype=pl.Int64).alias("period_index")
    ).explode("period_index")
    next_start = _offset(_offset(pl.col("cohort"), pl.col("period_index"), period), 1, period)
    table = (
        grid.join(cells, on=["cohort", "period_index"], how="left")
        .with_columns(pl.col("active").fill_null(0), pl.col("revenue").fill_null(0.0))
        .sort("cohort", "period_index")
        .select(
            "cohort",
            "period_index",
            "cohort_size",
            pl.col("active").alias("active_customers"),
            ratio("active", "cohort_size").alias("retention_rate"),
            "revenue",
            ratio("revenue", "cohort_size").alias("revenue_per_customer"),
            ratio(pl.col("revenue").cum_sum().over("cohort"), "cohort_size").alias(
                "cumulative_revenue_per_customer"
            ),
            (next_start <= pl.lit(end + dt.timedelta(days=1), dtype=pl.Date)).alias("complete"),
        )
    )
    return table.collect().cast(_SCHEMA)  # type: ignore[arg-type]


def cohort_matrix(table: pl.DataFrame, *, value: str = "retention_rate") -> pl.DataFrame:
    """A :func:`cohort_table` as a matrix for display: one row per cohort, one column per period.

    Parameters
    ----------
    table
        :func:`cohort_table` output.
    value
        The cell value, one of :data:`COHORT_VALUES` (counts: ``active_customers``; rates:
        ``retention_rate``; money: ``revenue``, ``revenue_per_customer``,
        ``cumulative_revenue_per_customer``).

    Returns
    -------
    pl.DataFrame
        ``cohort``, ``cohort_size``, then columns ``"0"``, ``"1"``, ... (the period index);
        cells not observable yet are null.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> table = pl.DataFrame({"cohort": [dt.date(2024, 1, 1)] * 2 + [dt.date(2024, 2, 1)],
    ...     "period_index": [0, 1, 0], "cohort_size": [4, 4, 2], "active_customers": [4, 1, 2]})
    >>> cohort_matrix(table, value="active_customers").rows()
    [(datetime.date(2024, 1, 1), 4, 4, 1), (datetime.date(2024, 2, 1), 2, 2, None)]
    """
    if value not in COHORT_VALUES:
        raise ValueError(f"value={value!r} should be one of {', '.join(COHORT_VALUES)}.")
    needed = ["cohort", "period_index", "cohort_size", value]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(
            f"cohort_matrix needs a cohort_table with {', '.join(needed)}; missing: "
            f"{', '.join(missing)}."
        )
    if table.is_empty():
        return table.select("cohort", "cohort_size").clear()
    data = table.select("cohort", "cohort_size", pl.col("period_index").cast(pl.Int64), value).sort(
        "period_index", "cohort"
    )
    order = [str(i) for i in data["period_index"].unique().sort().to_list()]
    wide = data.with_columns(pl.col("period_index").cast(pl.String)).pivot(
        on="period_index", index=["cohort", "cohort_size"], values=value
    )
    return wide.select("cohort", "cohort_size", *order).sort("cohort")
