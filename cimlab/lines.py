"""The order-line rules, written once: which lines count, net and refund amounts, exact money
and purchase days. Every analysis (customer 360, RFM, lifecycle, channels, cohorts, KPIs) takes
them from here.

Which lines count
-----------------
Orders are stored one row per line with a ``status`` (:class:`cimlab.contracts.models.Orders`).

* A ``paid`` line counts its amount (:func:`is_paid`).
* A **credit note** is a ``refunded`` or ``cancelled`` line with a negative amount: a refund
  record or a cancellation invoice (UCI Online Retail's ``C`` invoices) that gives money back.
  It counts its (negative) amount, on the day it is dated (:func:`is_credit_note`).
* A ``refunded`` line that keeps the positive amount paid (platform exports such as Tmall and JD
  mark the refunded line itself) was paid and given back: it counts 0. A ``cancelled`` line with
  a positive amount never became a sale, and a ``pending`` line is not paid yet: they count 0.

"Paid or credit note" (:func:`is_counted`) selects the lines that carry money;
:func:`net_amount` is what a line adds to net spend, :func:`refund_amount` what it gives back.

Purchase days (the rule of every analysis)
------------------------------------------
A customer's **day net spend** is the sum of :func:`net_amount` over their lines of one
calendar day (in the analysis time zone). A **purchase day** is a day whose net spend is
positive (:func:`is_purchase_day`), so:

* a day fully reversed by a same-day credit note (net 0) is not a purchase; nor is a day of
  free items only (net 0: nothing was sold), nor a day of credit notes only (net < 0);
* a purchase day is worth its net spend, which is always > 0: every mean of purchase days (the
  Gamma-Gamma ``monetary_value`` of :func:`cimlab.analytics.rfm.customer_summary`) is positive.

**A credit note dated on a later day counts on the day it is dated, never on an earlier
purchase day.** If the customer also bought that day, it lowers that day's net spend (and the
day stops being a purchase when the net is no longer positive); if they did not, it lowers only
the customer's total net spend (``total_spend`` and the M score, revenue of that day's period),
not the value of any purchase day. Why: a credit note does not say which sale it reverses (UCI
``C`` invoices carry no invoice reference), so giving it to an earlier purchase would be a
guess; and with this rule a day's value is final when the day is over, so a figure "as of" a date
is the same whether computed that day or years later from the full history (no look-ahead in
calibration/holdout splits, stage histories over many dates, or incremental runs), and the money
of purchase days and of periods adds up the same way (credit notes booked on their date, as in
the books).

Exact money
-----------
Amounts are summed exactly as whole **ten-thousandths** of the currency unit in 64-bit integers
(:func:`to_money`, :func:`from_money`, :func:`money_sum`). Four places are the finest minor
unit of any ISO 4217 currency (CLF and UYW have 4; most have 2, a few 3 or 0), so every real
amount is exact; the result never depends on the order of the lines (float sums do, by the last
bit, and equal spends would not tie); and integer sums are as fast as float sums (Decimal(38, 6),
the scheme channels used before, is an i128 ~20 % slower and carries two useless places). Each
line is rounded to 4 places, half away from zero; a line or a total must stay within
±9.2 × 10**14 currency units (a larger line raises instead of wrapping around). Totals come back
as floats, correctly rounded (exact up to 9 × 10**11).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> lines = pl.DataFrame({
...     "customer_id": ["a", "a", "a", "a"],
...     "order_ts": [dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 1, 10),
...                  dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 5)],
...     "amount": [80.0, -80.0, 30.0, -10.0],
...     "status": ["paid", "cancelled", "paid", "refunded"]})
>>> purchase_days(lines).rows()  # 1 Jan is reversed the same day; the -10 of 5 Jan stays there
[('a', datetime.date(2024, 1, 2), 30.0)]
>>> lines.select(money_sum(net_amount())).item()
20.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal, TypeVar, get_args

import polars as pl

from cimlab.dates import DateLike, check_time_zone, day_of, to_date
from cimlab.frames import require_columns

__all__ = [
    "CREDIT_STATUSES",
    "MONEY_DTYPE",
    "MONEY_PLACES",
    "MONEY_SCALE",
    "PAID",
    "counted_lines",
    "daily_spend",
    "first_purchases",
    "from_money",
    "is_counted",
    "is_credit_note",
    "is_paid",
    "is_purchase_day",
    "money_sum",
    "net_amount",
    "purchase_days",
    "refund_amount",
    "to_money",
]

#: The status of a paid line.
PAID = "paid"
#: Statuses whose negative lines are credit notes (money given back).
CREDIT_STATUSES: tuple[str, ...] = ("refunded", "cancelled")

#: Decimal places money is summed in (ten-thousandths; see the module docstring).
MONEY_PLACES = 4
#: Money units per currency unit.
MONEY_SCALE = 10**MONEY_PLACES
#: The integer type of money units.
MONEY_DTYPE = pl.Int64

Period = Literal["day", "week"]
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def _col(name: str | pl.Expr) -> pl.Expr:
    return pl.col(name) if isinstance(name, str) else name


# --------------------------------------------------------------------------------------------
# Line rules
# --------------------------------------------------------------------------------------------


def is_paid(status: str | pl.Expr = "status") -> pl.Expr:
    """Whether a line is paid (``status == "paid"``; a null status is not).

    Examples
    --------
    >>> pl.DataFrame({"status": ["paid", "pending", None]}).select(is_paid())["status"].to_list()
    [True, False, False]
    """
    return (_col(status) == PAID).fill_null(False)


def is_credit_note(amount: str | pl.Expr = "amount", status: str | pl.Expr = "status") -> pl.Expr:
    """Whether a line is a credit note: ``refunded`` or ``cancelled`` with a negative amount.

    Examples
    --------
    >>> lines = pl.DataFrame({"amount": [-5.0, 5.0, -5.0], "status": ["cancelled", "refunded", "paid"]})
    >>> lines.select(is_credit_note()).to_series().to_list()
    [True, False, False]
    """
    return (_col(status).is_in(CREDIT_STATUSES) & (_col(amount) < 0)).fill_null(False)


def is_counted(amount: str | pl.Expr = "amount", status: str | pl.Expr = "status") -> pl.Expr:
    """The "paid or credit note" rule: the lines that carry money (all others count 0).

    Examples
    --------
    >>> lines = pl.DataFrame({"amount": [9.0, -4.0, 4.0, 2.0],
    ...                       "status": ["paid", "refunded", "refunded", "pending"]})
    >>> lines.select(is_counted()).to_series().to_list()
    [True, True, False, False]
    """
    return _counted(amount, status).fill_null(False)


def _counted(amount: str | pl.Expr, status: str | pl.Expr) -> pl.Expr:
    """:func:`is_counted` without the null fill (null for a null status: a filter drops the
    line), the cheapest form for filters on many lines."""
    return (_col(status) == PAID) | ((_col(amount) < 0) & _col(status).is_in(CREDIT_STATUSES))


def net_amount(amount: str = "amount", status: str = "status") -> pl.Expr:
    """What an order line adds to spend net of refunds (column ``net_amount``).

    A ``paid`` line counts its amount; a credit note (``refunded`` or ``cancelled``, negative,
    such as UCI ``C`` invoices) its negative amount; a ``refunded`` line that keeps the positive
    amount paid counts 0 (paid, then given back); ``pending`` and other ``cancelled`` lines
    count 0.

    Examples
    --------
    >>> lines = pl.DataFrame({"amount": [100.0, 40.0, -25.0, 80.0, 10.0],
    ...                       "status": ["paid", "refunded", "refunded", "cancelled", "pending"]})
    >>> lines.select(net_amount().sum()).item()
    75.0
    """
    a = pl.col(amount)
    return pl.when(is_counted(amount, status)).then(a).otherwise(0.0).alias("net_amount")


def refund_amount(amount: str = "amount", status: str = "status") -> pl.Expr:
    """Money given back on an order line (≥ 0, column ``refund_amount``): a positive
    ``refunded`` line, or a credit note.

    ``gross - refunds = net`` where gross counts paid lines and positive refunded lines (they
    were paid once).

    Examples
    --------
    >>> lines = pl.DataFrame({"amount": [100.0, 40.0, -25.0], "status": ["paid", "refunded", "cancelled"]})
    >>> lines.select(refund_amount().sum()).item()
    65.0
    """
    a, s = pl.col(amount), pl.col(status)
    return (
        pl.when((s == "refunded") & (a > 0))
        .then(a)
        .when(is_credit_note(amount, status))
        .then(-a)
        .otherwise(0.0)
        .alias("refund_amount")
    )


def is_purchase_day(spend: str | pl.Expr = "spend") -> pl.Expr:
    """The purchase-day rule: a customer-day whose net spend (any unit) is positive.

    Examples
    --------
    >>> pl.DataFrame({"spend": [12.5, 0.0, -3.0]}).select(is_purchase_day())["spend"].to_list()
    [True, False, False]
    """
    return _col(spend) > 0


# --------------------------------------------------------------------------------------------
# Exact money
# --------------------------------------------------------------------------------------------


def to_money(amount: str | pl.Expr, dtype: pl.DataType, *, name: str = "amount") -> pl.Expr:
    """An amount (of type ``dtype``) as whole ten-thousandths (:data:`MONEY_DTYPE`).

    Strict casts: NaN, ±inf and amounts beyond ±9.2 × 10**14 raise. ``name`` is the column
    named in the error of a non-numeric ``dtype``.

    Examples
    --------
    >>> pl.DataFrame({"x": [0.12344, 0.00005, -2.5]}).select(to_money("x", pl.Float64))["x"].to_list()
    [1234, 1, -25000]
    """
    col = _col(amount)
    if isinstance(dtype, pl.Decimal):
        scaled = col.round(MONEY_PLACES, mode="half_away_from_zero")
        return scaled.cast(pl.Decimal(38, MONEY_PLACES)).to_physical().cast(MONEY_DTYPE)
    if dtype.is_integer():
        return (col.cast(pl.Int128) * MONEY_SCALE).cast(MONEY_DTYPE)
    if dtype.is_float():
        # the nearest whole number of ten-thousandths: exact for amounts with up to 4 decimal
        # places (below 2**53 ten-thousandths, i.e. 9 × 10**11)
        scaled = (col.cast(pl.Float64) * float(MONEY_SCALE)).round(mode="half_away_from_zero")
        return scaled.cast(MONEY_DTYPE)
    raise TypeError(
        f"column {name!r} has type {dtype}; amounts must be numbers "
        "(parse them first, e.g. with cimlab.ingest.parsing)."
    )


def from_money(units: pl.Expr) -> pl.Expr:
    """Ten-thousandths back to a float, correctly rounded (a true division, not × 1e-4).

    Examples
    --------
    >>> pl.DataFrame({"u": [1234, -25000]}).select(from_money(pl.col("u")))["u"].to_list()
    [0.1234, -2.5]
    """
    value = units.cast(pl.Float64)
    # dividing by a full-length column is an exact IEEE division (a scalar divisor becomes a
    # multiplication by its reciprocal, one ulp away at times)
    return value / (value * 0.0 + float(MONEY_SCALE))


def money_sum(amount: str | pl.Expr, dtype: pl.DataType | None = None) -> pl.Expr:
    """The exact sum of an amount column (of type ``dtype``; Float64 when None) as a float, in any context
    (``select``, ``agg``); 0.0 for no rows.

    Examples
    --------
    >>> pl.DataFrame({"x": [0.1, 0.2, -0.3]}).select(money_sum("x")).item()
    0.0
    """
    return from_money(to_money(amount, pl.Float64() if dtype is None else dtype).sum())


# --------------------------------------------------------------------------------------------
# Customer-days and purchase days
# --------------------------------------------------------------------------------------------


def _up_to(dtype: pl.DataType, column: str, day: pl.Expr, last: dt.date, time_zone: str) -> pl.Expr:
    """Rows on or before the day ``last``; a plain timestamp comparison where no time zone
    conversion is involved (cheaper, and lets Parquet skip row groups)."""
    if isinstance(dtype, pl.Datetime) and (
        dtype.time_zone is None or dtype.time_zone == time_zone == "UTC"
    ):
        next_midnight = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
        return pl.col(column) < pl.lit(next_midnight, dtype=pl.Datetime("us")).dt.cast_time_unit(
            dtype.time_unit
        ).dt.replace_time_zone(dtype.time_zone)
    return day <= last


def daily_spend(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike | None = None,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    time_zone: str = "UTC",
    period: Period = "day",
    keep_null_customer: bool = False,
) -> pl.LazyFrame:
    """Net spend of every customer-day with a counted line: ``customer, day, spend``, the spend
    in whole ten-thousandths (:func:`to_money`); unsorted.

    Lines without a customer and lines after ``as_of`` (that day included) are left out;
    ``status_col=None`` counts every line as paid (transaction logs such as CDNOW);
    ``period="week"`` groups by calendar week instead (``day`` = its Monday). Purchase days are
    the rows with :func:`is_purchase_day`. ``keep_null_customer=True`` keeps the days of lines
    without a customer (a null customer), for callers that aggregate further and drop that
    customer from their smaller result (cheaper on large data).

    Examples
    --------
    >>> import datetime as dt
    >>> lines = pl.DataFrame({"customer_id": ["a", "a"], "order_ts": [dt.date(2024, 1, 1)] * 2,
    ...                       "amount": [10.0, -10.0], "status": ["paid", "cancelled"]})
    >>> daily_spend(lines).collect().rows()
    [('a', datetime.date(2024, 1, 1), 0)]
    """
    if period not in get_args(Period):
        raise ValueError(f"period={period!r} should be one of {', '.join(get_args(Period))}.")
    lf = orders.lazy()
    schema = require_columns(
        lf,
        {
            "customer_col": customer_col,
            "time_col": time_col,
            "amount_col": amount_col,
            "status_col": status_col,
        },
        what="orders",
        hint="Pass the right name with that keyword argument.",
    )
    dtype = schema[time_col]
    day = day_of(time_col, dtype, time_zone=time_zone)
    keep: list[pl.Expr] = []
    if as_of is not None:
        keep.append(_up_to(dtype, time_col, day, to_date(as_of, time_zone=time_zone), time_zone))
    if status_col is not None:  # only paid lines and credit notes carry money
        keep.append(_counted(amount_col, status_col))
    if period == "week":
        day = day.dt.truncate("1w")
    money = to_money(amount_col, schema[amount_col], name=amount_col)
    lines = lf.filter(*keep) if keep else lf
    daily = lines.group_by(customer_col, day.alias("day")).agg(spend=money.sum())
    if keep_null_customer:
        return daily
    # lines without a customer are dropped after grouping: fewer rows to test
    return daily.filter(pl.col(customer_col).is_not_null())


def purchase_days(
    orders: FrameT,
    *,
    as_of: DateLike | None = None,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    time_zone: str = "UTC",
    period: Period = "day",
) -> FrameT:
    """One row per customer and purchase day (module rule): ``customer, day, spend`` (net).

    Parameters
    ----------
    orders
        Order lines (DataFrame or LazyFrame; the result is of the same kind).
    as_of
        Ignore lines after this day (inclusive); None keeps everything.
    customer_col, time_col, amount_col, status_col
        Column names; ``status_col=None`` treats every line as paid (e.g. CDNOW).
    time_zone
        Time zone whose calendar days count (``order_ts`` is stored in UTC).
    period
        ``"day"``, or ``"week"`` to count purchases once per calendar week (``day`` = Monday).

    Examples
    --------
    >>> import datetime as dt
    >>> lines = pl.DataFrame({"customer_id": ["a", "a", "a"],
    ...     "order_ts": [dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 1, 20),
    ...                  dt.datetime(2024, 1, 2)],
    ...     "amount": [10.0, 5.0, 8.0], "status": ["paid", "paid", "refunded"]})
    >>> purchase_days(lines).rows()
    [('a', datetime.date(2024, 1, 1), 15.0)]
    """
    daily = daily_spend(
        orders,
        as_of=as_of,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=time_zone,
        period=period,
    )
    result = (
        daily.filter(is_purchase_day("spend"))
        .select(customer_col, "day", spend=from_money(pl.col("spend")))
        .sort(customer_col, "day")
    )
    return result if isinstance(orders, pl.LazyFrame) else result.collect()


# --------------------------------------------------------------------------------------------
# Lines for period analyses (channels, cohorts, KPIs)
# --------------------------------------------------------------------------------------------

_BASE_COLUMNS = ("customer_id", "order_ts", "status")


def counted_lines(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike | None,
    start: DateLike | None = None,
    need: Iterable[str] = (),
    time_zone: str = "UTC",
) -> pl.LazyFrame:
    """The lines that count (module rule) of the days ``start``..``as_of`` (both included, days
    in ``time_zone``; ``None`` = no bound), for analyses by period.

    Columns: ``customer_id``, the columns in ``need``, ``ts`` (``order_ts``), ``day``,
    ``purchase`` (a paid line on one of the customer's purchase days: counts as a purchase, an
    active customer, an order) and ``net`` (:func:`net_amount` as Float64, or the frame's own
    ``net_amount`` column; sum it with :func:`money_sum`). Lines without a customer and lines
    that carry no money and are no purchase are left out.

    Examples
    --------
    >>> import datetime as dt
    >>> lines = pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "order_ts": [dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 1, 10),
    ...                  dt.datetime(2024, 1, 1)],
    ...     "amount": [50.0, -50.0, 20.0], "status": ["paid", "cancelled", "paid"]})
    >>> counted_lines(lines, as_of="2024-01-31").select("customer_id", "purchase", "net").collect().rows()
    [('a', False, 50.0), ('a', False, -50.0), ('b', True, 20.0)]
    """
    lf = orders.lazy()
    have = lf.collect_schema()
    amount = next((c for c in ("net_amount", "amount") if c in have), "amount (or net_amount)")
    schema = require_columns(
        have,
        [*_BASE_COLUMNS, *need, amount],
        what="orders frame",
        hint="Pass order lines as cimlab.analytics.facts gives them.",
    )
    tz = check_time_zone(time_zone)
    net = pl.col("net_amount") if "net_amount" in schema else net_amount()
    day = day_of("order_ts", schema["order_ts"], time_zone=tz, table="orders")
    lf = lf.select(
        "customer_id",
        *need,
        pl.col("order_ts").alias("ts"),
        day.alias("day"),
        is_paid("status").alias("paid"),
        net.cast(pl.Float64).fill_null(0.0).alias("net"),
    )
    keep = pl.col("customer_id").is_not_null() & (pl.col("paid") | (pl.col("net") != 0))
    if as_of is not None:
        keep = keep & (pl.col("day") <= to_date(as_of, time_zone=tz))
    if start is not None:
        keep = keep & (pl.col("day") >= to_date(start, name="start", time_zone=tz))
    day_net = to_money(pl.col("net"), pl.Float64()).sum().over("customer_id", "day")
    return (
        lf.filter(keep)
        .with_columns(purchase=pl.col("paid") & is_purchase_day(day_net))
        .drop("paid")
    )


def first_purchases(lines: pl.LazyFrame, *, channel: bool = True) -> pl.LazyFrame:
    """Per customer of :func:`counted_lines`: ``first_ts``, ``first_day`` and (with
    ``channel``) ``acquisition_channel`` of the first purchase line (earliest ``ts``; at equal
    times the channel whose token sorts first).

    Examples
    --------
    >>> import datetime as dt
    >>> lines = pl.DataFrame({"customer_id": ["a", "a"], "channel": ["tmall", "jd"],
    ...     "order_ts": [dt.datetime(2024, 1, 1)] * 2, "amount": [5.0, 5.0],
    ...     "status": ["paid", "paid"]})
    >>> first_purchases(counted_lines(lines, as_of=None, need=["channel"])).collect().row(0)[-1]
    'jd'
    """
    aggs = [pl.col("ts").min().alias("first_ts"), pl.col("day").min().alias("first_day")]
    if channel:
        aggs.append(pl.col("channel").sort_by("ts", "channel").first().alias("acquisition_channel"))
    return lines.filter("purchase").group_by("customer_id").agg(aggs)
