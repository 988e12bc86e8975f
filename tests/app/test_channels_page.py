"""The Channels & cohorts page and the Overview KPIs through ``AppTest``, on a demo workspace:
sections, numbers equal to the cimlab functions on the same data (shares in percent), widgets,
both languages and choices that survive a switch between them, and the hint when customers are
not unified."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cimlab.analytics import channels, cohorts
from cimlab.analytics.facts import CustomerData
from cimlab.analytics.kpis import KPI_NAMES, kpis
from cimlab.dates import to_date
from cimlab.i18n import channel_label, t
from tests.app.markdown_checks import shown_text

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60
MONEY_KPIS = ("revenue", "average_order_value")
SECTIONS = ("ch.metrics_header", "ch.acq_header", "ch.overlap_header", "ch.migration_header")


@pytest.fixture
def data(data: CustomerData, demo: Path) -> CustomerData:
    """The shared demo's data, with the app pointed at the demo workspace."""
    return data


def _page(name: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page(name).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _money(key: str, lang: str = "zh") -> str:
    """A money figure's label on the pages: its name and the currency (the demo's CNY)."""
    return t("money.header", lang, label=t(key, lang), unit="CNY")


def _as_of(data: CustomerData) -> dt.date:
    # the page's default: the day of the last order in the business time zone
    return to_date(data.orders["order_ts"].max(), time_zone=data.time_zone)  # type: ignore[arg-type]


def _table(at: AppTest, header: str) -> Any:
    """The first dataframe whose columns include ``header``."""
    for frame in at.dataframe:
        if header in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {header!r}")


def _formats(at: AppTest, header: str) -> dict[str, str | None]:
    """Header → number format of the first dataframe with a column ``header``."""
    for frame in at.dataframe:
        if header in frame.value.columns:
            columns = json.loads(frame.proto.columns)
            return {
                label: config.get("type_config", {}).get("format")
                for label, config in columns.items()
            }
    raise AssertionError(f"no table with a column {header!r}")


def _months_back(day: dt.date, months: int) -> dt.date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return day.replace(year=year, month=month0 + 1)  # the demo's last day is no month end


def _charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_channels_page_in_chinese_matches_the_functions(data: CustomerData) -> None:
    at = _page("channels_page.py")
    as_of = _as_of(data)
    assert at.title[0].value == t("ch.title", "zh")
    headers = [h.value for h in at.subheader]
    assert headers == [t(k, "zh") for k in (*SECTIONS, "coh.header")]
    assert len(_charts(at)) == 5

    # per-channel metrics over the default window: the last 365 days
    start = as_of - dt.timedelta(days=364)
    expected = channels.channel_metrics(
        data.orders, as_of=as_of, start=start, time_zone=data.time_zone
    )
    shown = _table(at, t("ch.col.revenue_share", "zh"))
    assert list(shown[t("ch.col.channel", "zh")]) == [
        channel_label(c, "zh") for c in expected["channel"]
    ]
    assert list(shown[t("ch.col.orders", "zh")]) == expected["orders"].to_list()
    assert list(shown[_money("ch.col.revenue")]) == pytest.approx(expected["revenue"].to_list())
    # shares in percent, not rounded before display: the format shows one decimal
    header = t("ch.col.revenue_share", "zh")
    assert list(shown[header]) == pytest.approx(
        (expected["revenue_share"] * 100).to_list(), rel=1e-12
    )
    assert _formats(at, header)[header] == "%.1f%%"
    assert t("ch.percent_note", "zh") in [c.value for c in at.caption]

    # acquisition (365-day horizon) and overlap
    summary = channels.acquisition_summary(
        data.orders, as_of=as_of, horizon_days=365, time_zone=data.time_zone
    )
    acq = _table(at, t("ch.col.repeat_rate", "zh"))
    assert (
        list(acq[t("ch.col.observed_customers", "zh")]) == summary["observed_customers"].to_list()
    )
    rates = [None if pd.isna(v) else v for v in acq[t("ch.col.repeat_rate", "zh")]]
    assert rates == pytest.approx(
        [None if v is None else v * 100 for v in summary["repeat_rate"].to_list()], rel=1e-12
    )
    overlap = channels.channel_overlap(
        data.orders, as_of=as_of, start=start, time_zone=data.time_zone
    )
    multi = overlap.filter(pl.col("n_channels") >= 2)["customers"].sum()
    captions = " ".join(shown_text(c.value) for c in at.caption)
    assert f"{overlap['customers'].sum():,} 位客户中有 {multi:,} 位" in captions
    combos = _table(at, t("ch.col.n_channels", "zh"))
    assert list(combos[t("ch.col.customers", "zh")]) == overlap["customers"].to_list()
    header = t("ch.col.share", "zh")
    assert list(combos[header]) == pytest.approx((overlap["share"] * 100).to_list(), rel=1e-12)
    assert _formats(at, t("ch.col.n_channels", "zh"))[header] == "%.1f%%"

    # migration: the last 6 months against the 6 before
    before = at.date_input(key=f"ch_before_{as_of}").value
    after = at.date_input(key=f"ch_after_{as_of}").value
    assert after == (_months_back(as_of, 6) + dt.timedelta(days=1), as_of)
    assert before == (
        _months_back(as_of, 12) + dt.timedelta(days=1),
        after[0] - dt.timedelta(days=1),
    )
    migration = channels.channel_migration(
        data.orders, before=before, after=after, time_zone=data.time_zone
    )
    moved = _table(at, t("ch.col.from_channel", "zh"))
    assert list(moved[t("ch.col.customers", "zh")]) == migration["customers"].to_list()
    row_share = t("ch.col.migration_share", "zh")
    assert list(moved[row_share]) == pytest.approx((migration["share"] * 100).to_list())
    assert _formats(at, row_share)[row_share] == "%.1f%%"
    assert t("ch.none", "zh") in set(moved[t("ch.col.from_channel", "zh")])

    # cohorts: retention rates, 12 months
    matrix = cohorts.cohort_matrix(
        cohorts.cohort_table(data.orders, as_of=as_of, max_periods=12, time_zone=data.time_zone)
    )
    shown = _table(at, t("coh.col.cohort", "zh"))
    assert list(shown.columns) == [t("coh.col.cohort", "zh"), t("coh.col.cohort_size", "zh")] + [
        str(i) for i in range(13)
    ]
    # retention in percent, not rounded before display: the format shows one decimal
    for column in ("0", "1", "12"):
        assert list(shown[column].fillna(-1)) == pytest.approx(
            (matrix[column] * 100).fill_null(-1).to_list(), rel=1e-12
        )
    assert matrix["1"].drop_nulls().len() > 0
    assert {_formats(at, "0")[str(i)] for i in range(13)} == {"%.1f%%"}


def test_channels_page_widgets_and_english(data: CustomerData) -> None:
    at = _page("channels_page.py", lang="en")
    as_of = _as_of(data)
    assert [h.value for h in at.subheader][:4] == [t(k, "en") for k in SECTIONS]

    at.selectbox(key="ch_window_en").set_value(0).run()  # all history
    expected = channels.channel_metrics(data.orders, as_of=as_of, time_zone=data.time_zone)
    shown = _table(at, "Share of revenue")
    assert list(shown["Channel"]) == [channel_label(c, "en") for c in expected["channel"]]
    assert list(shown["Customers"]) == expected["customers"].to_list()

    at.radio(key="ch_measure_en").set_value("aov").run()
    assert _charts(at)[0]["encoding"]["x"]["title"] == "Average order value"

    at.radio(key="coh_value_en").set_value("revenue").run()
    at.radio(key="coh_mode_en").set_value("counts").run()
    at.slider(key="coh_max_month").set_value(3).run()
    table = cohorts.cohort_table(data.orders, as_of=as_of, max_periods=3, time_zone=data.time_zone)
    revenue = cohorts.cohort_matrix(table, value="revenue")
    shown = _table(at, "Cohort")
    assert list(shown.columns)[2:] == ["0", "1", "2", "3"]
    assert list(shown["0"]) == pytest.approx(revenue["0"].to_list())

    # quarterly cohorts: labelled 2024-Q3, as many columns as the slider says
    at.radio(key="coh_period_en").set_value("quarter").run()
    at.slider(key="coh_max_quarter").set_value(2).run()
    table = cohorts.cohort_table(
        data.orders, as_of=as_of, period="quarter", max_periods=2, time_zone=data.time_zone
    )
    revenue = cohorts.cohort_matrix(table, value="revenue")
    shown = _table(at, "Cohort")
    assert list(shown.columns)[2:] == ["0", "1", "2"]
    first = revenue["cohort"][0]
    assert shown["Cohort"].iloc[0] == f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    assert list(shown["0"]) == pytest.approx(revenue["0"].to_list())
    assert "quarter of the first paid purchase, in the Asia/Shanghai calendar" in " ".join(
        shown_text(c.value) for c in at.caption
    )

    # overlapping periods: a hint instead of a table
    at.date_input(key=f"ch_before_{as_of}").set_value((dt.date(2026, 1, 1), as_of)).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("ch.migration_bad", "en")]


