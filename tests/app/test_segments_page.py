"""The Segments page through ``AppTest`` on a demo workspace: RFM grid, segment table (checked
against :func:`cimlab.analytics.rfm.rfm_table`), a segment's customers and their CSV download, clusters,
lifecycle, both languages and choices that survive a switch between them, shares in percent,
and the hint on a workspace whose identities were never resolved."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cimlab.act.snapshot import SNAPSHOTS_DIR
from cimlab.analytics import lifecycle, rfm
from cimlab.analytics.facts import CustomerData
from cimlab.dates import to_date
from cimlab.i18n import segment_label, stage_label, t
from tests.app.markdown_checks import shown_text

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60


def _page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page("segments_page.py").run()
    _no_errors(at)
    return at


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _as_of(at: AppTest, lang: str = "zh") -> dt.date:
    [date_input] = [d for d in at.date_input if d.label == t("ana.as_of", lang)]
    value = date_input.value
    assert isinstance(value, dt.date)
    return value


def _frame(at: AppTest, first_column: str) -> pl.DataFrame:
    frames = [d.value for d in at.dataframe if d.value.columns[0] == first_column]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return pl.from_pandas(frames[0])


def _formats(at: AppTest, first_column: str) -> dict[str, str | None]:
    """Header → number format of the table whose first column is ``first_column``."""
    [table] = [d for d in at.dataframe if d.value.columns[0] == first_column]
    columns = json.loads(table.proto.columns)
    return {
        label: config.get("type_config", {}).get("format")
        for label, config in columns.items()
        if label != "_index"
    }


def _specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _titles(at: AppTest) -> list[str]:
    return [spec["title"] for spec in _specs(at) if isinstance(spec.get("title"), str)]


def test_page_runs_in_chinese(demo: Path) -> None:
    at = _page("zh")
    assert at.title[0].value == "客户分群"
    assert [tab.label for tab in at.tabs] == ["RFM 分群", "聚类", "生命周期"]
    assert "各 RFM 格的客户数" in _titles(at)
    assert "各分群的客户占比与收入占比" in _titles(at)
    headers = _frame(at, t("seg.col.segment", "zh")).columns
    assert headers[-1] == "建议行动"


def test_page_runs_in_english(demo: Path) -> None:
    at = _page("en")
    assert at.title[0].value == "Customer segments"
    assert [tab.label for tab in at.tabs] == ["RFM segments", "Clusters", "Lifecycle"]
    assert "Customers per RFM cell" in _titles(at)
    table = _frame(at, "Segment")
    assert table["Segment"].to_list()[0] == "Champions"
    champions = rfm.SEGMENTS.filter(pl.col("name") == "Champions")
    assert table["Suggested action"][0] == champions["action"].item()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_segment_table_agrees_with_rfm(demo: Path, data: CustomerData, lang: str) -> None:
    at = _page(lang)
    as_of = _as_of(at, lang)
    scores = rfm.rfm_table(data.orders, as_of=as_of, time_unit="day", time_zone=data.time_zone)
    labels = {s: segment_label(s, lang) for s in rfm.SEGMENT_NAMES}
    expected = (
        scores.group_by("segment")
        .agg(customers=pl.len(), revenue=pl.col("total_spend").sum())
        .select(
            label=pl.col("segment").replace_strict(labels),
            customers=pl.col("customers").cast(pl.Int64),
            revenue=pl.col("revenue").round(2),
            share=pl.col("customers") / scores.height * 100,
            revenue_share=pl.col("revenue") / scores["total_spend"].sum() * 100,
        )
        .sort("label")
    )
    table = _frame(at, t("seg.col.segment", lang))
    got = table.select(
        label=pl.col(t("seg.col.segment", lang)),
        customers=pl.col(t("seg.col.customers", lang)).cast(pl.Int64),
        # a money column says its currency (the demo's orders are all in CNY)
        revenue=pl.col(t("money.header", lang, label=t("seg.col.revenue", lang), unit="CNY")),
        share=pl.col(t("seg.col.share", lang)),
        revenue_share=pl.col(t("seg.col.revenue_share", lang)),
    )
    # best segment first, as in rfm.SEGMENT_NAMES
    names = {segment_label(name, lang): i for i, name in enumerate(rfm.SEGMENT_NAMES)}
    assert got["label"].to_list() == sorted(got["label"].to_list(), key=names.__getitem__)
    got = got.sort("label")
    assert got["label"].to_list() == expected["label"].to_list()
    assert got["customers"].to_list() == expected["customers"].to_list()
    assert got["revenue"].to_list() == pytest.approx(expected["revenue"].to_list(), abs=0.01)
    # shares in percent, computed once from the counts: the column format rounds them (a share
    # rounded before would show 49/270 as 18.2 % instead of 18.1 %)
    assert got["share"].to_list() == pytest.approx(expected["share"].to_list(), rel=1e-12)
    assert got["share"].sum() == pytest.approx(100.0)
    assert got["revenue_share"].to_list() == pytest.approx(
        expected["revenue_share"].to_list(), rel=1e-9
    )
    formats = _formats(at, t("seg.col.segment", lang))
    assert formats[t("seg.col.share", lang)] == "%.1f%%"
    assert formats[t("seg.col.revenue_share", lang)] == "%.1f%%"
    assert t("seg.percent_note", lang) in [c.value for c in at.caption]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("seg.customers_scored", lang)] == f"{scores.height:,}"


def test_grid_toggle_and_time_unit(demo: Path, data: CustomerData) -> None:
    at = _page("en")
    grid = next(s for s in _specs(at) if s.get("title") == "Customers per RFM cell")
    assert grid["layer"][2]["encoding"]["text"]["field"] == "customers"

    at.radio(key="seg_grid_value_en").set_value("revenue").run()
    _no_errors(at)
    grid = next(s for s in _specs(at) if s.get("title") == "Net revenue per RFM cell")
    assert grid["layer"][2]["encoding"]["text"]["field"] == "revenue"

    before = _frame(at, "Segment")
    at.radio(key="seg_time_unit_en").set_value("week").run()
    _no_errors(at)
    # the unit changes recency and age, never the scores or the segments
    assert _frame(at, "Segment").equals(before)
    members = _frame(at, "Customer id")
    assert "Since last purchase (weeks)" in members.columns
    scores = rfm.rfm_table(
        data.orders,
        as_of=_as_of(at, "en"),
        time_unit="week",
        time_zone=data.time_zone,
    )
    champions = scores.filter(pl.col("segment") == "Champions")
    shown = members.select("Customer id", "Since last purchase (weeks)").rows()
    expected = dict(champions.select("customer_id", "since_last").rows())
    assert shown and all(expected[cid] == pytest.approx(value) for cid, value in shown)


MEMBER_COLUMNS = [
    "customer_id",
    "r_score",
    "f_score",
    "m_score",
    "purchase_days",
    "since_last",
    "T",
    "total_spend",
    "monetary_value",
    "last_purchase",
]
CONTACT_WORDS = ("phone", "email", "name", "mobile", "address", "wechat")


def _download(at: AppTest, downloads: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The segment list's download button (public AppTest API) and what the page gave it."""
    button = at.download_button(key="seg_download")
    assert button.label == t("seg.download", lang)
    assert button.help == t("seg.download_help", lang)  # says: apply consent before a campaign
    calls = [d for d in downloads if d.get("key") == "seg_download"]
    assert calls, [d.get("key") for d in downloads]
    return calls[-1]  # the latest run's


