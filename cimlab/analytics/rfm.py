"""Per-customer purchase summary, RFM scores, named RFM segments and the segment summary.

Everything is a pure Polars function: frame first, options keyword-only, an explicit ``as_of``
(nothing here calls ``now()``); a :class:`polars.LazyFrame` in gives a LazyFrame out, so the
same definitions run streaming on files larger than memory.

Which order lines count (the rule)
----------------------------------
Input is order lines as stored in the workspace (one row per line; see
:class:`cimlab.contracts.models.Orders`) plus a customer column (the unified ``customer_id`` by
default). The rules are those of :mod:`cimlab.lines`, the one home of them:

* Only ``paid`` lines and credit notes (``refunded``/``cancelled`` lines with a negative amount,
  such as UCI Online Retail's ``C`` invoices) carry money; lines without a customer, ``pending``
  lines, positive ``cancelled`` lines (the sale never happened) and positive ``refunded`` lines
  (paid, then given back) add nothing.
* A **purchase day** is a day (in ``time_zone``, UTC by default) whose net spend is positive
  (:func:`cimlab.lines.is_purchase_day`). Same-day purchases count once, as in the BTYD
  literature; a day fully reversed by a same-day credit note is not a purchase (nor a day of
  free items only). A purchase day is worth its net spend, always > 0, so ``monetary_value`` is
  positive for every customer with ``frequency > 0`` (the Gamma-Gamma input).
* **A credit note counts on the day it is dated.** On a day with purchases it lowers that day's
  value (and the day is no purchase when its net is not positive); on a day without, it lowers
  ``total_spend`` (hence the M score) but not ``monetary_value``: no earlier purchase day's
  value ever changes after that day (see :mod:`cimlab.lines` for why).
* Amounts are summed exactly in whole ten-thousandths (:func:`cimlab.lines.to_money`): the
  result never depends on the order of the lines; a line or a total must stay within
  ±9.2 × 10**14 (a larger line raises). Results are floats, correctly rounded.
* Lines after ``as_of`` are ignored (the day of ``as_of`` is included).

Time units
----------
``recency`` (last − first purchase), ``T`` (``as_of`` − first purchase) and ``since_last``
(``as_of`` − last purchase) are floats in ``time_unit``:

* ``"day"``, ``"week"`` (**7 days**: whole days ÷ 7) and ``"month"`` (30.4375 days = 365.25 / 12):
  purchases are counted per day and the days divided. This is lifetimes'
  ``summary_data_from_transaction_data(..., freq="D", freq_multiplier=1 | 7 | 30.4375)``, and
  Fader & Hardie's published CDNOW summary (weeks = days / 7).
* ``"calendar_week"``: purchases are counted once per **calendar week** (Monday–Sunday) and
  measured in whole weeks between week starts (``as_of``'s week included). This is lifetimes'
  ``summary_data_from_transaction_data(..., freq="W")``; it is the old ``period="week"``.

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

from cimlab.dates import DateLike, to_date
from cimlab.frames import require_columns
from cimlab.lines import (
    MONEY_PLACES,
    MONEY_SCALE,
    Period,
    daily_spend,
    from_money,
    is_purchase_day,
    money_sum,
    purchase_days,
)

__all__ = [
    "MONEY_PLACES",
    "SEGMENTS",
    "SEGMENT_CODES",
    "SEGMENT_GRID",
    "SEGMENT_NAMES",
    "TIME_UNITS",
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
    "segment_summary",
]

TimeUnit = Literal["day", "week", "month", "calendar_week"]
Monetary = Literal["repeat_mean", "mean"]
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

#: Length of one time unit in days (a month is a twelfth of a Julian year, as in lifetimes' use;
#: a calendar week is 7 days between week starts).
UNIT_DAYS: dict[str, float] = {
    "day": 1.0,
    "week": 7.0,
    "month": 365.25 / 12,
    "calendar_week": 7.0,
}

#: The time units and the lifetimes call each one equals (module docstring; tested on CDNOW).
TIME_UNITS: dict[str, str] = {
    "day": 'summary_data_from_transaction_data(..., freq="D")',
    "week": 'summary_data_from_transaction_data(..., freq="D", freq_multiplier=7)',
    "month": 'summary_data_from_transaction_data(..., freq="D", freq_multiplier=365.25 / 12)',
    "calendar_week": 'summary_data_from_transaction_data(..., freq="W")',
}

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
_SEGMENT_SPECS: tuple[tuple[str, tuple[int, int], tuple[int, int], str], ...] = (
    (
        "Champions",
        (5, 5),
        (4, 5),
        "Reward them: early access and VIP perks; ask for reviews and referrals.",
    ),
    (
        "Loyal",
        (3, 4),
        (4, 5),
        "Upsell higher-value products and invite them to the loyalty programme.",
    ),
    (
        "Potential loyalist",
        (4, 5),
        (2, 3),
        "Offer a membership and recommend related products to build the habit.",
    ),
    (
        "New",
        (5, 5),
        (1, 1),
        "Onboard well: a welcome series, help with first use, a reason to come back.",
    ),
    (
        "Promising",
        (4, 4),
        (1, 1),
        "Build awareness: samples or trials and a small incentive for a second purchase.",
    ),
    (
        "Need attention",
        (3, 3),
        (3, 3),
        "Send limited-time offers based on past purchases before they slip away.",
    ),
    (
        "About to sleep",
        (3, 3),
        (1, 2),
        "Share popular products and discounts to reconnect before they go quiet.",
    ),
    (
        "At risk",
        (1, 2),
        (3, 4),
        "Send personal win-back messages, renewals and useful content.",
    ),
    (
        "Cannot lose them",
        (1, 2),
        (5, 5),
        "Win them back personally, with new products; do not lose them to a competitor.",
    ),
    (
        "Hibernating",
        (2, 2),
        (1, 2),
        "Offer relevant products and a special discount to rekindle interest.",
    ),
    (
        "Lost",
        (1, 1),
        (1, 2),
        "Try one reawakening campaign; if it fails, stop spending on them.",
    ),
)


def _span(label: str, lo_hi: tuple[int, int]) -> str:
    lo, hi = lo_hi
    return f"{label} {lo}" if lo == hi else f"{label} {lo}–{hi}"


#: Segment names, best first.
SEGMENT_NAMES: tuple[str, ...] = tuple(spec[0] for spec in _SEGMENT_SPECS)
#: Each segment's code, for names in files and commands (audiences ``segment:<code>``):
#: the name lower-cased, spaces as underscores (``Cannot lose them`` -> ``cannot_lose_them``).
SEGMENT_CODES: dict[str, str] = {name: name.lower().replace(" ", "_") for name in SEGMENT_NAMES}

#: ``(r_score, fm_score) -> segment`` for the 25 cells of the 5 × 5 grid.
SEGMENT_GRID: dict[tuple[int, int], str] = {
    (r, fm): name
    for name, (r_lo, r_hi), (fm_lo, fm_hi), _ in _SEGMENT_SPECS
    for r in range(r_lo, r_hi + 1)
    for fm in range(fm_lo, fm_hi + 1)
}

#: The named segments: ``name, r_min, r_max, fm_min, fm_max, rule, action`` (the name is the
#: code in the ``segment`` column; English source texts: labels in 中文 come from
#: :func:`cimlab.i18n.segment_label` and :func:`cimlab.i18n.segment_action`).
SEGMENTS: pl.DataFrame = pl.DataFrame(
    [
        {
            "name": name,
            "r_min": r[0],
            "r_max": r[1],
            "fm_min": fm[0],
            "fm_max": fm[1],
            "rule": f"{_span('R', r)}, {_span('FM', fm)}",
            "action": action,
        }
        for name, r, fm, action in _SEGMENT_SPECS
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


def _period_of(time_unit: str, period: Period | None) -> Period:
    """The counting period: ``calendar_week`` counts weeks; the other units count days unless
    ``period`` says otherwise (``period="week"`` is the pre-0.2 spelling of calendar weeks)."""
    if period is not None and period not in get_args(Period):
        raise ValueError(f"period={period!r} should be one of {', '.join(get_args(Period))}.")
    if time_unit == "calendar_week":
        if period == "day":
            raise ValueError(
                "time_unit='calendar_week' counts purchases per calendar week; leave period "
                "out (or use time_unit='week' for days ÷ 7)."
            )
        return "week"
    return period or "day"


def _as_expr(value: str | pl.Expr | dt.date) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value
    if isinstance(value, str):
        return pl.col(value)
    return pl.lit(value, dtype=pl.Date)


def elapsed(
    start: str | pl.Expr | dt.date, end: str | pl.Expr | dt.date, *, time_unit: TimeUnit = "day"
) -> pl.Expr:
    """Time from ``start`` to ``end`` (``Date`` columns or dates) in ``time_unit``, a float.

    Whole days divided by the unit's length (:data:`UNIT_DAYS`); ``"calendar_week"`` counts
    whole weeks between the Mondays of the two weeks.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> frame = pl.DataFrame({"first": [dt.date(2024, 1, 1)]})
    >>> frame.select(elapsed("first", dt.date(2024, 1, 15), time_unit="week")).item()
    2.0
    >>> frame.select(elapsed("first", dt.date(2024, 1, 14), time_unit="calendar_week")).item()
    1.0
    """
    unit = _check_unit(time_unit)
    first, last = _as_expr(start), _as_expr(end)
    if time_unit == "calendar_week":
        first, last = first.dt.truncate("1w"), last.dt.truncate("1w")
    return _per_unit((last - first).dt.total_days(), unit)


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


def _like(orders: FrameT, result: pl.LazyFrame) -> FrameT:
    if isinstance(orders, pl.LazyFrame):
        return result
    return result.collect()


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


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
    period: Period | None = None,
    monetary: Monetary = "repeat_mean",
) -> FrameT:
    """One row per customer with at least one purchase day up to ``as_of``.

    Columns: the customer column, ``first_purchase`` and ``last_purchase`` (dates; week starts
    for ``"calendar_week"``), ``purchase_days``, ``frequency`` (repeat purchase days =
    ``purchase_days - 1``), ``recency`` (last − first), ``T`` (``as_of`` − first) and
    ``since_last`` (``as_of`` − last) in ``time_unit``, ``total_spend`` (net of every refund up to
    ``as_of``) and ``monetary_value``. Lines count by the rule in the module docstring
    (:mod:`cimlab.lines`); ``monetary_value > 0`` whenever ``frequency > 0``. Sorted by customer.

    On CDNOW (no refunds), ``frequency``, ``recency`` and ``T`` equal lifetimes'
    ``summary_data_from_transaction_data`` bit for bit on the transactions with a positive value
    (:data:`TIME_UNITS` names the call of each unit); ``monetary_value`` is the exact mean,
    within 1e-12 of lifetimes' float sums. Amounts must be finite (NaN raises).

    Parameters
    ----------
    orders
        Order lines (DataFrame or LazyFrame; the result is of the same kind).
    as_of
        End of the observation period (that day included); a date, datetime or ``"YYYY-MM-DD"``.
    time_unit
        ``"day"``, ``"week"`` (7 days), ``"month"`` (30.4375 days) or ``"calendar_week"``
        (purchases per Monday–Sunday week, whole weeks); see the module docstring.
    customer_col, time_col, amount_col, status_col, time_zone
        As in :func:`cimlab.lines.purchase_days` (``status_col=None``: every line is paid).
    period
        Deprecated spelling: ``"week"`` counts calendar weeks (prefer
        ``time_unit="calendar_week"``); ``None``/``"day"`` counts days.
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
    counting = _period_of(time_unit, period)
    # with calendar weeks the dates are week starts: whole days between them ÷ 7
    lengths: TimeUnit = "week" if time_unit == "calendar_week" else time_unit
    if monetary not in get_args(Monetary):
        raise ValueError(f"monetary={monetary!r} should be one of {', '.join(get_args(Monetary))}.")
    end = to_date(as_of, time_zone=time_zone)
    if counting == "week":  # lifetimes' freq="W": T is counted from week starts
        end = end - dt.timedelta(days=end.weekday())
    daily = daily_spend(
        orders,
        as_of=as_of,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=time_zone,
        period=counting,
        keep_null_customer=True,  # dropped below, from the much smaller per-customer frame
    )
    # Purchase days and the other days (net spend <= 0: credit notes, reversed or free days) are
    # aggregated apart (plain column aggregations, Polars' fast paths; the daily frame is
    # computed once and shared), the latter joined back for the total spend. Sums are exact
    # integers (ten-thousandths), so "all purchase days minus the first" is exactly the sum of
    # the repeat days.
    bought = is_purchase_day("spend")
    per_customer = (
        daily.filter(bought)
        .group_by(customer_col)
        .agg(
            first_purchase=pl.col("day").min(),
            last_purchase=pl.col("day").max(),
            purchase_days=pl.len().cast(pl.Int64),
            purchase_spend=pl.col("spend").sum(),
            first_spend=pl.col("spend").min_by("day"),
        )
    )
    others = daily.filter(~bought).group_by(customer_col).agg(other_spend=pl.col("spend").sum())
    per_customer = per_customer.join(others, on=customer_col, how="left").filter(
        pl.col(customer_col).is_not_null()
    )
    total = pl.col("purchase_spend") + pl.col("other_spend").fill_null(0)
    if monetary == "mean":
        spent = pl.col("purchase_spend")
        spent_days = pl.col("purchase_days").cast(pl.Float64)
    else:
        spent = pl.col("purchase_spend") - pl.col("first_spend")
        spent_days = (pl.col("purchase_days") - 1).cast(pl.Float64)
    end_lit = pl.lit(end, dtype=pl.Date)
    summary = per_customer.select(
        customer_col,
        "first_purchase",
        "last_purchase",
        "purchase_days",
        frequency=pl.col("purchase_days") - 1,
        recency=elapsed("first_purchase", "last_purchase", time_unit=lengths),
        T=elapsed("first_purchase", end_lit, time_unit=lengths),
        since_last=elapsed("last_purchase", end_lit, time_unit=lengths),
        total_spend=from_money(total),
        # the exact mean, correctly rounded: one true division (column by column) of integers
        # (ten-thousandths, and days × 10**4); 0 without repeat days
        monetary_value=pl.when(spent_days > 0)
        .then(spent.cast(pl.Float64) / (spent_days * float(MONEY_SCALE)))
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
    require_columns(
        lf,
        {"recency_col": recency_col, "frequency_col": frequency_col, "monetary_col": monetary_col},
        what="summary",
        hint="Pass a customer_summary, or the right name with that keyword argument.",
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
    require_columns(
        lf,
        ["r_score", "f_score", "m_score"],
        what="scores frame",
        hint="Compute the scores with rfm_scores(bins=5).",
    )
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


def segment_summary(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per segment present in an :func:`rfm_table`: its customers, their share of all
    customers, their net spend and the suggested action.

    Columns ``segment`` (the code, as in :data:`SEGMENT_NAMES`), ``customers``, ``share``
    (of all rows of ``scores``; 0 when there are none), ``net_spend`` (exact sum of
    ``total_spend``) and ``action`` (English source text; labels in other languages come from
    :mod:`cimlab.i18n`). Sorted by customers, largest first, then in segment order.

    Examples
    --------
    >>> import polars as pl
    >>> scores = pl.DataFrame({"segment": ["Lost", "Champions", "Lost"],
    ...                        "total_spend": [10.0, 95.5, 0.1]})
    >>> segment_summary(scores).select("segment", "customers", "share", "net_spend").rows()
    [('Lost', 2, 0.6666666666666666, 10.1), ('Champions', 1, 0.3333333333333333, 95.5)]
    """
    require_columns(
        scores,
        ["segment", "total_spend"],
        what="scores frame",
        hint="Pass the result of rfm_table.",
    )
    total = scores.height
    order = {name: i for i, name in enumerate(SEGMENT_NAMES)}
    actions = dict(SEGMENTS.select("name", "action").iter_rows())
    segment = pl.col("segment")
    return (
        scores.group_by("segment")
        .agg(
            customers=pl.len().cast(pl.Int64),
            net_spend=money_sum("total_spend", scores.schema["total_spend"]),
        )
        .with_columns(
            share=pl.col("customers") / total if total else pl.lit(0.0),
            action=segment.replace_strict(actions, default=None, return_dtype=pl.String),
            _rank=segment.replace_strict(order, default=len(order), return_dtype=pl.Int64),
        )
        .sort(["customers", "_rank"], descending=[True, False])
        .select("segment", "customers", "share", "net_spend", "action")
    )
