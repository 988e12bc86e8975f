"""Per-customer purchase summary, RFM scores and named RFM segments.

Everything is a pure Polars function: frame first, options keyword-only, an explicit ``as_of``
(nothing here calls ``now()``); a :class:`polars.LazyFrame` in gives a LazyFrame out, so the
same definitions run streaming on files larger than memory.

Which order lines count (the rule)
----------------------------------
Input is order lines as stored in the workspace (one row per line; see
:class:`cimlab.contracts.models.Orders`) plus a customer column (the unified ``customer_id`` by default).

* Lines without a customer, ``pending`` lines (not yet paid) and ``cancelled`` lines with a
  positive amount (the sale never happened) are ignored entirely.
* A **purchase day** is a day (in ``time_zone``, UTC by default) with at least one ``paid`` line.
  Same-day purchases count once, as in the BTYD literature, so an order whose lines were all
  refunded is not a purchase: the order happened but the money came back.
* **Spend is net**: ``paid`` amounts plus the negative amounts of ``refunded`` and ``cancelled``
  lines (refund records and credit notes, such as UCI Online Retail's ``C`` invoices, which
  reverse an earlier sale). A ``refunded`` line with a positive amount is the value that was
  paid back, so it adds nothing. This is :func:`cimlab.customers.golden.net_amount`, the rule of every
  other analysis. ``total_spend`` nets every refund; the spend of a purchase day nets the refunds
  dated that day only, so a refund recorded on a later day without a purchase lowers
  ``total_spend`` but not ``monetary_value``. Amounts are summed exactly (so the result never
  depends on the order of the lines) as whole ten-thousandths of the currency unit: each line
  is rounded to 4 decimal places (half away from zero; finer than any currency's minor unit)
  and a line or a customer's net total must stay within ±9.2 × 10**14 (a larger line raises).
  Results are returned as floats, correctly rounded (up to 9 × 10**11; beyond, within 1 ulp).
* Lines after ``as_of`` are ignored (the day of ``as_of`` is included).

Units
-----
``recency`` (last − first purchase day), ``T`` (``as_of`` − first purchase day) and ``since_last``
(``as_of`` − last purchase day) are floats: whole days divided by 1 (``day``), 7 (``week``) or
365.25 / 12 = 30.4375 (``month``). This is lifetimes' ``summary_data_from_transaction_data`` with
``freq="D"`` and ``freq_multiplier`` 1, 7 or 30.4375, and Fader & Hardie's published CDNOW
summary (weeks = days / 7). ``period="week"`` instead counts purchases once per calendar week
(Monday–Sunday) and measures from week starts, as lifetimes' ``freq="W"`` does.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> orders = pl.DataFrame({
...     "customer_id": ["a", "a", "a", "b"],
...     "order_ts": [dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 1, 18),
...                  dt.datetime(2024, 1, 8, 12), dt.datetime(2024, 1, 5, 12)],
...     "amount": [10.0, 5.0, 20.0, 7.0],
...     "status": ["paid", "paid", "paid", "cancelled"],
... })
>>> customer_summary(orders, as_of=dt.date(2024, 1, 15), time_unit="week").select(
...     "customer_id", "frequency", "recency", "T", "total_spend", "monetary_value").row(0)
('a', 1, 1.0, 2.0, 35.0, 20.0)
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeVar, get_args

import polars as pl

from cimlab.dates import day_of, to_date

__all__ = [
    "SEGMENTS",
    "SEGMENT_GRID",
    "SEGMENT_NAMES",
    "UNIT_DAYS",
    "customer_summary",
    "elapsed",
    "purchase_days",
    "quantile_score",
    "rfm",
    "rfm_scores",
    "rfm_segments",
    "rfm_table",
    "segment_of",
]

TimeUnit = Literal["day", "week", "month"]
Period = Literal["day", "week"]
Monetary = Literal["repeat_mean", "mean"]
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
DateLike = dt.date | dt.datetime | str

#: Money is summed exactly as whole ten-thousandths of the currency unit in 64-bit integers:
#: finer than the minor unit of every ISO 4217 currency, exact (the result never depends on the
#: order of the lines, float sums do by the last bit; equal spends always tie), and as fast as
#: float sums. Each line is rounded to 4 places (half away from zero) first; a line or a
#: customer's net total must stay within ±9.2 × 10**14 currency units (a larger line raises).
MONEY_PLACES = 4
_MONEY_SCALE = 10**MONEY_PLACES
_MONEY_INT = pl.Int64

#: Length of one time unit in days (a month is a twelfth of a Julian year, as in lifetimes' use).
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}

SUMMARY_COLUMNS = (
    "first_purchase",
    "last_purchase",
    "purchase_days",
    "frequency",
    "recency",
    "T",
    "since_last",
    "total_spend",
    "monetary_value",
)

# --------------------------------------------------------------------------------------------
# Segments: the R × FM grid. Each segment is a rectangle of R scores × FM scores; together they
# cover the 25 cells exactly once (tested). Based on the widely used 5 × 5 R×F map, with the
# bottom-left corner split into Hibernating (R 2) and Lost (R 1).
#
#            FM=1            FM=2                FM=3                FM=4        FM=5
#   R=5      New             Potential loyalist  Potential loyalist  Champions   Champions
#   R=4      Promising       Potential loyalist  Potential loyalist  Loyal       Loyal
#   R=3      About to sleep  About to sleep      Need attention      Loyal       Loyal
#   R=2      Hibernating     Hibernating         At risk             At risk     Cannot lose them
#   R=1      Lost            Lost                At risk             At risk     Cannot lose them
# --------------------------------------------------------------------------------------------
_SEGMENT_SPECS: tuple[tuple[str, str, tuple[int, int], tuple[int, int], str, str], ...] = (
    (
        "Champions",
        "冠军客户",
        (5, 5),
        (4, 5),
        "Reward them: early access and VIP perks; ask for reviews and referrals.",
        "给予奖励：新品抢先购和 VIP 权益；邀请他们评价和推荐。",
    ),
    (
        "Loyal",
        "忠诚客户",
        (3, 4),
        (4, 5),
        "Upsell higher-value products and invite them to the loyalty programme.",
        "推荐更高价值的商品，邀请加入会员积分计划。",
    ),
    (
        "Potential loyalist",
        "潜在忠诚客户",
        (4, 5),
        (2, 3),
        "Offer a membership and recommend related products to build the habit.",
        "提供会员权益并推荐相关商品，培养复购习惯。",
    ),
    (
        "New",
        "新客户",
        (5, 5),
        (1, 1),
        "Onboard well: a welcome series, help with first use, a reason to come back.",
        "做好新客引导：欢迎消息、使用指导，给他们再来的理由。",
    ),
    (
        "Promising",
        "有潜力客户",
        (4, 4),
        (1, 1),
        "Build awareness: samples or trials and a small incentive for a second purchase.",
        "提升认知：试用装或小样，为第二次购买提供小额激励。",
    ),
    (
        "Need attention",
        "需要关注",
        (3, 3),
        (3, 3),
        "Send limited-time offers based on past purchases before they slip away.",
        "根据购买记录推送限时优惠，在其流失前重新激活。",
    ),
    (
        "About to sleep",
        "即将沉睡",
        (3, 3),
        (1, 2),
        "Share popular products and discounts to reconnect before they go quiet.",
        "推荐热门商品和折扣，在其沉寂前重新建立联系。",
    ),
    (
        "At risk",
        "有流失风险",
        (1, 2),
        (3, 4),
        "Send personal win-back messages, renewals and useful content.",
        "发送个性化的挽回信息、续费提醒和实用内容。",
    ),
    (
        "Cannot lose them",
        "不能失去的客户",
        (1, 2),
        (5, 5),
        "Win them back personally, with new products; do not lose them to a competitor.",
        "一对一沟通并用新品赢回，别让他们流向竞争对手。",
    ),
    (
        "Hibernating",
        "沉睡客户",
        (2, 2),
        (1, 2),
        "Offer relevant products and a special discount to rekindle interest.",
        "推荐相关商品并提供专属折扣，重新唤起兴趣。",
    ),
    (
        "Lost",
        "已流失客户",
        (1, 1),
        (1, 2),
        "Try one reawakening campaign; if it fails, stop spending on them.",
        "尝试一次唤醒活动；无效则停止投入。",
    ),
)


def _span(label: str, lo_hi: tuple[int, int]) -> str:
    lo, hi = lo_hi
    return f"{label} {lo}" if lo == hi else f"{label} {lo}–{hi}"


#: Segment names, best first.
SEGMENT_NAMES: tuple[str, ...] = tuple(spec[0] for spec in _SEGMENT_SPECS)

#: ``(r_score, fm_score) -> segment`` for the 25 cells of the 5 × 5 grid.
SEGMENT_GRID: dict[tuple[int, int], str] = {
    (r, fm): name
    for name, _, (r_lo, r_hi), (fm_lo, fm_hi), _, _ in _SEGMENT_SPECS
    for r in range(r_lo, r_hi + 1)
    for fm in range(fm_lo, fm_hi + 1)
}

#: The named segments: ``name, name_zh, r_min, r_max, fm_min, fm_max, rule, action, action_zh``.
SEGMENTS: pl.DataFrame = pl.DataFrame(
    [
        {
            "name": name,
            "name_zh": name_zh,
            "r_min": r[0],
            "r_max": r[1],
            "fm_min": fm[0],
            "fm_max": fm[1],
            "rule": f"{_span('R', r)}, {_span('FM', fm)}",
            "action": action,
            "action_zh": action_zh,
        }
        for name, name_zh, r, fm, action, action_zh in _SEGMENT_SPECS
    ],
    schema_overrides={c: pl.Int8 for c in ("r_min", "r_max", "fm_min", "fm_max")},
)


# --------------------------------------------------------------------------------------------
# Expression helpers
# --------------------------------------------------------------------------------------------


def _check_unit(time_unit: str) -> float:
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit={time_unit!r} should be one of {', '.join(UNIT_DAYS)}.")
    return UNIT_DAYS[time_unit]


def _as_expr(value: str | pl.Expr | dt.date) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value
    if isinstance(value, str):
        return pl.col(value)
    return pl.lit(value, dtype=pl.Date)


def elapsed(
    start: str | pl.Expr | dt.date, end: str | pl.Expr | dt.date, *, time_unit: TimeUnit = "day"
) -> pl.Expr:
    """Whole days from ``start`` to ``end`` (``Date`` columns or dates) in ``time_unit``, a float.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> frame = pl.DataFrame({"first": [dt.date(2024, 1, 1)]})
    >>> frame.select(elapsed("first", dt.date(2024, 1, 15), time_unit="week")).item()
    2.0
    """
    return _per_unit((_as_expr(end) - _as_expr(start)).dt.total_days(), _check_unit(time_unit))


def _per_unit(days: pl.Expr, unit_days: float) -> pl.Expr:
    # Polars divides by a scalar as a multiplication by its reciprocal, which can be one ulp away
    # from the true quotient that numpy, pandas and lifetimes compute; dividing by a full-length
    # column is an exact IEEE division.
    days = days.cast(pl.Float64)
    return days if unit_days == 1.0 else days / (days * 0.0 + unit_days)


def quantile_score(column: str | pl.Expr, *, bins: int = 5, descending: bool = False) -> pl.Expr:
    """Score a column 1..``bins`` by quantile; equal values always get the same score.

    Score = 1 + ⌊bins × share of the other rows that are strictly worse⌋, where worse means
    smaller (or larger when ``descending``). This is ``rank(method="min")`` cut into equal shares,
    so ties never straddle a boundary; when many rows tie at the bottom (one-time buyers) they
    all get 1 and some scores may be unused. Nulls stay null.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"x": [1, 1, 1, 2, 3, 3, 4, 5, 6, 7]})
    >>> frame.select(quantile_score("x"))["x"].to_list()
    [1, 1, 1, 2, 3, 3, 4, 4, 5, 5]
    """
    if not isinstance(bins, int) or isinstance(bins, bool) or not 2 <= bins <= 100:
        raise ValueError(f"bins={bins!r} should be an integer between 2 and 100.")
    expr = pl.col(column) if isinstance(column, str) else column
    rank = expr.rank("min", descending=descending).cast(pl.Int64)
    return ((rank - 1) * bins // expr.count().cast(pl.Int64) + 1).cast(pl.Int8)


# --------------------------------------------------------------------------------------------
# Summary
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


def _money(dtype: pl.DataType, column: str) -> pl.Expr:
    """An amount column as a whole number of ten-thousandths (:data:`MONEY_PLACES`), so that
    sums are exact; strict casts, so NaN, ±inf and amounts beyond ±9.2e14 raise."""
    col = pl.col(column)
    if isinstance(dtype, pl.Decimal):
        scaled = col.round(MONEY_PLACES, mode="half_away_from_zero")
        return scaled.cast(pl.Decimal(38, MONEY_PLACES)).to_physical().cast(_MONEY_INT)
    if dtype.is_integer():
        return (col.cast(pl.Int128) * _MONEY_SCALE).cast(_MONEY_INT)
    if dtype.is_float():
        # the nearest whole number of ten-thousandths: exact for amounts with up to 4 decimal
        # places (below 2**53 ten-thousandths, i.e. 9 × 10**11)
        scaled = (col.cast(pl.Float64) * float(_MONEY_SCALE)).round(mode="half_away_from_zero")
        return scaled.cast(_MONEY_INT)
    raise TypeError(
        f"column {column!r} has type {dtype}; amounts must be numbers "
        "(parse them first, e.g. with cimlab.ingest.parsing)."
    )


def _from_money(total: pl.Expr) -> pl.Expr:
    """Ten-thousandths back to a float, correctly rounded (a true division, not × 1e-4)."""
    value = total.cast(pl.Float64)
    return value / (value * 0.0 + float(_MONEY_SCALE))


def _check_columns(schema: pl.Schema, needed: dict[str, str | None]) -> None:
    missing = [f"{col!r} ({arg})" for arg, col in needed.items() if col and col not in schema]
    if missing:
        raise ValueError(
            f"the orders have no column {', '.join(missing)}; columns are "
            f"{', '.join(schema.names())}. Pass the right name with that keyword argument."
        )


def _daily(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike | None,
    customer_col: str,
    time_col: str,
    amount_col: str,
    status_col: str | None,
    time_zone: str,
    period: Period,
) -> pl.LazyFrame:
    """Counted lines grouped by (customer, day): ``day, purchase, spend`` (in ten-thousandths);
    without a status column every day is a purchase day and there is no ``purchase`` column."""
    if period not in get_args(Period):
        raise ValueError(f"period={period!r} should be one of {', '.join(get_args(Period))}.")
    lf = orders.lazy()
    schema = lf.collect_schema()
    _check_columns(
        schema,
        {
            "customer_col": customer_col,
            "time_col": time_col,
            "amount_col": amount_col,
            "status_col": status_col,
        },
    )
    dtype = schema[time_col]
    day = day_of(time_col, dtype, time_zone=time_zone)
    money = _money(schema[amount_col], amount_col)
    keep = pl.col(customer_col).is_not_null()
    if as_of is not None:
        keep = keep & _up_to(dtype, time_col, day, to_date(as_of, time_zone=time_zone), time_zone)
    if period == "week":
        day = day.dt.truncate("1w")
    if status_col is None:
        return lf.filter(keep).group_by(customer_col, day.alias("day")).agg(spend=money.sum())
    # a refunded or cancelled line with a positive amount is neither a purchase nor money (a
    # negative one is a credit note): drop it here, so
    # the spend is a plain sum of the lines kept
    status = pl.col(status_col)
    paid = status == "paid"
    credit = status.is_in(["refunded", "cancelled"]) & (pl.col(amount_col) < 0)
    keep = keep & (paid | credit)
    return (
        lf.filter(keep)
        .group_by(customer_col, day.alias("day"))
        .agg(purchase=paid.any(), spend=money.sum())
    )


def _like(orders: FrameT, result: pl.LazyFrame) -> FrameT:
    if isinstance(orders, pl.LazyFrame):
        return result
    return result.collect()


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
    """One row per customer and purchase day: ``customer, day, spend`` (net), by the module rule.

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
    >>> import polars as pl
    >>> lines = pl.DataFrame({"customer_id": ["a", "a", "a"],
    ...     "order_ts": [dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 1, 20),
    ...                  dt.datetime(2024, 1, 2)],
    ...     "amount": [10.0, 5.0, 8.0], "status": ["paid", "paid", "refunded"]})
    >>> purchase_days(lines).rows()
    [('a', datetime.date(2024, 1, 1), 15.0)]
    """
    daily = _daily(
        orders,
        as_of=as_of,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=time_zone,
        period=period,
    )
    if status_col is not None:
        daily = daily.filter("purchase")
    result = daily.select(customer_col, "day", spend=_from_money(pl.col("spend"))).sort(
        customer_col, "day"
    )
    return _like(orders, result)


def customer_summary(
    orders: FrameT,
    *,
    as_of: DateLike,
    time_unit: TimeUnit = "day",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    time_zone: str = "UTC",
    period: Period = "day",
    monetary: Monetary = "repeat_mean",
) -> FrameT:
    """One row per customer with at least one purchase day up to ``as_of``.

    Columns: the customer column, ``first_purchase`` and ``last_purchase`` (dates; week starts
    when ``period="week"``), ``purchase_days``, ``frequency`` (repeat purchase days =
    ``purchase_days - 1``), ``recency`` (last − first), ``T`` (``as_of`` − first) and
    ``since_last`` (``as_of`` − last) in ``time_unit``, ``total_spend`` (net of refunds) and
    ``monetary_value``. Lines are counted by the rule in the module docstring. Sorted by customer.

    On CDNOW, ``frequency``, ``recency`` and ``T`` equal lifetimes'
    ``summary_data_from_transaction_data`` bit for bit (``freq="D"`` with ``freq_multiplier``
    1, 7 or 30.4375; ``period="week"`` is ``freq="W"``); ``monetary_value`` is the exact
    mean, within 1e-13 of lifetimes' float sums. Amounts must be finite (NaN raises).

    Parameters
    ----------
    orders
        Order lines (DataFrame or LazyFrame; the result is of the same kind).
    as_of
        End of the observation period (that day included); a date, datetime or ``"YYYY-MM-DD"``.
    time_unit
        ``"day"`` (1 day), ``"week"`` (7 days) or ``"month"`` (30.4375 days).
    customer_col, time_col, amount_col, status_col, time_zone, period
        As in :func:`purchase_days`.
    monetary
        ``"repeat_mean"``: mean net spend of the repeat purchase days, 0 when ``frequency`` is 0
        (lifetimes, the Gamma-Gamma input); ``"mean"``: mean over all purchase days.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> lines = pl.DataFrame({"cid": ["a", "a"], "day": [dt.date(2024, 1, 1), dt.date(2024, 1, 3)],
    ...     "usd": [10.0, 30.0]})
    >>> customer_summary(lines, as_of="2024-01-11", customer_col="cid", time_col="day",
    ...     amount_col="usd", status_col=None).select("frequency", "recency", "T").row(0)
    (1, 2.0, 10.0)
    """
    _check_unit(time_unit)
    if monetary not in get_args(Monetary):
        raise ValueError(f"monetary={monetary!r} should be one of {', '.join(get_args(Monetary))}.")
    end = to_date(as_of, time_zone=time_zone)
    if period == "week":  # lifetimes' freq="W": T is counted from week starts
        end = end - dt.timedelta(days=end.weekday())
    daily = _daily(
        orders,
        as_of=as_of,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=time_zone,
        period=period,
    )
    # Purchase days and days with refund records only are aggregated apart (plain column
    # aggregations, Polars' fast paths; the daily frame is computed once and shared), the latter
    # joined back for the total spend. The first day's spend is taken with min_by. Sums are
    # exact integers (ten-thousandths), so "all purchase days minus the first" is exactly the
    # sum of the repeat days.
    end_lit = pl.lit(end, dtype=pl.Date)
    days = daily if status_col is None else daily.filter("purchase")
    per_customer = days.group_by(customer_col).agg(
        first_purchase=pl.col("day").min(),
        last_purchase=pl.col("day").max(),
        purchase_days=pl.len().cast(pl.Int64),
        purchase_spend=pl.col("spend").sum(),
        first_spend=pl.col("spend").min_by("day"),
    )
    total = pl.col("purchase_spend")
    if status_col is not None:  # refunds recorded on a day without a purchase
        refunds = (
            daily.filter(~pl.col("purchase"))
            .group_by(customer_col)
            .agg(refund_only=pl.col("spend").sum())
        )
        per_customer = per_customer.join(refunds, on=customer_col, how="left")
        total = total + pl.col("refund_only").fill_null(0)
    if monetary == "mean":
        spent = pl.col("purchase_spend")
        spent_days = pl.col("purchase_days").cast(pl.Float64)
    else:
        spent = pl.col("purchase_spend") - pl.col("first_spend")
        spent_days = (pl.col("purchase_days") - 1).cast(pl.Float64)
    summary = per_customer.select(
        customer_col,
        "first_purchase",
        "last_purchase",
        "purchase_days",
        frequency=pl.col("purchase_days") - 1,
        recency=elapsed("first_purchase", "last_purchase", time_unit=time_unit),
        T=elapsed("first_purchase", end_lit, time_unit=time_unit),
        since_last=elapsed("last_purchase", end_lit, time_unit=time_unit),
        total_spend=_from_money(total),
        # the exact mean, correctly rounded: one true division (column by column) of integers
        # (ten-thousandths, and days × 10**4); 0 without repeat days
        monetary_value=pl.when(spent_days > 0)
        .then(spent.cast(pl.Float64) / (spent_days * float(_MONEY_SCALE)))
        .otherwise(0.0),
    ).sort(customer_col)
    return _like(orders, summary)


# --------------------------------------------------------------------------------------------
# Scores and segments
# --------------------------------------------------------------------------------------------


def rfm_scores(
    summary: FrameT,
    *,
    bins: int = 5,
    recency_col: str = "since_last",
    frequency_col: str = "purchase_days",
    monetary_col: str = "total_spend",
) -> FrameT:
    """Add ``r_score``, ``f_score`` and ``m_score`` (1..``bins``, higher is better) to a summary.

    R scores time since the last purchase (more recent = higher), F the number of purchase days,
    M the net total spend; each by :func:`quantile_score` over all rows of ``summary`` (equal
    values get equal scores).

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.DataFrame({"since_last": [1.0, 5.0, 9.0], "purchase_days": [3, 1, 1],
    ...                   "total_spend": [30.0, 5.0, 10.0]})
    >>> rfm_scores(s, bins=3).select("r_score", "f_score", "m_score").rows()
    [(3, 3, 3), (2, 1, 1), (1, 1, 2)]
    """
    lf = summary.lazy()
    _check_columns(
        lf.collect_schema(),
        {"recency_col": recency_col, "frequency_col": frequency_col, "monetary_col": monetary_col},
    )
    scored = lf.with_columns(
        r_score=quantile_score(recency_col, bins=bins, descending=True),
        f_score=quantile_score(frequency_col, bins=bins),
        m_score=quantile_score(monetary_col, bins=bins),
    )
    return _like(summary, scored)


def segment_of(r_score: int, fm_score: int) -> str:
    """The segment of one cell of the R × FM grid (scores 1–5).

    Examples
    --------
    >>> segment_of(5, 5), segment_of(1, 5), segment_of(1, 1)
    ('Champions', 'Cannot lose them', 'Lost')
    """
    try:
        return SEGMENT_GRID[(r_score, fm_score)]
    except KeyError:
        raise ValueError(
            f"r_score={r_score!r}, fm_score={fm_score!r}: segments need scores from 1 to 5."
        ) from None


def rfm_segments(scores: FrameT) -> FrameT:
    """Add ``fm_score`` (mean of F and M, rounded half up) and ``segment`` to 1–5 RFM scores.

    The segment is looked up in :data:`SEGMENT_GRID` (see :data:`SEGMENTS` for the rules, the
    中文 names and the suggested actions). Scores must come from ``rfm_scores(bins=5)``.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.DataFrame({"r_score": [5, 1], "f_score": [4, 3], "m_score": [5, 4]})
    >>> rfm_segments(s).select("fm_score", "segment").rows()
    [(5, 'Champions'), (4, 'At risk')]
    """
    lf = scores.lazy()
    _check_columns(lf.collect_schema(), {"r": "r_score", "f": "f_score", "m": "m_score"})
    fm = ((pl.col("f_score").cast(pl.Int16) + pl.col("m_score") + 1) // 2).cast(pl.Int8)
    grid = {r * 10 + f: name for (r, f), name in SEGMENT_GRID.items()}
    key = pl.col("r_score").cast(pl.Int16) * 10 + pl.col("fm_score")
    out = lf.with_columns(fm_score=fm).with_columns(
        segment=key.replace_strict(grid, default=None, return_dtype=pl.String)
    )
    if isinstance(scores, pl.DataFrame):
        frame = out.collect()
        bad = frame.filter(pl.col("segment").is_null() & pl.col("r_score").is_not_null())
        if bad.height:
            row = bad.row(0, named=True)
            raise ValueError(
                f"r_score={row['r_score']}, f_score={row['f_score']}, m_score={row['m_score']}: "
                "segments need scores from 1 to 5; compute them with rfm_scores(bins=5)."
            )
        return frame
    return out


def rfm_table(
    orders: FrameT,
    *,
    as_of: DateLike,
    time_unit: TimeUnit = "day",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    time_zone: str = "UTC",
    monetary: Monetary = "repeat_mean",
) -> FrameT:
    """Customer summary, 1–5 RFM scores and the named segment, one row per customer.

    :func:`customer_summary` then :func:`rfm_scores` (5 bins) then :func:`rfm_segments`.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> lines = pl.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 3, 1), dt.datetime(2024, 1, 2)],
    ...     "amount": [10.0, 30.0, 5.0], "status": ["paid", "paid", "paid"]})
    >>> rfm(lines, as_of="2024-03-31").select("customer_id", "r_score", "segment").rows()
    [('a', 3, 'Need attention'), ('b', 1, 'Lost')]
    """
    summary = customer_summary(
        orders.lazy(),
        as_of=as_of,
        time_unit=time_unit,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=time_zone,
        monetary=monetary,
    )
    result = rfm_segments(rfm_scores(summary, bins=5))
    return _like(orders, result)


rfm = rfm_table  # the name before cimlab 0.2, kept as an alias