def _csv(data: Any) -> pl.DataFrame:
    assert isinstance(data, bytes)
    assert data.startswith("\ufeff".encode())  # BOM: Excel reads the file as UTF-8
    return pl.read_csv(
        io.BytesIO(data), schema_overrides={"customer_id": pl.String}, try_parse_dates=True
    )


def test_segment_members_and_their_download(
    demo: Path, data: CustomerData, downloads: list[dict[str, Any]]
) -> None:
    at = _page("en")
    at.selectbox(key="seg_pick_en").set_value("At risk").run()
    _no_errors(at)
    as_of = _as_of(at, "en")
    scores = rfm.rfm_table(data.orders, as_of=as_of, time_zone=data.time_zone)
    at_risk = scores.filter(pl.col("segment") == "At risk").sort("customer_id")
    assert at_risk.height > 0
    members = _frame(at, "Customer id")
    assert sorted(members["Customer id"].to_list()) == at_risk["customer_id"].to_list()
    # no contact data on screen
    assert not any(w in c.lower() for c in members.columns for w in CONTACT_WORDS)

    download = _download(at, downloads, "en")
    assert download["file_name"] == f"segment_at_risk_{as_of.isoformat()}.csv"
    assert download["mime"] == "text/csv"
    written = _csv(download["data"])
    # exactly the chosen segment's customers, with their figures (money with its currency)
    # and nothing else
    assert written.columns == [*MEMBER_COLUMNS[:-1], "currency", MEMBER_COLUMNS[-1]]
    assert written["currency"].unique().to_list() == ["CNY"]
    assert not any(w in c.lower() for c in written.columns for w in CONTACT_WORDS)
    assert "@" not in download["data"].decode("utf-8-sig")
    assert written["customer_id"].to_list() == (
        at_risk.sort(["total_spend", "customer_id"], descending=[True, False])[
            "customer_id"
        ].to_list()
    )
    expected = at_risk.select(MEMBER_COLUMNS).sort("customer_id")
    got = written.sort("customer_id")
    for column in MEMBER_COLUMNS:
        left, right = got[column].to_list(), expected[column].to_list()
        if expected.schema[column].is_float():
            assert left == pytest.approx(right), column
        else:
            assert left == right, column

    # another segment, another file
    at.selectbox(key="seg_pick_en").set_value("Champions").run()
    download = _download(at, downloads, "en")
    assert download["file_name"] == f"segment_champions_{as_of.isoformat()}.csv"
    champions = scores.filter(pl.col("segment") == "Champions")["customer_id"].sort().to_list()
    assert _csv(download["data"])["customer_id"].sort().to_list() == champions


