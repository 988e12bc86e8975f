"""Overview page: the KPIs with their change and trend (once customers are unified), rows per
table and channel, and the last imports.

KPI session keys start with ``ov_kpi_``.
"""

from __future__ import annotations

import datetime as dt
import math

import _common as common
import polars as pl
import streamlit as st

from cimlab.charts import counts_chart, import_history_chart
from cimlab.charts.kpis import kpi_trend_chart
from cimlab.i18n import channel_label, t, table_label
from cimlab.kpis import KPI_NAMES, kpi_trend, kpis
from cimlab.schemas import TABLES

LAST_IMPORTS = 10
HISTORY_BARS = 30
KPI_PERIODS = (30, 90, 365)
TREND_PERIODS = 12
KPI_ROWS = (KPI_NAMES[:4], KPI_NAMES[4:])


@st.cache_data(show_spinner=False, max_entries=32)
def load_kpis(path: str, version: str, as_of: dt.date, days: int) -> pl.DataFrame:
    """:func:`cimlab.kpis.kpis` of the workspace (customers known from every table)."""
    data = common.load_customer_data(path, version)
    if data is None:
        return pl.DataFrame()
    return kpis(data.orders, as_of=as_of, days=days, customers=data.customers)


@st.cache_data(show_spinner=False, max_entries=32)
def load_trend(path: str, version: str, as_of: dt.date, days: int, periods: int) -> pl.DataFrame:
    """:func:`cimlab.kpis.kpi_trend` of the workspace."""
    data = common.load_customer_data(path, version)
    if data is None:
        return pl.DataFrame()
    return kpi_trend(data.orders, as_of=as_of, periods=periods, days=days, customers=data.customers)


def _number(kpi: str, value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if kpi == "repeat_purchase_rate":
        return f"{value:.1%}"
    if kpi == "average_order_value":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _delta(kpi: str, change: float | None, change_pct: float | None) -> str | None:
    """The change as st.metric shows it: signed, with the relative change when defined."""
    if change is None or math.isnan(change):
        return None
    if kpi == "repeat_purchase_rate":  # a change of a rate is in percentage points
        return t("kpi.delta_pp", lang, value=f"{100 * change:+.1f}")
    text = f"{change:+,.2f}" if kpi == "average_order_value" else f"{change:+,.0f}"
    return text if change_pct is None else f"{text} ({change_pct:+.1f}%)"


def _counts_config(frame: pl.DataFrame) -> dict[str, object]:
    """Integer columns with thousands separators."""
    return {
        column: st.column_config.NumberColumn(format="%,d")
        for column, dtype in frame.schema.items()
        if dtype.is_integer()
    }


def kpi_section(path: str, version: str) -> None:
    """The KPIs of the chosen period, their change against the period before, and a trend."""
    data = common.load_customer_data(path, version)
    if data is None or data.orders.is_empty():
        return
    st.subheader(t("kpi.header", lang))
    inputs = common.analysis_inputs(lang)
    if inputs is None:
        return
    _, as_of = inputs
    days = st.segmented_control(
        t("kpi.period", lang),
        KPI_PERIODS,
        default=KPI_PERIODS[0],
        required=True,
        format_func=lambda n: t("kpi.period_days", lang, n=n),
        key="ov_kpi_days",
    )
    days = days if days in KPI_PERIODS else KPI_PERIODS[0]
    start = as_of - dt.timedelta(days=days - 1)
    st.caption(t("kpi.caption", lang, start=start, end=as_of, n=days))
    table = load_kpis(path, version, as_of, days)
    first = data.orders["order_ts"].min()
    span = (as_of - first.date()).days + 1 if isinstance(first, dt.datetime) else days
    periods = max(2, min(TREND_PERIODS, -(-span // days)))
    trend = load_trend(path, version, as_of, days, periods)
    rows = {row["kpi"]: row for row in table.iter_rows(named=True)}
    for names in KPI_ROWS:
        for column, kpi in zip(st.columns(len(KPI_ROWS[0])), names, strict=False):
            row = rows[kpi]
            change = row["change"]
            column.metric(
                t(f"kpi.{kpi}", lang),
                _number(kpi, row["value"]),
                delta=_delta(kpi, change, row["change_pct"]),
                delta_color="off" if change == 0 else "normal",
                help=t(
                    "kpi.help",
                    lang,
                    definition=t(f"kpi.def.{kpi}", lang),
                    previous=_number(kpi, row["previous"]),
                ),
                chart_data=trend.filter(pl.col("kpi") == kpi)["value"].fill_null(0).to_list(),
                border=True,
            )
    shown = st.selectbox(
        t("kpi.trend_of", lang),
        KPI_NAMES,
        index=KPI_NAMES.index("revenue"),
        format_func=lambda k: t(f"kpi.{k}", lang),
        key="ov_kpi_trend",
    )
    st.altair_chart(kpi_trend_chart(trend, kpi=shown, lang=lang), width="stretch")


lang = common.current_lang()
st.title(t("ov.title", lang))
ws_path = str(common.workspace_dir())
st.caption(t("ov.workspace", lang, path=ws_path))

common.get_workspace(ws_path)  # creates an empty workspace on first start
version = common.data_version(ws_path)
counts = common.load_counts(ws_path, version)
batches = common.load_batches(ws_path, version)
kpi_section(ws_path, version)

if counts.is_empty() or counts["rows"].sum() == 0:
    st.info(t("ov.empty", lang))
else:
    totals = counts.group_by("table").agg(
        pl.col("rows").sum(), pl.col("channel").n_unique().alias("channels")
    )
    by_table = {row["table"]: row for row in totals.iter_rows(named=True)}
    for column, table in zip(st.columns(len(TABLES)), TABLES, strict=True):
        row = by_table.get(table, {"rows": 0, "channels": 0})
        column.metric(
            table_label(table, lang),
            f"{row['rows']:,}",
            help=t("ov.channels", lang, n=row["channels"]),
            border=True,
        )

    st.subheader(t("ov.counts", lang))
    st.altair_chart(counts_chart(counts, lang=lang), width="stretch")
    pivot = (
        counts.with_columns(
            pl.col("table").replace_strict({x: table_label(x, lang) for x in TABLES}),
            pl.col("channel").replace_strict(
                {c: channel_label(c, lang) for c in counts["channel"].unique().to_list()}
            ),
        )
        .pivot(on="table", index="channel", values="rows")
        .fill_null(0)
        .rename({"channel": t("chart.channel", lang)})
    )
    st.dataframe(pivot, hide_index=True, column_config=_counts_config(pivot))

if not batches.is_empty():
    st.subheader(t("ov.last_imports", lang))
    history = common.history_frame(batches.head(LAST_IMPORTS), lang)
    config = _counts_config(history)
    config[t("hist.batch_id", lang)] = st.column_config.NumberColumn(format="%d")
    config[t("hist.imported_at", lang)] = st.column_config.DatetimeColumn(
        format="YYYY-MM-DD HH:mm:ss"
    )
    st.dataframe(history, hide_index=True, column_config=config)
    active = batches.filter(pl.col("status") == "active").head(HISTORY_BARS)
    if not active.is_empty():
        st.subheader(t("ov.history_chart", lang))
        st.altair_chart(import_history_chart(active, lang=lang), width="content")
