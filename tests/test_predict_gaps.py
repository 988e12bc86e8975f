"""Tests for cimlab.predict.gaps: hand-computed gaps under the purchase-day rule, and agreement
with customer_summary (gaps == frequency, gap_mean == recency / frequency) on CDNOW and on
Online Retail (shared data: runs when CI=true)."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.rfm import customer_summary
from cimlab.predict.gaps import GAP_COLUMNS, purchase_gaps
from tests.conftest import shared_dataset
from tests.test_rfm import _lifetimes_file, lines


def ts(day: int, hour: int = 12, month: int = 1) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=dt.UTC)


def _orders() -> pl.DataFrame:
    return lines(
        # a: 1 Jan twice (one purchase day), 4 Jan fully reversed the same day (no purchase),
        # 8 Jan, a lone credit note on 10 Jan (no purchase), 15 Jan: gaps 7 and 7 days
        ("a", ts(1, 9), 10.0, "paid"),
        ("a", ts(1, 18), 5.0, "paid"),
        ("a", ts(4), 20.0, "paid"),
        ("a", ts(4, 15), -20.0, "refunded"),
        ("a", ts(8), 30.0, "paid"),
        ("a", ts(10), -4.0, "cancelled"),
        ("a", ts(15), 8.0, "paid"),
        # b: one purchase day; a pending and a positive cancelled line add nothing
        ("b", ts(3), 9.0, "paid"),
        ("b", ts(5), 50.0, "cancelled"),
        ("b", ts(6), 7.0, "pending"),
        # c: 2, 5, 11 Jan and 12 Jan 23:30 UTC (13 Jan in Shanghai); 20 Jan after as_of
        ("c", ts(2), 1.0, "paid"),
        ("c", ts(5), 1.0, "paid"),
        ("c", ts(11), 1.0, "paid"),
        ("c", ts(12, 23), 1.0, "paid"),
        ("c", ts(20), 1.0, "paid"),
        # d: only a credit note, never a purchase
        ("d", ts(2), -3.0, "refunded"),
    )


AS_OF = dt.date(2024, 1, 17)


def test_gaps_by_hand_in_days() -> None:
    result = purchase_gaps(_orders(), as_of=AS_OF)
    assert result.columns == ["customer_id", *GAP_COLUMNS]
    # c: gaps 3, 6, 1 days (12 Jan 23:00 UTC is still 12 Jan in UTC)
    std_c = math.sqrt(((3 - 10 / 3) ** 2 + (6 - 10 / 3) ** 2 + (1 - 10 / 3) ** 2) / 2)
    expected = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "gaps": [2, 0, 3],
            "gap_mean": [7.0, None, 10 / 3],
            "gap_median": [7.0, None, 3.0],
            "gap_std": [0.0, None, std_c],
            "gap_cv": [0.0, None, std_c / (10 / 3)],
            "gap_last": [7.0, None, 1.0],
            "litt": [2 * math.log(7), 0.0, math.log(3) + math.log(6) + math.log(1)],
        },
        schema_overrides={"gaps": pl.Int64},
    )
    assert_frame_equal(result, expected)


def test_time_zone_moves_a_purchase_day() -> None:
    result = purchase_gaps(_orders(), as_of=AS_OF, time_zone="Asia/Shanghai")
    c = result.filter(pl.col("customer_id") == "c").row(0, named=True)
    # in Shanghai c bought on 2, 5, 11 and 13 Jan (12 Jan 23:00 UTC is 13 Jan 07:00 there)
    assert c["gaps"] == 3 and c["gap_last"] == 2.0 and c["gap_median"] == 3.0
    assert c["litt"] == pytest.approx(math.log(3) + math.log(6) + math.log(2))


def test_same_day_in_one_zone_is_one_purchase() -> None:
    orders = lines(("e", ts(1, 20), 5.0, "paid"), ("e", ts(2, 1), 5.0, "paid"))
    assert purchase_gaps(orders, as_of=AS_OF)["gaps"].to_list() == [1]
    # 1 Jan 20:00 UTC and 2 Jan 01:00 UTC are both 2 Jan in Shanghai (UTC+8): one purchase day
    shanghai = purchase_gaps(orders, as_of=AS_OF, time_zone="Asia/Shanghai")
    assert shanghai.select("gaps", "gap_mean", "litt").row(0) == (0, None, 0.0)


def test_time_units() -> None:
    orders = _orders()
    weeks = purchase_gaps(orders, as_of=AS_OF, time_unit="week")
    a = weeks.filter(pl.col("customer_id") == "a").row(0, named=True)
    assert a["gap_mean"] == 1.0 and a["litt"] == 0.0  # two gaps of exactly one week
    months = purchase_gaps(orders, as_of=AS_OF, time_unit="month")
    assert months["gap_last"][0] == pytest.approx(7 / 30.4375)
    # calendar weeks: a bought in the weeks of 1, 8 and 15 Jan; c in those of 1 and 8 Jan
    # (2 and 5 Jan share a week, so do 11 and 12 Jan)
    calendar = purchase_gaps(orders, as_of=AS_OF, time_unit="calendar_week")
    assert calendar.select("customer_id", "gaps", "gap_last").rows() == [
        ("a", 2, 1.0),
        ("b", 0, None),
        ("c", 1, 1.0),
    ]
    with pytest.raises(ValueError, match="time_unit='fortnight'"):
        purchase_gaps(orders, as_of=AS_OF, time_unit="fortnight")  # type: ignore[arg-type]


def test_lazy_in_lazy_out_and_nothing_after_as_of_is_read() -> None:
    orders = _orders()
    lazy = purchase_gaps(orders.lazy(), as_of=AS_OF)
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), purchase_gaps(orders, as_of=AS_OF))
    cut = orders.filter(pl.col("order_ts") < dt.datetime(2024, 1, 18, tzinfo=dt.UTC))
    assert_frame_equal(purchase_gaps(cut, as_of=AS_OF), purchase_gaps(orders, as_of=AS_OF))


def _agrees_with_summary(gaps: pl.DataFrame, summary: pl.DataFrame, customer: str) -> None:
    joined = summary.join(gaps, on=customer, how="full", coalesce=True)
    assert joined.height == summary.height == gaps.height
    assert (joined["gaps"] == joined["frequency"]).all()
    repeat = joined.filter(pl.col("frequency") > 0)
    mean_from_summary = repeat["recency"] / repeat["frequency"]
    assert ((repeat["gap_mean"] - mean_from_summary).abs() < 1e-9).all()
    single = joined.filter(pl.col("frequency") == 0)
    assert single["gap_mean"].is_null().all() and (single["litt"] == 0.0).all()


@pytest.fixture(scope="module")
def cdnow_master() -> pl.DataFrame:
    text = _lifetimes_file("CDNOW_master.txt").splitlines()
    rows = [line.split() for line in text[1:] if line.strip()]
    frame = pl.DataFrame(rows, schema=["customer_id", "date", "cds", "dollars"], orient="row")
    return frame.with_columns(pl.col("date").str.to_date("%Y%m%d"), pl.col("dollars").cast(float))


@pytest.mark.parametrize("time_unit", ["day", "week", "calendar_week"])
def test_cdnow_gaps_agree_with_the_summary(cdnow_master: pl.DataFrame, time_unit: str) -> None:
    options = dict(time_col="date", amount_col="dollars", status_col=None)
    as_of = dt.date(1997, 9, 30)
    gaps = purchase_gaps(cdnow_master, as_of=as_of, time_unit=time_unit, **options)  # type: ignore[arg-type]
    summary = customer_summary(cdnow_master, as_of=as_of, time_unit=time_unit, **options)  # type: ignore[arg-type]
    _agrees_with_summary(gaps, summary, "customer_id")


def test_online_retail_gaps_agree_with_the_summary() -> None:
    from cimlab.ingest.importer import check_file

    path = shared_dataset("online_retail.csv.gz")
    valid = check_file(path, mapping="online_retail").valid
    as_of = valid["order_ts"].max().date()  # type: ignore[union-attr]
    options = dict(customer_col="source_customer_id", time_zone="Europe/London")
    gaps = purchase_gaps(valid, as_of=as_of, **options)  # type: ignore[arg-type]
    summary = customer_summary(valid, as_of=as_of, **options)  # type: ignore[arg-type]
    _agrees_with_summary(gaps, summary, "source_customer_id")
    # credit notes are in this file: the gaps are still exactly the summary's repeat days
    assert gaps["gaps"].sum() == summary["frequency"].sum()


def test_cdnow_statistics_against_plain_python(cdnow_master: pl.DataFrame) -> None:
    """Every statistic, recomputed with the statistics module from each customer's sorted
    purchase days (distinct days with a positive total), for 500 CDNOW customers."""
    import statistics

    as_of = dt.date(1997, 9, 30)
    chosen = cdnow_master["customer_id"].unique().sort().gather_every(40)
    lines_of = cdnow_master.filter(pl.col("customer_id").is_in(chosen.implode()))
    days: dict[str, dict[dt.date, float]] = {}
    for customer, day, amount in lines_of.select("customer_id", "date", "dollars").iter_rows():
        if day <= as_of:
            days.setdefault(customer, {}).setdefault(day, 0.0)
            days[customer][day] += amount
    gaps = purchase_gaps(
        lines_of, as_of=as_of, time_unit="week", time_col="date", amount_col="dollars",
        status_col=None,
    )  # fmt: skip
    by_customer = {row["customer_id"]: row for row in gaps.iter_rows(named=True)}
    bought = {c: sorted(d for d, v in spent.items() if v > 0) for c, spent in days.items()}
    bought = {c: d for c, d in bought.items() if d}
    assert set(by_customer) == set(bought)
    for customer, purchase_days in bought.items():
        weeks = [(b - a).days / 7 for a, b in itertools.pairwise(purchase_days)]
        row = by_customer[customer]
        assert row["gaps"] == len(weeks)
        assert row["litt"] == pytest.approx(sum(map(math.log, weeks)), abs=1e-12)
        if weeks:
            assert row["gap_median"] == pytest.approx(statistics.median(weeks), abs=1e-12)
            assert row["gap_last"] == pytest.approx(weeks[-1], abs=1e-12)
        if len(weeks) > 1:
            std = statistics.stdev(weeks)
            assert row["gap_std"] == pytest.approx(std, abs=1e-12)
            assert row["gap_cv"] == pytest.approx(std / statistics.mean(weeks), abs=1e-12)
        else:
            assert row["gap_std"] is None and row["gap_cv"] is None
