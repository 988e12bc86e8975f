"""Channels: customers, orders and revenue per channel, acquisition channel, overlap, migration.

Every function is pure: order lines in (a DataFrame or LazyFrame meeting the orders contract,
with the unified ``customer_id``, as :func:`cimlab.analytics.facts.customer_data` gives), a DataFrame out;
dates are explicit (nothing here calls ``now()``).

Which order lines count (the rule, shared with :mod:`cimlab.analytics.cohorts` and :mod:`cimlab.analytics.kpis`)
----------------------------------------------------------------------------------------------
The rules of :mod:`cimlab.lines` (:func:`cimlab.lines.counted_lines`), as in every analysis:

* Lines without a ``customer_id`` are ignored (the figures are about customers).
* A **purchase** is a ``paid`` line on one of the customer's purchase days (days whose net spend
  is positive, :func:`cimlab.lines.is_purchase_day`): an order cancelled or refunded the same
  day is no purchase. ``pending`` lines (not paid yet) and ``cancelled`` lines never are; a
  customer is active, counted or acquired through purchases only.
* **Revenue is net of refunds**: the sum of :func:`cimlab.lines.net_amount` (the ``net_amount``
  column when the frame has one, as :func:`cimlab.customers.golden.order_facts` adds it): paid
  lines count their amount, credit notes (a ``refunded`` or ``cancelled`` line with a negative
  amount, such as UCI ``C`` invoices) their negative amount, a ``refunded`` line that keeps the
  positive amount paid back counts 0. A credit note lowers the revenue of its own line's
  channel and date. Money is summed exactly (:func:`cimlab.lines.money_sum`), so totals do not
  depend on the order of the lines.
* **Orders** are distinct ``(channel, order_id)`` pairs with at least one purchase line.
* **Days are calendar days in** ``time_zone`` (every function takes it, keyword-only: an IANA
  name such as ``"Asia/Shanghai"``, default ``"UTC"``; pass the business's own zone). A
  time-zone-aware ``order_ts`` is converted to ``time_zone`` first (an order at 2024-01-31
  20:00 UTC is on 1 February in ``"Asia/Shanghai"``, on 31 January in ``"UTC"``); a naive one is
  taken as written. Days, weeks, months and quarters are those of that calendar; ``as_of``,
  ``start`` and period bounds given as aware datetimes are read in ``time_zone`` too. A window
  ``start``..``as_of`` includes both days; ``start=None`` means since the first line. An unknown
  zone is a ValueError.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> orders = pl.DataFrame({
...     "customer_id": ["a", "a", "b"], "channel": ["tmall", "jd", "jd"],
...     "order_id": ["1", "2", "3"],
...     "order_ts": [dt.datetime(2024, 1, d, tzinfo=dt.UTC) for d in (1, 5, 3)],
...     "amount": [100.0, 50.0, 30.0], "status": ["paid", "paid", "paid"]})
>>> channel_metrics(orders, as_of=dt.date(2024, 1, 31)).select(
...     "channel", "customers", "orders", "revenue").rows()
[('tmall', 1, 1, 100.0), ('jd', 2, 2, 80.0)]
>>> channel_overlap(orders, as_of=dt.date(2024, 1, 31)).rows()
[('jd', 1, 1, 0.5), ('jd + tmall', 2, 1, 0.5)]
>>> late = orders.with_columns(pl.col("order_ts") + dt.timedelta(hours=20))  # 20:00 UTC
>>> [channel_metrics(late, as_of=dt.date(2024, 1, 3), time_zone=zone)["channel"].to_list()
...  for zone in ("UTC", "Asia/Shanghai")]  # b's order is on 4 January in Shanghai
[['tmall', 'jd'], ['tmall']]
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cimlab.dates import DateLike, check_time_zone, months_back, to_date
from cimlab.lines import counted_lines, first_purchases, from_money, money_sum, to_money

__all__ = [
    "CHANNEL_SEPARATOR",
    "NONE_CHANNEL",
    "acquisition_channels",
    "acquisition_summary",
    "channel_metrics",
    "channel_migration",
    "channel_overlap",
    "counted_lines",
    "first_purchases",
    "migration_periods",
    "ratio",
]

#: Joins the sorted channel tokens of a combination in :func:`channel_overlap`.
CHANNEL_SEPARATOR = " + "

#: The ``from_channel``/``to_channel`` of :func:`channel_migration` for a customer without any
#: purchase in that period.
NONE_CHANNEL = "(none)"

Orders = pl.DataFrame | pl.LazyFrame

# --------------------------------------------------------------------------------------------
# Shared helpers (cimlab.analytics.cohorts and cimlab.analytics.kpis use them too); the line
# rules, counted_lines and first_purchases, live in cimlab.lines (imported above, names kept)
# --------------------------------------------------------------------------------------------


def ratio(num: str | pl.Expr, den: str | pl.Expr) -> pl.Expr:
    """``num / den`` as a float, null when ``den`` is 0 or null."""
    n = pl.col(num) if isinstance(num, str) else num
    d = pl.col(den) if isinstance(den, str) else den
    return pl.when(d != 0).then(n.cast(pl.Float64) / d.cast(pl.Float64))


# --------------------------------------------------------------------------------------------
# Per channel
# --------------------------------------------------------------------------------------------


def channel_metrics(
    orders: Orders,
    *,
    as_of: DateLike,
    start: DateLike | None = None,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """Customers, new customers, orders, revenue and average order value per channel.

    Parameters
    ----------
    orders
        Order lines with ``customer_id, channel, order_id, order_ts, status`` and ``amount``
        (or ``net_amount``).
    as_of, start
        The window: days ``start``..``as_of``, both included; ``start=None`` = all history.
    time_zone
        The calendar of the days (module docstring), e.g. ``"Asia/Shanghai"``.

    Returns
    -------
    pl.DataFrame
        One row per channel with a counted line in the window: ``channel``, ``customers``
        (distinct buyers with a purchase in the channel), ``new_customers`` (customers whose
        first purchase ever, see :func:`acquisition_channels`, falls in the window and in this
        channel), ``orders``, ``revenue`` (net), ``revenue_share`` (of all channels' revenue;
        null when that is 0) and ``aov`` (revenue / orders; null without orders). Sorted by
        revenue, largest first, then channel. There is no total row: orders, revenue and
        new_customers add up over channels, customers do not (a customer can buy in several
        channels; :func:`channel_overlap` counts each once).

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["jd"] * 3,
    ...     "order_id": ["1", "1", "2"], "order_ts": [dt.datetime(2024, 1, 2)] * 3,
    ...     "amount": [60.0, 40.0, -20.0], "status": ["paid", "paid", "refunded"]})
    >>> channel_metrics(orders, as_of=dt.date(2024, 1, 2)).row(0, named=True)["aov"]
    80.0
    """
    tz = check_time_zone(time_zone)
    need = ("channel", "order_id")
    end = to_date(as_of, time_zone=tz)
    history = counted_lines(orders, as_of=end, need=need, time_zone=tz)
    first = first_purchases(history)
    window = history
    if start is not None:
        begin = to_date(start, name="start", time_zone=tz)
        window = history.filter(pl.col("day") >= begin)
        first = first.filter(pl.col("first_day") >= begin)
    new = first.group_by(pl.col("acquisition_channel").alias("channel")).agg(
        pl.len().cast(pl.Int64).alias("new_customers")
    )
    bought = pl.col("purchase")
    per_channel = window.group_by("channel").agg(
        pl.col("customer_id").filter(bought).n_unique().cast(pl.Int64).alias("customers"),
        pl.col("order_id").filter(bought).n_unique().cast(pl.Int64).alias("orders"),
        money_sum("net").alias("revenue"),
    )
    result = (
        per_channel.join(new, on="channel", how="left")
        .select(
            "channel",
            "customers",
            pl.col("new_customers").fill_null(0),
            "orders",
            "revenue",
            ratio("revenue", pl.col("revenue").sum()).alias("revenue_share"),
            ratio("revenue", "orders").alias("aov"),
        )
        .sort(["revenue", "channel"], descending=[True, False], nulls_last=True)
    )
    return result.collect()


def acquisition_channels(
    orders: Orders, *, as_of: DateLike, time_zone: str = "UTC"
) -> pl.DataFrame:
    """The acquisition channel of every customer: the channel of their first purchase.

    The first purchase line is the one with the earliest ``order_ts`` up to ``as_of``; when lines of
    several channels share that exact time, the channel whose token sorts first
    (alphabetically) wins, so the answer never depends on the order of the rows. Lines count up
    to the day ``as_of`` in ``time_zone`` (module docstring).

    Returns
    -------
    pl.DataFrame
        ``customer_id, acquisition_channel, first_order_ts`` (type of ``order_ts``), one row per
        customer with a purchase, sorted by ``customer_id``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> noon = dt.datetime(2024, 1, 1, 12)
    >>> orders = pl.DataFrame({"customer_id": ["a", "a", "a"],
    ...     "channel": ["tmall", "jd", "wechat"], "order_ts": [noon, noon, dt.datetime(2023, 5, 1)],
    ...     "amount": [10.0, 10.0, 10.0], "status": ["paid", "paid", "cancelled"]})
    >>> acquisition_channels(orders, as_of=dt.date(2024, 1, 1)).rows()
    [('a', 'jd', datetime.datetime(2024, 1, 1, 12, 0))]
    """
    tz = check_time_zone(time_zone)
    lines = counted_lines(
        orders, as_of=to_date(as_of, time_zone=tz), need=("channel",), time_zone=tz
    )
    return (
        first_purchases(lines)
        .select("customer_id", "acquisition_channel", pl.col("first_ts").alias("first_order_ts"))
        .sort("customer_id")
        .collect()
    )


def acquisition_summary(
    orders: Orders, *, as_of: DateLike, horizon_days: int = 365, time_zone: str = "UTC"
) -> pl.DataFrame:
    """Which acquisition channel brings customers that stay, and what they are worth.

    A customer's **horizon** is the ``horizon_days`` days starting on the day of their first
    purchase (that day is day 1). Only customers whose whole horizon is observed (first purchase
    on or before ``as_of - horizon_days + 1``) enter the rates and means, so recent customers
    who had no time to come back do not pull the rates down.

    Parameters
    ----------
    orders
        Order lines with ``customer_id, channel, order_ts, status`` and ``amount``.
    as_of
        Last day of data used (included).
    horizon_days
        Length of the horizon in days (≥ 1).
    time_zone
        The calendar of the days (module docstring), e.g. ``"Asia/Shanghai"``.

    Returns
    -------
    pl.DataFrame
        One row per acquisition channel: ``acquisition_channel``, ``customers`` (all acquired up
        to ``as_of``), ``share`` (of all customers), ``observed_customers`` (full horizon
        observed), ``repeat_customers`` (of those, customers with a second purchase day within
        the horizon, in any channel), ``repeat_rate`` (repeat / observed),
        ``revenue_per_customer`` (mean net revenue within the horizon, all channels, per
        observed customer). Rates and means are null without observed customers. Sorted by
        ``customers``, largest first, then channel.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["jd", "tmall", "jd"],
    ...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 2)],
    ...     "amount": [10.0, 20.0, 5.0], "status": ["paid"] * 3})
    >>> acquisition_summary(orders, as_of=dt.date(2024, 1, 31), horizon_days=30).select(
    ...     "acquisition_channel", "customers", "repeat_rate", "revenue_per_customer").rows()
    [('jd', 2, 0.5, 17.5)]
    """
    if not isinstance(horizon_days, int) or horizon_days < 1:
        raise ValueError(f"horizon_days={horizon_days!r} should be a whole number of days >= 1.")
    tz = check_time_zone(time_zone)
    end = to_date(as_of, time_zone=tz)
    lines = counted_lines(orders, as_of=end, need=("channel",), time_zone=tz)
    first = first_purchases(lines)
    last_observed = end - dt.timedelta(days=horizon_days - 1)
    first = first.with_columns((pl.col("first_day") <= last_observed).alias("observed"))
    horizon = pl.col("day") < pl.col("first_day") + pl.duration(days=horizon_days)
    per_customer = (
        lines.join(first.select("customer_id", "first_day"), on="customer_id")
        .filter(pl.col("day") >= pl.col("first_day"), horizon)
        .group_by("customer_id")
        .agg(
            pl.col("day").filter("purchase").n_unique().alias("purchase_days"),
            to_money(pl.col("net"), pl.Float64()).sum().alias("revenue"),
        )
    )
    observed = pl.col("observed")
    return (
        first.join(per_customer, on="customer_id", how="left")
        .group_by("acquisition_channel")
        .agg(
            pl.len().cast(pl.Int64).alias("customers"),
            observed.sum().cast(pl.Int64).alias("observed_customers"),
            (observed & (pl.col("purchase_days") >= 2)).sum().cast(pl.Int64).alias("repeat"),
            from_money(pl.col("revenue").filter(observed).sum()).alias("observed_revenue"),
        )
        .select(
            "acquisition_channel",
            "customers",
            ratio("customers", pl.col("customers").sum()).alias("share"),
            "observed_customers",
            pl.col("repeat").alias("repeat_customers"),
            ratio("repeat", "observed_customers").alias("repeat_rate"),
            ratio("observed_revenue", "observed_customers").alias("revenue_per_customer"),
        )
        .sort(["customers", "acquisition_channel"], descending=[True, False])
        .collect()
    )


def channel_overlap(
    orders: Orders,
    *,
    as_of: DateLike,
    start: DateLike | None = None,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """How many customers buy in each combination of channels.

    Each customer with a purchase in the window counts once, under the set of channels in which
    they have a purchase line in the window: days ``start``..``as_of`` in ``time_zone`` (module
    docstring), both included.

    Returns
    -------
    pl.DataFrame
        ``channels`` (the sorted channel tokens joined by :data:`CHANNEL_SEPARATOR`, e.g.
        ``"offline_store + tmall"``), ``n_channels``, ``customers`` and ``share`` (of the
        window's buyers). Sorted by ``customers``, largest first, then ``channels``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "channel": ["tmall", "offline_store", "tmall", "tmall"],
    ...     "order_ts": [dt.datetime(2024, 1, 1)] * 4, "amount": [1.0] * 4,
    ...     "status": ["paid", "paid", "paid", "pending"]})
    >>> channel_overlap(orders, as_of=dt.date(2024, 1, 1)).rows()
    [('offline_store + tmall', 2, 1, 0.5), ('tmall', 1, 1, 0.5)]
    """
    tz = check_time_zone(time_zone)
    end = to_date(as_of, time_zone=tz)
    begin = None if start is None else to_date(start, name="start", time_zone=tz)
    lines = counted_lines(orders, as_of=end, start=begin, need=("channel",), time_zone=tz)
    lines = lines.filter("purchase")
    combos = (
        lines.group_by("customer_id")
        .agg(pl.col("channel").unique().sort().alias("set"))
        .select(
            pl.col("set").list.join(CHANNEL_SEPARATOR).alias("channels"),
            pl.col("set").list.len().cast(pl.Int64).alias("n_channels"),
        )
    )
    return (
        combos.group_by("channels", "n_channels")
        .agg(pl.len().cast(pl.Int64).alias("customers"))
        .with_columns(ratio("customers", pl.col("customers").sum()).alias("share"))
        .sort(["customers", "channels"], descending=[True, False])
        .collect()
    )


def _main_channels(lines: pl.LazyFrame, period: tuple[dt.date, dt.date]) -> pl.LazyFrame:
    """Per customer with a purchase in ``period``: the channel with the most net revenue among
    the channels with a purchase line (ties: more orders, then the token that sorts first)."""
    lo, hi = period
    bought = pl.col("purchase")
    per_channel = (
        lines.filter(pl.col("day").is_between(lo, hi))
        .group_by("customer_id", "channel")
        .agg(
            bought.any().alias("bought"),
            to_money(pl.col("net"), pl.Float64()).sum().alias("revenue"),
            pl.col("order_id").filter(bought).n_unique().alias("orders"),
        )
        .filter("bought")
    )
    return (
        per_channel.sort(
            ["customer_id", "revenue", "orders", "channel"],
            descending=[False, True, True, False],
        )
        .unique("customer_id", keep="first", maintain_order=True)
        .select("customer_id", "channel")
    )


def _period(value: tuple[DateLike, DateLike], name: str, time_zone: str) -> tuple[dt.date, dt.date]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}={value!r} should be a pair of dates (first day, last day)."
        ) from None
    lo_d, hi_d = (
        to_date(lo, name=name, time_zone=time_zone),
        to_date(hi, name=name, time_zone=time_zone),
    )
    if lo_d > hi_d:
        raise ValueError(f"{name}=({lo_d}, {hi_d}): the first day is after the last day.")
    return lo_d, hi_d


def migration_periods(
    as_of: DateLike, *, months: int = 6
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """``(before, after)``: the two back-to-back periods of ``months`` calendar months, the
    second ending on ``as_of`` (the default comparison of :func:`channel_migration`).

    Each period starts the day after the same day ``months`` months earlier
    (:func:`cimlab.dates.months_back`: a month's last day stays a last day).

    Examples
    --------
    >>> import datetime as dt
    >>> before, after = migration_periods(dt.date(2026, 6, 30))
    >>> before, after
    ((datetime.date(2025, 7, 1), datetime.date(2025, 12, 31)), (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)))
    """
    end = to_date(as_of)
    after_start = months_back(end, months) + dt.timedelta(days=1)
    before_start = months_back(end, 2 * months) + dt.timedelta(days=1)
    return (before_start, after_start - dt.timedelta(days=1)), (after_start, end)


def channel_migration(
    orders: Orders,
    *,
    before: tuple[DateLike, DateLike],
    after: tuple[DateLike, DateLike],
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """Where customers bought mainly in one period and where in the next.

    A customer's **main channel** in a period is, among the channels where they have a purchase line
    in the period, the one with the most net revenue in the period; ties go to the channel with
    more orders, then to the token that sorts first. Customers who bought in only one of the two
    periods appear with :data:`NONE_CHANNEL` (``"(none)"``) on the other side: ``from (none)``
    = new or returning in ``after``, ``to (none)`` = did not buy again in ``after``.

    Parameters
    ----------
    orders
        Order lines with ``customer_id, channel, order_id, order_ts, status`` and ``amount``.
    before, after
        ``(first day, last day)`` of each period, both included; ``before`` must end before
        ``after`` starts.
    time_zone
        The calendar of the days (module docstring), e.g. ``"Asia/Shanghai"``.

    Returns
    -------
    pl.DataFrame
        ``from_channel, to_channel, customers, share`` (share of the ``from_channel``'s
        customers), one row per observed pair, sorted by ``from_channel`` then ``to_channel``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["jd", "tmall", "jd"],
    ...     "order_id": ["1", "2", "3"],
    ...     "order_ts": [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5), dt.datetime(2024, 1, 9)],
    ...     "amount": [10.0, 20.0, 5.0], "status": ["paid"] * 3})
    >>> channel_migration(orders, before=(dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
    ...     after=(dt.date(2024, 2, 1), dt.date(2024, 2, 29))).rows()
    [('jd', '(none)', 1, 0.5), ('jd', 'tmall', 1, 0.5)]
    """
    tz = check_time_zone(time_zone)
    b, a = _period(before, "before", tz), _period(after, "after", tz)
    if b[1] >= a[0]:
        raise ValueError(
            f"before=({b[0]}, {b[1]}) must end before after=({a[0]}, {a[1]}) starts; "
            "choose two periods that do not overlap."
        )
    lines = counted_lines(
        orders, as_of=a[1], start=b[0], need=("channel", "order_id"), time_zone=tz
    )
    first = _main_channels(lines, b).rename({"channel": "from_channel"})
    second = _main_channels(lines, a).rename({"channel": "to_channel"})
    return (
        first.join(second, on="customer_id", how="full", coalesce=True)
        .group_by(
            pl.col("from_channel").fill_null(NONE_CHANNEL),
            pl.col("to_channel").fill_null(NONE_CHANNEL),
        )
        .agg(pl.len().cast(pl.Int64).alias("customers"))
        .with_columns(
            ratio("customers", pl.col("customers").sum().over("from_channel")).alias("share")
        )
        .sort("from_channel", "to_channel")
        .collect()
    )
