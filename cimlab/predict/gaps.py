"""Inter-purchase times: the gaps between a customer's consecutive purchase days.

One rule with the customer summary: purchase days are those of :mod:`cimlab.lines` (a day, in
``time_zone``, whose net spend is positive; same-day purchases count once; a credit note counts
on the day it is dated), exactly as :func:`cimlab.analytics.rfm.customer_summary` counts them, so
``gaps`` equals the summary's ``frequency`` for every customer and ``gap_mean`` is its
``recency / frequency``. Gaps are measured as the summary measures ``recency``: whole days
divided by the unit's length (:data:`cimlab.analytics.rfm.UNIT_DAYS`); with
``"calendar_week"`` purchases count once per Monday–Sunday week and gaps are whole weeks.

``litt`` is the sum of the logarithms of the gaps (in ``time_unit``), the statistic the
MBG/CNBD-k likelihood needs besides ``frequency, recency, T``
(:class:`cimlab.predict.regularity.RegularBetaGeoModel`); it is 0 (the empty sum) for a customer
with one purchase day, whose other gap statistics are null.

Examples
--------
>>> import datetime as dt
>>> import math
>>> import polars as pl
>>> orders = pl.DataFrame({
...     "customer_id": ["a", "a", "a", "a", "b"],
...     "order_ts": [dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 1, 18),
...                  dt.datetime(2024, 1, 3), dt.datetime(2024, 1, 9), dt.datetime(2024, 1, 5)],
...     "amount": [10.0, 5.0, 20.0, 8.0, 7.0],
...     "status": ["paid"] * 5,
... })
>>> gaps = purchase_gaps(orders, as_of="2024-01-31")
>>> gaps.select("customer_id", "gaps", "gap_mean", "gap_median", "gap_last").rows()
[('a', 2, 4.0, 4.0, 6.0), ('b', 0, None, None, None)]
>>> round(gaps["litt"][0], 6) == round(math.log(2) + math.log(6), 6), gaps["litt"][1]
(True, 0.0)
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from cimlab.analytics.rfm import UNIT_DAYS, TimeUnit, elapsed
from cimlab.dates import DateLike
from cimlab.lines import purchase_days

__all__ = ["GAP_COLUMNS", "purchase_gaps"]

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

#: The columns after the customer column, in order.
GAP_COLUMNS = ("gaps", "gap_mean", "gap_median", "gap_std", "gap_cv", "gap_last", "litt")


def purchase_gaps(
    orders: FrameT,
    *,
    as_of: DateLike,
    time_unit: TimeUnit = "day",
    time_zone: str = "UTC",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
) -> FrameT:
    """Gap statistics per customer with at least one purchase day up to ``as_of``.

    Columns: the customer column, ``gaps`` (number of gaps between consecutive purchase days =
    the summary's ``frequency``), ``gap_mean``, ``gap_median``, ``gap_std`` (sample standard
    deviation, ddof 1: null below two gaps), ``gap_cv`` (``gap_std / gap_mean``), ``gap_last``
    (the most recent gap) and ``litt`` (sum of the log gaps; 0 without a gap), all in
    ``time_unit``. Statistics without a gap are null. Sorted by customer.

    Parameters
    ----------
    orders
        Order lines (DataFrame or LazyFrame; the result is of the same kind).
    as_of
        End of the observation (that day included); lines after it are ignored.
    time_unit
        ``"day"``, ``"week"`` (7 days), ``"month"`` (30.4375 days) or ``"calendar_week"``, as in
        :func:`cimlab.analytics.rfm.customer_summary`.
    time_zone, customer_col, time_col, amount_col, status_col
        As in :func:`cimlab.lines.purchase_days` (``status_col=None``: every line is paid).

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> lines = pl.DataFrame({"cid": ["a"] * 4, "day": [dt.date(2024, 1, d) for d in (1, 8, 22, 29)],
    ...     "usd": [1.0] * 4})
    >>> purchase_gaps(lines, as_of="2024-02-01", time_unit="week", customer_col="cid",
    ...     time_col="day", amount_col="usd", status_col=None).select("gaps", "gap_median", "gap_last").row(0)
    (3, 1.0, 1.0)
    """
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit={time_unit!r} should be one of {', '.join(UNIT_DAYS)}.")
    calendar = time_unit == "calendar_week"
    days = purchase_days(
        orders.lazy(),
        as_of=as_of,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=time_zone,
        period="week" if calendar else "day",
    )
    # with calendar weeks the days are week starts: whole days between them ÷ 7
    lengths: TimeUnit = "week" if calendar else time_unit
    gap = elapsed(pl.col("day").shift(1).over(customer_col), pl.col("day"), time_unit=lengths)
    stats = pl.col("gap")
    result = (
        days.sort(customer_col, "day")
        .with_columns(gap=gap)
        .group_by(customer_col)
        .agg(
            gaps=stats.count().cast(pl.Int64),
            gap_mean=stats.mean(),
            gap_median=stats.median(),
            gap_std=stats.std(ddof=1),
            gap_last=stats.sort_by("day").last(),
            litt=stats.log().sum(),
        )
        .select(
            customer_col,
            "gaps",
            "gap_mean",
            "gap_median",
            "gap_std",
            gap_cv=pl.col("gap_std") / pl.col("gap_mean"),
            gap_last="gap_last",
            litt=pl.col("litt").fill_null(0.0),
        )
        .sort(customer_col)
    )
    return result if isinstance(orders, pl.LazyFrame) else result.collect()
