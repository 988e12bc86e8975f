"""A rate with no observations is drawn as "no data", never as 0, by every chart builder that
shows rates: bars get a "no data" mark where the value is null, and the null stays null in the
data the chart embeds (a 0 would draw, and read, as a real 0)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from cimlab.analytics.channels import acquisition_summary
from cimlab.analytics.satisfaction import satisfaction_table
from cimlab.charts.channels import acquisition_chart, channel_chart
from cimlab.charts.clusters import cluster_profile_chart
from cimlab.charts.kpis import kpi_trend_chart
from cimlab.charts.rfm import segment_bar_chart
from cimlab.charts.satisfaction import complaint_rate_chart, nps_chart

UTC = dt.UTC


def _rows(spec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [row for rows in spec["datasets"].values() for row in rows if key in row]


def _marks(spec: dict[str, Any]) -> list[str]:
    return [layer["mark"]["type"] for layer in spec.get("layer", [spec])]


def test_acquisition_channel_without_observed_customers_reads_no_data() -> None:
    # a came through JD on 1 January and came back; b came through Tmall on 25 January: with a
    # 30-day horizon as of 31 January nobody from Tmall is observed yet
    orders = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "channel": ["jd", "jd", "tmall"],
            "order_ts": [dt.datetime(2024, 1, d, tzinfo=UTC) for d in (1, 5, 25)],
            "amount": [10.0, 20.0, 5.0],
            "status": ["paid"] * 3,
        }
    )
    summary = acquisition_summary(orders, as_of="2024-01-31", horizon_days=30)
    assert summary.select("acquisition_channel", "observed_customers", "repeat_rate").rows() == [
        ("jd", 1, 1.0),
        ("tmall", 0, None),
    ]
    for lang, words, tmall in (("zh", "无数据", "天猫"), ("en", "no data", "Tmall")):
        spec = acquisition_chart(summary, measure="repeat_rate", lang=lang).to_dict()
        assert _marks(spec) == ["bar", "text"]
        assert _rows(spec, "no_data") == [{"label": tmall, "no_data": words}]
        bars = {r["label"]: r["repeat_rate"] for r in _rows(spec, "repeat_rate")}
        assert bars[tmall] is None  # null, never 0
    # with every channel observed the chart is the bars alone
    spec = acquisition_chart(summary.head(1), measure="repeat_rate").to_dict()
    assert _marks(spec) == ["bar"]


def test_channel_without_orders_has_no_average_order_value() -> None:
    metrics = pl.DataFrame(
        {
            "channel": ["jd", "tmall"],
            "customers": [2, 0],
            "new_customers": [1, 0],
            "orders": [4, 0],
            "revenue": [100.0, -5.0],
            "revenue_share": [1.05, -0.05],
            "aov": [25.0, None],
        }
    )
    spec = channel_chart(metrics, measure="aov", lang="en").to_dict()
    assert _rows(spec, "no_data") == [{"label": "Tmall", "no_data": "no data"}]
    assert _marks(channel_chart(metrics, measure="revenue").to_dict()) == ["bar"]


def test_satisfaction_groups_without_observations_read_no_data() -> None:
    # jd has answers and flags; tmall has one NPS-less answer without a complaint flag
    fb = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "channel": ["jd", "jd", "tmall"],
            "ts": [dt.datetime(2024, 1, d, tzinfo=UTC) for d in (1, 2, 3)],
            "nps": [10, 3, None],
            "csat": [5, 2, 4],
            "complaint": [False, True, None],
        }
    )
    stats = satisfaction_table(fb, as_of="2024-01-31", by="channel")
    assert stats.select("channel", "nps_answers", "complaint_base", "complaint_rate").rows() == [
        ("jd", 2, 2, 0.5),
        ("tmall", 0, 0, None),
    ]
    complaint = complaint_rate_chart(stats, group="channel", lang="zh").to_dict()
    assert _marks(complaint) == ["bar", "errorbar", "text"]
    assert _rows(complaint, "no_data") == [{"label": "天猫", "no_data": "无数据"}]
    assert {r["label"]: r["complaint_rate"] for r in _rows(complaint, "complaint_rate")} == {
        "京东": 0.5,
        "天猫": None,
    }
    nps = nps_chart(stats, group="channel", lang="en").to_dict()
    assert _marks(nps) == ["rule", "errorbar", "point", "text"]
    assert _rows(nps, "no_data") == [{"label": "Tmall", "no_data": "no data"}]


def test_cluster_feature_nobody_has_reads_no_data() -> None:
    profiles = pl.DataFrame(
        {
            "cluster": [0, 1],
            "name": ["big_ticket", "occasional"],
            "customers": [10, 30],
            "share": [0.25, 0.75],
            "total_spend": [900.0, 100.0],
            "nps_mean": [None, 8.0],  # nobody in cluster 0 answered the survey
        }
    )
    rows = _rows(cluster_profile_chart(profiles, lang="zh").to_dict(), "feature")
    shown = {(r["cluster_label"], r["feature"]): r["shown"] for r in rows}
    assert shown[("大额客户", "nps_mean")] == "无数据"
    assert shown[("偶尔购买的客户", "nps_mean")] == "8.0"


def test_revenue_share_of_no_revenue_is_no_data_and_kpi_gaps_stay_null() -> None:
    table = pl.DataFrame(
        {"segment": ["Lost", "Champions"], "customers": [3, 1], "net_spend": [0.0, 0.0]}
    )
    rows = _rows(segment_bar_chart(table, lang="en").to_dict(), "measure")
    shares = {(r["label"], r["measure"]): r["value"] for r in rows}
    assert shares[("Lost", "Customers")] == 0.75
    assert shares[("Lost", "Net revenue")] is None and shares[("Champions", "Net revenue")] is None
    trend = pl.DataFrame(
        {
            "period_end": [dt.date(2024, 1, d) for d in (10, 20, 30)],
            "kpi": ["repeat_purchase_rate"] * 3,
            "value": [0.5, None, 0.25],  # nobody was active in the middle period
        }
    )
    spec = kpi_trend_chart(trend, kpi="repeat_purchase_rate", lang="en").to_dict()
    assert [r["value"] for r in _rows(spec, "value")] == [0.5, None, 0.25]
    assert spec["mark"]["type"] == "line"  # Vega-Lite breaks a line at a null: a gap, not a 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_data_words_come_from_i18n(lang: str) -> None:
    from cimlab.i18n import t

    metrics = pl.DataFrame(
        {
            "channel": ["jd"],
            "customers": [1],
            "new_customers": [0],
            "orders": [0],
            "revenue": [0.0],
            "revenue_share": [None],
            "aov": [None],
        },
        schema_overrides={"revenue_share": pl.Float64, "aov": pl.Float64},
    )
    spec = channel_chart(metrics, measure="aov", lang=lang).to_dict()
    assert [r["no_data"] for r in _rows(spec, "no_data")] == [t("ana.no_data", lang)]