def test_download_escapes_formulas(
    demo: Path, downloads: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer id a spreadsheet would run as a formula is written with a leading ``'``."""
    real = rfm.rfm_table
    evil = ['=HYPERLINK("http://x.example","click")', "@SUM(A1)", "+1+2", "-1+2"]

    def scores_with_formula_ids(orders: pl.DataFrame, **options: Any) -> pl.DataFrame:
        scores = real(orders, **options)
        first = scores.filter(pl.col("segment") == "Champions")["customer_id"].head(4).to_list()
        assert len(first) == len(evil)
        return scores.with_columns(
            pl.col("customer_id").replace(dict(zip(first, evil, strict=True)))
        )

    monkeypatch.setattr(rfm, "rfm_table", scores_with_formula_ids)
    # the page caches rfm's scores and keeps them for the workspace version (snapshots):
    # compute them with the patch, and keep no patched scores for the next test
    stored = demo / SNAPSHOTS_DIR
    st.cache_data.clear()
    shutil.rmtree(stored, ignore_errors=True)
    try:
        at = _page("en")
        at.selectbox(key="seg_pick_en").set_value("Champions").run()
        _no_errors(at)
        data = _download(at, downloads, "en")["data"]
    finally:
        st.cache_data.clear()
        shutil.rmtree(stored, ignore_errors=True)
    ids = _csv(data)["customer_id"].to_list()
    assert sorted(i for i in ids if i.startswith("'")) == sorted(f"'{e}" for e in evil)
    text = data.decode("utf-8-sig")
    assert not any(line.startswith(("=", "@", "+", "-", '"=', '"@')) for line in text.splitlines())


def test_clusters_with_a_fixed_k(demo: Path) -> None:
    at = _page("en")
    auto_k = {m.label: m.value for m in at.metric}["Clusters"]
    assert 2 <= int(auto_k) <= 8
    captions = [c.value for c in at.caption]
    # how far to trust the clusters, and how stable the choice of k was
    assert sum(c.startswith("Mean silhouette ") for c in captions) == 1
    assert sum(c.startswith(f"k = {auto_k} scored best in ") for c in captions) == 1
    at.checkbox(key="seg_auto_k").uncheck().run()
    _no_errors(at)
    captions = [c.value for c in at.caption]
    assert sum(c.startswith("Mean silhouette ") for c in captions) == 1
    assert not any("bootstrap" in c for c in captions)  # a fixed k was not chosen
    at.slider(key="seg_k").set_value(3).run()
    _no_errors(at)
    assert {m.label: m.value for m in at.metric}["Clusters"] == "3"
    profiles = _frame(at, "Cluster")
    assert profiles["Cluster"].to_list() == [0, 1, 2]
    buyers = int(
        {m.label: m.value for m in at.metric}["Customers with a purchase"].replace(",", "")
    )
    assert profiles["Customers"].sum() == buyers
    # shares in percent: of the buyers, and each customer's channel mix
    share = profiles["Share of customers"].to_list()
    assert share == pytest.approx((profiles["Customers"] / buyers * 100).to_list(), rel=1e-9)
    formats = _formats(at, "Cluster")
    assert formats["Share of customers"] == "%.1f%%"
    mix = [c for c, f in formats.items() if f == "%.1f%%" and c != "Share of customers"]
    assert mix  # the demo has four channels
    assert profiles.select(mix).sum_horizontal().to_list() == pytest.approx([100.0] * 3)


def test_lifecycle_counts_and_bad_dates(demo: Path, data: CustomerData) -> None:
    at = _page("zh")
    as_of = _as_of(at)
    stages = lifecycle.lifecycle_stages(
        data.orders,
        as_of=as_of,
        customers=data.customers,
        time_zone=data.time_zone,
    )
    table = _frame(at, t("seg.col.stage", "zh"))
    assert table[t("seg.col.stage", "zh")].to_list() == [
        stage_label(s, "zh") for s in lifecycle.STAGE_ORDER
    ]
    assert table[t("seg.col.stage", "zh")].to_list()[:2] == ["潜在客户", "新客户"]
    counted = dict(stages.group_by("stage").len().rows())
    expected = [counted.get(s, 0) for s in list(lifecycle.STAGE_ORDER)]
    assert table[t("seg.col.customers", "zh")].to_list() == expected
    shares = [100 * n / stages.height for n in expected]
    assert table[t("seg.col.share", "zh")].to_list() == pytest.approx(shares, rel=1e-12)
    assert _formats(at, t("seg.col.stage", "zh"))[t("seg.col.share", "zh")] == "%.1f%%"

    at.select_slider(key="seg_months").set_value(24).run()
    _no_errors(at)
    start = next(d for d in at.date_input if d.label == t("seg.from_date", "zh"))
    assert start.value == as_of - dt.timedelta(days=90)
    start.set_value(as_of + dt.timedelta(days=1)).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("seg.bad_dates", "zh")]


