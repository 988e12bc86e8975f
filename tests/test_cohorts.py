"""Tests for cimlab.analytics.cohorts (and its chart): hand-computed retention and revenue matrices, month
boundaries in UTC and in other time zones, quarterly and weekly cohorts, observable cells only,
and Online Retail against an independent count."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.cohorts import cohort_matrix, cohort_table
from cimlab.charts.cohorts import cohort_chart
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


def test_an_order_reversed_the_same_day_is_no_purchase() -> None:
    orders = lines(
        ("a", ts(1, 5, 9), 80.0, "paid"),  # January: bought and cancelled the same day
        ("a", ts(1, 5, 10), -80.0, "cancelled"),
        ("a", ts(2, 3), 25.0, "paid"),  # February: the first purchase
        ("a", ts(3, 7), 10.0, "paid"),  # March: 10 bought, 30 returned the same day
        ("a", ts(3, 7, 15), -30.0, "refunded"),
    )
    result = cohort_table(orders, as_of=dt.date(2024, 3, 31))
    assert result.select("cohort", "period_index", "active_customers", "revenue").rows() == [
        (FEB, 0, 1, 25.0),
        (FEB, 1, 0, -20.0),  # no purchase in March; the credit note lowers its revenue
    ]


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


def test_months_are_utc_months_by_default() -> None:
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
    with pytest.raises(ValueError, match="period='fortnight' should be one of month, quarter"):
        cohort_table(frame, as_of=dt.date(2024, 1, 16), period="fortnight")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# time_zone
# --------------------------------------------------------------------------------------------

SHANGHAI, NEW_YORK = "Asia/Shanghai", "America/New_York"


def test_months_are_months_of_the_time_zone() -> None:
    frame = lines(
        ("a", dt.datetime(2024, 1, 31, 20, tzinfo=UTC), 10.0, "paid"),  # 1 February in Shanghai
        ("a", ts(2, 15), 5.0, "paid"),
    )
    columns = ["cohort", "period_index", "active_customers", "revenue", "complete"]
    utc = cohort_table(frame, as_of=dt.date(2024, 2, 29))
    assert utc.select(columns).rows() == [(JAN, 0, 1, 10.0, True), (JAN, 1, 1, 5.0, True)]
    shanghai = cohort_table(frame, as_of=dt.date(2024, 2, 29), time_zone=SHANGHAI)
    assert shanghai.select(columns).rows() == [(FEB, 0, 1, 15.0, True)]
    # a column stored in Shanghai time gives the same cohorts
    local = frame.with_columns(pl.col("order_ts").dt.convert_time_zone(SHANGHAI))
    assert_frame_equal(cohort_table(local, as_of="2024-02-29", time_zone=SHANGHAI), shanghai)
    # naive timestamps are taken as written: 31 January 20:00 is a January order anywhere
    naive = frame.with_columns(pl.col("order_ts").dt.replace_time_zone(None))
    assert_frame_equal(cohort_table(naive, as_of="2024-02-29", time_zone=SHANGHAI), utc)


def test_a_negative_offset_zone_and_an_aware_as_of() -> None:
    frame = lines(
        ("b", ts(2, 10), 10.0, "paid"),
        ("b", dt.datetime(2024, 3, 1, 1, tzinfo=UTC), 5.0, "paid"),  # 29 February in New York
    )
    as_of = dt.datetime(2024, 3, 1, 3, tzinfo=UTC)  # 1 March in UTC, 29 February in New York
    columns = ["cohort", "period_index", "active_customers", "revenue", "complete"]
    assert cohort_table(frame, as_of=as_of).select(columns).rows() == [
        (FEB, 0, 1, 10.0, True),
        (FEB, 1, 1, 5.0, False),
    ]
    assert cohort_table(frame, as_of=as_of, time_zone=NEW_YORK).select(columns).rows() == [
        (FEB, 0, 1, 15.0, True),  # February ends on as_of: complete
    ]


def test_weeks_are_weeks_of_the_time_zone() -> None:
    # Sunday 7 January 20:00 UTC is Monday 8 January in Shanghai: the next week
    frame = lines(("a", ts(1, 3), 10.0, "paid"), ("b", ts(1, 7, 20), 5.0, "paid"))
    monday = dt.date(2024, 1, 8)
    utc = cohort_table(frame, as_of="2024-01-08", period="week")
    assert utc.select("cohort", "period_index", "cohort_size").rows() == [
        (JAN, 0, 2),
        (JAN, 1, 2),
    ]
    shanghai = cohort_table(frame, as_of="2024-01-08", period="week", time_zone=SHANGHAI)
    assert shanghai.select("cohort", "period_index", "cohort_size").rows() == [
        (JAN, 0, 1),
        (JAN, 1, 1),
        (monday, 0, 1),
    ]


@pytest.mark.parametrize("zone", ["Mars/Base", "", "UTC+8"])
def test_an_unknown_time_zone_is_a_value_error(zone: str) -> None:
    naive = lines(("a", dt.datetime(2024, 1, 5), 1.0, "paid"))
    with pytest.raises(ValueError, match=r"time_zone=.* is not an IANA time zone"):
        cohort_table(naive, as_of="2024-01-31", time_zone=zone)


# --------------------------------------------------------------------------------------------
# Quarterly cohorts
# --------------------------------------------------------------------------------------------

Q1, Q2, Q3, Q4 = (dt.date(2024, m, 1) for m in (1, 4, 7, 10))
QUARTERS = lines(
    ("a", ts(1, 5), 100.0, "paid"),
    ("a", ts(3, 20), 50.0, "paid"),
    ("a", ts(5, 10), 20.0, "paid"),
    ("a", ts(11, 2), 30.0, "paid"),
    ("b", ts(2, 14), 40.0, "paid"),
    ("b", ts(4, 1), -10.0, "refunded"),  # a refund record: revenue, not activity
    ("b", ts(8, 15), 60.0, "paid"),
    ("c", ts(4, 30), 25.0, "paid"),
    ("c", ts(6, 30), 15.0, "paid"),
    ("c", ts(12, 1), 99.0, "cancelled"),
    ("d", dt.datetime(2024, 9, 30, 23, tzinfo=UTC), 70.0, "paid"),  # 1 October in Shanghai
)


def test_quarterly_cohorts_by_hand_with_a_running_quarter() -> None:
    result = cohort_table(QUARTERS, as_of=dt.date(2024, 11, 15), period="quarter")
    expected = pl.DataFrame(
        {
            "cohort": [Q1] * 4 + [Q2] * 3 + [Q3] * 2,
            "period_index": [0, 1, 2, 3, 0, 1, 2, 0, 1],
            "cohort_size": [2] * 4 + [1] * 3 + [1] * 2,
            "active_customers": [2, 1, 1, 1, 1, 0, 0, 1, 0],
            "retention_rate": [1.0, 0.5, 0.5, 0.5, 1.0, 0.0, 0.0, 1.0, 0.0],
            "revenue": [190.0, 10.0, 60.0, 30.0, 40.0, 0.0, 0.0, 70.0, 0.0],
            "revenue_per_customer": [95.0, 5.0, 30.0, 15.0, 40.0, 0.0, 0.0, 70.0, 0.0],
            "cumulative_revenue_per_customer": [
                *(95.0, 100.0, 130.0, 145.0),
                *(40.0, 40.0, 40.0),
                *(70.0, 70.0),
            ],
            "complete": [True, True, True, False, True, True, False, True, False],
        }
    )
    assert_frame_equal(result, expected)
    matrix = cohort_matrix(result, value="active_customers")
    assert matrix.rows() == [(Q1, 2, 2, 1, 1, 1), (Q2, 1, 1, 0, 0, None), (Q3, 1, 1, 0, None, None)]
    capped = cohort_table(QUARTERS, as_of="2024-11-15", period="quarter", max_periods=1)
    assert_frame_equal(capped, expected.filter(pl.col("period_index") <= 1))
    # in Shanghai d's order is on 1 October: a Q4 cohort, and no Q3 cohort
    shanghai = cohort_table(QUARTERS, as_of="2024-11-15", period="quarter", time_zone=SHANGHAI)
    assert_frame_equal(
        shanghai.filter(pl.col("cohort") < Q3), expected.filter(pl.col("cohort") < Q3)
    )
    assert shanghai.filter(pl.col("cohort") >= Q3).select(
        "cohort", "period_index", "revenue", "complete"
    ).rows() == [(Q4, 0, 70.0, False)]


def test_a_quarter_ending_on_as_of_is_complete_and_quarters_cross_years() -> None:
    result = cohort_table(QUARTERS, as_of=dt.date(2024, 9, 30), period="quarter")
    assert result.select("cohort", "period_index", "active_customers", "complete").rows() == [
        (Q1, 0, 2, True),
        (Q1, 1, 1, True),
        (Q1, 2, 1, True),
        (Q2, 0, 1, True),
        (Q2, 1, 0, True),
        (Q3, 0, 1, True),  # d at 23:00 UTC on the last day
    ]
    frame = lines(
        ("e", dt.datetime(2023, 11, 30, tzinfo=UTC), 1.0, "paid"),
        ("e", ts(1, 2), 2.0, "paid"),
        ("e", ts(7, 1), 3.0, "paid"),
    )
    result = cohort_table(frame, as_of=dt.date(2024, 7, 1), period="quarter")
    q4_2023 = dt.date(2023, 10, 1)
    assert result.select("cohort", "period_index", "active_customers", "complete").rows() == [
        (q4_2023, 0, 1, True),
        (q4_2023, 1, 1, True),
        (q4_2023, 2, 0, True),
        (q4_2023, 3, 1, False),
    ]


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
    from cimlab.ingest.importer import check_file

    path = shared_dataset("online_retail.csv.gz")
    orders = check_file(path, mapping="online_retail").valid.rename(
        {"source_customer_id": "customer_id"}
    )
    as_of = orders["order_ts"].max().date()  # type: ignore[union-attr]
    table = cohort_table(orders, as_of=as_of)

    # Independent count straight from the raw file: identified customers; a purchase day is a
    # customer-day whose lines (invoices and "C" credit notes) net to more than 0; cohort =
    # month of the first purchase day.
    raw = (
        pl.read_csv(path, infer_schema=False)
        .filter(pl.col("CustomerID").is_not_null())
        .with_columns(
            pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S").dt.date().alias("d"),
            (pl.col("Quantity").cast(pl.Int64) * pl.col("UnitPrice").cast(pl.Decimal(20, 4))).alias(
                "amount"
            ),
        )
        .filter(~pl.col("InvoiceNo").str.starts_with("C") | (pl.col("amount") < 0))
        .group_by("CustomerID", "d")
        .agg(pl.col("amount").sum())
        .filter(pl.col("amount") > 0)
        .select("CustomerID", pl.col("d").cast(pl.Datetime).dt.truncate("1mo").alias("m"))
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
    sizes = table.group_by("cohort").agg(pl.col("cohort_size").first())["cohort_size"]
    assert sizes.sum() == first.height == 4_334  # every buyer in one cohort (as in test_rfm)
    size, month1 = december["cohort_size"][0], december["retention_rate"][1]
    assert (size, december["active_customers"][1]) == (883, 322)
    assert december["complete"].to_list() == [True] * 12 + [False]  # December 2011 is cut short
    with capsys.disabled():
        print(
            f"\nOnline Retail: Dec-2010 cohort {size} customers, month-1 retention {month1:.1%}, "
            f"month-11 {december['retention_rate'][11]:.1%}"
        )
