"""Tests for cimlab.lines: the line rules, exact money and purchase days, on hand-computed
frames; the one-home rule (every analysis uses these, no second copy)."""

from __future__ import annotations

import datetime as dt
import inspect
from decimal import Decimal

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import lines as L

UTC = dt.UTC


def frame(*rows: tuple[str | None, dt.datetime, float, str | None]) -> pl.DataFrame:
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


def ts(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Which lines count
# --------------------------------------------------------------------------------------------

STATUSES = pl.DataFrame(
    {
        "amount": [100.0, -5.0, 40.0, -25.0, 80.0, -30.0, 10.0, -1.0, 7.0],
        "status": [
            "paid",
            "paid",  # a negative paid line (a discount line): counts
            "refunded",  # refunded, positive: paid then given back, counts 0
            "refunded",  # a refund record: a credit note
            "cancelled",  # cancelled, positive: never a sale
            "cancelled",  # a cancellation invoice (UCI "C"): a credit note
            "pending",
            "pending",  # negative but pending: nothing
            None,
        ],
    }
)


def test_each_status_and_sign_by_hand() -> None:
    got = STATUSES.select(
        L.is_paid().alias("paid"),
        L.is_credit_note().alias("credit"),
        L.is_counted().alias("counted"),
        L.net_amount(),
        L.refund_amount(),
    )
    assert got.rows() == [
        (True, False, True, 100.0, 0.0),
        (True, False, True, -5.0, 0.0),
        (False, False, False, 0.0, 40.0),
        (False, True, True, -25.0, 25.0),
        (False, False, False, 0.0, 0.0),
        (False, True, True, -30.0, 30.0),
        (False, False, False, 0.0, 0.0),
        (False, False, False, 0.0, 0.0),
        (False, False, False, 0.0, 0.0),
    ]
    # gross (paid lines and positive refunded lines, paid once) - refunds = net
    gross = 100.0 - 5.0 + 40.0
    assert gross - got["refund_amount"].sum() == got["net_amount"].sum() == 40.0


def test_golden_and_analytics_use_the_one_copy() -> None:
    from cimlab.analytics import channels, cohorts, kpis, lifecycle, rfm
    from cimlab.customers import golden

    assert golden.net_amount is L.net_amount and golden.refund_amount is L.refund_amount
    assert rfm.purchase_days is L.purchase_days
    for module in (rfm, lifecycle, channels, cohorts, kpis, golden):
        source = inspect.getsource(module)
        assert 'is_in(["refunded", "cancelled"])' not in source, module.__name__
        assert "Decimal(38, 6)" not in source, module.__name__
        assert "10**MONEY_PLACES" not in source, module.__name__
    assert "from cimlab.lines import" in inspect.getsource(kpis)


# --------------------------------------------------------------------------------------------
# Exact money
# --------------------------------------------------------------------------------------------


def test_money_units_of_every_numeric_type() -> None:
    values = pl.DataFrame({"f": [0.12344, 0.00005, -0.00005, 19.99], "i": [1, -2, 3, 0]})
    assert values.select(L.to_money("f", pl.Float64))["f"].to_list() == [1234, 1, -1, 199_900]
    assert values.select(L.to_money("i", pl.Int64))["i"].to_list() == [10_000, -20_000, 30_000, 0]
    decimals = values.select(pl.col("f").cast(pl.Decimal(20, 6)))
    assert decimals.select(L.to_money("f", pl.Decimal(20, 6)))["f"].to_list() == [
        1234,
        1,
        -1,
        199_900,
    ]
    with pytest.raises(TypeError, match="amounts must be numbers"):
        pl.DataFrame({"x": ["1"]}).select(L.to_money("x", pl.String))
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.DataFrame({"x": [1e15]}).select(L.to_money("x", pl.Float64))


def test_money_sum_is_exact_and_order_free() -> None:
    rng = np.random.default_rng(3)
    amounts = [*np.round(rng.uniform(-500, 500, 2_000), 2).tolist(), 1e12, 0.01, -1e12]
    exact = sum(Decimal(repr(a)) for a in amounts)
    forward = pl.DataFrame({"x": amounts}).select(L.money_sum("x")).item()
    backward = pl.DataFrame({"x": amounts[::-1]}).select(L.money_sum("x")).item()
    assert forward == backward == float(exact)
    assert pl.DataFrame({"x": []}, schema={"x": pl.Float64}).select(L.money_sum("x")).item() == 0.0


# --------------------------------------------------------------------------------------------
# Purchase days
# --------------------------------------------------------------------------------------------


def test_a_purchase_day_is_a_day_of_positive_net_spend() -> None:
    orders = frame(
        ("a", ts(1, 9), 80.0, "paid"),  # day 1: 80 - 80 (reversed the same day): 0
        ("a", ts(1, 10), -80.0, "cancelled"),
        ("a", ts(2), 30.0, "paid"),  # day 2: 30 - 10 = 20, a purchase worth 20
        ("a", ts(2, 15), -10.0, "refunded"),
        ("a", ts(3), 0.0, "paid"),  # day 3: free items only: no purchase
        ("a", ts(4), 5.0, "paid"),  # day 4: 5 - 8 < 0: no purchase
        ("a", ts(4, 13), -8.0, "cancelled"),
        ("a", ts(5), -12.0, "refunded"),  # day 5: a credit note alone
        ("a", ts(6), 7.0, "paid"),  # day 6: 7 + 0 (a positive refunded line adds nothing)
        ("a", ts(6), 9.0, "refunded"),
        ("b", ts(1), -4.0, "cancelled"),  # b: only a credit note: never a purchase day
    )
    daily = L.daily_spend(orders).collect().sort("customer_id", "day")
    assert daily.rows() == [
        ("a", dt.date(2024, 1, 1), 0),
        ("a", dt.date(2024, 1, 2), 200_000),
        ("a", dt.date(2024, 1, 3), 0),
        ("a", dt.date(2024, 1, 4), -30_000),
        ("a", dt.date(2024, 1, 5), -120_000),
        ("a", dt.date(2024, 1, 6), 70_000),
        ("b", dt.date(2024, 1, 1), -40_000),
    ]
    assert L.purchase_days(orders).rows() == [
        ("a", dt.date(2024, 1, 2), 20.0),
        ("a", dt.date(2024, 1, 6), 7.0),
    ]


def test_a_credit_note_on_a_later_day_counts_on_its_own_day() -> None:
    bought = frame(("a", ts(1), 100.0, "paid"), ("a", ts(10), 50.0, "paid"))
    # a return of 40 on day 5 (no purchase that day): the purchase days keep their value
    alone = pl.concat([bought, frame(("a", ts(5), -40.0, "refunded"))])
    assert L.purchase_days(alone)["spend"].to_list() == [100.0, 50.0]
    # the same return dated day 10, beside a purchase of 50: that day is worth 10
    beside = pl.concat([bought, frame(("a", ts(10, 18), -40.0, "refunded"))])
    assert L.purchase_days(beside)["spend"].to_list() == [100.0, 10.0]
    # ... and a return of 60 that day leaves it no purchase at all
    larger = pl.concat([bought, frame(("a", ts(10, 18), -60.0, "refunded"))])
    assert L.purchase_days(larger)["spend"].to_list() == [100.0]
    # a day's value is final: lines of later days never change it
    early = L.purchase_days(alone, as_of="2024-01-01")
    assert_frame_equal(early, L.purchase_days(bought.head(1)))


def test_no_status_column_counts_every_line_and_weeks_group_days() -> None:
    log = pl.DataFrame(
        {
            "cid": ["x", "x", "x", "x"],
            "day": [
                dt.date(2024, 1, 1),
                dt.date(2024, 1, 7),
                dt.date(2024, 1, 8),
                dt.date(2024, 1, 9),
            ],
            "usd": [3, 4, 0, -1],
        }
    )
    days = L.purchase_days(
        log, customer_col="cid", time_col="day", amount_col="usd", status_col=None
    )
    assert days.rows() == [("x", dt.date(2024, 1, 1), 3.0), ("x", dt.date(2024, 1, 7), 4.0)]
    weeks = L.purchase_days(
        log, customer_col="cid", time_col="day", amount_col="usd", status_col=None, period="week"
    )
    assert weeks.rows() == [("x", dt.date(2024, 1, 1), 7.0)]  # the second week nets -1
    with pytest.raises(ValueError, match="period='month' should be one of day, week"):
        L.daily_spend(log, customer_col="cid", time_col="day", amount_col="usd", period="month")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"no column 'status' \(status_col\)"):
        L.daily_spend(log, customer_col="cid", time_col="day", amount_col="usd")


