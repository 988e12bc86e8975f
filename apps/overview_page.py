"""Overview page: the KPIs with their change and trend (once customers are unified), rows per
table and channel, and the last imports.

Money KPIs (revenue, average order value) name their currency in their label, follow the currency
filter of :func:`_common.analysis_inputs` and read "not shown" when every amount is a placeholder.
KPI session keys start with ``ov_kpi_``; a widget with translated labels is keyed per language
(``ov_kpi_days_zh``) and its choice kept under the plain key (``ov_kpi_days``), see
:func:`_common.translated_choice`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import _common as common
import polars as pl
import streamlit as st

from cimlab import TABLES
from cimlab.analytics.facts import CustomerData
from cimlab.analytics.kpis import KPI_NAMES, kpi_table, kpi_trend, trend_periods
from cimlab.backups import BackupStatus, age_in_words, backup_status
from cimlab.charts import counts_chart, import_history_chart
from cimlab.charts.kpis import kpi_trend_chart
from cimlab.dates import window_start
from cimlab.i18n import channel_label, t, table_label

LAST_IMPORTS = 10
HISTORY_BARS = 30
KPI_PERIODS = (30, 90, 365)
TREND_PERIODS = 12
KPI_ROWS = (KPI_NAMES[:4], KPI_NAMES[4:])
MONEY_KPIS = ("revenue", "average_order_value")
"""KPIs in money: their labels say the currency; not shown when every amount is a placeholder."""


@st.cache_data(show_spinner=False, max_entries=32)
def load_kpis(
    path: str, version: str, as_of: dt.date, days: int, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.kpis.kpi_table` of the workspace (customers known from every
    table); ``currency`` is the currency filter (:func:`_common.load_customer_data`)."""

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        kpis = kpi_table(
            data.orders, as_of=as_of, days=days, customers=data.customers, time_zone=data.time_zone
        )
        return {"kpis": kpis}

    name = f"kpis_{as_of.isoformat()}_{days}"
    stored = common.stored_result(path, version, currency, name, make)  # kept for the version
    return pl.DataFrame() if stored is None else stored["kpis"]


