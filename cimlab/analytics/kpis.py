"""Headline KPIs of a period and their change against the previous period of the same length.

Order lines are counted by the rules of :mod:`cimlab.lines` (a purchase is a paid line on a day of
positive net spend, so an order reversed the same day is none; cancelled and pending lines are not;
revenue is net of refunds, :func:`cimlab.lines.net_amount`, summed exactly; lines without
``customer_id`` are ignored,
so revenue is the revenue of identified customers). Days are calendar days in ``time_zone``
(default ``"UTC"``; the day rule of :mod:`cimlab.analytics.channels`): an aware ``order_ts`` or
``first_seen`` is converted to ``time_zone`` first, a naive one is taken as written.

Periods
-------
With ``days = n``, the **current period** is the ``n`` days ending on ``as_of``:
``as_of - n < day <= as_of`` (``as_of`` as a day in ``time_zone``); the **previous period** is
the ``n`` days just before it.
:func:`kpi_trend` steps back the same way, period after period.

The KPIs (:data:`KPI_NAMES`)
----------------------------
``customers``
    Customers known by the end of the period: every buyer whose first purchase is on or before
    the period's last day, plus, when a ``customers`` frame is given (``customer_id,
    first_seen``, as :func:`cimlab.analytics.facts.customer_data` gives it), everyone whose
    ``first_seen`` is on or before that day; a customer with a null ``first_seen`` and no
    purchase is known but undated and counts in every period.
``active_customers``
    Customers with at least one purchase in the period.
``new_customers``
    Customers whose first purchase ever falls in the period.
``revenue``
    Net revenue of the lines dated in the period (a refund counts on its own line's date).
``orders``
    Distinct ``(channel, order_id)`` with a purchase line in the period.
``average_order_value``
    ``revenue / orders`` (null without orders).
``repeat_purchase_rate``
    Share of the period's active customers who made a **repeat purchase** in the period: a
    purchase day in the period that is not their first purchase day ever (the BTYD notion of
    ``frequency`` in :mod:`cimlab.analytics.rfm`). A returning customer counts; so does a new customer who
    came back a second day within the period. Null without active customers.

``change = value - previous``; ``change_pct = 100 * change / |previous|`` (null when the
previous value is 0 or null).

No data
-------
A ratio without observations is **no data**, never 0: ``average_order_value`` is null in a
period without orders and ``repeat_purchase_rate`` null in a period without active customers
(their counts, ``orders`` and ``active_customers``, read 0 beside them).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> orders = pl.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["jd"] * 3,
...     "order_id": ["1", "2", "3"],
...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 9), dt.datetime(2024, 1, 10)],
...     "amount": [10.0, 30.0, 20.0], "status": ["paid"] * 3})
>>> kpis(orders, as_of=dt.date(2024, 1, 10), days=5).filter(pl.col("kpi") == "revenue").rows()
[('revenue', 50.0, 10.0, 40.0, 400.0)]
"""

from __future__ import annotations

import polars as pl

from cimlab.analytics.channels import Orders, ratio
from cimlab.dates import DateLike, check_time_zone, day_of, to_date
from cimlab.frames import require_columns
from cimlab.lines import counted_lines, first_purchases, money_sum

__all__ = ["KPI_NAMES", "MONEY_KPIS", "kpi_table", "kpi_trend", "kpis", "trend_periods"]

#: The KPIs, in display order (see the module docstring for their definitions).
KPI_NAMES: tuple[str, ...] = (
    "customers",
    "active_customers",
    "new_customers",
    "revenue",
    "orders",
    "average_order_value",
    "repeat_purchase_rate",
)

#: The KPIs that are amounts of money (in the currency of the orders; see :mod:`cimlab.money`).
MONEY_KPIS: tuple[str, ...] = ("revenue", "average_order_value")


def _check(days: int, periods: int) -> None:
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"days={days!r} should be a whole number of days >= 1.")
    if not isinstance(periods, int) or isinstance(periods, bool) or periods < 1:
        raise ValueError(f"periods={periods!r} should be a whole number >= 1.")


def _known_dates(
    first: pl.LazyFrame, customers: pl.DataFrame | None, time_zone: str
) -> pl.LazyFrame:
    """Per customer the first day (in ``time_zone``) they were known (null: known, date
    unknown)."""
    known = first.select("customer_id", pl.col("first_day").alias("known"))
    if customers is None:
        return known
    require_columns(
        customers,
        ["customer_id", "first_seen"],
        what="customers frame",
        hint="Pass cimlab.analytics.facts.customer_data(ws).customers.",
    )
    seen = customers.lazy().select(
        pl.col("customer_id").cast(known.collect_schema()["customer_id"]),
        day_of(
            "first_seen", customers.schema["first_seen"], time_zone=time_zone, table="customers"
        ).alias("known"),
    )
    return pl.concat([known, seen]).group_by("customer_id").agg(pl.col("known").min())