# --------------------------------------------------------------------------------------------
# Lines for period analyses
# --------------------------------------------------------------------------------------------


def test_counted_lines_mark_purchases_by_the_purchase_day_rule() -> None:
    orders = frame(
        ("a", ts(1, 9), 50.0, "paid"),
        ("a", ts(1, 10), -50.0, "cancelled"),  # a reversed day: its paid line is no purchase
        ("a", ts(2), 20.0, "paid"),
        ("a", ts(3), 9.0, "pending"),  # no money, no purchase: left out
        ("b", ts(2), 10.0, "paid"),
        ("b", ts(3), -3.0, "refunded"),  # a credit note alone: money, no purchase
        (None, ts(2), 99.0, "paid"),
    ).with_columns(channel=pl.lit("shop"))
    got = L.counted_lines(orders, as_of="2024-01-31", need=["channel"]).collect()
    assert got.select("customer_id", "day", "purchase", "net").rows() == [
        ("a", dt.date(2024, 1, 1), False, 50.0),
        ("a", dt.date(2024, 1, 1), False, -50.0),
        ("a", dt.date(2024, 1, 2), True, 20.0),
        ("b", dt.date(2024, 1, 2), True, 10.0),
        ("b", dt.date(2024, 1, 3), False, -3.0),
    ]
    first = L.first_purchases(got.lazy()).collect().sort("customer_id")
    assert first.select("customer_id", "first_day", "acquisition_channel").rows() == [
        ("a", dt.date(2024, 1, 2), "shop"),
        ("b", dt.date(2024, 1, 2), "shop"),
    ]
    window = L.counted_lines(orders, as_of="2024-01-02", start="2024-01-02").collect()
    assert window["day"].unique().to_list() == [dt.date(2024, 1, 2)]
    with pytest.raises(ValueError, match="no column 'channel'"):
        L.counted_lines(orders.drop("channel"), as_of=None, need=["channel"])