@st.cache_data(show_spinner=False, max_entries=32)
def load_trend(
    path: str, version: str, as_of: dt.date, days: int, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.kpis.kpi_trend` of the workspace, over the periods that reach
    back to its first order (:func:`cimlab.analytics.kpis.trend_periods`, at most
    :data:`TREND_PERIODS`)."""

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        periods = trend_periods(
            data.orders, as_of=as_of, days=days, most=TREND_PERIODS, time_zone=data.time_zone
        )
        trend = kpi_trend(
            data.orders,
            as_of=as_of,
            periods=periods,
            days=days,
            customers=data.customers,
            time_zone=data.time_zone,
        )
        return {"trend": trend}

    name = f"kpi_trend_{as_of.isoformat()}_{days}_{TREND_PERIODS}"
    stored = common.stored_result(path, version, currency, name, make)  # kept for the version
    return pl.DataFrame() if stored is None else stored["trend"]


@st.cache_data(show_spinner=False, max_entries=8, ttl=60)
def load_backup_status(path: str, version: str) -> BackupStatus:
    """:func:`cimlab.backups.backup_status` of the workspace (the age moves on within a minute)."""
    del version  # part of the cache key only: a new schedule changes the workspace
    return backup_status(common.get_workspace(path))


def backup_notice(path: str, version: str) -> None:
    """The last backup's age; a warning when the scheduled backup is overdue or missing."""
    status = load_backup_status(path, version)
    if status.schedule is None:
        st.caption(t("ov.backup_unscheduled", lang))
        return
    period = t(f"ov.backup_period.{status.schedule.period}", lang)
    folder = common.md_code(str(status.schedule.folder))
    if status.last is None:
        st.warning(common.t_md("ov.backup_none", lang, folder=folder, period=period))
        return
    n, unit = age_in_words(status.last.age)
    age = t(f"ov.backup_age.{unit if n != 1 else unit[:-1]}", lang, n=n)
    key = "ov.backup_overdue" if status.overdue else "ov.backup_last"
    show = st.warning if status.overdue else st.caption
    show(common.t_md(key, lang, age=age, folder=folder, period=period))


def _number(kpi: str, value: float | None) -> str:
    """A KPI as its card shows it; a ratio without observations reads "no data" (never 0)."""
    if value is None or math.isnan(value):
        return t("ana.no_data", lang)
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
        # a number, not escaped: Streamlit reads the sign for the arrow
        return common.t_md("kpi.delta_pp", lang, value=common.Markdown(f"{100 * change:+.1f}"))
    text = f"{change:+,.2f}" if kpi == "average_order_value" else f"{change:+,.0f}"
    return text if change_pct is None else f"{text} ({change_pct:+.1f}%)"


def _kpi_label(kpi: str, data: CustomerData) -> str:
    """A KPI's name; a money KPI's with its currency ("Revenue (net) (CNY)")."""
    label = t(f"kpi.{kpi}", lang)
    return common.money_label(label, data, lang) if kpi in MONEY_KPIS else label


def _sparkline(values: list[float | None]) -> list[float] | None:
    """A KPI card's trend line: the periods since the first one with data; no line when a
    later period has none (a gap drawn as 0 would read as a real 0)."""
    first = next((i for i, v in enumerate(values) if v is not None), len(values))
    shown = values[first:]
    if not shown or any(v is None for v in shown):
        return None
    return [float(v) for v in shown if v is not None]


def _counts_config(frame: pl.DataFrame) -> dict[str, Any]:
    """Integer columns with thousands separators."""
    return {
        column: st.column_config.NumberColumn(format="%,d")
        for column, dtype in frame.schema.items()
        if dtype.is_integer()
    }


def _segmented_control(label: str, options: list[int], *, index: int, **kwargs: object) -> object:
    """``st.segmented_control`` called like ``st.selectbox`` (``index`` → ``default``), for
    :func:`_common.translated_choice`."""
    return st.segmented_control(label, options, default=options[index], **kwargs)  # type: ignore[call-overload]


def kpi_section(path: str, version: str) -> None:
    """The KPIs of the chosen period, their change against the period before, and a trend.

    Money KPIs say their currency (and the currency filter, when one is picked); when every
    amount is a placeholder they are left out (the note says why)."""
    if not common.is_resolved(path, version) or common.load_currencies(path, version).is_empty():
        return
    st.subheader(t("kpi.header", lang))
    inputs = common.analysis_inputs(lang)
    if inputs is None:
        return
    data, as_of = inputs
    currency = common.chosen_currency()
    money = common.real_money(data)
    days = common.translated_choice(
        _segmented_control,
        t("kpi.period", lang),
        KPI_PERIODS,
        key="ov_kpi_days",
        lang=lang,
        default=KPI_PERIODS[0],
        required=True,
        format_func=lambda n: common.t_md("kpi.period_days", lang, n=n),
    )
    days = days if days in KPI_PERIODS else KPI_PERIODS[0]
    start = window_start(as_of, days)
    st.caption(common.t_md("kpi.caption", lang, start=start, end=as_of, n=days))
    table = load_kpis(path, version, as_of, days, currency)
    trend = load_trend(path, version, as_of, days, currency)
    rows = {row["kpi"]: row for row in table.iter_rows(named=True)}
    for names in KPI_ROWS:
        for column, kpi in zip(st.columns(len(KPI_ROWS[0])), names, strict=False):
            row = rows[kpi]
            change = row["change"]
            if kpi in MONEY_KPIS and not money:  # placeholder amounts: a note, no figure
                column.metric(
                    t(f"kpi.{kpi}", lang),
                    t("money.not_shown", lang),
                    help=common.placeholder_note(lang),
                    border=True,
                )
                continue
            column.metric(
                common.md_text(_kpi_label(kpi, data)),
                _number(kpi, row["value"]),
                delta=_delta(kpi, change, row["change_pct"]),
                delta_color="off" if change == 0 else "normal",
                help=common.t_md(
                    "kpi.help",
                    lang,
                    definition=common.Markdown(t(f"kpi.def.{kpi}", lang)),
                    previous=_number(kpi, row["previous"]),
                ),
                chart_data=_sparkline(trend.filter(pl.col("kpi") == kpi)["value"].to_list()),
                border=True,
            )
    shown_kpis = [k for k in KPI_NAMES if money or k not in MONEY_KPIS]
    labels = {k: _kpi_label(k, data) for k in shown_kpis}  # made now, shown later
    shown = common.translated_choice(
        st.selectbox,
        t("kpi.trend_of", lang),
        shown_kpis,
        key="ov_kpi_trend",
        lang=lang,
        default=shown_kpis[0] if "revenue" not in shown_kpis else "revenue",
        format_func=lambda k: labels[k],
    )
    st.altair_chart(kpi_trend_chart(trend, kpi=shown, lang=lang), width="stretch")
    if shown in MONEY_KPIS and data.currency:
        st.caption(common.t_md("money.caption", lang, unit=common.money_unit(data, lang)))


lang = common.current_lang()
common.require("page.overview", lang)  # whatever the URL: the role decides
st.title(t("ov.title", lang))
ws_path = str(common.workspace_dir())
st.caption(common.t_md("ov.workspace", lang, path=common.md_code(ws_path)))

common.get_workspace(ws_path)  # creates an empty workspace on first start
version = common.data_version(ws_path)
backup_notice(ws_path, version)
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
            common.md_text(table_label(table, lang)),
            f"{row['rows']:,}",
            help=common.t_md("ov.channels", lang, n=row["channels"]),
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
    zone = common.business_zone()
    history = common.history_frame(batches.head(LAST_IMPORTS), lang, zone=zone)
    config = _counts_config(history)
    config[t("hist.batch_id", lang)] = st.column_config.NumberColumn(format="%d")
    config[t("hist.imported_at", lang, zone=zone)] = st.column_config.DatetimeColumn(
        format="YYYY-MM-DD HH:mm:ss"
    )
    st.dataframe(history, hide_index=True, column_config=config)
    active = batches.filter(pl.col("status") == "active").head(HISTORY_BARS)
    if not active.is_empty():
        st.subheader(t("ov.history_chart", lang))
        st.altair_chart(import_history_chart(active, lang=lang), width="stretch")