def test_overview_shows_kpis_with_deltas(data: CustomerData) -> None:
    at = _page("overview_page.py")
    as_of = _as_of(data)
    metrics = {shown_text(m.label): m for m in at.metric}
    expected = kpis(
        data.orders, as_of=as_of, days=30, customers=data.customers, time_zone=data.time_zone
    )
    rows = {r["kpi"]: r for r in expected.iter_rows(named=True)}
    for kpi in KPI_NAMES:
        label = _money(f"kpi.{kpi}") if kpi in MONEY_KPIS else t(f"kpi.{kpi}", "zh")
        metric = metrics[label]
        assert metric.delta, kpi
    assert metrics[t("kpi.customers", "zh")].value == f"{rows['customers']['value']:,.0f}"
    assert metrics[_money("kpi.revenue")].value == f"{rows['revenue']['value']:,.0f}"
    orders = rows["orders"]
    assert metrics[t("kpi.orders", "zh")].delta.startswith(f"{orders['change']:+,.0f}")
    rate = rows["repeat_purchase_rate"]
    assert metrics[t("kpi.repeat_purchase_rate", "zh")].value == f"{rate['value']:.1%}"
    # the existing overview is still there
    assert metrics[t("table.orders", "zh")].value == f"{data.orders.height:,}"
    titles = [c["encoding"]["y"]["title"] for c in _charts(at) if "encoding" in c]
    assert t("kpi.revenue", "zh") in titles

    at.segmented_control(key="ov_kpi_days_zh").set_value(90).run()
    ninety = kpis(
        data.orders, as_of=as_of, days=90, customers=data.customers, time_zone=data.time_zone
    )
    active = ninety.filter(pl.col("kpi") == "active_customers")["value"].item()
    assert {m.label: m.value for m in at.metric}[t("kpi.active_customers", "zh")] == (
        f"{active:,.0f}"
    )
    at.selectbox(key="ov_kpi_trend_zh").set_value("orders").run()
    # both choices survive the switch to English, and so do the figures
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    days = at.segmented_control(key="ov_kpi_days_en")
    assert days.value == 90
    assert days.options == [t("kpi.period_days", "en", n=n) for n in (30, 90, 365)]
    assert at.selectbox(key="ov_kpi_trend_en").value == "orders"
    assert {m.label: m.value for m in at.metric}["Active customers"] == f"{active:,.0f}"
    titles = [c["encoding"]["y"]["title"] for c in _charts(at) if "encoding" in c]
    assert t("kpi.orders", "en") in titles


