"""Customer lifecycle stages on a date, stage counts over time and transitions between two dates.

Which lines count
-----------------
The rules of :mod:`cimlab.lines`: a **purchase day** is a calendar day (UTC by default) whose net
spend (paid lines and credit notes of that day) is positive (:func:`cimlab.lines.purchase_days`);
an order reversed the same day, ``pending`` and positive ``cancelled`` lines make no purchase
day. Lines after ``as_of`` are ignored (the day of ``as_of`` counts).

A **past buyer** is a customer with lines that carry money (:func:`cimlab.lines.is_counted`) up
to ``as_of`` but no purchase day: only credit notes (they reverse a sale made before the data
starts, e.g. Online Retail customers with ``C`` invoices only) or only purchases reversed the same
day. They bought once, so they are never prospects.

Stages (the rules)
------------------
Days are counted back from ``as_of`` (day 0 = ``as_of``). Two kinds of boundary, each written
one way:

* **"N days ago"** compares the days since a purchase with N: *at most N days ago* is
  ``as_of - day <= N``, *more than N days ago* is ``as_of - day > N`` (``new_days``,
  ``active_days``, ``lapsed_days``).
* **"in the last N days"** is a window of exactly N calendar days ending on ``as_of`` (included):
  ``as_of - day <= N - 1``, the window of :func:`cimlab.dates.window_start` and of the KPIs
  (``loyal_window_days``: with 365, a purchase 364 days ago is in the window, one 365 days ago
  is not).

With the default :class:`LifecycleRules` (``new_days=90, active_days=180, lapsed_days=365,
loyal_days=4, loyal_window_days=365``) a known customer is in exactly one stage, decided in
this order (the first rule that matches wins):

1. **prospect** – known (in ``customers`` with ``first_seen`` on or before ``as_of``, or null)
   but no purchase day and no line carrying money up to ``as_of``.
2. **lapsed** – last purchase more than ``lapsed_days`` (365) days ago; or a past buyer whose
   latest line is more than ``lapsed_days`` days ago.
3. **at_risk** – last purchase more than ``active_days`` (180) days ago (and at most
   ``lapsed_days``), **or** a single purchase day more than ``new_days`` (90) days ago (a
   newcomer who did not come back), **or** a past buyer whose latest line is at most
   ``lapsed_days`` days ago (they bought, and nothing they kept is in the data).
4. From here on the customer is **active** (last purchase at most ``active_days`` ago).
   **loyal** – at least ``loyal_days`` (4) purchase days in the last ``loyal_window_days``
   (365) days.
5. **won_back** – returned: a purchase day at most ``active_days`` ago that followed a gap of
   more than ``lapsed_days`` days since the previous purchase day (the customer had lapsed,
   then bought again).
6. **new** – a single purchase day, at most ``new_days`` ago.
7. **repeat** – two or more purchase days (active, not loyal, not won back).

Every buyer falls in exactly one of 2–7 (rules 2–3 cover every inactive buyer, every past
buyer and every active one-day buyer past ``new_days``; an active buyer with one day is new,
with more days is loyal, won back or repeat). Rules must satisfy
``new_days <= active_days <= lapsed_days``.

Transitions between two dates use the label ``"unknown"`` (:data:`UNKNOWN`) as the start stage
of customers not yet known on the start date (first seen or first purchase after it).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> orders = pl.DataFrame({
...     "customer_id": ["a", "a", "b"],
...     "order_ts": [dt.datetime(2023, 1, 5), dt.datetime(2024, 6, 1), dt.datetime(2024, 1, 2)],
...     "amount": [10.0, 20.0, 5.0],
...     "status": ["paid", "paid", "paid"],
... })
>>> lifecycle_stages(orders, as_of=dt.date(2024, 6, 30)).select("customer_id", "stage").rows()
[('a', 'won_back'), ('b', 'at_risk')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from cimlab.dates import DateLike, months_back, to_date
from cimlab.frames import require_columns
from cimlab.lines import daily_spend, is_purchase_day

__all__ = [
    "STAGES",
    "STAGE_ORDER",
    "UNKNOWN",
    "LifecycleRules",
    "lifecycle_stages",
    "month_ends",
    "recent_month_ends",
    "stage_counts",
    "stage_table",
    "stage_transitions",
]

#: Stage codes in their display order (from not yet buying to gone).
STAGE_ORDER: tuple[str, ...] = (
    "prospect",
    "new",
    "repeat",
    "loyal",
    "won_back",
    "at_risk",
    "lapsed",
)

#: Start stage of customers who were not yet known on the start date of a transition.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle stages, in days (see the module docstring).

    Examples
    --------
    >>> LifecycleRules(new_days=30).new_days
    30
    >>> LifecycleRules(new_days=200)
    Traceback (most recent call last):
    ...
    ValueError: LifecycleRules: need new_days <= active_days <= lapsed_days; got new_days=200, ...
    """

    new_days: int = 90
    active_days: int = 180
    lapsed_days: int = 365
    loyal_days: int = 4
    loyal_window_days: int = 365

    def __post_init__(self) -> None:
        for name in ("new_days", "active_days", "lapsed_days", "loyal_days", "loyal_window_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"LifecycleRules: {name}={value!r} should be a whole number ≥ 0.")
        if not self.new_days <= self.active_days <= self.lapsed_days:
            raise ValueError(
                "LifecycleRules: need new_days <= active_days <= lapsed_days; got "
                f"new_days={self.new_days}, active_days={self.active_days}, "
                f"lapsed_days={self.lapsed_days}."
            )
        if self.loyal_days < 2:
            raise ValueError(
                f"LifecycleRules: loyal_days={self.loyal_days} should be at least 2 "
                "(one purchase day is a new customer, not a loyal one)."
            )


DEFAULT_RULES = LifecycleRules()


def stage_table(rules: LifecycleRules = DEFAULT_RULES) -> pl.DataFrame:
    """The stages in display order with their rules written out for ``rules``.

    Columns ``stage, name, rule`` (one row per stage of :data:`STAGE_ORDER`): the code, its
    English name and rule. Labels in other languages live at the edges:
    :func:`cimlab.i18n.stage_label` and :func:`cimlab.i18n.stage_rule` (中文 too).

    Examples
    --------
    >>> stage_table(LifecycleRules(lapsed_days=400)).filter(stage="lapsed")["rule"].item()
    'No purchase for more than 400 days.'
    """
    r = rules
    rows = [
        (
            "prospect",
            "Prospect",
            "Known (first seen on or before the date) but never bought anything.",
        ),
        ("new", "New", f"One purchase day, at most {r.new_days} days ago."),
        (
            "repeat",
            "Repeat",
            f"Two or more purchase days, the last at most {r.active_days} days ago; not loyal or "
            "won back.",
        ),
        (
            "loyal",
            "Loyal",
            f"At least {r.loyal_days} purchase days in the last {r.loyal_window_days} days, "
            f"the last at most {r.active_days} days ago.",
        ),
        (
            "won_back",
            "Won back",
            f"Bought again at most {r.active_days} days ago after more than "
            f"{r.lapsed_days} days without buying.",
        ),
        (
            "at_risk",
            "At risk",
            f"Last purchase {r.active_days + 1}–{r.lapsed_days} days ago, or a single purchase "
            f"more than {r.new_days} days ago, or a past buyer (only credit notes or reversed "
            f"orders) whose latest line is at most {r.lapsed_days} days old.",
        ),
        ("lapsed", "Lapsed", f"No purchase for more than {r.lapsed_days} days."),
    ]
    return pl.DataFrame(rows, schema=["stage", "name", "rule"], orient="row")


#: The stages with the default rules: ``stage, name, rule`` in display order.
STAGES: pl.DataFrame = stage_table()

STAGES_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "stage": pl.String(),
    "first_purchase": pl.Date(),
    "last_purchase": pl.Date(),
    "purchase_days": pl.Int64(),
    "recent_purchase_days": pl.Int64(),
    "days_since_last": pl.Int64(),
    "returned_on": pl.Date(),
}
"""Columns of :func:`lifecycle_stages` (``recent_purchase_days``: purchase days in the last
``loyal_window_days`` days; ``returned_on``: the latest purchase day that followed a gap of more
than ``lapsed_days``, null when none). Past buyers and prospects have 0 purchase days and null
dates."""


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _check_rules(rules: LifecycleRules) -> LifecycleRules:
    if not isinstance(rules, LifecycleRules):
        raise TypeError(f"rules={rules!r} should be a cimlab.analytics.lifecycle.LifecycleRules.")
    return rules


