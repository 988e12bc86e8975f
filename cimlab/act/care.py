"""Care reminders: upcoming birthdays, membership and first-purchase anniversaries per customer.

The CRM reminds the team to care for customers. These functions turn the dates cimlab knows
(``birth_date`` and ``signup_date`` of the golden record, the first purchase day from the order
lines) into per-customer facts that audiences filter on, so suppression applies to a birthday
list like to any other list.

The rules
---------
* **Occasions**: ``birthday`` (from ``birth_date``), ``membership_anniversary`` (from
  ``signup_date``) and ``first_purchase_anniversary`` (from the first purchase day, the purchase
  day rule of :func:`cimlab.lines.purchase_days`; :func:`first_purchase_dates` builds it).
* **The day**: the same month and day every year (:func:`occurrence_in`). Someone born on
  29 February celebrates on **28 February in common years** (the day stays in February).
* **years**: the age turned (birthdays) or the anniversary number: the year of the occasion
  minus the year of the original date. Only occasions with ``years >= 1`` count: the signup day
  itself (anniversary 0), the day of birth and dates in the future are no occasion.
* **The window** of "the next N days" starts **today**: ``[as_of, as_of + days)``, ``days``
  days with ``as_of`` included (``days_until`` from 0 to ``days - 1``); ``days=1`` is today only.
  This matches cimlab's "last N days" (:func:`cimlab.dates.window_start`), mirrored forward.
* Nulls: a customer without a date has no occasion of that kind (no row in :func:`care_dates`,
  nulls in :func:`care_attributes`); rows without ``customer_id`` are ignored. Dates may be
  ``Date`` or ``Datetime`` columns (a datetime counts by its UTC day).

Examples
--------
>>> import datetime as dt
>>> golden = pl.DataFrame({"customer_id": ["a", "b"],
...     "birth_date": [dt.date(1990, 6, 3), None],
...     "signup_date": [dt.date(2020, 1, 15), dt.date(2025, 6, 1)]})
>>> first = pl.DataFrame({"customer_id": ["b"], "first_purchase_date": [dt.date(2024, 6, 2)]})
>>> care_dates(golden, first, as_of=dt.date(2026, 6, 1), days=7).rows()
[('b', 'membership_anniversary', datetime.date(2026, 6, 1), 1, 0), ('b', 'first_purchase_anniversary', datetime.date(2026, 6, 2), 2, 1), ('a', 'birthday', datetime.date(2026, 6, 3), 36, 2)]
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cimlab.dates import DateLike, _check_days, day_of, to_date
from cimlab.frames import require_columns
from cimlab.lines import purchase_days

__all__ = [
    "OCCASIONS",
    "care_attributes",
    "care_dates",
    "first_purchase_dates",
    "next_occurrence",
    "occurrence_in",
]

OCCASIONS: dict[str, str] = {
    "birthday": "birth_date",
    "membership_anniversary": "signup_date",
    "first_purchase_anniversary": "first_purchase_date",
}
"""``occasion -> the date column it recurs from`` (the first two in the golden record)."""

_WIDE_NAMES: dict[str, tuple[str, str]] = {
    "birthday": ("next_birthday", "days_to_birthday"),
    "membership_anniversary": ("next_membership_anniversary", "days_to_membership_anniversary"),
    "first_purchase_anniversary": (
        "next_first_purchase_anniversary",
        "days_to_first_purchase_anniversary",
    ),
}


def occurrence_in(base: str | pl.Expr, year: int | pl.Expr) -> pl.Expr:
    """Expression: the day the yearly occasion of the date ``base`` falls on in ``year``.

    The same month and day; 29 February becomes 28 February in a common year. Null stays null.

    Examples
    --------
    >>> f = pl.DataFrame({"d": [dt.date(2000, 2, 29), dt.date(1990, 12, 31), None]})
    >>> f.select(y2026=occurrence_in("d", 2026), y2028=occurrence_in("d", 2028)).rows()
    [(datetime.date(2026, 2, 28), datetime.date(2028, 2, 29)), (datetime.date(2026, 12, 31), datetime.date(2028, 12, 31)), (None, None)]
    """
    day_expr = pl.col(base) if isinstance(base, str) else base
    year_expr = pl.lit(year, dtype=pl.Int32) if isinstance(year, int) else year.cast(pl.Int32)
    month, day = day_expr.dt.month(), day_expr.dt.day()
    leap = (year_expr % 4 == 0) & ((year_expr % 100 != 0) | (year_expr % 400 == 0))
    day = pl.when((month == 2) & (day == 29) & ~leap).then(pl.lit(28, pl.Int8)).otherwise(day)
    return pl.date(year_expr, month, day)


def next_occurrence(base: str | pl.Expr, as_of: DateLike) -> pl.Expr:
    """Expression: the first yearly occasion of the date ``base`` on or after ``as_of``.

    Only occasions with ``years >= 1`` count (module rules): a date on ``as_of`` or later has
    its first occasion a year after it. Null stays null.

    Examples
    --------
    >>> f = pl.DataFrame({"d": [dt.date(1990, 3, 2), dt.date(1990, 2, 28), dt.date(2026, 3, 1)]})
    >>> f.select(next_occurrence("d", "2026-03-01")).to_series().to_list()
    [datetime.date(2026, 3, 2), datetime.date(2027, 2, 28), datetime.date(2027, 3, 1)]
    """
    start = to_date(as_of)
    day = pl.col(base) if isinstance(base, str) else base
    # this year's day if it has not passed (compared as month*100+day: a 29 February moved to
    # the 28th compares the same way, as a common year has no 29th), else next year's; and
    # never before the first anniversary (the year after the date)
    passed = (day.dt.month().cast(pl.Int32) * 100 + day.dt.day()) < start.month * 100 + start.day
    year = pl.max_horizontal(passed.cast(pl.Int32) + start.year, day.dt.year() + 1)
    return occurrence_in(day, year)


def care_dates(
    golden: pl.DataFrame,
    first_purchase: pl.DataFrame | None,
    *,
    as_of: DateLike,
    days: int,
) -> pl.DataFrame:
    """The occasions of every customer in the ``days`` days starting on ``as_of`` (module rules).

    Parameters
    ----------
    golden
        One row per customer: ``customer_id, birth_date, signup_date`` (other columns ignored).
    first_purchase
        ``customer_id, first_purchase_date`` (:func:`first_purchase_dates`); a customer with
        several rows counts from the earliest. ``None``: no first-purchase anniversaries.
    as_of
        The first day of the window (today).
    days
        The window's length in days (>= 1; over 366 a customer may have an occasion twice).

    Returns
    -------
    pl.DataFrame
        One row per customer and occasion day: ``customer_id, occasion, date, years,
        days_until``, sorted by ``date``, ``customer_id`` and occasion (in :data:`OCCASIONS`
        order). The module docstring has an example.
    """
    start = to_date(as_of)
    _check_days(days)
    end = start + dt.timedelta(days=days - 1)
    base = _occasion_bases(_golden_dates(golden), _first_dates(first_purchase))
    years = pl.LazyFrame({"year": range(start.year, end.year + 1)}, schema={"year": pl.Int32})
    result = (
        base.join(years, how="cross")
        .with_columns(date=occurrence_in("base", pl.col("year")))
        .with_columns(years=(pl.col("year") - pl.col("base").dt.year()).cast(pl.Int32))
        .filter(pl.col("date").is_between(start, end) & (pl.col("years") >= 1))
        .select(
            "customer_id",
            "occasion",
            "date",
            "years",
            days_until=(pl.col("date") - start).dt.total_days().cast(pl.Int32),
        )
        .sort("date", "customer_id", pl.col("occasion").cast(_OCCASION_ENUM))
    )
    return result.collect()


def care_attributes(
    golden: pl.DataFrame,
    first_purchase: pl.DataFrame | None,
    *,
    as_of: DateLike,
) -> pl.DataFrame:
    """Per customer, the next day of each occasion on or after ``as_of`` and the days until it.

    The wide form for audience rules (``days_to_birthday <= 7``): one row per customer of
    ``golden`` or ``first_purchase`` (inputs as in :func:`care_dates`), columns
    ``customer_id, next_birthday, days_to_birthday, next_membership_anniversary,
    days_to_membership_anniversary, next_first_purchase_anniversary,
    days_to_first_purchase_anniversary`` (null where the date is unknown), by ``customer_id``.
    ``days_to_*`` is 0 on the day itself; the next occasion is the first with ``years >= 1``
    (someone who signed up today has their first anniversary in a year).

    Examples
    --------
    >>> golden = pl.DataFrame({"customer_id": ["a"], "birth_date": [dt.date(2000, 2, 29)],
    ...     "signup_date": [dt.date(2026, 3, 1)]})
    >>> care_attributes(golden, None, as_of="2026-03-01").row(0)
    ('a', datetime.date(2027, 2, 28), 364, datetime.date(2027, 3, 1), 365, None, None)
    """
    start = to_date(as_of)
    people, first = _golden_dates(golden), _first_dates(first_purchase)

    def next_and_days(column: str, occasion: str) -> list[pl.Expr]:
        next_name, days_name = _WIDE_NAMES[occasion]
        nxt = next_occurrence(column, start)
        return [
            nxt.alias(next_name),
            (nxt - start).dt.total_days().cast(pl.Int32).alias(days_name),
        ]

    wide = people.select(
        "customer_id",
        *next_and_days("birth_date", "birthday"),
        *next_and_days("signup_date", "membership_anniversary"),
    )
    if first is None:
        next_name, days_name = _WIDE_NAMES["first_purchase_anniversary"]
        wide = wide.with_columns(
            pl.lit(None, pl.Date).alias(next_name), pl.lit(None, pl.Int32).alias(days_name)
        )
    else:
        bought = first.select(
            "customer_id", *next_and_days("first_purchase_date", "first_purchase_anniversary")
        )
        wide = wide.join(bought, on="customer_id", how="full", coalesce=True)
    return wide.sort("customer_id").collect()


def first_purchase_dates(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike | None = None,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """``customer_id, first_purchase_date``: each buyer's first purchase day up to ``as_of``.

    A purchase day is a day with positive net spend (:func:`cimlab.lines.purchase_days`: an
    order refunded the same day is none), in ``time_zone``'s calendar. ``orders`` are order
    lines with ``customer_id, order_ts, amount, status``.

    Examples
    --------
    >>> lines = pl.DataFrame({"customer_id": ["a", "a", "a"],
    ...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1), dt.datetime(2024, 3, 5)],
    ...     "amount": [10.0, -10.0, 8.0], "status": ["paid", "refunded", "paid"]})
    >>> first_purchase_dates(lines).rows()
    [('a', datetime.date(2024, 3, 5))]
    """
    days = purchase_days(orders.lazy(), as_of=as_of, time_zone=time_zone)
    return (
        days.group_by("customer_id")
        .agg(first_purchase_date=pl.col("day").min())
        .sort("customer_id")
        .collect()
    )


_OCCASION_ENUM = pl.Enum(list(OCCASIONS))


def _golden_dates(golden: pl.DataFrame) -> pl.LazyFrame:
    """``customer_id, birth_date, signup_date`` (Date) of the customers of ``golden``."""
    schema = require_columns(
        golden,
        ["customer_id", "birth_date", "signup_date"],
        what="golden frame",
        hint="Pass the golden customer records (cimlab.customers.golden).",
    )
    ids = golden.get_column("customer_id").drop_nulls()
    dupes = ids.len() - ids.n_unique()
    if dupes:
        raise ValueError(
            f"the golden frame repeats {dupes} customer_id value(s); it needs one row per "
            "customer (pass the golden records, not the source records)."
        )
    return (
        golden.lazy()
        .select(
            pl.col("customer_id").cast(pl.String),
            *(day_of(c, schema[c], table="golden").alias(c) for c in ("birth_date", "signup_date")),
        )
        .filter(pl.col("customer_id").is_not_null())
    )


def _first_dates(first_purchase: pl.DataFrame | None) -> pl.LazyFrame | None:
    """``customer_id, first_purchase_date``: one row per customer, the earliest date."""
    if first_purchase is None:
        return None
    schema = require_columns(
        first_purchase,
        ["customer_id", "first_purchase_date"],
        what="first_purchase frame",
        hint="Build it with cimlab.act.care.first_purchase_dates(orders).",
    )
    day = day_of("first_purchase_date", schema["first_purchase_date"], table="first_purchase")
    return (
        first_purchase.lazy()
        .select(pl.col("customer_id").cast(pl.String), day.alias("first_purchase_date"))
        .filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("first_purchase_date").min())
    )


def _occasion_bases(people: pl.LazyFrame, first: pl.LazyFrame | None) -> pl.LazyFrame:
    """``customer_id, occasion, base``: one row per customer and known occasion date."""
    sources = [(people, "birthday"), (people, "membership_anniversary")]
    if first is not None:
        sources.append((first, "first_purchase_anniversary"))
    return pl.concat(
        [
            frame.select("customer_id", occasion=pl.lit(occasion), base=OCCASIONS[occasion])
            for frame, occasion in sources
        ]
    ).filter(pl.col("base").is_not_null())
