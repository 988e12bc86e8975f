"""Tests for cimlab.analytics.kpis (and the KPI trend chart): the KPIs and their previous period on a
hand-computed frame, a zero previous period, the trend agreeing with kpis() period by period,
adversarial inputs, and Online Retail."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.kpis import KPI_NAMES, kpi_trend, kpis, trend_periods
from cimlab.charts.kpis import kpi_trend_chart
from tests.conftest import shared_dataset

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
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def ts(day: int, hour: int = 12, month: int = 1) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=UTC)


# as_of 2024-01-30, days=10: current = 21..30 January, previous = 11..20 January.
ORDERS = lines(
    ("a", "jd", "A1", ts(5), 100.0, "paid"),  # before both periods
    ("a", "jd", "A2", ts(15), 50.0, "paid"),  # previous: a repeat purchase
    ("a", "tmall", "A3", ts(25), 30.0, "paid"),  # current: a repeat purchase
    ("b", "jd", "B1", ts(12), 20.0, "paid"),  # previous: b is new
    ("b", "jd", "B1", ts(12), 10.0, "paid"),  # second line of the same order
    ("c", "tmall", "C1", ts(22), 60.0, "paid"),  # current: c is new ...
    ("c", "tmall", "C2", ts(28), 40.0, "paid"),  # ... and comes back
    ("c", "tmall", "C2", ts(29), -20.0, "refunded"),
    ("d", "jd", "D1", ts(26), 500.0, "cancelled"),
    ("e", "jd", "E1", ts(30), 70.0, "pending"),
    ("f", "jd", "F1", ts(31), 70.0, "paid"),  # after as_of
    (None, "jd", "G1", ts(24), 70.0, "paid"),  # no customer
)
CUSTOMERS = pl.DataFrame(
    {
        "customer_id": ["a", "g", "h", "i", "j"],
        "first_seen": [
            dt.datetime(2023, 12, 1, tzinfo=UTC),  # known before a's first purchase
            dt.datetime(2024, 1, 18, tzinfo=UTC),
            None,  # known, date unknown: counted in every period
            dt.datetime(2024, 1, 25, tzinfo=UTC),
            dt.datetime(2024, 2, 5, tzinfo=UTC),  # not known yet
        ],
    },
    schema_overrides={"first_seen": pl.Datetime("us", "UTC")},
)
AS_OF = dt.date(2024, 1, 30)


def test_kpis_and_previous_period_by_hand() -> None:
    result = kpis(ORDERS, as_of=AS_OF, days=10, customers=CUSTOMERS)
    value = [6.0, 2.0, 1.0, 110.0, 3.0, 110 / 3, 1.0]
    previous = [4.0, 2.0, 1.0, 80.0, 2.0, 40.0, 0.5]
    expected = pl.DataFrame(
        {
            "kpi": list(KPI_NAMES),
            "value": value,
            "previous": previous,
            "change": [v - p for v, p in zip(value, previous, strict=True)],
            "change_pct": [50.0, 0.0, 0.0, 37.5, 50.0, 100 * (110 / 3 - 40) / 40, 100.0],
        }
    )
    assert_frame_equal(result, expected)
    # without the customers frame, only buyers are known
    bare = kpis(ORDERS, as_of=AS_OF, days=10)
    assert bare.row(0) == ("customers", 3.0, 2.0, 1.0, 50.0)
    assert_frame_equal(bare.slice(1), result.slice(1))


def test_zero_previous_period() -> None:
    frame = lines(("a", "jd", "1", ts(25), 10.0, "paid"), ("a", "jd", "2", ts(26), 5.0, "paid"))
    result = {row[0]: row[1:] for row in kpis(frame, as_of=AS_OF, days=10).rows()}
    assert result["revenue"] == (15.0, 0.0, 15.0, None)
    assert result["new_customers"] == (1.0, 0.0, 1.0, None)
    assert result["average_order_value"] == (7.5, None, None, None)
    assert result["repeat_purchase_rate"] == (1.0, None, None, None)  # came back on day two


def test_negative_previous_revenue_keeps_the_sign_of_the_change() -> None:
    frame = lines(
        ("a", "jd", "1", ts(1), 100.0, "paid"),
        ("a", "jd", "1", ts(15), -40.0, "refunded"),  # previous period: only the refund
        ("a", "jd", "2", ts(25), 20.0, "paid"),
    )
    revenue = kpis(frame, as_of=AS_OF, days=10).filter(pl.col("kpi") == "revenue").row(0)
    assert revenue == ("revenue", 20.0, -40.0, 60.0, 150.0)


def test_trend_agrees_with_kpis_for_every_period() -> None:
    trend = kpi_trend(ORDERS, as_of=AS_OF, periods=4, days=7, customers=CUSTOMERS)
    assert trend.columns == ["period_start", "period_end", "kpi", "value"]
    assert trend.height == 4 * len(KPI_NAMES)
    assert trend["kpi"].unique(maintain_order=True).to_list() == list(KPI_NAMES)
    ends = trend["period_end"].unique(maintain_order=True).to_list()
    assert ends == [dt.date(2024, 1, 9), dt.date(2024, 1, 16), dt.date(2024, 1, 23), AS_OF]
    assert trend["period_start"].unique(maintain_order=True).to_list()[0] == dt.date(2024, 1, 3)
    for end in ends:
        single = kpis(ORDERS, as_of=end, days=7, customers=CUSTOMERS).select("kpi", "value")
        at_end = trend.filter(pl.col("period_end") == end).select("kpi", "value")
        assert_frame_equal(at_end, single)


def test_empty_orders_and_customers_without_orders() -> None:
    empty = kpis(lines(), as_of=AS_OF)
    assert empty["kpi"].to_list() == list(KPI_NAMES)
    assert empty["value"].to_list() == [0.0, 0.0, 0.0, 0.0, 0.0, None, None]
    assert empty["change_pct"].null_count() == len(KPI_NAMES)
    known = kpis(lines(), as_of=AS_OF, days=10, customers=CUSTOMERS)
    assert known.row(0) == ("customers", 4.0, 3.0, 1.0, 100 / 3)  # a, g, h, i ; a, g, h
    cancelled = kpis(lines(("a", "jd", "1", ts(25), 9.0, "cancelled")), as_of=AS_OF)
    assert cancelled["value"].to_list() == empty["value"].to_list()


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="days=0"):
        kpis(ORDERS, as_of=AS_OF, days=0)
    with pytest.raises(ValueError, match="periods=0"):
        kpi_trend(ORDERS, as_of=AS_OF, periods=0)
    with pytest.raises(ValueError, match="first_seen"):
        kpis(ORDERS, as_of=AS_OF, customers=CUSTOMERS.drop("first_seen"))
    with pytest.raises(ValueError, match="no column 'channel'"):
        kpis(ORDERS.drop("channel"), as_of=AS_OF)


# --------------------------------------------------------------------------------------------
# time_zone
# --------------------------------------------------------------------------------------------

SHANGHAI, NEW_YORK = "Asia/Shanghai", "America/New_York"
# as_of 2024-01-31, days=7: current = 25..31 January, previous = 18..24 January.
EDGES = lines(
    ("a", "jd", "1", ts(24, 17), 10.0, "paid"),  # UTC 24th; Shanghai 25th 01:00; NY 24th
    ("b", "jd", "2", ts(31, 20), 20.0, "paid"),  # UTC 31st; Shanghai 1 February; NY 31st
    ("c", "tmall", "3", ts(25, 3), 40.0, "paid"),  # UTC 25th; Shanghai 25th; NY 24th 22:00
)


@pytest.mark.parametrize(
    ("zone", "value", "previous"),
    [
        ("UTC", [3, 2, 2, 60, 2, 30, 0], [1, 1, 1, 10, 1, 10, 0]),
        (SHANGHAI, [2, 2, 2, 50, 2, 25, 0], [0, 0, 0, 0, 0, None, None]),
        (NEW_YORK, [3, 1, 1, 20, 1, 20, 0], [2, 2, 2, 50, 2, 25, 0]),
    ],
)
def test_kpi_periods_are_days_of_the_time_zone(
    zone: str, value: list[float | None], previous: list[float | None]
) -> None:
    result = kpis(EDGES, as_of=dt.date(2024, 1, 31), days=7, time_zone=zone)
    assert result["value"].to_list() == value
    assert result["previous"].to_list() == previous


def test_default_is_utc_and_aware_as_of_is_read_in_the_time_zone() -> None:
    default = kpis(ORDERS, as_of=AS_OF, days=10, customers=CUSTOMERS)
    assert_frame_equal(
        default, kpis(ORDERS, as_of=AS_OF, days=10, customers=CUSTOMERS, time_zone="UTC")
    )
    as_of = dt.datetime(2024, 1, 31, 20, tzinfo=UTC)  # 1 February in Shanghai
    assert_frame_equal(
        kpis(EDGES, as_of=as_of, days=7, time_zone=SHANGHAI),
        kpis(EDGES, as_of="2024-02-01", days=7, time_zone=SHANGHAI),
    )
    revenue = kpis(EDGES, as_of=as_of, days=1, time_zone=SHANGHAI).filter(
        pl.col("kpi") == "revenue"
    )
    assert revenue.row(0)[1:3] == (20.0, 0.0)  # b on 1 February; nothing on 31 January


def test_customers_first_seen_near_midnight() -> None:
    seen = pl.DataFrame(
        {
            "customer_id": ["g", "h"],
            "first_seen": [
                dt.datetime(2024, 1, 31, 18, tzinfo=UTC),  # Shanghai 1 February; NY 31 January
                dt.datetime(2024, 1, 24, 16, 30, tzinfo=UTC),  # Shanghai 25th 00:30; NY 24th
            ],
        }
    )

    def known(customers: pl.DataFrame, zone: str) -> tuple:
        result = kpis(
            lines(), as_of=dt.date(2024, 1, 31), days=7, customers=customers, time_zone=zone
        )
        return result.row(0)[1:3]  # customers: value, previous

    assert known(seen, "UTC") == (2.0, 1.0)
    assert known(seen, SHANGHAI) == (1.0, 0.0)
    assert known(seen, NEW_YORK) == (2.0, 1.0)
    # stored in Shanghai time: the same instants
    local = seen.with_columns(pl.col("first_seen").dt.convert_time_zone(SHANGHAI))
    assert known(local, SHANGHAI) == (1.0, 0.0) and known(local, "UTC") == (2.0, 1.0)
    # naive: taken as written (31 January 18:00 is 31 January in any zone)
    naive = seen.with_columns(pl.col("first_seen").dt.replace_time_zone(None))
    assert known(naive, SHANGHAI) == (2.0, 1.0)
    # a buyer seen (24 January 23:00 in Shanghai) before their first purchase (25 January)
    early = pl.DataFrame(
        {"customer_id": ["a"], "first_seen": [dt.datetime(2024, 1, 24, 15, tzinfo=UTC)]}
    )
    assert known(early, SHANGHAI) == (1.0, 1.0)
    with_orders = kpis(EDGES, as_of="2024-01-31", days=7, customers=early, time_zone=SHANGHAI)
    assert with_orders.row(0)[1:3] == (2.0, 1.0)  # a (known earlier) and c; without: (2.0, 0.0)


def test_trend_in_a_time_zone_agrees_with_kpis() -> None:
    trend = kpi_trend(EDGES, as_of="2024-02-01", periods=3, days=3, time_zone=SHANGHAI)
    ends = trend["period_end"].unique(maintain_order=True).to_list()
    assert ends == [dt.date(2024, 1, 26), dt.date(2024, 1, 29), dt.date(2024, 2, 1)]
    for end in ends:
        single = kpis(EDGES, as_of=end, days=3, time_zone=SHANGHAI).select("kpi", "value")
        assert_frame_equal(trend.filter(pl.col("period_end") == end).select("kpi", "value"), single)
    revenue = trend.filter(pl.col("kpi") == "revenue")["value"].to_list()
    assert revenue == [50.0, 0.0, 20.0]  # a and c on 25 January, b on 1 February


@pytest.mark.parametrize("zone", ["Mars/Base", "", "Beijing"])
def test_an_unknown_time_zone_is_a_value_error(zone: str) -> None:
    with pytest.raises(ValueError, match=r"time_zone=.* is not an IANA time zone"):
        kpis(lines(), as_of=AS_OF, time_zone=zone)
    with pytest.raises(ValueError, match=r"time_zone=.* is not an IANA time zone"):
        kpi_trend(ORDERS, as_of=AS_OF, time_zone=zone)


def test_trend_periods_reach_back_to_the_first_order() -> None:
    # periods of 30 days end on as_of: as of 31 July they are 2 July..31 July, 2 June..1 July,
    # 3 May..1 June; the first order (1 June) is in the third
    first = dt.datetime(2024, 6, 1, 23, tzinfo=UTC)
    orders = pl.DataFrame({"order_ts": [first, dt.datetime(2024, 9, 1, tzinfo=UTC)]})
    assert trend_periods(orders, as_of="2024-07-31", days=30) == 3
    assert trend_periods(orders, as_of="2024-07-01", days=30) == 2  # 2 June..1 July, then it
    assert trend_periods(orders, as_of="2024-06-30", days=30, least=1) == 1  # 1..30 June
    assert trend_periods(orders, as_of="2026-01-01", days=30, most=12) == 12
    assert trend_periods(orders, as_of="2024-07-01", days=7, least=1) == 5  # 30 days back
    # the day is read in the time zone: 1 June 23:00 UTC is 2 June in Shanghai
    assert trend_periods(orders, as_of="2024-07-01", days=30, least=1) == 2
    assert (
        trend_periods(orders, as_of="2024-07-01", days=30, least=1, time_zone="Asia/Shanghai") == 1
    )
    # lines after as_of do not count; no line at all gives the least
    assert trend_periods(orders, as_of="2024-05-01", days=30) == 2
    assert trend_periods(orders.clear(), as_of="2024-05-01", days=30, least=3) == 3
    with pytest.raises(ValueError, match="no column 'order_ts'"):
        trend_periods(pl.DataFrame({"ts": [first]}), as_of="2024-07-01")


def test_kpi_trend_chart() -> None:
    trend = kpi_trend(ORDERS, as_of=AS_OF, periods=4, days=10)
    spec = kpi_trend_chart(trend, kpi="repeat_purchase_rate", lang="zh").to_dict()
    assert spec["encoding"]["y"]["title"] == "复购率"
    rows = next(iter(spec["datasets"].values()))
    assert [r["value"] for r in rows] == [None, 0.0, 0.5, 1.0]  # nobody active in December
    with pytest.raises(ValueError, match="kpi='profit'"):
        kpi_trend_chart(trend, kpi="profit")


def test_online_retail_kpis(capsys: pytest.CaptureFixture[str]) -> None:
    from cimlab.ingest.importer import check_file

    path = shared_dataset("online_retail.csv.gz")
    orders = check_file(path, mapping="online_retail").valid.rename(
        {"source_customer_id": "customer_id"}
    )
    as_of = dt.date(2011, 11, 30)
    result = {row[0]: row[1:] for row in kpis(orders, as_of=as_of, days=30).rows()}
    # independent count: identified customers with a non-"C" invoice in 1..30 November 2011 on
    # a day whose invoices and "C" credit notes net to more than 0 (a purchase day, cimlab.lines)
    lines = orders.filter(
        pl.col("customer_id").is_not_null(),
        pl.col("order_ts").dt.date().is_between(dt.date(2011, 11, 1), as_of),
        (pl.col("status") == "paid") | (pl.col("amount") < 0),
    ).with_columns(day=pl.col("order_ts").dt.date())
    day_net = lines.group_by("customer_id", "day").agg(net=pl.col("amount").round(4).sum())
    november = lines.filter(pl.col("status") == "paid").join(
        day_net.filter(pl.col("net") > 1e-9), on=["customer_id", "day"]
    )
    assert result["active_customers"][0] == november["customer_id"].n_unique()
    assert result["orders"][0] == november["order_id"].n_unique()
    customers, active, new = (result[k][0] for k in KPI_NAMES[:3])
    assert new <= active <= customers
    with capsys.disabled():
        print(
            f"\nOnline Retail, November 2011: {active:,.0f} active customers "
            f"({result['active_customers'][3]:+.1f}% vs the 30 days before), {new:,.0f} new, revenue "
            f"£{result['revenue'][0]:,.0f}, repeat-purchase rate "
            f"{result['repeat_purchase_rate'][0]:.1%}"
        )