@dataclass(frozen=True)
class _History:
    """Purchase days sorted by customer and day, computed once and evaluated for any date.

    ``days``: ``cid`` (customer number), ``day``, ``n`` (1-based index of the day among the
    customer's purchase days) and ``returned`` (the latest purchase day so far that followed a
    gap of more than ``lapsed_days``); ``ids``: ``cid, customer_id, first_purchase``;
    ``others``: ``customer_id, day`` of the days with lines that carry money but no purchase
    (credit notes, reversed orders), for the past buyers.
    """

    days: pl.DataFrame
    ids: pl.DataFrame
    others: pl.DataFrame


def _day_history(
    orders: pl.DataFrame | pl.LazyFrame, *, last: dt.date, rules: LifecycleRules, time_zone: str
) -> _History:
    daily = (
        daily_spend(orders.lazy(), as_of=last, time_zone=time_zone)
        .select(pl.col("customer_id").cast(pl.String), "day", bought=is_purchase_day("spend"))
        .sort("customer_id", "day")
        .collect()
    )
    days = daily.filter("bought").drop("bought")
    others = daily.filter(~pl.col("bought")).drop("bought")
    new_customer = pl.col("customer_id").ne_missing(pl.col("customer_id").shift(1))
    days = days.with_columns(cid=new_customer.cum_sum().cast(pl.UInt32))
    gap = (pl.col("day") - pl.col("day").shift(1)).dt.total_days()
    returned = pl.when(~new_customer & (gap > rules.lapsed_days)).then(pl.col("day"))
    days = days.with_columns(
        n=pl.int_range(pl.len(), dtype=pl.UInt32).over("cid") + 1,
        returned=returned.forward_fill().over("cid"),
    )
    ids = days.filter(pl.col("n") == 1).select("cid", "customer_id", first_purchase="day")
    return _History(days=days.select("cid", "day", "n", "returned"), ids=ids, others=others)


