"""Tests for cimlab.analytics.rfm: hand-computed tiny frames, CDNOW against lifetimes and the published
summary, and Online Retail end to end."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import itertools
import re
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.rfm import (
    SEGMENT_GRID,
    SEGMENT_NAMES,
    SEGMENTS,
    customer_summary,
    elapsed,
    purchase_days,
    quantile_score,
    rfm,
    rfm_scores,
    rfm_segments,
    segment_of,
)
from tests.conftest import shared_dataset

UTC = dt.UTC
CALIBRATION_END = dt.date(1997, 9, 30)


def lines(*rows: tuple[str | None, dt.datetime, float, str]) -> pl.DataFrame:
    """Order lines ``(customer_id, order_ts, amount, status)`` with UTC timestamps."""
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.String,
            "order_ts": pl.Datetime("us", "UTC"),
            "amount": pl.Float64,
            "status": pl.String,
        },
        orient="row",
    )


def ts(day: int, hour: int = 12, month: int = 1) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Which lines count
# --------------------------------------------------------------------------------------------


def test_same_day_purchases_count_once_and_their_spend_adds_up() -> None:
    orders = lines(
        ("a", ts(1, 9), 10.0, "paid"),
        ("a", ts(1, 18), 5.0, "paid"),
        ("a", ts(3), 7.5, "paid"),
        ("a", ts(3, 13), 2.5, "paid"),
        ("b", ts(2), 4.0, "paid"),
    )
    expected = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "day": [dt.date(2024, 1, 1), dt.date(2024, 1, 3), dt.date(2024, 1, 2)],
            "spend": [15.0, 10.0, 4.0],
        }
    )
    assert_frame_equal(purchase_days(orders), expected)
    summary = customer_summary(orders, as_of=dt.date(2024, 1, 10))
    assert summary.select("customer_id", "purchase_days", "frequency").rows() == [
        ("a", 2, 1),
        ("b", 1, 0),
    ]


def test_days_are_calendar_days_of_the_chosen_time_zone() -> None:
    # 20:00 UTC on the 1st and 01:00 UTC on the 2nd are both the 2nd in Shanghai (UTC+8)
    orders = lines(("a", ts(1, 20), 1.0, "paid"), ("a", ts(2, 1), 1.0, "paid"))
    assert purchase_days(orders)["day"].to_list() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]
    shanghai = purchase_days(orders, time_zone="Asia/Shanghai")
    assert shanghai.rows() == [("a", dt.date(2024, 1, 2), 2.0)]


def test_cancelled_and_pending_lines_are_ignored_and_credit_notes_netted() -> None:
    orders = lines(
        ("a", ts(1), 10.0, "paid"),
        ("a", ts(2), 99.0, "cancelled"),
        ("a", ts(3), 50.0, "pending"),
        ("b", ts(5), 20.0, "cancelled"),
        ("c", ts(6), 30.0, "pending"),
        (None, ts(7), 40.0, "paid"),
        # d bought 60 then got a credit note of -25 (a UCI "C" invoice): net 35, one purchase day
        ("d", ts(1), 60.0, "paid"),
        ("d", ts(2), -25.0, "cancelled"),
    )
    summary = customer_summary(orders, as_of=dt.date(2024, 1, 10))
    assert summary.select("customer_id", "purchase_days", "total_spend").rows() == [
        ("a", 1, 10.0),
        ("d", 1, 35.0),
    ]
    # the same rule as the customer 360 and every other analysis
    from cimlab.customers.golden import net_amount

    spend = orders.filter(pl.col("customer_id") == "d").select(net_amount().sum()).item()
    assert spend == 35.0


def test_refunds_are_netted_and_fully_refunded_orders_are_not_purchases() -> None:
    orders = lines(
        # day 1: a paid line and a refunded line of one order: a purchase worth 30
        ("a", ts(1), 30.0, "paid"),
        ("a", ts(1), 12.0, "refunded"),
        # day 4: an order refunded in full (positive amounts): not a purchase, adds nothing
        ("a", ts(4), 25.0, "refunded"),
        ("a", ts(4), 5.0, "refunded"),
        # day 6: a purchase of 40 with a refund record of -15 the same day: worth 25
        ("a", ts(6), 40.0, "paid"),
        ("a", ts(6, 15), -15.0, "refunded"),
        # day 8: a refund record alone (no purchase that day): lowers total spend only
        ("a", ts(8), -10.0, "refunded"),
        # b: only refunds, never a purchase
        ("b", ts(2), 9.0, "refunded"),
        ("b", ts(3), -9.0, "refunded"),
    )
    assert purchase_days(orders).rows() == [
        ("a", dt.date(2024, 1, 1), 30.0),
        ("a", dt.date(2024, 1, 6), 25.0),
    ]
    summary = customer_summary(orders, as_of=dt.date(2024, 1, 10))
    assert summary.select(
        "customer_id",
        "first_purchase",
        "last_purchase",
        "purchase_days",
        "frequency",
        "total_spend",
        "monetary_value",
    ).rows() == [("a", dt.date(2024, 1, 1), dt.date(2024, 1, 6), 2, 1, 45.0, 25.0)]


def test_money_sums_do_not_depend_on_line_order() -> None:
    amounts = [0.1, 0.2, 0.3, 1e-3, 123.45, 0.07, 99.99, 0.01] * 5
    rows = [("a", ts(1 + i % 3), amount, "paid") for i, amount in enumerate(amounts)]
    forward = customer_summary(lines(*rows), as_of="2024-01-31")
    backward = customer_summary(lines(*reversed(rows)), as_of="2024-01-31")
    assert_frame_equal(forward, backward, check_exact=True)
    assert forward["total_spend"].item() == 1120.605  # the exact sum, correctly rounded
    # float sums (naive, pairwise or Kahan) lose the cents next to a huge amount; exact sums do not
    huge = lines(
        ("a", ts(1), 1e12, "paid"), ("a", ts(2), 0.01, "paid"), ("a", ts(3), -1e12, "refunded")
    )
    assert (1e12 + 0.01) - 1e12 != 0.01
    assert customer_summary(huge, as_of="2024-01-31")["total_spend"].item() == 0.01


def test_money_is_summed_in_ten_thousandths_of_any_numeric_type() -> None:
    # each line is rounded to 4 places (half away from zero), then summed exactly
    orders = lines(
        ("a", ts(1), 0.12344, "paid"),  # 0.1234
        ("a", ts(1), 0.00005, "paid"),  # 0.0001 (a tie, away from zero)
        ("a", ts(2), -0.00005, "refunded"),  # -0.0001: a day of credit notes, no purchase
        ("b", ts(1), 0.0002, "paid"),
        ("b", ts(2), 4e14, "paid"),  # a huge line next to a tiny one, reversed the same day
        ("b", ts(2), 0.0001, "paid"),
        ("b", ts(2), -4e14, "refunded"),
    )
    summary = customer_summary(orders, as_of="2024-01-31")
    assert summary["total_spend"].to_list() == [0.1234, 0.0003]
    assert summary["purchase_days"].to_list() == [1, 2]
    assert summary["monetary_value"].to_list() == [0.0, 0.0001]
    assert (4e14 + 0.0001) - 4e14 != 0.0001  # what a float sum would have kept
    decimals = orders.with_columns(pl.col("amount").cast(pl.Decimal(30, 6)))
    assert_frame_equal(customer_summary(decimals, as_of="2024-01-31"), summary)
    integers = pl.DataFrame(
        {"customer_id": ["a"] * 3, "order_ts": [ts(1), ts(2), ts(3)], "amount": [7, -2, 4]},
        schema_overrides={"order_ts": pl.Datetime("us", "UTC")},
    )
    # without a status every line counts; the day of -2 has no positive net: no purchase
    assert customer_summary(integers, as_of="2024-01-31", status_col=None).select(
        "purchase_days", "total_spend", "monetary_value"
    ).row(0) == (2, 9.0, 4.0)
    # a line beyond ±9.2e14 (2**63 ten-thousandths) raises instead of wrapping around
    with pytest.raises(pl.exceptions.InvalidOperationError, match="amount"):
        customer_summary(lines(("a", ts(1), 1e15, "paid")), as_of="2024-01-31")


def test_as_of_includes_its_day_and_excludes_later_lines() -> None:
    orders = lines(
        ("a", ts(1), 1.0, "paid"),
        ("a", ts(10, 23), 2.0, "paid"),
        ("a", ts(11, 0), 4.0, "paid"),
        ("b", ts(12), 8.0, "paid"),
    )
    expected = customer_summary(orders, as_of=dt.date(2024, 1, 10))
    assert expected.select("customer_id", "last_purchase", "T", "total_spend").rows() == [
        ("a", dt.date(2024, 1, 10), 9.0, 3.0)
    ]
    for as_of in ("2024-01-10", dt.datetime(2024, 1, 10, 8), dt.datetime(2024, 1, 10, 23, 59)):
        assert_frame_equal(customer_summary(orders, as_of=as_of), expected)
    # an aware datetime is read in the time zone: 2024-01-10 20:00 UTC is the 11th in Shanghai
    shanghai = customer_summary(
        orders, as_of=dt.datetime(2024, 1, 10, 20, tzinfo=UTC), time_zone="Asia/Shanghai"
    )
    assert shanghai["T"].to_list() == [10.0]


@pytest.mark.parametrize(
    "dtype", [pl.Datetime("ms"), pl.Datetime("ns", "UTC"), pl.Datetime("us", "Asia/Shanghai")]
)
def test_the_last_instant_of_as_of_counts_and_the_next_midnight_does_not(
    dtype: pl.Datetime,
) -> None:
    wall = [dt.datetime(2024, 1, 1, 8), dt.datetime(2024, 1, 10, 23, 59, 59, 999_000)]
    orders = pl.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "order_ts": [*wall, dt.datetime(2024, 1, 11)],
            "amount": [1.0, 2.0, 4.0],
            "status": ["paid"] * 3,
        }
    ).with_columns(
        pl.col("order_ts").dt.cast_time_unit(dtype.time_unit).dt.replace_time_zone(dtype.time_zone)
    )
    zone = dtype.time_zone or "UTC"
    summary = customer_summary(orders, as_of="2024-01-10", time_zone=zone)
    assert summary.select("purchase_days", "recency", "total_spend").row(0) == (2, 9.0, 3.0)


def test_recency_and_T_in_each_unit_are_true_divisions() -> None:
    # customer c<k> buys on Jan 1 and Jan 1 + k; as_of Feb 29: T = 59, since_last = 59 - k.
    # k/7 is not always k * (1/7): the quotients must be those of numpy, pandas and lifetimes.
    orders = lines(
        *[(f"c{k:02d}", ts(1), 1.0, "paid") for k in range(1, 59)],
        *[(f"c{k:02d}", ts(1) + dt.timedelta(days=k), 1.0, "paid") for k in range(1, 59)],
    )
    k = np.arange(1, 59, dtype=np.float64)
    for unit, days in {"day": 1.0, "week": 7.0, "month": 365.25 / 12}.items():
        got = customer_summary(orders, as_of=dt.date(2024, 2, 29), time_unit=unit)  # type: ignore[arg-type]
        assert got["recency"].to_list() == (k / days).tolist()
        assert got["since_last"].to_list() == ((59 - k) / days).tolist()
        assert got["T"].to_list() == [59 / days] * 58
    assert ((k * (1 / 7)) != (k / 7)).any()
    assert 365.25 / 12 == 30.4375


def test_elapsed_expression() -> None:
    frame = pl.DataFrame({"a": [dt.date(2024, 1, 1), None], "b": [dt.date(2024, 2, 1)] * 2})
    got = frame.select(
        d=elapsed("a", "b"),
        w=elapsed(pl.col("a"), dt.date(2024, 1, 15), time_unit="week"),
        m=elapsed("a", "b", time_unit="month"),
    )
    assert got.rows() == [(31.0, 2.0, 31 / 30.4375), (None, None, None)]


def test_monetary_value_is_the_mean_of_repeat_days_or_of_all_days() -> None:
    orders = lines(
        ("a", ts(1), 100.0, "paid"),
        ("a", ts(2), 10.0, "paid"),
        ("a", ts(2, 20), 5.0, "paid"),
        ("a", ts(5), 30.0, "paid"),
        ("b", ts(3), 50.0, "paid"),
    )
    repeat = customer_summary(orders, as_of="2024-01-31")
    assert repeat.select("customer_id", "monetary_value").rows() == [("a", 22.5), ("b", 0.0)]
    mean = customer_summary(orders, as_of="2024-01-31", monetary="mean")
    assert mean.select("customer_id", "monetary_value").rows() == [
        ("a", 145.0 / 3),
        ("b", 50.0),
    ]


def test_summary_columns_types_and_sorting() -> None:
    orders = lines(("z", ts(3), 1.0, "paid"), ("a", ts(1), 2.0, "paid"))
    summary = customer_summary(orders, as_of="2024-01-31")
    assert summary.schema == pl.Schema(
        {
            "customer_id": pl.String,
            "first_purchase": pl.Date,
            "last_purchase": pl.Date,
            "purchase_days": pl.Int64,
            "frequency": pl.Int64,
            "recency": pl.Float64,
            "T": pl.Float64,
            "since_last": pl.Float64,
            "total_spend": pl.Float64,
            "monetary_value": pl.Float64,
        }
    )
    assert summary["customer_id"].to_list() == ["a", "z"]


def test_lazy_in_lazy_out_and_same_answer() -> None:
    orders = lines(
        ("a", ts(1), 10.0, "paid"), ("a", ts(8), 5.0, "paid"), ("b", ts(4), 3.0, "refunded")
    )
    lazy = customer_summary(orders.lazy(), as_of="2024-01-31", time_unit="week")
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(
        lazy.collect(), customer_summary(orders, as_of="2024-01-31", time_unit="week")
    )
    assert isinstance(purchase_days(orders.lazy()), pl.LazyFrame)
    assert isinstance(rfm(orders.lazy(), as_of="2024-01-31"), pl.LazyFrame)


def test_other_column_names_date_column_and_no_status() -> None:
    cdnow_like = pl.DataFrame(
        {
            "cid": ["00007", "00007", "00007"],
            "date": [dt.date(1997, 1, 1), dt.date(1997, 1, 1), dt.date(1997, 2, 1)],
            "dollars": [11, 12, 13],  # integers are money too
        }
    )
    summary = customer_summary(
        cdnow_like,
        as_of="1997-03-01",
        customer_col="cid",
        time_col="date",
        amount_col="dollars",
        status_col=None,
    )
    assert summary.select("cid", "frequency", "recency", "T", "total_spend").rows() == [
        ("00007", 1, 31.0, 59.0, 36.0)
    ]


def test_calendar_week_periods() -> None:
    # 2024-01-01 is a Monday: Monday and Sunday of one week count once; weeks from week starts
    orders = lines(
        ("a", ts(1), 1.0, "paid"),
        ("a", ts(7), 2.0, "paid"),
        ("a", ts(8), 4.0, "paid"),
        ("a", ts(16), 8.0, "paid"),
    )
    weekly = customer_summary(orders, as_of="2024-01-24", time_unit="calendar_week")
    assert weekly.select(
        "first_purchase", "last_purchase", "purchase_days", "recency", "T", "monetary_value"
    ).row(0) == (dt.date(2024, 1, 1), dt.date(2024, 1, 15), 3, 2.0, 3.0, 6.0)
    # the pre-0.2 spelling gives the same; "week" alone is 7-day lengths of daily purchases
    old = customer_summary(orders, as_of="2024-01-24", time_unit="week", period="week")
    assert_frame_equal(old, weekly)
    days = customer_summary(orders, as_of="2024-01-24", time_unit="week")
    assert days.select("purchase_days", "recency", "T").row(0) == (4, 15 / 7, 23 / 7)
    assert purchase_days(orders, period="week")["spend"].to_list() == [3.0, 4.0, 8.0]


def test_a_day_reversed_the_same_day_is_no_purchase_and_repeat_spend_stays_positive() -> None:
    orders = lines(
        ("a", ts(1), 40.0, "paid"),
        ("a", ts(5, 9), 900.0, "paid"),  # a huge order cancelled the same day (16446's case)
        ("a", ts(5, 10), -900.0, "cancelled"),
        ("b", ts(1), 100.0, "paid"),
        ("b", ts(9), 10.0, "paid"),  # bought 10 and returned 60 of the first order that day
        ("b", ts(9, 15), -60.0, "refunded"),
        ("c", ts(2), 30.0, "paid"),
        ("c", ts(6), 20.0, "paid"),
        ("c", ts(8), -5.0, "refunded"),  # a later return on a day without purchase
    )
    summary = customer_summary(orders, as_of="2024-01-31")
    assert summary.select(
        "customer_id", "purchase_days", "frequency", "total_spend", "monetary_value"
    ).rows() == [
        ("a", 1, 0, 40.0, 0.0),
        ("b", 1, 0, 50.0, 0.0),  # before the rule: 2 days, monetary_value -50
        ("c", 2, 1, 45.0, 20.0),  # the return lowers total_spend, not the day it does not touch
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_repeat_buyers_always_have_positive_monetary_value(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 4_000
    status = rng.choice(["paid", "paid", "refunded", "cancelled", "pending"], n)
    amount = np.round(rng.uniform(-80, 120, n), 2)
    orders = pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in rng.integers(0, 300, n)],
            "order_ts": [ts(1 + int(d)) for d in rng.integers(0, 30, n)],
            "amount": amount,
            "status": status,
        },
        schema_overrides={"order_ts": pl.Datetime("us", "UTC")},
    )
    for monetary in ("repeat_mean", "mean"):
        summary = customer_summary(orders, as_of="2024-01-31", monetary=monetary)  # type: ignore[arg-type]
        repeat = summary.filter(pl.col("frequency") > 0)
        assert repeat.height > 50 and (repeat["monetary_value"] > 0).all()
    days = purchase_days(orders)
    assert (days["spend"] > 0).all()
    summary = customer_summary(orders, as_of="2024-01-31")
    assert_frame_equal(
        summary.select("customer_id", "purchase_days"),
        days.group_by("customer_id").agg(purchase_days=pl.len().cast(pl.Int64)).sort("customer_id"),
    )


def test_segment_summary_counts_shares_spend_and_actions() -> None:
    from cimlab.analytics.rfm import segment_summary

    scores = pl.DataFrame(
        {
            "segment": ["Lost", "Champions", "Lost", "New", "Champions"],
            "total_spend": [0.1, 100.0, 0.2, 5.0, 50.0],
        }
    )
    got = segment_summary(scores)
    assert got.columns == ["segment", "customers", "share", "net_spend", "action"]
    assert got.select("segment", "customers", "share", "net_spend").rows() == [
        ("Champions", 2, 0.4, 150.0),  # ties on customers: segment order (best first)
        ("Lost", 2, 0.4, 0.3),  # the exact sum (0.1 + 0.2 is 0.30000000000000004 in floats)
        ("New", 1, 0.2, 5.0),
    ]
    actions = dict(SEGMENTS.select("name", "action").iter_rows())
    assert got["action"].to_list() == [actions[s] for s in got["segment"]]
    empty = segment_summary(scores.clear())
    assert empty.height == 0 and empty.columns == got.columns
    from cimlab.cli.analyse import segment_table

    table = segment_table(scores)
    assert (
        table.select("segment", "customers", "net_spend").rows()
        == got.select("segment", "customers", "net_spend").rows()
    )
    assert table.columns == [
        "segment", "name_zh", "customers", "share", "net_spend", "action", "action_zh"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"customer_col": "buyer"}, "no column 'buyer' (customer_col)"),
        ({"amount_col": "price"}, "no column 'price' (amount_col)"),
        ({"time_unit": "year"}, "time_unit='year' should be one of day, week, month"),
        ({"period": "month"}, "period='month' should be one of day, week"),
        ({"monetary": "median"}, "monetary='median' should be one of"),
        ({"as_of": "30/09/1997"}, "as_of='30/09/1997' is not a date"),
        ({"as_of": 19970930}, "should be a date, a datetime or 'YYYY-MM-DD'"),
    ],
)
def test_bad_arguments_say_what_and_what_to_do(kwargs: dict[str, object], message: str) -> None:
    orders = lines(("a", ts(1), 1.0, "paid"))
    arguments: dict[str, object] = {"as_of": "2024-01-31", **kwargs}
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        customer_summary(orders, **arguments)  # type: ignore[arg-type]


def test_a_string_time_column_is_refused_with_advice() -> None:
    orders = pl.DataFrame({"customer_id": ["a"], "order_ts": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(TypeError, match="parse it first"):
        customer_summary(orders, as_of="2024-01-31", status_col=None)


def test_a_nan_amount_is_refused() -> None:
    with pytest.raises(pl.exceptions.InvalidOperationError, match="NaN"):
        customer_summary(lines(("a", ts(1), float("nan"), "paid")), as_of="2024-01-31")


def test_customers_without_any_purchase_up_to_as_of_are_absent() -> None:
    empty = customer_summary(lines(("a", ts(20), 1.0, "paid")), as_of="2024-01-10")
    assert empty.height == 0
    assert "monetary_value" in empty.columns


# --------------------------------------------------------------------------------------------
# Scores and segments
# --------------------------------------------------------------------------------------------


def test_quantile_score_ties_get_the_same_score() -> None:
    frame = pl.DataFrame({"x": [1, 1, 1, 2, 3, 3, 4, 5, 6, 7]})
    # min ranks 1,1,1,4,5,5,7,8,9,10 -> 1 + floor(5 * (rank - 1) / 10)
    assert frame.select(quantile_score("x"))["x"].to_list() == [1, 1, 1, 2, 3, 3, 4, 4, 5, 5]
    # descending: the smallest value is the best; min ranks 8,8,8,7,5,5,4,3,2,1
    descending = frame.select(quantile_score("x", descending=True))["x"].to_list()
    assert descending == [4, 4, 4, 4, 3, 3, 2, 2, 1, 1]
    many_ties = pl.DataFrame({"x": [1] * 7 + [2, 2, 9]})  # seven one-time buyers
    assert many_ties.select(quantile_score("x"))["x"].to_list() == [1] * 7 + [4, 4, 5]
    same = pl.DataFrame({"x": [3.0] * 4})
    assert same.select(quantile_score("x", bins=3))["x"].to_list() == [1] * 4
    nulls = pl.DataFrame({"x": [None, 1.0, 2.0]})
    assert nulls.select(quantile_score("x", bins=2))["x"].to_list() == [None, 1, 2]
    assert frame.select(quantile_score("x")).schema["x"] == pl.Int8


def test_quantile_score_equal_values_never_straddle_a_boundary() -> None:
    rng = np.random.default_rng(5)
    frame = pl.DataFrame({"x": rng.integers(0, 12, 500)})
    scored = frame.with_columns(s=quantile_score("x", bins=7))
    per_value = scored.group_by("x").agg(pl.col("s").n_unique().alias("n"), pl.col("s").first())
    assert per_value["n"].max() == 1
    ordered = per_value.sort("x")["s"].to_list()
    assert ordered == sorted(ordered) and ordered[0] >= 1 and ordered[-1] <= 7


@pytest.mark.parametrize("bins", [0, 1, 101, 2.5, True])
def test_quantile_score_refuses_bad_bins(bins: object) -> None:
    with pytest.raises(ValueError, match="bins="):
        quantile_score("x", bins=bins)  # type: ignore[arg-type]


def test_rfm_scores_on_a_hand_made_summary() -> None:
    summary = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "since_last": [1.0, 10.0, 10.0, 30.0, 60.0],
            "purchase_days": [6, 1, 3, 1, 2],
            "total_spend": [600.0, 20.0, 150.0, 20.0, 80.0],
        }
    )
    scored = rfm_scores(summary)
    assert scored.select("r_score", "f_score", "m_score").rows() == [
        (5, 5, 5),
        (3, 1, 1),
        (3, 4, 4),
        (2, 1, 1),
        (1, 3, 3),
    ]
    other = rfm_scores(
        summary.rename({"total_spend": "spend"}), bins=2, monetary_col="spend"
    ).select("m_score")
    assert other["m_score"].to_list() == [2, 1, 2, 1, 1]
    with pytest.raises(ValueError, match="no column 'total_spend' \\(monetary_col\\)"):
        rfm_scores(summary.drop("total_spend"))


def test_every_grid_cell_belongs_to_exactly_one_segment() -> None:
    for r, fm in itertools.product(range(1, 6), repeat=2):
        covering = SEGMENTS.filter(
            pl.col("r_min") <= r,
            pl.col("r_max") >= r,
            pl.col("fm_min") <= fm,
            pl.col("fm_max") >= fm,
        )
        assert covering.height == 1, (r, fm, covering["name"].to_list())
        assert segment_of(r, fm) == covering["name"].item()
    assert len(SEGMENT_GRID) == 25
    assert set(SEGMENT_GRID.values()) == set(SEGMENT_NAMES)
    assert SEGMENT_NAMES == (
        "Champions",
        "Loyal",
        "Potential loyalist",
        "New",
        "Promising",
        "Need attention",
        "About to sleep",
        "At risk",
        "Cannot lose them",
        "Hibernating",
        "Lost",
    )


def test_segment_table_is_complete_in_both_languages() -> None:
    # analytics hold codes and English source texts; 中文 labels live at the edge (cimlab.i18n)
    from cimlab.i18n import segment_action, segment_label

    assert SEGMENTS.columns == ["name", "r_min", "r_max", "fm_min", "fm_max", "rule", "action"]
    assert SEGMENTS.null_count().sum_horizontal().item() == 0
    for row in SEGMENTS.iter_rows(named=True):
        for text in (segment_label(row["name"], "zh"), segment_action(row["name"], "zh")):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), row
        assert row["action"].endswith(".") and segment_action(row["name"], "zh").endswith("。")
        assert segment_action(row["name"], "en") == row["action"]
    rules = dict(SEGMENTS.select("name", "rule").iter_rows())
    assert rules["Champions"] == "R 5, FM 4–5"
    assert rules["At risk"] == "R 1–2, FM 3–4"
    assert rules["Need attention"] == "R 3, FM 3"
    assert len({segment_label(n, "zh") for n in SEGMENTS["name"]}) == SEGMENTS.height


def test_corner_cells_of_the_grid() -> None:
    assert [segment_of(5, fm) for fm in range(1, 6)] == [
        "New",
        "Potential loyalist",
        "Potential loyalist",
        "Champions",
        "Champions",
    ]
    assert [segment_of(r, 1) for r in range(1, 6)] == [
        "Lost",
        "Hibernating",
        "About to sleep",
        "Promising",
        "New",
    ]
    with pytest.raises(ValueError, match="scores from 1 to 5"):
        segment_of(6, 1)


def test_rfm_segments_rounds_fm_half_up_and_refuses_other_scales() -> None:
    scores = pl.DataFrame(
        {
            "r_score": [5, 5, 1, 3, 2],
            "f_score": [1, 4, 5, 2, 1],
            "m_score": [2, 5, 4, 3, 1],
        },
        schema_overrides={c: pl.Int8 for c in ("r_score", "f_score", "m_score")},
    )
    got = rfm_segments(scores).select("fm_score", "segment")
    expected = pl.DataFrame(
        {
            "fm_score": [2, 5, 5, 3, 1],
            "segment": [
                "Potential loyalist",
                "Champions",
                "Cannot lose them",
                "Need attention",
                "Hibernating",
            ],
        },
        schema_overrides={"fm_score": pl.Int8},
    )
    assert_frame_equal(got, expected)
    seven = scores.with_columns(pl.lit(7, dtype=pl.Int8).alias("r_score"))
    with pytest.raises(ValueError, match="rfm_scores\\(bins=5\\)"):
        rfm_segments(seven)


def test_rfm_end_to_end_on_a_tiny_shop() -> None:
    orders = lines(
        ("vip", ts(1), 500.0, "paid"),
        ("vip", ts(10), 400.0, "paid"),
        ("vip", ts(29), 300.0, "paid"),
        ("old", ts(2), 20.0, "paid"),
        ("new", ts(30), 15.0, "paid"),
        ("mid", ts(5), 60.0, "paid"),
        ("mid", ts(20), 70.0, "paid"),
        ("gone", ts(3), 80.0, "paid"),
        ("gone", ts(4), 90.0, "paid"),
        ("gone", ts(4), 90.0, "cancelled"),
    )
    result = rfm(orders, as_of="2024-01-31")
    assert result.columns[:1] == ["customer_id"]
    for column in ("frequency", "recency", "T", "monetary_value", "r_score", "f_score"):
        assert column in result.columns
    assert result.select("customer_id", "r_score", "f_score", "m_score", "segment").rows() == [
        ("gone", 2, 3, 4, "At risk"),
        ("mid", 3, 3, 3, "Need attention"),
        ("new", 5, 1, 1, "New"),
        ("old", 1, 1, 2, "Lost"),
        ("vip", 4, 5, 5, "Loyal"),
    ]


# --------------------------------------------------------------------------------------------
# CDNOW: lifetimes and the published summary
# --------------------------------------------------------------------------------------------


def _lifetimes_file(name: str) -> str:
    return (importlib.resources.files("lifetimes") / "datasets" / name).read_text()


@pytest.fixture(scope="module")
def cdnow() -> pl.DataFrame:
    """CDNOW master: customer_id, date, cds, dollars (whitespace separated, dates YYYYMMDD)."""
    text = _lifetimes_file("CDNOW_master.txt").splitlines()
    assert text[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"]
    rows = [line.split() for line in text[1:] if line.strip()]
    frame = pl.DataFrame(rows, schema=["customer_id", "date", "cds", "dollars"], orient="row")
    frame = frame.with_columns(
        pl.col("date").str.to_date("%Y%m%d"),
        pl.col("cds").cast(pl.Int64),
        pl.col("dollars").cast(pl.Float64),
    )
    assert frame.height == 69_659 and frame["customer_id"].n_unique() == 23_570
    return frame


def _lifetimes_summary(transactions: pl.DataFrame, **kwargs: object) -> pl.DataFrame:
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes.utils import summary_data_from_transaction_data

    summary = summary_data_from_transaction_data(
        transactions.to_pandas(),
        "customer_id",
        "date",
        monetary_value_col="dollars",
        observation_period_end=str(CALIBRATION_END),
        **kwargs,
    )
    return pl.from_pandas(summary.reset_index()).sort("customer_id")


#: Each time unit and the lifetimes call it equals (the README says the same).
LIFETIMES_CALLS: dict[str, dict[str, object]] = {
    "day": {"freq": "D"},
    "week": {"freq": "D", "freq_multiplier": 7},
    "month": {"freq": "D", "freq_multiplier": 365.25 / 12},
    "calendar_week": {"freq": "W"},
}


def test_the_documented_lifetimes_calls_are_the_tested_ones() -> None:
    from cimlab.analytics.rfm import TIME_UNITS, UNIT_DAYS

    assert set(TIME_UNITS) == set(UNIT_DAYS) == set(LIFETIMES_CALLS)
    for unit, kwargs in LIFETIMES_CALLS.items():
        for key, value in kwargs.items():
            text = f'{key}="{value}"' if isinstance(value, str) else f"{key}="
            assert text in TIME_UNITS[unit], (unit, key)


def _cdnow_purchases(cdnow: pl.DataFrame) -> pl.DataFrame:
    """The CDNOW transactions lifetimes is given: those with a positive value up to the
    calibration end (80 transactions are of $0, free CDs, 73 of them in the calibration
    period: by the purchase rule a day with no positive net spend is no purchase)."""
    return cdnow.filter(pl.col("date") <= CALIBRATION_END, pl.col("dollars") > 0)


def test_cdnow_free_transactions_are_not_purchases(cdnow: pl.DataFrame) -> None:
    calibration = cdnow.filter(pl.col("date") <= CALIBRATION_END)
    free = calibration.filter(pl.col("dollars") == 0)
    assert free.height == 73 and cdnow.filter(pl.col("dollars") <= 0).height == 80
    ours = customer_summary(
        cdnow,
        as_of=CALIBRATION_END,
        customer_col="customer_id",
        time_col="date",
        amount_col="dollars",
        status_col=None,
    )
    paying = set(calibration.filter(pl.col("dollars") > 0)["customer_id"])
    assert set(ours["customer_id"]) == paying
    assert len(paying) == 23_570 - 70  # 70 people whose only purchase was a free CD
    repeat = ours.filter(pl.col("frequency") > 0)
    assert repeat.height > 0 and (repeat["monetary_value"] > 0).all()


@pytest.mark.parametrize("time_unit", list(LIFETIMES_CALLS))
def test_cdnow_agrees_with_lifetimes(cdnow: pl.DataFrame, time_unit: str) -> None:
    # lifetimes' freq="W" keeps the whole week of observation_period_end (days after it too),
    # so both sides get the lines up to the calibration end
    theirs = _lifetimes_summary(_cdnow_purchases(cdnow), **LIFETIMES_CALLS[time_unit])
    ours = customer_summary(
        cdnow,
        as_of=CALIBRATION_END,
        time_unit=time_unit,  # type: ignore[arg-type]
        customer_col="customer_id",
        time_col="date",
        amount_col="dollars",
        status_col=None,
    )
    assert ours.height == theirs.height == 23_500
    exact = ["customer_id", "frequency", "recency", "T"]
    assert_frame_equal(
        ours.select(exact).with_columns(pl.col("frequency").cast(pl.Float64)),
        theirs.select(exact),
        check_exact=True,
    )
    # money: ours sums exactly (integers); lifetimes sums floats, so they differ in the last bits
    diff = (ours["monetary_value"] - theirs["monetary_value"]).abs()
    assert diff.max() < 1e-12  # type: ignore[operator]
    assert (ours["monetary_value"].round(6) == theirs["monetary_value"].round(6)).all()


def test_calendar_week_is_the_pre_0_2_period_week(cdnow: pl.DataFrame) -> None:
    arguments: dict[str, object] = {
        "as_of": CALIBRATION_END,
        "customer_col": "customer_id",
        "time_col": "date",
        "amount_col": "dollars",
        "status_col": None,
    }
    calendar = customer_summary(cdnow, time_unit="calendar_week", **arguments)  # type: ignore[arg-type]
    old = customer_summary(cdnow, time_unit="week", period="week", **arguments)  # type: ignore[arg-type]
    assert_frame_equal(calendar, old)
    with pytest.raises(ValueError, match="calendar_week' counts purchases per calendar week"):
        customer_summary(cdnow, time_unit="calendar_week", period="day", **arguments)  # type: ignore[arg-type]


def test_cdnow_weeks_differ_from_lifetimes_calendar_weeks_by_definition(
    cdnow: pl.DataFrame,
) -> None:
    # days / 7 (the published summary) is not lifetimes' freq="W" (calendar-week periods)
    theirs = _lifetimes_summary(_cdnow_purchases(cdnow), freq="W")
    ours = customer_summary(
        cdnow,
        as_of=CALIBRATION_END,
        time_unit="week",
        customer_col="customer_id",
        time_col="date",
        amount_col="dollars",
        status_col=None,
    )
    assert (ours["frequency"] != theirs["frequency"]).sum() > 1000
    assert theirs["T"].head(1).item() == 39.0 and ours["T"].head(1).item() == 272 / 7


def test_cdnow_agrees_with_the_published_summary(cdnow: pl.DataFrame) -> None:
    """``cdnow_customers_summary.csv`` (Fader & Hardie): ID, frequency, recency, T in weeks
    rounded to 2 decimals, for the 2,357 customers of ``CDNOW_sample.txt``; the file
    ``..._with_transactions.csv`` adds ``zbar``, the mean repeat spend (``monetary_value``).
    Equal for the 2,349 customers who paid for something."""
    published = pl.read_csv(_lifetimes_file("cdnow_customers_summary.csv").encode())
    assert published.columns == ["ID", "frequency", "recency", "T"]
    with_money = pl.read_csv(
        _lifetimes_file("cdnow_customers_summary_with_transactions.csv").encode()
    )
    assert with_money.columns == ["ID", "x", "t_x", "T", "zbar"]
    sample_rows = [line.split() for line in _lifetimes_file("CDNOW_sample.txt").splitlines()]
    sample = pl.DataFrame(
        sample_rows, schema=["customer_id", "ID", "date", "cds", "dollars"], orient="row"
    ).with_columns(pl.col("ID").cast(pl.Int64), pl.col("date").str.to_date("%Y%m%d"))
    ids = sample.select("customer_id", "ID").unique()
    assert ids.height == published.height == 2_357
    # the sample's transactions are the master's transactions of those customers
    assert sample.height == cdnow.join(ids, on="customer_id").height

    ours = customer_summary(
        cdnow.join(ids, on="customer_id"),
        as_of=CALIBRATION_END,
        time_unit="week",
        customer_col="customer_id",
        time_col="date",
        amount_col="dollars",
        status_col=None,
    ).join(ids, on="customer_id")
    # 8 sample customers bought one free CD ($0) and nothing else: the published summary lists
    # them as one-time buyers, the purchase rule (positive net spend) as no buyers at all
    free = sample.filter(pl.col("dollars").cast(pl.Float64) == 0)
    assert free.height == 8 and free["customer_id"].is_unique().all()
    assert sample.join(free.select("customer_id"), on="customer_id").height == 8
    assert (published.join(free.select("ID"), on="ID")["frequency"] == 0).all()
    assert ours.height == 2_357 - 8
    assert ours.join(free, on="customer_id").height == 0
    both = ours.join(published, on="ID", suffix="_pub").join(with_money, on="ID")
    assert both.height == 2_349
    assert (both["frequency"] == both["frequency_pub"]).all()
    assert (both["frequency"] == both["x"]).all()
    for ours_col, theirs_col in [
        ("recency", "recency_pub"),
        ("T", "T_pub"),
        ("recency", "t_x"),
        ("monetary_value", "zbar"),
    ]:
        off = float((both[ours_col] - both[theirs_col]).abs().max())  # type: ignore[arg-type]
        assert off <= 0.005 + 1e-9, (ours_col, theirs_col, off)  # rounded to 2 decimals
    assert both["T"].max() == 272 / 7  # 1997-01-01 .. 1997-09-30: the 39-week calibration


# --------------------------------------------------------------------------------------------
# Online Retail, end to end
# --------------------------------------------------------------------------------------------


def _reference_summary(
    valid: pl.DataFrame, as_of: dt.date, zone: str
) -> dict[str, tuple[list[tuple[dt.date, Decimal]], Decimal]]:
    """Straight from the rule, in plain Python and decimals: per customer the purchase days
    (days whose net of paid lines and credit notes is positive) with their net spend, and the
    total net spend."""
    tz = ZoneInfo(zone)
    net: dict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
    rows = valid.select("source_customer_id", "order_ts", "amount", "status").iter_rows()
    for customer, moment, amount, status in rows:
        day = moment.astimezone(tz).date()
        if customer is None or day > as_of:
            continue
        credit_note = status in ("refunded", "cancelled") and amount < 0
        if status == "paid" or credit_note:
            net[(customer, day)] += Decimal(repr(amount))
    result: dict[str, tuple[list[tuple[dt.date, Decimal]], Decimal]] = {}
    for (customer, day), value in sorted(net.items()):
        days, total = result.get(customer, ([], Decimal(0)))
        result[customer] = ([*days, (day, value)] if value > 0 else days, total + value)
    return {c: (days, total) for c, (days, total) in result.items() if days}


def test_online_retail_summary_and_rfm_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    from cimlab.ingest.importer import check_file

    path = shared_dataset("online_retail.csv.gz")
    valid = check_file(path, mapping="online_retail").valid
    as_of = valid["order_ts"].max().date()  # type: ignore[union-attr]
    zone = "Europe/London"
    result = rfm(valid, as_of=as_of, customer_col="source_customer_id", time_zone=zone)
    reference = _reference_summary(valid, as_of, zone)
    with capsys.disabled():
        print(
            f"\nOnline Retail: {result.height:,} customers with a CustomerID and at least one "
            f"day of positive net spend, as of {as_of}"
        )
    assert result.height == len(reference) == 4_334
    ours = {row["source_customer_id"]: row for row in result.iter_rows(named=True)}
    assert set(ours) == set(reference)
    for customer, (days, total) in reference.items():
        row = ours[customer]
        assert (row["first_purchase"], row["last_purchase"]) == (days[0][0], days[-1][0])
        assert row["frequency"] == len(days) - 1, customer
        assert row["total_spend"] == float(total), customer
        if len(days) > 1:
            mean = sum(value for _, value in days[1:]) / (len(days) - 1)
            assert row["monetary_value"] == pytest.approx(float(mean), rel=1e-15), customer
    # the Gamma-Gamma input: every repeat buyer's mean repeat spend is positive (before the
    # purchase rule, 9 repeat buyers had monetary_value <= 0)
    repeat = result.filter(pl.col("frequency") > 0)
    assert repeat.height == sum(len(days) > 1 for days, _ in reference.values()) == 2_777
    assert (repeat["monetary_value"] > 0).all()
    assert result.filter(pl.col("frequency") == 0)["monetary_value"].eq(0).all()
    assert result["segment"].null_count() == 0
    assert set(result["segment"]) <= set(SEGMENT_NAMES)
    assert (result["T"] >= result["recency"]).all()
    assert result["since_last"].min() == 0.0

    # 12504 bought 449.40 on 9 Nov 2011 (6 lines: 131.40 + 102.00 + 102.00 + 30.00 + 30.00 +
    # 54.00), got a credit note of -32.65 on 18 Nov, and on 21 Nov credit notes of -335.40
    # (131.40 + 102.00 + 102.00) beside a purchase of 32.65 (12.75 + 9.95 + 9.95): that day nets
    # -302.75, no purchase. One purchase day; total 449.40 - 32.65 - 335.40 + 32.65 = 114.00.
    assert pytest.approx(449.40) == 131.40 + 102 + 102 + 30 + 30 + 54
    a = ours["12504"]
    assert (a["first_purchase"], a["last_purchase"]) == (dt.date(2011, 11, 9),) * 2
    assert (a["frequency"], a["total_spend"], a["monetary_value"]) == (0, 114.0, 0.0)
    assert purchase_days(
        valid.filter(pl.col("source_customer_id") == "12504"),
        customer_col="source_customer_id",
        time_zone=zone,
    )["spend"].to_list() == [449.4]
    # 16446 bought 2.90 (1.65 + 1.25) on 18 May 2011; on 9 Dec its order of 80,995 units
    # (168,469.60) was cancelled the same day: that day nets 0, no purchase
    b = ours["16446"]
    assert (b["first_purchase"], b["last_purchase"]) == (dt.date(2011, 5, 18),) * 2
    assert (b["frequency"], b["total_spend"], b["monetary_value"]) == (0, 2.9, 0.0)
