"""RFM chart builders: the data they embed (hand-computed), labels, colours and bad inputs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import altair as alt
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.rfm import SEGMENT_GRID, SEGMENT_NAMES, SEGMENTS, rfm
from cimlab.charts.rfm import (
    SEGMENT_COLORS,
    rfm_distribution_chart,
    rfm_grid_chart,
    segment_bar_chart,
    segment_color_scale,
    segment_label,
)
from cimlab.cli.analyse import segment_table
from cimlab.i18n.segments import SEGMENT_ZH


def _datasets(chart: alt.TopLevelMixin) -> list[list[dict[str, Any]]]:
    return list(chart.to_dict()["datasets"].values())


def _rows_with(chart: alt.TopLevelMixin, key: str) -> pl.DataFrame:
    matches = [rows for rows in _datasets(chart) if rows and key in rows[0]]
    assert len(matches) == 1, f"expected one dataset with {key!r}"
    return pl.DataFrame(matches[0])


SCORES = pl.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e"],
        "r_score": [5, 5, 5, 1, 3],
        "fm_score": [5, 5, 4, 5, 1],
        "segment": ["Champions", "Champions", "Champions", "Cannot lose them", "About to sleep"],
        "total_spend": [100.0, 50.0, 30.0, 70.0, -10.0],
    },
    schema_overrides={"r_score": pl.Int8, "fm_score": pl.Int8},
)


# ------------------------------------------------------------------ palette and labels


def test_every_segment_has_its_own_colour() -> None:
    assert set(SEGMENT_COLORS) == set(SEGMENT_NAMES)
    assert len(set(SEGMENT_COLORS.values())) == len(SEGMENT_COLORS)


def test_segment_labels_follow_the_language() -> None:
    # the segment name is the code the analytics return; 中文 labels live in cimlab.i18n
    zh = [segment_label(name, "zh") for name in SEGMENTS["name"]]
    assert zh[:3] == ["冠军客户", "忠诚客户", "潜在忠诚客户"] and zh[-1] == "已流失客户"
    assert len(set(zh)) == SEGMENTS.height and set(zh) == {v[0] for v in SEGMENT_ZH.values()}
    for row in SEGMENTS.iter_rows(named=True):
        assert segment_label(row["name"], "en") == row["name"]
    assert segment_label("Unheard of", "zh") == "Unheard of"
    with pytest.raises(ValueError):
        segment_label("Lost", "fr")


def test_colour_scale_maps_labels_to_the_same_colours_in_both_languages() -> None:
    zh = segment_color_scale("zh").to_dict()
    en = segment_color_scale("en").to_dict()
    assert zh["range"] == en["range"] == [SEGMENT_COLORS[n] for n in SEGMENT_NAMES]
    assert zh["domain"] == [SEGMENT_ZH[n][0] for n in SEGMENT_NAMES]
    assert en["domain"] == list(SEGMENT_NAMES)


# ------------------------------------------------------------------ grid


def test_grid_embeds_all_25_cells_with_counts_revenue_and_shares() -> None:
    cells = _rows_with(rfm_grid_chart(SCORES, lang="en"), "r_score")
    assert cells.height == 25
    assert {(r, fm): s for r, fm, s in cells.select("r_score", "fm_score", "segment").rows()} == (
        SEGMENT_GRID
    )
    got = cells.filter(pl.col("customers") > 0).select(
        "r_score", "fm_score", "label", "customers", "revenue", "share", "revenue_share"
    )
    expected = pl.DataFrame(
        {
            "r_score": [1, 3, 5, 5],
            "fm_score": [5, 1, 4, 5],
            "label": ["Cannot lose them", "About to sleep", "Champions", "Champions"],
            "customers": [1, 1, 1, 2],
            "revenue": [70.0, -10.0, 30.0, 150.0],
            "share": [0.2, 0.2, 0.2, 0.4],
            "revenue_share": [70 / 240, -10 / 240, 30 / 240, 150 / 240],
        }
    )
    assert_frame_equal(got, expected, check_dtypes=False)
    assert cells["customers"].sum() == SCORES.height


def test_grid_value_switches_the_text_and_the_shading() -> None:
    for value, fmt in (("customers", ",d"), ("revenue", ",.0f")):
        spec = rfm_grid_chart(SCORES, value=value, lang="en").to_dict()  # type: ignore[arg-type]
        text = spec["layer"][2]["encoding"]["text"]
        assert (text["field"], text["format"]) == (value, fmt)
        cells = _rows_with(rfm_grid_chart(SCORES, value=value, lang="en"), "r_score")  # type: ignore[arg-type]
        # shading never goes below zero (a refund-heavy cell is as light as an empty one)
        expected = cells[value].cast(pl.Float64).clip(lower_bound=0.0)
        assert cells["shade"].to_list() == expected.to_list()


def test_grid_titles_and_labels_are_translated() -> None:
    en = rfm_grid_chart(SCORES, lang="en").to_dict()
    zh = rfm_grid_chart(SCORES, lang="zh").to_dict()
    assert en["title"] == "Customers per RFM cell"
    assert zh["title"] == "各 RFM 格的客户数"
    assert en["layer"][0]["encoding"]["x"]["axis"]["title"] == "R (recency score)"
    regions = _rows_with(rfm_grid_chart(SCORES, lang="zh"), "name_x")
    assert sorted(regions["label"].to_list()) == sorted(v[0] for v in SEGMENT_ZH.values())


def test_grid_segment_regions_cover_the_grid_once() -> None:
    regions = _rows_with(rfm_grid_chart(SCORES, lang="en"), "name_x")
    area = ((regions["x2"] - regions["x"]) * (regions["y2"] - regions["y"])).sum()
    assert area == 25.0


def test_grid_writes_white_on_dark_cells_only() -> None:
    cells = _rows_with(rfm_grid_chart(SCORES, lang="en"), "r_score")
    ink = {(r, fm): i for r, fm, i in cells.select("r_score", "fm_score", "ink").rows()}
    assert ink[(5, 5)] == "white"  # the biggest Champions cell
    assert ink[(3, 1)] == "black"  # a light segment colour
    assert ink[(2, 1)] == "black"  # empty


def test_grid_of_no_customers_is_25_empty_cells() -> None:
    cells = _rows_with(rfm_grid_chart(SCORES.clear(), lang="en"), "r_score")
    assert cells.height == 25
    assert cells["customers"].sum() == 0
    assert cells["share"].sum() == 0.0
    assert cells["revenue_share"].sum() == 0.0


def test_grid_rejects_missing_columns_and_unknown_values() -> None:
    with pytest.raises(ValueError, match="missing: total_spend"):
        rfm_grid_chart(SCORES.drop("total_spend"))
    with pytest.raises(ValueError, match="value='orders'"):
        rfm_grid_chart(SCORES, value="orders")  # type: ignore[arg-type]


# ------------------------------------------------------------------ segment bars


def test_bar_chart_orders_segments_best_first_and_computes_shares() -> None:
    table = segment_table(SCORES)  # sorted by customers, Champions first, then a tie
    shuffled = table.sort("segment", descending=True)
    chart = segment_bar_chart(shuffled, lang="en")
    rows = _rows_with(chart, "measure")
    assert rows["label"].unique(maintain_order=True).to_list() == [
        "Champions",
        "About to sleep",
        "Cannot lose them",
    ]
    shares = {(s, m): v for s, m, v in rows.select("segment", "measure", "value").rows()}
    assert shares[("Champions", "Customers")] == pytest.approx(0.6)
    assert shares[("Champions", "Net revenue")] == pytest.approx(180 / 240)
    assert shares[("About to sleep", "Net revenue")] == pytest.approx(-10 / 240)
    spec = chart.to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == [
        "Champions",
        "About to sleep",
        "Cannot lose them",
    ]
    colours = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colours["range"] == [
        SEGMENT_COLORS["Champions"],
        SEGMENT_COLORS["About to sleep"],
        SEGMENT_COLORS["Cannot lose them"],
    ]


def test_bar_chart_in_chinese_and_with_zero_revenue() -> None:
    table = pl.DataFrame({"segment": ["Lost", "New"], "customers": [2, 2], "net_spend": [0.0, 0.0]})
    rows = _rows_with(segment_bar_chart(table, lang="zh"), "measure")
    assert set(rows["label"]) == {"已流失客户", "新客户"}
    assert set(rows["measure"]) == {"客户数", "净收入"}
    # a share of no revenue at all is no data (null), never 0 %
    assert rows.filter(pl.col("measure") == "净收入")["value"].to_list() == [None, None]
    assert rows.filter(pl.col("measure") == "客户数")["value"].to_list() == [0.5, 0.5]


def test_bar_chart_rejects_a_frame_without_spend() -> None:
    with pytest.raises(ValueError, match="missing: net_spend"):
        segment_bar_chart(pl.DataFrame({"segment": ["Lost"], "customers": [1]}))


# ------------------------------------------------------------------ distributions


def _panels(chart: alt.HConcatChart) -> list[pl.DataFrame]:
    spec = chart.to_dict()
    datasets = spec["datasets"]
    return [pl.DataFrame(datasets[p["data"]["name"]]) for p in spec["hconcat"]]


def test_distribution_counts_every_customer_once_per_panel() -> None:
    scores = pl.DataFrame(
        {
            "since_last": [0.0, 1.5, 3.0, 10.0, None],
            "purchase_days": [1, 1, 2, 7, 3],
            "total_spend": [5.0, -2.0, 40.0, 1000.0, 8.0],
        }
    )
    recency, frequency, monetary = _panels(
        rfm_distribution_chart(scores, bins=5, cap_quantile=1.0, lang="en")
    )
    assert recency["customers"].sum() == 4  # the null is not counted
    assert frequency["customers"].sum() == 5
    assert monetary["customers"].sum() == 5
    # whole-number measure: bins of width 2 from 0 (span 7 over 5 bins), 7 in the last
    assert frequency.select("bin_start", "bin_end", "customers").rows() == [
        (0.0, 2.0, 2),
        (2.0, 4.0, 2),
        (4.0, 6.0, 0),
        (6.0, 8.0, 1),
    ]
    # monetary starts below zero and spans to the maximum: width (1000 + 2) / 5
    assert monetary["bin_start"][0] == -2.0
    assert monetary["customers"].to_list() == [4, 0, 0, 0, 1]


def test_distribution_caps_the_long_tail_and_says_so() -> None:
    scores = pl.DataFrame(
        {
            "since_last": [float(i) for i in range(100)],
            "purchase_days": [1] * 100,
            "total_spend": [10.0] * 99 + [1_000_000.0],
        }
    )
    chart = rfm_distribution_chart(scores, bins=10, cap_quantile=0.95, time_unit="week", lang="en")
    titles = [p["encoding"]["x"]["title"] for p in chart.to_dict()["hconcat"]]
    assert titles[0].startswith("Weeks since last purchase (last bin: ")
    assert titles[1] == "Purchase days"  # nothing above the cap
    assert titles[2].startswith("Net spend (last bin: ")
    monetary = _panels(chart)[2]
    assert monetary["customers"].sum() == 100
    assert monetary["bin_end"].max() < 1_000  # the outlier sits in the last bin


def test_distribution_of_no_customers_and_bad_options() -> None:
    empty = pl.DataFrame(
        schema={"since_last": pl.Float64, "purchase_days": pl.Int64, "total_spend": pl.Float64}
    )
    assert all(p.is_empty() for p in _panels(rfm_distribution_chart(empty, lang="zh")))
    with pytest.raises(ValueError, match="time_unit='year'"):
        rfm_distribution_chart(empty, time_unit="year")
    with pytest.raises(ValueError, match="bins=1"):
        rfm_distribution_chart(empty, bins=1)
    with pytest.raises(ValueError, match="missing: since_last"):
        rfm_distribution_chart(empty.drop("since_last"))


# ------------------------------------------------------------------ from orders to charts


def test_charts_of_real_rfm_output_serialise_in_both_languages() -> None:
    days = [dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=3 * i) for i in range(60)]
    orders = pl.DataFrame(
        {
            "customer_id": [f"c{i % 23:02d}" for i in range(60)],
            "order_ts": days,
            "amount": [float(5 + (i * 7) % 50) for i in range(60)],
            "status": ["paid"] * 57 + ["cancelled", "pending", "refunded"],
        }
    )
    scores = rfm(orders, as_of=dt.date(2024, 7, 1))
    for lang in ("zh", "en"):
        for chart in (
            rfm_grid_chart(scores, lang=lang),
            rfm_grid_chart(scores, value="revenue", lang=lang),
            segment_bar_chart(segment_table(scores), lang=lang),
            rfm_distribution_chart(scores, lang=lang),
        ):
            json.loads(chart.to_json())
    cells = _rows_with(rfm_grid_chart(scores, lang="en"), "r_score")
    assert cells["customers"].sum() == scores.height
    assert cells["revenue"].sum() == pytest.approx(scores["total_spend"].sum())