def _last_rows(days: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Each customer's latest purchase-day row on or before ``day`` (rows are sorted)."""
    upto = days.filter(pl.col("day") <= day)
    return upto.filter(pl.col("cid").ne_missing(pl.col("cid").shift(-1)))


def _known(customers: pl.DataFrame | None, day: dt.date, time_zone: str = "UTC") -> pl.DataFrame:
    """Customer ids of ``customers`` known on ``day`` (first_seen on or before it, or null)."""
    if customers is None:
        return pl.DataFrame(schema={"customer_id": pl.String})
    hint = "Pass CustomerData.customers (cimlab.analytics.facts)."
    require_columns(customers, ["customer_id"], what="customers frame", hint=hint)
    known = pl.col("customer_id").is_not_null()
    if "first_seen" in customers.columns:
        seen = pl.col("first_seen")
        dtype = customers.schema["first_seen"]
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                seen = seen.dt.convert_time_zone(time_zone)
            seen = seen.dt.date()
        elif dtype != pl.Date:
            raise ValueError(
                f"customers.first_seen has type {dtype}; a Date or Datetime is needed."
            )
        known = known & (seen.is_null() | (seen <= day))
    return customers.filter(known).select(pl.col("customer_id").cast(pl.String)).unique()


def _buyer_stages(history: _History, day: dt.date, rules: LifecycleRules) -> pl.DataFrame:
    """``cid`` and the stage columns of every buyer on ``day`` (no group-by: the latest row per
    customer on ``day`` and on the day before the loyalty window give every count)."""
    r = rules
    end = pl.lit(day, dtype=pl.Date)
    current = _last_rows(history.days, day).select(
        "cid",
        last_purchase="day",
        purchase_days=pl.col("n").cast(pl.Int64),
        returned_on="returned",
    )
    # the window is the loyal_window_days days ending on ``day``: rows on or before
    # day - loyal_window_days are outside it
    before_window = _last_rows(history.days, day - dt.timedelta(days=r.loyal_window_days))
    per = (
        current.join(
            before_window.select("cid", n_before=pl.col("n").cast(pl.Int64)), on="cid", how="left"
        )
        .join(history.ids, on="cid", how="left")
        .with_columns(
            recent_purchase_days=pl.col("purchase_days") - pl.col("n_before").fill_null(0),
            days_since_last=(end - pl.col("last_purchase")).dt.total_days().cast(pl.Int64),
        )
    )
    last = pl.col("days_since_last")
    first_since = (end - pl.col("first_purchase")).dt.total_days()
    n = pl.col("purchase_days")
    stage = (
        pl.when(last > r.lapsed_days)
        .then(pl.lit("lapsed"))
        .when((last > r.active_days) | ((n == 1) & (first_since > r.new_days)))
        .then(pl.lit("at_risk"))
        .when(pl.col("recent_purchase_days") >= r.loyal_days)
        .then(pl.lit("loyal"))
        .when((end - pl.col("returned_on")).dt.total_days() <= r.active_days)
        .then(pl.lit("won_back"))
        .when(n == 1)
        .then(pl.lit("new"))
        .otherwise(pl.lit("repeat"))
    )
    return per.with_columns(stage=stage)


def _past_buyers(history: _History, day: dt.date, rules: LifecycleRules) -> pl.DataFrame:
    """``customer_id, stage`` of the past buyers on ``day``: lines carrying money on or before
    it, no purchase day on or before it; lapsed when the latest such line is more than
    ``lapsed_days`` days old, else at risk."""
    buyers = history.ids.filter(pl.col("first_purchase") <= day).select("customer_id")
    latest = (
        history.others.filter(pl.col("day") <= day)
        .join(buyers, on="customer_id", how="anti")
        .group_by("customer_id")
        .agg(pl.col("day").max())
    )
    since = (pl.lit(day, dtype=pl.Date) - pl.col("day")).dt.total_days()
    return latest.select(
        "customer_id",
        stage=pl.when(since > rules.lapsed_days)
        .then(pl.lit("lapsed"))
        .otherwise(pl.lit("at_risk")),
    )


def _stages_at(
    history: _History, day: dt.date, rules: LifecycleRules, known: pl.DataFrame
) -> pl.DataFrame:
    buyers = _buyer_stages(history, day, rules)
    past = _past_buyers(history, day, rules)
    zero = {"purchase_days": pl.lit(0, pl.Int64), "recent_purchase_days": pl.lit(0, pl.Int64)}
    prospects = (
        known.join(buyers.select("customer_id"), on="customer_id", how="anti")
        .join(past, on="customer_id", how="anti")
        .select("customer_id", stage=pl.lit("prospect"))
    )
    out = pl.concat(
        [buyers.drop("cid", "n_before"), past.with_columns(**zero), prospects.with_columns(**zero)],
        how="diagonal_relaxed",
    )
    return out.select(list(STAGES_SCHEMA)).cast(STAGES_SCHEMA).sort("customer_id")  # type: ignore[arg-type]


def _counts_at(
    history: _History, day: dt.date, rules: LifecycleRules, known: pl.DataFrame
) -> pl.DataFrame:
    """``stage, customers`` on ``day`` without building the per-customer frame."""
    buyers = _buyer_stages(history, day, rules)
    past = _past_buyers(history, day, rules)
    stages = pl.concat([buyers.select("stage"), past.select("stage")])
    counts = stages.group_by("stage").agg(customers=pl.len().cast(pl.Int64))
    if known.height:
        bought = history.ids.filter(pl.col("first_purchase") <= day).select("customer_id")
        prospects = (
            known.join(bought, on="customer_id", how="anti")
            .join(past, on="customer_id", how="anti")
            .height
        )
        counts = pl.concat(
            [counts, pl.DataFrame({"stage": ["prospect"], "customers": [prospects]})],
            how="vertical_relaxed",
        )
    return counts


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def lifecycle_stages(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike,
    customers: pl.DataFrame | None = None,
    rules: LifecycleRules = DEFAULT_RULES,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """The lifecycle stage of every known customer on ``as_of`` (rules in the module docstring).

    Parameters
    ----------
    orders
        Order lines with ``customer_id, order_ts, amount, status`` (as :func:`cimlab.analytics.facts.
        customer_data` gives them).
    as_of
        The date of the stages (that day included); a date, datetime or ``"YYYY-MM-DD"``.
    customers
        ``customer_id, first_seen`` of every known customer (buyers or not); supplies the
        prospects. Without it, only buyers are listed.
    rules
        Thresholds, see :class:`LifecycleRules`.
    time_zone
        Time zone whose calendar days count.

    Returns
    -------
    pl.DataFrame
        :data:`STAGES_SCHEMA`: ``customer_id, stage, first_purchase, last_purchase,
        purchase_days, recent_purchase_days, days_since_last, returned_on``; one row per known
        customer, sorted by ``customer_id``. Prospects have null dates and 0 purchase days.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a"], "order_ts": [dt.datetime(2024, 6, 1)],
    ...                        "amount": [10.0], "status": ["paid"]})
    >>> customers = pl.DataFrame({"customer_id": ["a", "p"],
    ...                           "first_seen": [dt.date(2024, 5, 1), None]})
    >>> lifecycle_stages(orders, as_of="2024-06-30", customers=customers).select(
    ...     "customer_id", "stage", "purchase_days").rows()
    [('a', 'new', 1), ('p', 'prospect', 0)]
    """
    rules = _check_rules(rules)
    day = to_date(as_of, name="as_of", time_zone=time_zone)
    history = _day_history(orders, last=day, rules=rules, time_zone=time_zone)
    return _stages_at(history, day, rules, _known(customers, day, time_zone))


def month_ends(start: DateLike, end: DateLike, *, include_end: bool = False) -> list[dt.date]:
    """The last days of the months between ``start`` and ``end`` (both included).

    With ``include_end``, ``end`` is appended when it is not a month end itself (a partial
    last month), so a series ends on the analysis date.

    Examples
    --------
    >>> import datetime as dt
    >>> month_ends(dt.date(2024, 1, 15), dt.date(2024, 3, 31))
    [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(2024, 3, 31)]
    >>> month_ends("2024-01-01", "2024-02-10", include_end=True)
    [datetime.date(2024, 1, 31), datetime.date(2024, 2, 10)]
    """
    first, last = to_date(start, name="start"), to_date(end, name="end")
    if first > last:
        raise ValueError(f"start={first} is after end={last}; swap them.")
    months = pl.date_range(first.replace(day=1), last, "1mo", eager=True).dt.month_end()
    days = [d for d in months.to_list() if first <= d <= last]
    if include_end and (not days or days[-1] != last):
        days.append(last)
    return days


def recent_month_ends(as_of: DateLike, months: int) -> list[dt.date]:
    """The month ends of the last ``months`` months and ``as_of`` itself: the dates of a
    stage-count series ending on the analysis date.

    The window starts the day after the same day ``months`` months earlier
    (:func:`cimlab.dates.months_back`), so it holds ``months`` month ends (the last one
    ``as_of`` when it is not a month end).

    Examples
    --------
    >>> import datetime as dt
    >>> recent_month_ends(dt.date(2026, 6, 30), 3)
    [datetime.date(2026, 4, 30), datetime.date(2026, 5, 31), datetime.date(2026, 6, 30)]
    >>> recent_month_ends("2026-06-15", 2)
    [datetime.date(2026, 4, 30), datetime.date(2026, 5, 31), datetime.date(2026, 6, 15)]
    """
    end = to_date(as_of)
    return month_ends(months_back(end, months) + dt.timedelta(days=1), end, include_end=True)


def stage_counts(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    dates: Sequence[DateLike],
    customers: pl.DataFrame | None = None,
    rules: LifecycleRules = DEFAULT_RULES,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """Customers per stage on each of ``dates``: ``as_of, stage, customers``.

    Every stage of :data:`STAGE_ORDER` appears for every date (zeros included; ``prospect`` is
    0 without ``customers``), rows sorted by date then stage order. Purchase days are computed
    once and the stages evaluated per date on that small per-customer-day frame.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "b"],
    ...     "order_ts": [dt.datetime(2024, 1, 10), dt.datetime(2024, 2, 10)],
    ...     "amount": [10.0, 5.0], "status": ["paid", "paid"]})
    >>> counts = stage_counts(orders, dates=month_ends("2024-01-01", "2024-02-29"))
    >>> counts.filter(pl.col("customers") > 0).rows()
    [(datetime.date(2024, 1, 31), 'new', 1), (datetime.date(2024, 2, 29), 'new', 2)]
    """
    rules = _check_rules(rules)
    days = sorted({to_date(d, name="dates", time_zone=time_zone) for d in dates})
    grid = pl.DataFrame(
        {"as_of": [d for d in days for _ in STAGE_ORDER], "stage": list(STAGE_ORDER) * len(days)},
        schema={"as_of": pl.Date, "stage": pl.String},
    )
    if not days:
        return grid.with_columns(customers=pl.lit(0, pl.Int64))
    history = _day_history(orders, last=days[-1], rules=rules, time_zone=time_zone)
    parts = [
        _counts_at(history, day, rules, _known(customers, day, time_zone)).with_columns(
            as_of=pl.lit(day, dtype=pl.Date)
        )
        for day in days
    ]
    counted = pl.concat(parts)
    out = grid.join(counted, on=["as_of", "stage"], how="left", maintain_order="left")
    return out.with_columns(pl.col("customers").fill_null(0).cast(pl.Int64))


def stage_transitions(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    start: DateLike,
    end: DateLike,
    customers: pl.DataFrame | None = None,
    rules: LifecycleRules = DEFAULT_RULES,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """Who moved from which stage on ``start`` to which stage on ``end``.

    Returns a long frame ``from_stage, to_stage, customers, share_of_from`` with one row per
    observed pair (no zero rows), sorted in stage order. Customers known on ``end`` but not on
    ``start`` come from :data:`UNKNOWN` (``"unknown"``, listed first). ``share_of_from`` is
    ``customers`` over all customers of that ``from_stage`` (rows of one from_stage sum to 1).

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "b"],
    ...     "order_ts": [dt.datetime(2024, 1, 10), dt.datetime(2024, 6, 10)],
    ...     "amount": [10.0, 5.0], "status": ["paid", "paid"]})
    >>> stage_transitions(orders, start="2024-03-31", end="2024-06-30").rows()
    [('unknown', 'new', 1, 1.0), ('new', 'at_risk', 1, 1.0)]
    """
    rules = _check_rules(rules)
    first, last = (
        to_date(start, name="start", time_zone=time_zone),
        to_date(end, name="end", time_zone=time_zone),
    )
    if first > last:
        raise ValueError(f"start={first} is after end={last}; swap them.")
    history = _day_history(orders, last=last, rules=rules, time_zone=time_zone)
    before = _stages_at(history, first, rules, _known(customers, first, time_zone))
    after = _stages_at(history, last, rules, _known(customers, last, time_zone))
    order = {s: i for i, s in enumerate((UNKNOWN, *STAGE_ORDER))}
    pairs = (
        after.select("customer_id", to_stage="stage")
        .join(
            before.select("customer_id", from_stage="stage"),
            on="customer_id",
            how="left",
        )
        .with_columns(pl.col("from_stage").fill_null(UNKNOWN))
        .group_by("from_stage", "to_stage")
        .agg(customers=pl.len().cast(pl.Int64))
        .with_columns(
            share_of_from=pl.col("customers") / pl.col("customers").sum().over("from_stage")
        )
    )
    return pairs.sort(
        pl.col("from_stage").replace_strict(order, return_dtype=pl.Int8),
        pl.col("to_stage").replace_strict(order, return_dtype=pl.Int8),
    ).select("from_stage", "to_stage", "customers", "share_of_from")
