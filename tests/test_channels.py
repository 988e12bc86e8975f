"""Tests for cimlab.analytics.channels (and its chart builders): hand-computed tiny frames, adversarial
inputs (empty, all cancelled, time zones, row order), and the demo workspace."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.channels import (
    NONE_CHANNEL,
    acquisition_channels,
    acquisition_summary,
    channel_metrics,
    channel_migration,
    channel_overlap,
)
from cimlab.charts.channels import (
    acquisition_chart,
    channel_chart,
    migration_chart,
    overlap_chart,
)

UTC = dt.UTC
SCHEMA = {
    "customer_id": pl.String,
    "channel": pl.String,
    "order_id": pl.String,
    "order_ts": pl.Datetime("us", "UTC"),
    "amount": pl.Float64,
    "status": pl.String,
}


def lines(*rows: tuple[str | None, str, str, dt.datetime, float, str]) -> pl.DataFrame:
    """Order lines ``(customer_id, channel, order_id, order_ts, amount, status)``."""
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def ts(month: int, day: int, hour: int = 12, year: int = 2024) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


JAN = (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
FEB = (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


# --------------------------------------------------------------------------------------------
# channel_metrics
# --------------------------------------------------------------------------------------------

METRIC_LINES = lines(
    ("a", "tmall", "T1", ts(1, 5), 100.0, "paid"),
    ("a", "tmall", "T1", ts(1, 5), 50.0, "paid"),  # second line of the same order
    ("a", "tmall", "T2", ts(1, 10), 30.0, "refunded"),  # paid and given back: not a purchase
    ("a", "tmall", "T1", ts(1, 12), -20.0, "refunded"),  # refund record
    ("b", "jd", "J1", ts(1, 7), 80.0, "paid"),
    ("b", "jd", "J2", ts(1, 8), 999.0, "cancelled"),  # never happened
    ("b", "jd", "CJ1", ts(1, 20), -15.0, "cancelled"),  # credit note (UCI "C" invoice)
    ("b", "tmall", "T3", ts(12, 20, year=2023), 10.0, "paid"),  # b's first purchase
    ("c", "jd", "J3", ts(1, 9), 40.0, "pending"),  # not paid: c is no customer
    (None, "jd", "J4", ts(1, 9), 70.0, "paid"),  # no customer
    ("e", "jd", "J5", ts(2, 1), 25.0, "paid"),  # after as_of
)


def test_channel_metrics_in_a_window_with_refunds_and_cancellations() -> None:
    result = channel_metrics(METRIC_LINES, as_of=dt.date(2024, 1, 31), start=dt.date(2024, 1, 1))
    expected = pl.DataFrame(
        {
            "channel": ["tmall", "jd"],
            "customers": [1, 1],
            "new_customers": [1, 0],  # b was acquired (in tmall) before the window
            "orders": [1, 1],
            "revenue": [130.0, 65.0],  # 100 + 50 - 20 ; 80 - 15
            "revenue_share": [130 / 195, 65 / 195],
            "aov": [130.0, 65.0],
        }
    )
    assert_frame_equal(result, expected)


def test_channel_metrics_over_all_history() -> None:
    result = channel_metrics(METRIC_LINES, as_of="2024-01-31")
    assert result.select("channel", "customers", "new_customers", "orders", "revenue").rows() == [
        ("tmall", 2, 2, 2, 140.0),
        ("jd", 1, 0, 1, 65.0),
    ]
    # new customers add up to every buyer; channel customers may not (b bought in both)
    assert result["new_customers"].sum() == 2


def test_channel_metrics_uses_the_net_amount_column_when_present() -> None:
    # order_facts adds net_amount; it is the revenue, whatever the amount says
    frame = METRIC_LINES.head(2).with_columns(net_amount=pl.Series([90.0, 45.0]))
    result = channel_metrics(frame, as_of=dt.date(2024, 1, 31))
    assert result["revenue"].to_list() == [135.0]


def test_channel_metrics_refund_only_channel_has_no_aov() -> None:
    frame = lines(
        ("a", "jd", "1", ts(1, 2), 10.0, "paid"),
        ("a", "tmall", "2", ts(1, 3), -5.0, "refunded"),
    )
    result = channel_metrics(frame, as_of=dt.date(2024, 1, 31))
    assert result.rows() == [("jd", 1, 1, 1, 10.0, 2.0, 10.0), ("tmall", 0, 0, 0, -5.0, -1.0, None)]


# --------------------------------------------------------------------------------------------
# acquisition
# --------------------------------------------------------------------------------------------


def test_acquisition_channel_ties_and_ignored_lines() -> None:
    noon = ts(1, 1)
    frame = lines(
        ("x", "tmall", "1", noon, 10.0, "paid"),
        ("x", "jd", "2", noon, 10.0, "paid"),  # same instant: "jd" sorts first
        ("x", "wechat", "3", ts(1, 2), 10.0, "paid"),
        ("y", "wechat", "4", ts(1, 1, 8), 10.0, "cancelled"),  # earlier, but not a purchase
        ("y", "offline_store", "5", ts(1, 1, 9), 10.0, "pending"),
        ("y", "tmall", "6", ts(1, 3), 10.0, "paid"),
        ("z", "jd", "7", ts(2, 1), 10.0, "paid"),  # after as_of
    )
    expected = pl.DataFrame(
        {
            "customer_id": ["x", "y"],
            "acquisition_channel": ["jd", "tmall"],
            "first_order_ts": [noon, ts(1, 3)],
        },
        schema_overrides={"first_order_ts": pl.Datetime("us", "UTC")},
    )
    as_of = dt.date(2024, 1, 31)
    assert_frame_equal(acquisition_channels(frame, as_of=as_of), expected)
    # the answer does not depend on the order of the rows
    for seed in range(3):
        shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
        assert_frame_equal(acquisition_channels(shuffled, as_of=as_of), expected)


def test_an_order_reversed_the_same_day_is_no_order_customer_or_acquisition() -> None:
    orders = lines(
        ("a", "jd", "J1", ts(1, 5, 9), 900.0, "paid"),  # cancelled the same day: no sale
        ("a", "jd", "J2", ts(1, 5, 10), -900.0, "cancelled"),
        ("a", "tmall", "T1", ts(1, 9), 40.0, "paid"),  # a's first purchase
        ("b", "jd", "J3", ts(1, 6), 30.0, "paid"),
    )
    metrics = channel_metrics(orders, as_of=dt.date(2024, 1, 31))
    assert metrics.select("channel", "customers", "new_customers", "orders", "revenue").rows() == [
        ("tmall", 1, 1, 1, 40.0),
        ("jd", 1, 1, 1, 30.0),
    ]
    first = acquisition_channels(orders, as_of=dt.date(2024, 1, 31))
    assert first.select("customer_id", "acquisition_channel").rows() == [
        ("a", "tmall"),
        ("b", "jd"),
    ]
    overlap = channel_overlap(orders, as_of=dt.date(2024, 1, 31))
    assert overlap.select("channels", "customers").rows() == [("jd", 1), ("tmall", 1)]


def test_acquisition_summary_counts_only_fully_observed_customers() -> None:
    frame = lines(
        ("a", "jd", "1", ts(1, 1), 100.0, "paid"),
        ("a", "tmall", "2", ts(1, 20), 50.0, "paid"),  # repeat within 30 days, other channel
        ("a", "jd", "3", ts(2, 15), 70.0, "paid"),  # outside a's horizon
        ("b", "jd", "4", ts(1, 10, 9), 40.0, "paid"),
        ("b", "jd", "5", ts(1, 10, 18), 20.0, "paid"),  # same day: not a repeat
        ("b", "jd", "4", ts(1, 15), -10.0, "refunded"),
        ("c", "tmall", "6", ts(2, 1), 30.0, "paid"),
        ("c", "tmall", "7", ts(3, 2), 99.0, "paid"),  # day 31 of c's horizon: outside
        ("d", "tmall", "8", ts(3, 5), 10.0, "paid"),  # acquired too recently to be observed
        ("e", "wechat", "9", ts(3, 2), 12.0, "paid"),  # exactly 30 days observed
    )
    result = acquisition_summary(frame, as_of=dt.date(2024, 3, 31), horizon_days=30)
    expected = pl.DataFrame(
        {
            "acquisition_channel": ["jd", "tmall", "wechat"],
            "customers": [2, 2, 1],
            "share": [0.4, 0.4, 0.2],
            "observed_customers": [2, 1, 1],
            "repeat_customers": [1, 0, 0],
            "repeat_rate": [0.5, 0.0, 0.0],
            "revenue_per_customer": [100.0, 30.0, 12.0],  # (150 + 50) / 2
        }
    )
    assert_frame_equal(result, expected)


def test_acquisition_summary_without_observed_customers() -> None:
    frame = lines(("a", "jd", "1", ts(3, 30), 10.0, "paid"))
    result = acquisition_summary(frame, as_of=dt.date(2024, 3, 31), horizon_days=365)
    assert result.rows() == [("jd", 1, 1.0, 0, 0, None, None)]
    with pytest.raises(ValueError, match="horizon_days=0"):
        acquisition_summary(frame, as_of=dt.date(2024, 3, 31), horizon_days=0)


# --------------------------------------------------------------------------------------------
# overlap
# --------------------------------------------------------------------------------------------


def test_channel_overlap_combinations() -> None:
    frame = lines(
        ("a", "tmall", "1", ts(1, 1), 1.0, "paid"),
        ("a", "offline_store", "2", ts(1, 2), 1.0, "paid"),
        ("b", "tmall", "3", ts(1, 3), 1.0, "paid"),
        ("c", "tmall", "4", ts(1, 4), 1.0, "paid"),
        ("c", "jd", "5", ts(1, 4), 1.0, "paid"),
        ("c", "offline_store", "6", ts(1, 4), 1.0, "paid"),
        ("d", "tmall", "7", ts(1, 5), 1.0, "paid"),
        ("d", "jd", "8", ts(1, 5), 1.0, "cancelled"),  # not a purchase in jd
        ("e", "jd", "9", ts(1, 6), 1.0, "paid"),
        ("e", "tmall", "10", ts(1, 6), 1.0, "pending"),
        ("f", "offline_store", "11", ts(1, 7), 1.0, "paid"),
        ("f", "tmall", "12", ts(1, 7), 1.0, "paid"),
        ("g", "wechat", "13", ts(2, 7), 1.0, "paid"),  # after as_of
    )
    expected = pl.DataFrame(
        {
            "channels": ["offline_store + tmall", "tmall", "jd", "jd + offline_store + tmall"],
            "n_channels": [2, 1, 1, 3],
            "customers": [2, 2, 1, 1],
            "share": [2 / 6, 2 / 6, 1 / 6, 1 / 6],
        }
    )
    assert_frame_equal(channel_overlap(frame, as_of=dt.date(2024, 1, 31)), expected)
    # a window: only a's and b's January 1–3 purchases
    window = channel_overlap(frame, as_of=dt.date(2024, 1, 3), start=dt.date(2024, 1, 2))
    assert window.rows() == [("offline_store", 1, 1, 0.5), ("tmall", 1, 1, 0.5)]


# --------------------------------------------------------------------------------------------
# migration
# --------------------------------------------------------------------------------------------

MIGRATION_LINES = lines(
    ("a", "tmall", "1", ts(1, 5), 100.0, "paid"),
    ("a", "jd", "2", ts(1, 6), 50.0, "paid"),
    ("a", "jd", "3", ts(2, 5), 80.0, "paid"),
    ("b", "jd", "4", ts(1, 7), 30.0, "paid"),
    ("c", "tmall", "5", ts(2, 8), 20.0, "paid"),
    ("d", "jd", "6", ts(1, 9), 20.0, "paid"),
    ("d", "jd", "7", ts(1, 10), 20.0, "paid"),
    ("d", "tmall", "8", ts(1, 11), 40.0, "paid"),  # revenue tie with jd; jd has more orders
    ("d", "jd", "9", ts(2, 12), 10.0, "paid"),
    ("e", "tmall", "10", ts(1, 13), 60.0, "paid"),
    ("e", "tmall", "10", ts(1, 14), -50.0, "refunded"),  # tmall nets 10
    ("e", "jd", "11", ts(1, 15), 30.0, "paid"),
    ("e", "tmall", "12", ts(2, 16), 25.0, "paid"),
    ("e", "jd", "13", ts(2, 16), 25.0, "paid"),  # full tie: "jd" sorts first
    ("f", "tmall", "14", ts(3, 1), 99.0, "paid"),  # in neither period
    ("g", "wechat", "15", ts(2, 3), 99.0, "cancelled"),  # no purchase
)


def test_channel_migration_main_channels_ties_and_none() -> None:
    result = channel_migration(MIGRATION_LINES, before=JAN, after=FEB)
    expected = pl.DataFrame(
        {
            "from_channel": [NONE_CHANNEL, "jd", "jd", "tmall"],
            "to_channel": ["tmall", NONE_CHANNEL, "jd", "jd"],
            "customers": [1, 1, 2, 1],
            "share": [1.0, 1 / 3, 2 / 3, 1.0],
        }
    )
    assert_frame_equal(result, expected)


def test_channel_migration_rejects_bad_periods() -> None:
    with pytest.raises(ValueError, match="must end before"):
        channel_migration(MIGRATION_LINES, before=JAN, after=(dt.date(2024, 1, 31), FEB[1]))
    with pytest.raises(ValueError, match="first day is after the last day"):
        channel_migration(MIGRATION_LINES, before=(JAN[1], JAN[0]), after=FEB)
    with pytest.raises(ValueError, match="pair of dates"):
        channel_migration(MIGRATION_LINES, before=JAN[0], after=FEB)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Adversarial
# --------------------------------------------------------------------------------------------


def test_empty_and_all_cancelled_orders_give_empty_frames_with_their_columns() -> None:
    as_of = dt.date(2024, 1, 31)
    for frame in (lines(), lines(("a", "jd", "1", ts(1, 1), 5.0, "cancelled"))):
        metrics = channel_metrics(frame, as_of=as_of)
        assert metrics.is_empty() and metrics.columns == [
            "channel",
            "customers",
            "new_customers",
            "orders",
            "revenue",
            "revenue_share",
            "aov",
        ]
        assert acquisition_channels(frame, as_of=as_of).is_empty()
        summary = acquisition_summary(frame, as_of=as_of)
        assert summary.is_empty() and "repeat_rate" in summary.columns
        assert channel_overlap(frame, as_of=as_of).is_empty()
        migration = channel_migration(frame, before=JAN, after=FEB)
        assert migration.is_empty() and migration.columns == [
            "from_channel",
            "to_channel",
            "customers",
            "share",
        ]


def test_days_are_utc_days_whatever_the_time_zone_of_order_ts() -> None:
    # 2024-02-01 07:30 in Shanghai is 2024-01-31 23:30 UTC: a January order
    shanghai = lines(("a", "jd", "1", ts(1, 31, 23).replace(minute=30), 10.0, "paid")).with_columns(
        pl.col("order_ts").dt.convert_time_zone("Asia/Shanghai")
    )
    assert shanghai["order_ts"][0].day == 1  # shown as 1 February locally
    assert channel_metrics(shanghai, as_of=dt.date(2024, 1, 31))["revenue"].to_list() == [10.0]
    assert channel_metrics(shanghai, as_of=dt.date(2024, 1, 30)).is_empty()
    # naive timestamps are taken as UTC
    naive = shanghai.with_columns(
        pl.col("order_ts").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    )
    assert channel_overlap(naive, as_of=dt.date(2024, 1, 31)).rows() == [("jd", 1, 1, 1.0)]


# --------------------------------------------------------------------------------------------
# time_zone: the calendar of the days
# --------------------------------------------------------------------------------------------

SHANGHAI, NEW_YORK = "Asia/Shanghai", "America/New_York"
# Shanghai is UTC+8; New York is UTC-5 in winter.
ZONED = lines(
    ("a", "jd", "1", ts(1, 31, 20), 10.0, "paid"),  # UTC 31 Jan; Shanghai 1 Feb; NY 31 Jan
    ("b", "tmall", "2", ts(1, 1, 3), 20.0, "paid"),  # UTC 1 Jan; Shanghai 1 Jan; NY 31 Dec
    ("a", "tmall", "3", ts(2, 1, 2), 5.0, "paid"),  # UTC 1 Feb; Shanghai 1 Feb; NY 31 Jan
)
METRIC_COLUMNS = ["channel", "customers", "new_customers", "orders", "revenue"]


def test_channel_metrics_window_edges_are_days_of_the_time_zone() -> None:
    def metrics(zone: str) -> list[tuple]:
        frame = channel_metrics(ZONED, as_of=JAN[1], start=JAN[0], time_zone=zone)
        return frame.select(METRIC_COLUMNS).rows()

    assert metrics("UTC") == [("tmall", 1, 1, 1, 20.0), ("jd", 1, 1, 1, 10.0)]
    # Shanghai: both of a's orders are on 1 February, after as_of; b is new on 1 January
    assert metrics(SHANGHAI) == [("tmall", 1, 1, 1, 20.0)]
    # New York: b bought on 31 December, before start (not new in January); both of a's orders
    # are on 31 January, a acquired in jd (the earlier one)
    assert metrics(NEW_YORK) == [("jd", 1, 1, 1, 10.0), ("tmall", 1, 0, 1, 5.0)]
    # the default is UTC
    assert_frame_equal(
        channel_metrics(ZONED, as_of=JAN[1], start=JAN[0]),
        channel_metrics(ZONED, as_of=JAN[1], start=JAN[0], time_zone="UTC"),
    )


def test_aware_as_of_and_start_are_read_in_the_time_zone() -> None:
    as_of = dt.datetime(2024, 1, 31, 20, tzinfo=UTC)  # 1 February in Shanghai
    start = dt.datetime(2023, 12, 31, 17, tzinfo=UTC)  # 1 January in Shanghai
    shanghai = channel_metrics(ZONED, as_of=as_of, start=start, time_zone=SHANGHAI)
    assert shanghai.select(METRIC_COLUMNS).rows() == [
        ("tmall", 2, 1, 2, 25.0),
        ("jd", 1, 1, 1, 10.0),
    ]
    assert_frame_equal(
        shanghai,
        channel_metrics(ZONED, as_of="2024-02-01", start="2024-01-01", time_zone=SHANGHAI),
    )
    # the same instants read in UTC: 31 December .. 31 January
    utc = channel_metrics(ZONED, as_of=as_of, start=start)
    assert utc.select(METRIC_COLUMNS).rows() == [("tmall", 1, 1, 1, 20.0), ("jd", 1, 1, 1, 10.0)]
    overlap = channel_overlap(ZONED, as_of=as_of, start=start, time_zone=SHANGHAI)
    assert overlap.rows() == [("jd + tmall", 2, 1, 0.5), ("tmall", 1, 1, 0.5)]


def test_acquisition_and_overlap_in_a_time_zone() -> None:
    as_of = JAN[1]
    acquired = acquisition_channels(ZONED, as_of=as_of, time_zone=SHANGHAI)
    assert acquired.rows() == [("b", "tmall", ts(1, 1, 3))]  # a's first purchase is 1 February
    assert acquired.schema["first_order_ts"] == pl.Datetime("us", "UTC")  # as stored
    assert acquisition_channels(ZONED, as_of=as_of)["customer_id"].to_list() == ["a", "b"]
    assert channel_overlap(ZONED, as_of=as_of, time_zone=SHANGHAI).rows() == [("tmall", 1, 1, 1.0)]
    assert channel_overlap(ZONED, as_of=as_of, time_zone=NEW_YORK).rows() == [
        ("jd + tmall", 2, 1, 0.5),
        ("tmall", 1, 1, 0.5),
    ]


def test_acquisition_summary_horizon_counts_days_of_the_time_zone() -> None:
    frame = lines(
        ("c", "jd", "1", ts(1, 1, 10), 30.0, "paid"),  # 1 January in UTC and in Shanghai
        ("c", "jd", "2", ts(1, 10, 20), 12.0, "paid"),  # UTC 10 January (day 10); Shanghai 11th
    )

    def summary(zone: str) -> tuple:
        result = acquisition_summary(frame, as_of=JAN[1], horizon_days=10, time_zone=zone)
        return result.select("repeat_customers", "repeat_rate", "revenue_per_customer").row(0)

    assert summary("UTC") == (1, 1.0, 42.0)
    assert summary(SHANGHAI) == (0, 0.0, 30.0)


def test_channel_migration_periods_are_days_of_the_time_zone() -> None:
    frame = lines(
        ("x", "jd", "1", ts(1, 31, 20), 30.0, "paid"),  # UTC January; Shanghai 1 February
        ("x", "tmall", "2", ts(2, 10), 20.0, "paid"),
        ("y", "tmall", "3", ts(1, 15), 10.0, "paid"),
        ("y", "jd", "4", ts(2, 29, 18), 10.0, "paid"),  # UTC 29 February; Shanghai 1 March
    )
    utc = channel_migration(frame, before=JAN, after=FEB)
    assert utc.rows() == [("jd", "tmall", 1, 1.0), ("tmall", "jd", 1, 1.0)]
    shanghai = channel_migration(frame, before=JAN, after=FEB, time_zone=SHANGHAI)
    assert shanghai.rows() == [(NONE_CHANNEL, "jd", 1, 1.0), ("tmall", NONE_CHANNEL, 1, 1.0)]
    # periods given as aware datetimes are read in the time zone: the same Shanghai months
    bounds = [dt.datetime(2023, 12, 31, 16, tzinfo=UTC), dt.datetime(2024, 1, 31, 15, tzinfo=UTC)]
    after = (dt.datetime(2024, 1, 31, 16, tzinfo=UTC), dt.datetime(2024, 2, 29, 15, tzinfo=UTC))
    assert_frame_equal(
        channel_migration(frame, before=(bounds[0], bounds[1]), after=after, time_zone=SHANGHAI),
        shanghai,
    )
    # New York (UTC-5): x's jd order is in January, y's jd order in February: as in UTC
    assert_frame_equal(channel_migration(frame, before=JAN, after=FEB, time_zone=NEW_YORK), utc)


def test_naive_timestamps_are_taken_as_written_in_any_time_zone() -> None:
    naive = ZONED.with_columns(pl.col("order_ts").dt.replace_time_zone(None))
    for zone in ("UTC", SHANGHAI, NEW_YORK):
        result = channel_metrics(naive, as_of=JAN[1], start=JAN[0], time_zone=zone)
        assert result.select(METRIC_COLUMNS).rows() == [
            ("tmall", 1, 1, 1, 20.0),
            ("jd", 1, 1, 1, 10.0),
        ]


def test_a_column_stored_in_the_time_zone_itself() -> None:
    local = ZONED.with_columns(pl.col("order_ts").dt.convert_time_zone(SHANGHAI))
    assert_frame_equal(
        channel_metrics(local, as_of=JAN[1], start=JAN[0], time_zone=SHANGHAI),
        channel_metrics(ZONED, as_of=JAN[1], start=JAN[0], time_zone=SHANGHAI),
    )
    assert_frame_equal(  # and read in UTC when asked
        channel_metrics(local, as_of=JAN[1], start=JAN[0]),
        channel_metrics(ZONED, as_of=JAN[1], start=JAN[0]),
    )


@pytest.mark.parametrize("zone", ["Mars/Base", "", "Beijing", 8])
def test_an_unknown_time_zone_is_a_value_error(zone: object) -> None:
    naive = ZONED.with_columns(pl.col("order_ts").dt.replace_time_zone(None))
    calls = [
        lambda z: channel_metrics(naive, as_of=JAN[1], time_zone=z),
        lambda z: acquisition_channels(ZONED, as_of=JAN[1], time_zone=z),
        lambda z: acquisition_summary(lines(), as_of=JAN[1], time_zone=z),
        lambda z: channel_overlap(naive, as_of=JAN[1], time_zone=z),
        lambda z: channel_migration(ZONED, before=JAN, after=FEB, time_zone=z),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"time_zone=.* is not an IANA time zone"):
            call(zone)


def test_lazy_frames_and_dates_as_text() -> None:
    eager = channel_metrics(METRIC_LINES, as_of=dt.date(2024, 1, 31))
    assert_frame_equal(channel_metrics(METRIC_LINES.lazy(), as_of="2024-01-31"), eager)


def test_missing_columns_and_bad_dates_are_named() -> None:
    with pytest.raises(ValueError, match="no column 'order_id'"):
        channel_metrics(METRIC_LINES.drop("order_id"), as_of=dt.date(2024, 1, 31))
    with pytest.raises(ValueError, match=r"amount \(or net_amount\)"):
        channel_overlap(METRIC_LINES.drop("amount"), as_of=dt.date(2024, 1, 31))
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        channel_metrics(METRIC_LINES, as_of="31/01/2024")
    with pytest.raises(TypeError, match="as_of"):
        channel_metrics(METRIC_LINES, as_of=20240131)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _data(spec: dict, key: str) -> list[dict]:
    return next(rows for rows in spec["datasets"].values() if rows and key in rows[0])


def test_channel_charts_translate_channels_and_titles() -> None:
    metrics = channel_metrics(METRIC_LINES, as_of=dt.date(2024, 1, 31))
    spec = channel_chart(metrics, measure="customers", lang="zh").to_dict()
    assert spec["encoding"]["x"]["title"] == "客户数"
    assert [r["label"] for r in _data(spec, "label")] == ["天猫", "京东"]
    with pytest.raises(ValueError, match="measure='profit'"):
        channel_chart(metrics, measure="profit")
    with pytest.raises(ValueError, match="missing: aov"):
        channel_chart(metrics.drop("aov"))

    summary = acquisition_summary(METRIC_LINES, as_of=dt.date(2024, 1, 31), horizon_days=10)
    spec = acquisition_chart(summary, lang="en").to_dict()
    assert spec["encoding"]["x"]["title"] == "Revenue per customer"
    assert [r["label"] for r in _data(spec, "label")] == ["Tmall"]


def test_overlap_and_migration_charts() -> None:
    overlap = pl.DataFrame(
        {
            "channels": ["tmall", "jd + tmall", "jd"],
            "n_channels": [1, 2, 1],
            "customers": [5, 2, 1],
            "share": [5 / 8, 2 / 8, 1 / 8],
        }
    )
    spec = overlap_chart(overlap, top=2, lang="zh").to_dict()
    bars = _data(spec, "customers")
    assert [(r["combination"], r["customers"]) for r in bars] == [("天猫", 5), ("京东 + 天猫", 2)]
    matrix = _data(spec, "member")
    assert {(r["combination"], r["label"]): r["member"] for r in matrix} == {
        ("天猫", "京东"): False,
        ("天猫", "天猫"): True,
        ("京东 + 天猫", "京东"): True,
        ("京东 + 天猫", "天猫"): True,
    }

    migration = channel_migration(MIGRATION_LINES, before=JAN, after=FEB)
    spec = migration_chart(migration, lang="zh").to_dict()
    cells = _data(spec, "from_label")
    assert ("（无）", "天猫", 1) in [
        (r["from_label"], r["to_label"], r["customers"]) for r in cells
    ]
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["京东", "天猫", "（无）"]


def test_every_generated_text_key_exists_in_both_languages() -> None:
    # pages and charts build these keys from column and KPI names
    from cimlab.analytics.cohorts import COHORT_VALUES
    from cimlab.analytics.kpis import KPI_NAMES
    from cimlab.i18n import LANGS, t

    as_of = dt.date(2024, 1, 31)
    frames = [
        channel_metrics(METRIC_LINES, as_of=as_of),
        acquisition_summary(METRIC_LINES, as_of=as_of),
        channel_overlap(METRIC_LINES, as_of=as_of),
        channel_migration(MIGRATION_LINES, before=JAN, after=FEB).rename(
            {"share": "migration_share"}
        ),
    ]
    keys = [f"ch.col.{c}" for frame in frames for c in frame.columns]
    keys += [f"coh.col.{c}" for c in (*COHORT_VALUES, "cohort", "cohort_size", "period_index")]
    keys += [f"kpi.{k}" for k in KPI_NAMES] + [f"kpi.def.{k}" for k in KPI_NAMES]
    for lang in LANGS:
        assert all(t(key, lang) for key in keys)