def test_choices_survive_a_language_switch(demo: Path, data: CustomerData) -> None:
    """Radios and selectboxes with translated labels keep their choice after 中文 → English."""
    at = _page("zh")
    at.radio(key="seg_time_unit_zh").set_value("week").run()
    at.radio(key="seg_grid_value_zh").set_value("revenue").run()
    at.selectbox(key="seg_pick_zh").set_value("At risk").run()
    at.radio(key="seg_criterion_zh").set_value("bic").run()
    _no_errors(at)
    at.radio(key="lang").set_value("en").run()
    _no_errors(at)

    unit = at.radio(key="seg_time_unit_en")
    assert unit.value == "week"
    assert unit.options == ["Days", "Weeks", "Months"]
    assert at.radio(key="seg_grid_value_en").value == "revenue"
    assert "Net revenue per RFM cell" in _titles(at)
    pick = at.selectbox(key="seg_pick_en")
    assert pick.value == "At risk"
    assert "At risk" in pick.options and "Champions" in pick.options
    assert at.radio(key="seg_criterion_en").value == "bic"
    # the page shows what the choices say: weeks, and the At risk customers
    members = _frame(at, "Customer id")
    assert "Since last purchase (weeks)" in members.columns
    scores = rfm.rfm_table(
        data.orders, as_of=_as_of(at, "en"), time_unit="week", time_zone=data.time_zone
    )
    at_risk = scores.filter(pl.col("segment") == "At risk")["customer_id"].sort().to_list()
    assert sorted(members["Customer id"].to_list()) == at_risk
    # and back: the Chinese widgets show the same choices
    at.radio(key="lang").set_value("zh").run()
    assert at.radio(key="seg_time_unit_zh").value == "week"
    assert at.selectbox(key="seg_pick_zh").value == "At risk"


def test_no_buyers_before_the_first_order(demo: Path, data: CustomerData) -> None:
    at = _page("en")
    earliest = data.orders["order_ts"].min()
    assert isinstance(earliest, dt.datetime)
    first = to_date(earliest, time_zone=data.time_zone)
    [date_input] = [d for d in at.date_input if d.label == t("ana.as_of", "en")]
    date_input.set_value(first - dt.timedelta(days=1)).run()
    _no_errors(at)
    assert t("seg.no_buyers", "en", as_of=(first - dt.timedelta(days=1)).isoformat()) in [
        shown_text(i.value) for i in at.info
    ]


def test_unresolved_workspace_shows_the_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "empty"))
    at = _page("zh")
    assert [i.value for i in at.info] == [t("ana.not_resolved", "zh")]
    assert not at.tabs
