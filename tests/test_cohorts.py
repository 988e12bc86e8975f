"""Tests for cimlab.cohorts (and its chart): hand-computed retention and revenue matrices, UTC
month boundaries, observable cells only, and Online Retail against an independent count."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.charts.cohorts import cohort_chart
from cimlab.cohorts import cohort_matrix, cohort_table
from tests.conftest import shared_dataset

UTC = dt.UTC
SCHEMA = {
    "customer_id": pl.String,
    "order_ts": pl.Datetime("us", "UTC"),
    "amount": pl.Float64,
    "status": pl.String,
}
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


def lines(*rows: tuple[str | None, dt.datetime, float, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def ts(month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=UTC)


# Three customers over three months.
THREE = lines(
    ("a", ts(1, 5), 100.0, "paid"),
    ("a", ts(2, 10), 50.0, "paid"),
    ("a", ts(2, 20), -10.0, "refunded"),
    ("a", ts(3, 3), 20.0, "paid"),
    ("b", ts(1, 20), 40.0, "paid"),
    ("b", ts(3, 15), 60.0, "paid"),
    ("c", ts(2, 2), 30.0, "paid"),
    ("c", ts(2, 25), 10.0, "paid"),
    ("c", ts(3, 5), 99.0, "cancelled"),
    ("c", ts(3, 6), 15.0, "pending"),
    (None, ts(1, 9), 500.0, "paid"),
)


def test_cohort_table_retention_and_revenue_by_hand() -> None:
    result = cohort_table(THREE, as_of=dt.date(2024, 3, 31))
    expected = pl.DataFrame(
        {
            "cohort": [JAN, JAN, JAN, FEB, FEB],
            "period_index": [0, 1, 2, 0, 1],
            "cohort_size": [2, 2, 2, 1, 1],
            "active_customers": [2, 1, 2, 1, 0],
            "retention_rate": [1.0, 0.5, 1.0, 1.0, 0.0],
            "revenue": [140.0, 40.0, 80.0, 40.0, 0.0],
            "revenue_per_customer": [70.0, 20.0, 40.0, 40.0, 0.0],
            "cumulative_revenue_per_customer": [70.0, 90.0, 130.0, 40.0, 40.0],
            "complete": [True] * 5,
        }
    )
    assert_frame_equal(result, expected)


def test_cohort_matrix_rates_counts_and_revenue() -> None:
    table = cohort_table(THREE, as_of=dt.date(2024, 3, 31))
    rates = cohort_matrix(table)
    assert rates.columns == ["cohort", "cohort_size", "0", "1", "2"]
    assert rates.rows() == [(JAN, 2, 1.0, 0.5, 1.0), (FEB, 1, 1.0, 0.0, None)]
    counts = cohort_matrix(table, value="active_customers")
    assert counts.rows() == [(JAN, 2, 2, 1, 2), (FEB, 1, 1, 0, None)]
    revenue = cohort_matrix(table, value="revenue")
    assert revenue.rows() == [(JAN, 2, 140.0, 40.0, 80.0), (FEB, 1, 40.0, 0.0, None)]
    with pytest.raises(ValueError, match="value='nps'"):
        cohort_matrix(table, value="nps")
    with pytest.raises(ValueError, match="missing: revenue"):
        cohort_matrix(table.drop("revenue"), value="revenue")


def test_only_observable_cells_and_the_running_period() -> None:
    mid_march = cohort_table(THREE, as_of=dt.date(2024, 3, 15))
    # b's purchase on the day of as_of counts; c's March cell exists, still running
    assert mid_march.select("cohort", "period_index", "active_customers", "complete").rows() == [
        (JAN, 0, 2, True),
        (JAN, 1, 1, True),
        (JAN, 2, 2, False),
        (FEB, 0, 1, True),
        (FEB, 1, 0, False),
    ]
    february = cohort_table(THREE, as_of=dt.date(2024, 2, 29))
    assert february.select("cohort", "period_index").rows() == [(JAN, 0), (JAN, 1), (FEB, 0)]
    capped = cohort_table(THREE, as_of=dt.date(2024, 3, 31), max_periods=1)
    assert capped["period_index"].to_list() == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="max_periods=-1"):
        cohort_table(THREE, as_of=dt.date(2024, 3, 31), max_periods=-1)


def test_months_are_utc_months() -> None:
    # 2024-01-31 23:30 UTC is 1 February in Shanghai: a January cohort all the same
    shanghai = lines(
        ("a", dt.datetime(2024, 1, 31, 23, 30, tzinfo=UTC), 10.0, "paid"),
        ("a", dt.datetime(2024, 2, 1, 16, 0, tzinfo=UTC), 5.0, "paid"),
    ).with_columns(pl.col("order_ts").dt.convert_time_zone("Asia/Shanghai"))
    assert [t.month for t in shanghai["order_ts"]] == [2, 2]
    result = cohort_table(shanghai, as_of=dt.date(2024, 2, 29))
    assert result.select("cohort", "period_index", "active_customers").rows() == [
        (JAN, 0, 1),
        (JAN, 1, 1),
    ]
    # 2024-03-01 01:00 UTC is 29 February in New York: a March purchase
    new_york = lines(
        ("b", dt.datetime(2024, 2, 10, 12, tzinfo=UTC), 10.0, "paid"),
        ("b", dt.datetime(2024, 3, 1, 1, tzinfo=UTC), 5.0, "paid"),
    ).with_columns(pl.col("order_ts").dt.convert_time_zone("America/New_York"))
    assert new_york["order_ts"][1].month == 2
    result = cohort_table(new_york, as_of=dt.date(2024, 3, 1))
    assert result.select("cohort", "period_index", "active_customers", "revenue").rows() == [
        (FEB, 0, 1, 10.0),
        (FEB, 1, 1, 5.0),
    ]


def test_weekly_cohorts() -> None:
    frame = lines(
        ("a", ts(1, 3), 10.0, "paid"),  # Wednesday: week of Monday 1 January
        ("a", ts(1, 15), 10.0, "paid"),  # two weeks later
        ("b", ts(1, 7), 5.0, "paid"),  # Sunday: same week
    )
    result = cohort_table(frame, as_of=dt.date(2024, 1, 16), period="week")
    assert result.select("cohort", "period_index", "cohort_size", "active_customers").rows() == [
        (JAN, 0, 2, 2),
        (JAN, 1, 2, 0),
        (JAN, 2, 2, 1),
    ]
    assert result["complete"].to_list() == [True, True, False]
    with pytest.raises(ValueError, match="period='quarter'"):
        cohort_table(frame, as_of=dt.date(2024, 1, 16), period="quarter")  # type: ignore[arg-type]


def test_empty_all_cancelled_and_stray_refunds() -> None:
    empty = cohort_table(lines(), as_of=dt.date(2024, 3, 31))
    assert empty.is_empty() and "retention_rate" in empty.columns
    assert cohort_matrix(empty).columns == ["cohort", "cohort_size"]
    cancelled = lines(("a", ts(1, 1), 5.0, "cancelled"))
    assert cohort_table(cancelled, as_of=dt.date(2024, 3, 31)).is_empty()
    # a refund dated before the first purchase is left out (no negative period index)
    stray = lines(("a", ts(1, 10), -5.0, "refunded"), ("a", ts(2, 1), 20.0, "paid"))
    result = cohort_table(stray, as_of=dt.date(2024, 2, 29))
    assert result.select("cohort", "period_index", "revenue").rows() == [(FEB, 0, 20.0)]


def test_cohort_chart() -> None:
    table = cohort_table(THREE, as_of=dt.date(2024, 3, 31))
    spec = cohort_chart(table, value="retention_rate", lang="en").to_dict()
    rect, text = spec["layer"]
    assert rect["encoding"]["x"]["title"] == "Months since first purchase"
    assert rect["encoding"]["y"]["sort"] == ["2024-01", "2024-02"]
    assert text["encoding"]["text"]["format"] == ".0%"
    rows = next(iter(spec["datasets"].values()))
    assert [(r["cohort_label"], r["period_index"], r["retention_rate"]) for r in rows] == [
        ("2024-01", 0, 1.0),
        ("2024-01", 1, 0.5),
        ("2024-01", 2, 1.0),
        ("2024-02", 0, 1.0),
        ("2024-02", 1, 0.0),
    ]
    zh = cohort_chart(table, value="revenue", lang="zh").to_dict()
    color = zh["layer"][0]["encoding"]["color"]
    assert color["title"] == "净收入"
    # the scale ends at the largest cell after period 0 (80 in March, not January's 140)
    assert color["scale"]["domain"] == [0, 80.0] and color["scale"]["clamp"] is True
    with pytest.raises(ValueError, match="value='x'"):
        cohort_chart(table, value="x")


# --------------------------------------------------------------------------------------------
# Online Retail
# --------------------------------------------------------------------------------------------


def test_online_retail_cohorts_agree_with_an_independent_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cimlab.importer import check_file

    path = shared_dataset("online_retail.csv.gz")
    orders = check_file(path, mapping="online_retail").valid.rename(
        {"source_customer_id": "customer_id"}
    )
    as_of = orders["order_ts"].max().date()  # type: ignore[union-attr]
    table = cohort_table(orders, as_of=as_of)

    # Independent count straight from the raw file: identified customers, no "C" invoices,
    # cohort = month of the first invoice.
    raw = (
        pl.read_csv(path, infer_schema=False)
        .filter(pl.col("CustomerID").is_not_null(), ~pl.col("InvoiceNo").str.starts_with("C"))
        .select(
            "CustomerID",
            pl.col("InvoiceDate")
            .str.to_datetime("%Y-%m-%d %H:%M:%S")
            .dt.truncate("1mo")
            .alias("m"),
        )
    )
    first = raw.group_by("CustomerID").agg(pl.col("m").min().alias("cohort"))
    dec = raw.join(first, on="CustomerID").filter(pl.col("cohort") == dt.datetime(2010, 12, 1))
    active = dec.group_by("m").agg(pl.col("CustomerID").n_unique()).sort("m")["CustomerID"]

    december = table.filter(pl.col("cohort") == dt.date(2010, 12, 1)).sort("period_index")
    assert (
        december["cohort_size"][0]
        == first.filter(pl.col("cohort") == dt.datetime(2010, 12, 1)).height
    )
    assert december["active_customers"].to_list() == active.to_list()
    assert table.group_by("cohort").agg(pl.col("cohort_size").first())["cohort_size"].sum() == (
        4_339
    )  # every buyer in exactly one cohort (as in test_rfm)
    size, month1 = december["cohort_size"][0], december["retention_rate"][1]
    assert (size, december["active_customers"][1]) == (885, 324)
    assert december["complete"].to_list() == [True] * 12 + [False]  # December 2011 is cut short
    with capsys.disabled():
        print(
            f"\nOnline Retail: Dec-2010 cohort {size} customers, month-1 retention {month1:.1%}, "
            f"month-11 {december['retention_rate'][11]:.1%}"
        )