def _by_period(
    orders: Orders,
    *,
    as_of: DateLike,
    days: int,
    periods: int,
    customers: pl.DataFrame | None,
    time_zone: str,
) -> pl.DataFrame:
    """One row per period (``k = 0`` ends on ``as_of``): ``k, period_start, period_end`` and
    one Float64 column per KPI."""
    _check(days, periods)
    tz = check_time_zone(time_zone)
    end = to_date(as_of, time_zone=tz)
    end_lit = pl.lit(end, dtype=pl.Date)

    def back(day: pl.Expr) -> pl.Expr:  # index of the period holding ``day``
        return ((end_lit - day).dt.total_days() // days).cast(pl.Int64)

    lines = counted_lines(orders, as_of=end, need=("channel", "order_id"), time_zone=tz)
    first = first_purchases(lines, channel=False)
    paid = pl.col("purchase")  # a paid line on a purchase day (cimlab.lines)
    activity = (
        lines.join(first.select("customer_id", "first_day"), on="customer_id", how="left")
        .with_columns(back(pl.col("day")).alias("k"))
        .filter(pl.col("k") < periods)
        .group_by("k")
        .agg(
            pl.col("customer_id").filter(paid).n_unique().alias("active_customers"),
            pl.struct("channel", "order_id").filter(paid).n_unique().alias("orders"),
            money_sum("net").alias("revenue"),
            pl.col("customer_id")
            .filter(paid & (pl.col("day") > pl.col("first_day")))
            .n_unique()
            .alias("repeaters"),
        )
    )
    new = (
        first.with_columns(back(pl.col("first_day")).alias("k"))
        .filter(pl.col("k") < periods)
        .group_by("k")
        .agg(pl.len().alias("new_customers"))
    )
    # known by the end of period k  <=>  known <= as_of - k*days  <=>  back(known) >= k
    known = (
        _known_dates(first, customers, tz)
        .with_columns(back(pl.col("known")).fill_null(periods - 1).alias("k"))
        .filter(pl.col("k") >= 0)
        .with_columns(pl.col("k").clip(upper_bound=periods - 1))
        .group_by("k")
        .agg(pl.len().alias("known"))
    )
    frame = pl.LazyFrame({"k": list(range(periods))}, schema={"k": pl.Int64})
    for part in (activity, new, known):
        frame = frame.join(part, on="k", how="left")
    counts = ["active_customers", "orders", "repeaters", "new_customers", "known"]
    frame = (
        frame.with_columns(pl.col(c).fill_null(0).cast(pl.Float64) for c in counts)
        .with_columns(pl.col("revenue").fill_null(0.0))
        .sort("k", descending=True)
        .with_columns(pl.col("known").cum_sum().alias("customers"))
        .sort("k")
    )
    return frame.select(
        "k",
        (end_lit - pl.duration(days=(pl.col("k") + 1) * days - 1)).alias("period_start"),
        (end_lit - pl.duration(days=pl.col("k") * days)).alias("period_end"),
        "customers",
        "active_customers",
        "new_customers",
        "revenue",
        "orders",
        ratio("revenue", "orders").alias("average_order_value"),
        ratio("repeaters", "active_customers").alias("repeat_purchase_rate"),
    ).collect()


def kpi_table(
    orders: Orders,
    *,
    as_of: DateLike,
    days: int = 30,
    customers: pl.DataFrame | None = None,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """The KPIs of the ``days`` days ending on ``as_of``, with the previous period's values.

    Parameters
    ----------
    orders
        Order lines with ``customer_id, channel, order_id, order_ts, status`` and ``amount``
        (or ``net_amount``).
    as_of
        Last day of the current period (included).
    days
        Length of each period in days.
    customers
        Optional ``customer_id, first_seen`` of every known customer (buyers or not), for the
        ``customers`` KPI.
    time_zone
        The calendar of the days (module docstring), e.g. ``"Asia/Shanghai"``.

    Returns
    -------
    pl.DataFrame
        One row per KPI in :data:`KPI_NAMES` order: ``kpi``, ``value`` (current period),
        ``previous``, ``change`` and ``change_pct`` (Float64; see the module docstring).

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a"], "channel": ["jd"], "order_id": ["1"],
    ...     "order_ts": [dt.datetime(2024, 1, 10)], "amount": [10.0], "status": ["paid"]})
    >>> kpis(orders, as_of="2024-01-10", days=7).filter(pl.col("kpi") == "new_customers").rows()
    [('new_customers', 1.0, 0.0, 1.0, None)]
    >>> late = orders.with_columns(  # 9 January 22:00 UTC = 10 January 06:00 in Shanghai
    ...     pl.col("order_ts").dt.replace_time_zone("UTC") - dt.timedelta(hours=2))
    >>> [kpis(late, as_of="2024-01-09", days=1, time_zone=zone)["value"][2]  # new_customers
    ...  for zone in ("UTC", "Asia/Shanghai")]
    [1.0, 0.0]
    """
    wide = _by_period(
        orders, as_of=as_of, days=days, periods=2, customers=customers, time_zone=time_zone
    )
    long = wide.select("k", *KPI_NAMES).unpivot(index="k", variable_name="kpi")
    current = long.filter(pl.col("k") == 0).select("kpi", "value")
    previous = long.filter(pl.col("k") == 1).select("kpi", pl.col("value").alias("previous"))
    change = pl.col("value") - pl.col("previous")
    return current.join(previous, on="kpi", maintain_order="left").with_columns(
        change.alias("change"),
        pl.when(pl.col("previous") != 0)
        .then(100.0 * change / pl.col("previous").abs())
        .alias("change_pct"),
    )


def kpi_trend(
    orders: Orders,
    *,
    as_of: DateLike,
    periods: int = 12,
    days: int = 30,
    customers: pl.DataFrame | None = None,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """The KPIs of ``periods`` consecutive periods of ``days`` days, the last ending on ``as_of``.

    Each period's values are exactly what :func:`kpis` gives with ``as_of`` = its last day (and
    the same ``days``, ``customers`` and ``time_zone``).

    Returns
    -------
    pl.DataFrame
        Long format for charts: ``period_start``, ``period_end`` (Date), ``kpi`` and ``value``;
        sorted by KPI (in :data:`KPI_NAMES` order) then period.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "b"], "channel": ["jd"] * 2,
    ...     "order_id": ["1", "2"], "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 9)],
    ...     "amount": [10.0, 30.0], "status": ["paid"] * 2})
    >>> trend = kpi_trend(orders, as_of=dt.date(2024, 1, 10), periods=2, days=5)
    >>> trend.filter(pl.col("kpi") == "customers").select("period_end", "value").rows()
    [(datetime.date(2024, 1, 5), 1.0), (datetime.date(2024, 1, 10), 2.0)]
    """
    wide = _by_period(
        orders, as_of=as_of, days=days, periods=periods, customers=customers, time_zone=time_zone
    )
    order = pl.col("kpi").replace_strict(
        {name: i for i, name in enumerate(KPI_NAMES)}, return_dtype=pl.Int64
    )
    return (
        wide.select("period_start", "period_end", *KPI_NAMES)
        .unpivot(index=["period_start", "period_end"], variable_name="kpi")
        .sort(order, pl.col("period_end"))
    )


def trend_periods(
    orders: Orders,
    *,
    as_of: DateLike,
    days: int = 30,
    most: int = 12,
    least: int = 2,
    time_zone: str = "UTC",
) -> int:
    """How many periods of ``days`` days :func:`kpi_trend` needs, ending on ``as_of``, to reach
    back to the first order line: at least ``least``, at most ``most``.

    The periods are those of the module docstring (the ``k``-th ends ``k × days`` days before
    ``as_of``); a line dated after ``as_of`` does not count, and without lines the answer is
    ``least``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 3, 1)]})
    >>> trend_periods(orders, as_of="2024-01-30", days=30)  # 1..30 January: one period
    2
    >>> trend_periods(orders, as_of="2024-01-31", days=30)  # 1 January is in the second one
    2
    >>> trend_periods(orders, as_of="2024-12-31", days=30), trend_periods(orders, as_of="2024-04-01", days=30)
    (12, 4)
    """
    _check(days, most)
    _check(days, least)
    tz = check_time_zone(time_zone)
    end = to_date(as_of, time_zone=tz)
    lazy = orders.lazy()
    schema = require_columns(lazy, ["order_ts"], what="orders frame")
    day = day_of("order_ts", schema["order_ts"], time_zone=tz, table="orders")
    first = lazy.select(day.filter(day <= end).min()).collect().item()
    if first is None:
        return least
    needed = (end - first).days // days + 1
    return max(least, min(most, needed))


kpis = kpi_table  # the name before cimlab 0.2, kept as an alias