def test_kpi_cards_without_observations_read_no_data(data: CustomerData) -> None:
    """On the day before the first order no period has an order or an active customer: the
    average order value and the repeat-purchase rate are no data (never 0 or 0.0 %), with no
    trend line, while the counts beside them read 0."""
    first = to_date(data.orders["order_ts"].min(), time_zone=data.time_zone)  # type: ignore[arg-type]
    at = _page("overview_page.py")
    at.date_input[0].set_value(first - dt.timedelta(days=1)).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {shown_text(m.label): m for m in at.metric}
    for kpi in ("average_order_value", "repeat_purchase_rate"):
        card = metrics[_money(f"kpi.{kpi}") if kpi in MONEY_KPIS else t(f"kpi.{kpi}", "zh")]
        assert card.value == "无数据", (kpi, card.value)
        assert list(card.proto.chart_data) == []  # no sparkline drawn through made-up zeros
    assert metrics[t("kpi.orders", "zh")].value == "0"
    assert metrics[t("kpi.active_customers", "zh")].value == "0"
    at.radio(key="lang").set_value("en").run()
    metrics = {shown_text(m.label): m for m in at.metric}
    assert metrics[_money("kpi.average_order_value", "en")].value == "no data"
    # on the default date every ratio has observations again, and a trend line
    at = _page("overview_page.py")
    card = {m.label: m for m in at.metric}[_money("kpi.average_order_value")]
    assert card.value != "无数据" and len(card.proto.chart_data) >= 2


def test_channels_choices_survive_a_language_switch(data: CustomerData) -> None:
    """Radios and selectboxes with translated labels keep their choice after 中文 → English."""
    at = _page("channels_page.py")
    as_of = _as_of(data)
    choices = {
        ("selectbox", "ch_window"): 0,
        ("radio", "ch_measure"): "aov",
        ("selectbox", "ch_horizon"): 90,
        ("radio", "ch_acq_measure"): "repeat_rate",
        ("radio", "coh_period"): "quarter",
        ("radio", "coh_value"): "revenue",
        ("radio", "coh_mode"): "counts",
    }
    for (kind, key), value in choices.items():
        getattr(at, kind)(key=f"{key}_zh").set_value(value).run()
        assert not at.exception, key
    at.radio(key="lang").set_value("en").run()
    assert not at.exception and not at.error
    for (kind, key), value in choices.items():
        widget = getattr(at, kind)(key=f"{key}_en")
        assert widget.value == value, key
    assert at.selectbox(key="ch_window_en").options == [
        "Last 90 days", "Last 180 days", "Last 365 days", "All history"
    ]  # fmt: skip
    assert at.radio(key="coh_period_en").options[1] == t("coh.period.quarter", "en")
    # the page shows what the choices say: all history, quarterly revenue counts
    expected = channels.channel_metrics(data.orders, as_of=as_of, time_zone=data.time_zone)
    assert list(_table(at, "Share of revenue")["Customers"]) == expected["customers"].to_list()
    table = cohorts.cohort_table(
        data.orders, as_of=as_of, period="quarter", max_periods=8, time_zone=data.time_zone
    )
    revenue = cohorts.cohort_matrix(table, value="revenue")
    assert list(_table(at, "Cohort")["0"]) == pytest.approx(revenue["0"].to_list())


def test_unresolved_workspace_shows_the_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "empty"))
    at = _page("channels_page.py")
    assert [i.value for i in at.info] == [t("ana.not_resolved", "zh")]
    assert not at.subheader and not at.dataframe
    at.switch_page("overview_page.py").run()
    assert not at.exception and not at.metric
