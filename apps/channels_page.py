"""Channels & cohorts page: per-channel figures, acquisition channels and what their customers are
worth, multi-channel overlap, channel migration between two periods, monthly cohorts.

Thin by design: widgets, one cached cimlab call per section (keyed on the workspace version and
plain parameters), a chart and a table. Session keys start with ``ch_`` and ``coh_``; a widget
with translated labels is keyed per language (``ch_window_zh``) and its choice kept under the
plain key (``ch_window``), see :func:`_common.translated_choice`. Every share and rate is shown as
a percentage with one decimal (:data:`_common.PERCENT_FORMAT` applied to share × 100, so "3.0%"
sits next to "10.6%"), never rounded before display. Only channel tokens and aggregated figures
are shown, never customer data. Money columns and measures name their currency ("Revenue (net)
(CNY)", or "(BRL only)" under the currency filter of :func:`_common.analysis_inputs`) and are left
out when every amount is a placeholder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import _common as common
import polars as pl
import streamlit as st

from cimlab.analytics import channels, cohorts
from cimlab.analytics.facts import CustomerData
from cimlab.charts.channels import (
    ACQUISITION_MEASURES,
    CHANNEL_MEASURES,
    acquisition_chart,
    channel_chart,
    migration_chart,
    overlap_chart,
)
from cimlab.charts.cohorts import cohort_chart
from cimlab.dates import window_start
from cimlab.i18n import channel_label, t

WINDOWS = (90, 180, 365, 0)  # days up to the analysis date; 0 = all history
DEFAULT_WINDOW = 365
HORIZONS = (90, 180, 365)
OVERLAP_TOP = 15
COHORT_PERIODS_SHOWN = {"month": 12, "quarter": 8, "week": 12}
"""Periods shown after the cohort's own, by default, for each cohort period."""

# (what, as) -> cohort_table column
COHORT_VALUE = {
    ("retention", "rates"): "retention_rate",
    ("retention", "counts"): "active_customers",
    ("revenue", "rates"): "revenue_per_customer",
    ("revenue", "counts"): "revenue",
}
COHORT_VALUES = ("retention", "revenue")
COHORT_MODES = ("rates", "counts")
# display formats: shares × 100 as "18.1%" (the format rounds; values are not rounded before),
# money with separators and cents
PERCENT = st.column_config.NumberColumn(format=common.PERCENT_FORMAT)
MONEY = st.column_config.NumberColumn(format="%,.2f")
COUNT = st.column_config.NumberColumn(format="%,d")
SHARE_COLUMNS = ("revenue_share", "share", "repeat_rate", "migration_share")
MONEY_COLUMNS = ("revenue", "aov", "revenue_per_customer")


# ----------------------------------------------------------------------------- cached calls


def _orders(path: str, version: str, currency: str | None) -> tuple[pl.DataFrame, str]:
    """The workspace's order lines (all, money in the reporting currency; or only those in
    ``currency``) and its business time zone (days are counted in it)."""
    data = common.load_customer_data(path, version, currency=currency)
    return (pl.DataFrame(), "UTC") if data is None else (data.orders, data.time_zone)


def _stored(
    path: str,
    version: str,
    currency: str | None,
    name: str,
    compute: Callable[[pl.DataFrame, str], pl.DataFrame],
) -> pl.DataFrame:
    """``compute(orders, time_zone)`` of the analysis data, kept for the workspace version
    (:func:`_common.stored_result`: a new process reads it back); ``name`` holds its inputs."""
    stored = common.stored_result(
        path, version, currency, name, lambda data: {"result": compute(data.orders, data.time_zone)}
    )
    return compute(*_orders(path, version, currency)) if stored is None else stored["result"]


def _day(day: dt.date | None) -> str:
    return "all" if day is None else day.isoformat()


@st.cache_data(show_spinner=False, max_entries=32)
def load_metrics(
    path: str, version: str, as_of: dt.date, start: dt.date | None, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.channels.channel_metrics` of the workspace."""
    return _stored(
        path,
        version,
        currency,
        f"channel_metrics_{_day(as_of)}_{_day(start)}",
        lambda orders, tz: channels.channel_metrics(orders, as_of=as_of, start=start, time_zone=tz),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def load_acquisition(
    path: str, version: str, as_of: dt.date, horizon: int, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.channels.acquisition_summary` of the workspace."""
    return _stored(
        path,
        version,
        currency,
        f"channel_acquisition_{_day(as_of)}_{horizon}",
        lambda orders, tz: channels.acquisition_summary(
            orders, as_of=as_of, horizon_days=horizon, time_zone=tz
        ),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def load_overlap(
    path: str, version: str, as_of: dt.date, start: dt.date | None, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.channels.channel_overlap` of the workspace."""
    return _stored(
        path,
        version,
        currency,
        f"channel_overlap_{_day(as_of)}_{_day(start)}",
        lambda orders, tz: channels.channel_overlap(orders, as_of=as_of, start=start, time_zone=tz),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def load_migration(
    path: str,
    version: str,
    before: tuple[dt.date, dt.date],
    after: tuple[dt.date, dt.date],
    currency: str | None = None,
) -> pl.DataFrame:
    """:func:`cimlab.analytics.channels.channel_migration` of the workspace."""
    return _stored(
        path,
        version,
        currency,
        "channel_migration_" + "_".join(_day(d) for d in (*before, *after)),
        lambda orders, tz: channels.channel_migration(
            orders, before=before, after=after, time_zone=tz
        ),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def load_cohorts(
    path: str,
    version: str,
    as_of: dt.date,
    period: str,
    max_periods: int,
    currency: str | None = None,
) -> pl.DataFrame:
    """:func:`cimlab.analytics.cohorts.cohort_table` of the workspace."""
    return _stored(
        path,
        version,
        currency,
        f"cohorts_{_day(as_of)}_{period}_{max_periods}",
        lambda orders, tz: cohorts.cohort_table(
            orders,
            as_of=as_of,
            period=period,  # type: ignore[arg-type]
            max_periods=max_periods,
            time_zone=tz,
        ),
    )


def cohort_label(cohort: pl.Expr, period: str) -> pl.Expr:
    """How a cohort's start date reads: ``2024-03`` (month), ``2024-Q1``, ``2024-03-04`` (week)."""
    if period == "quarter":
        return pl.format("{}-Q{}", cohort.dt.year(), cohort.dt.quarter())
    return cohort.dt.strftime("%Y-%m" if period == "month" else "%Y-%m-%d")


# ----------------------------------------------------------------------------- display helpers


def _channel_names(frame: pl.DataFrame, columns: list[str], lang: str) -> pl.DataFrame:
    """Channel tokens (and the combinations of :func:`channel_overlap`) as display names."""

    def name(token: str) -> str:
        if token == channels.NONE_CHANNEL:
            return t("ch.none", lang)
        return channel_label(token, lang)

    exprs = []
    for column in columns:
        if column == "channels":
            exprs.append(
                pl.col(column)
                .str.split(channels.CHANNEL_SEPARATOR)
                .list.eval(
                    pl.element().replace_strict(
                        {v: name(v) for v in _tokens(frame)}, return_dtype=pl.String
                    )
                )
                .list.join(channels.CHANNEL_SEPARATOR)
            )
        else:
            lookup = {v: name(v) for v in frame[column].drop_nulls().unique().to_list()}
            exprs.append(pl.col(column).replace_strict(lookup, return_dtype=pl.String))
    return frame.with_columns(exprs)


def _tokens(overlap: pl.DataFrame) -> list[str]:
    return overlap["channels"].str.split(channels.CHANNEL_SEPARATOR).explode().unique().to_list()


def _show_table(
    frame: pl.DataFrame, lang: str, *, data: CustomerData, prefix: str = "ch.col"
) -> None:
    """A table with translated headers; share/rate columns × 100 as percentages (with a caption
    saying so: the toolbar's CSV has the bare numbers), money with cents and its currency in
    the header ("Revenue (net) (CNY)"); no money columns when every amount is a placeholder."""
    if not common.real_money(data):
        frame = frame.drop(*MONEY_COLUMNS, "revenue_share", strict=False)
    config: dict[str, Any] = {}
    renamed = {}
    for column in frame.columns:
        label = t(f"{prefix}.{column}", lang)
        if column in MONEY_COLUMNS:
            label = common.money_label(label, data, lang)
        renamed[column] = label
        if column in SHARE_COLUMNS:
            config[label] = PERCENT
        elif column in MONEY_COLUMNS:
            config[label] = MONEY
        elif frame.schema[column].is_integer():
            config[label] = COUNT
    shares = [c for c in SHARE_COLUMNS if c in frame.columns]
    shown = frame.with_columns(pl.col(shares) * 100.0)
    st.dataframe(
        shown.rename(renamed),
        hide_index=True,
        column_config=config,
        placeholder="—",
        height="content" if frame.height <= 20 else "auto",
    )
    if shares:
        st.caption(t("ch.percent_note", lang))


def _pct(value: float | None) -> str:
    """A share as text; a share of nobody reads "no data" (never 0 %)."""
    return t("ana.no_data", lang) if value is None else f"{value:.1%}"


# ----------------------------------------------------------------------------- sections


def _measures(measures: tuple[str, ...], data: CustomerData) -> list[str]:
    """The measures a chart offers: no money measures when every amount is a placeholder."""
    return [m for m in measures if common.real_money(data) or m not in MONEY_COLUMNS]


def _money_caption(measure: str, data: CustomerData) -> None:
    """Under a chart of a money measure: what the amounts are in."""
    if measure in MONEY_COLUMNS and data.currency:
        st.caption(common.t_md("money.caption", lang, unit=common.money_unit(data, lang)))


def channel_section(
    path: str, version: str, as_of: dt.date, start: dt.date | None, data: CustomerData
) -> None:
    st.subheader(t("ch.metrics_header", lang))
    currency = common.chosen_currency()
    metrics = load_metrics(path, version, as_of, start, currency)
    measures = _measures(CHANNEL_MEASURES, data)
    labels = _measure_labels(measures, data)
    measure = common.translated_choice(
        st.radio,
        t("ch.measure", lang),
        measures,
        key="ch_measure",
        lang=lang,
        default=measures[0],
        format_func=lambda m: common.md_text(labels[m]),
        horizontal=True,
    )
    st.altair_chart(channel_chart(metrics, measure=measure, lang=lang), width="stretch")
    _money_caption(measure, data)
    buyers = int(load_overlap(path, version, as_of, start, currency)["customers"].sum())
    st.caption(common.t_md("ch.metrics_caption", lang, n=f"{buyers:,}"))
    _show_table(_channel_names(metrics, ["channel"], lang), lang, data=data)


def _measure_labels(measures: list[str], data: CustomerData) -> dict[str, str]:
    """The measures' names, a money measure's with its currency (plain text), made once per
    run: a radio's ``format_func`` may be called after the currency filter changed."""
    labels = {m: t(f"ch.col.{m}", lang) for m in measures}
    return {
        m: common.money_label(label, data, lang) if m in MONEY_COLUMNS else label
        for m, label in labels.items()
    }


def acquisition_section(path: str, version: str, as_of: dt.date, data: CustomerData) -> None:
    st.subheader(t("ch.acq_header", lang))
    measures = _measures(ACQUISITION_MEASURES, data)
    labels = _measure_labels(measures, data)
    left, right = st.columns(2)
    with left:
        horizon = common.translated_choice(
            st.selectbox,
            t("ch.horizon", lang),
            HORIZONS,
            key="ch_horizon",
            lang=lang,
            default=HORIZONS[-1],
            format_func=lambda n: t("ch.horizon_days", lang, n=n),
        )
    with right:
        measure = common.translated_choice(
            st.radio,
            t("ch.acq_measure", lang),
            measures,
            key="ch_acq_measure",
            lang=lang,
            default=measures[0],
            format_func=lambda m: common.md_text(labels[m]),
            horizontal=True,
        )
    summary = load_acquisition(path, version, as_of, horizon, common.chosen_currency())
    st.altair_chart(acquisition_chart(summary, measure=measure, lang=lang), width="stretch")
    _money_caption(measure, data)
    observed = int(summary["observed_customers"].sum())
    st.caption(common.t_md("ch.acq_caption", lang, n=horizon, observed=f"{observed:,}"))
    _show_table(_channel_names(summary, ["acquisition_channel"], lang), lang, data=data)


def overlap_section(
    path: str, version: str, as_of: dt.date, start: dt.date | None, data: CustomerData
) -> None:
    st.subheader(t("ch.overlap_header", lang))
    overlap = load_overlap(path, version, as_of, start, common.chosen_currency())
    total = int(overlap["customers"].sum())
    multi = int(overlap.filter(pl.col("n_channels") >= 2)["customers"].sum())
    share = _pct(multi / total if total else None)
    st.caption(
        common.t_md("ch.overlap_caption", lang, multi=f"{multi:,}", total=f"{total:,}", share=share)
    )
    st.altair_chart(overlap_chart(overlap, top=OVERLAP_TOP, lang=lang), width="stretch")
    _show_table(_channel_names(overlap, ["channels"], lang), lang, data=data)


def _period_input(label: str, default: tuple[dt.date, dt.date], key: str) -> tuple[dt.date, ...]:
    chosen = st.date_input(
        label, value=default, help=t("ch.period_help", lang), format="YYYY-MM-DD", key=key
    )
    return tuple(chosen) if isinstance(chosen, tuple | list) else (chosen,)  # type: ignore[arg-type]


def migration_section(path: str, version: str, as_of: dt.date, data: CustomerData) -> None:
    st.subheader(t("ch.migration_header", lang))
    default_before, default_after = channels.migration_periods(as_of, months=6)
    left, right = st.columns(2)
    with left:
        before = _period_input(t("ch.before", lang), default_before, f"ch_before_{as_of}")
    with right:
        after = _period_input(t("ch.after", lang), default_after, f"ch_after_{as_of}")
    if len(before) != 2 or len(after) != 2 or before[1] >= after[0]:
        st.warning(t("ch.migration_bad", lang))
        return
    migration = load_migration(
        path, version, (before[0], before[1]), (after[0], after[1]), common.chosen_currency()
    )
    st.caption(common.t_md("ch.migration_caption", lang, none=t("ch.none", lang)))
    both = migration.filter(
        pl.col("from_channel") != channels.NONE_CHANNEL,
        pl.col("to_channel") != channels.NONE_CHANNEL,
    )
    stayed = int(both.filter(pl.col("from_channel") == pl.col("to_channel"))["customers"].sum())
    n_both = int(both["customers"].sum())
    st.markdown(
        common.t_md(
            "ch.migration_stayed",
            lang,
            stayed=f"{stayed:,}",
            both=f"{n_both:,}",
            share=_pct(stayed / n_both if n_both else None),
        )
    )
    st.altair_chart(migration_chart(migration, lang=lang), width="stretch")
    table = _channel_names(migration, ["from_channel", "to_channel"], lang)
    _show_table(table.rename({"share": "migration_share"}), lang, data=data)


def cohort_section(path: str, version: str, as_of: dt.date, data: CustomerData) -> None:
    st.subheader(t("coh.header", lang))
    values = [v for v in COHORT_VALUES if common.real_money(data) or v != "revenue"]
    first, left, middle, right = st.columns(4)
    with first:
        period = common.translated_choice(
            st.radio,
            t("coh.period", lang),
            cohorts.COHORT_PERIODS,
            key="coh_period",
            lang=lang,
            default=cohorts.COHORT_PERIODS[0],
            format_func=lambda v: t(f"coh.period.{v}", lang),
            horizontal=True,
        )
    with left:
        what = common.translated_choice(
            st.radio,
            t("coh.value", lang),
            values,
            key="coh_value",
            lang=lang,
            default=values[0],
            format_func=lambda v: t(f"coh.{v}", lang),
            horizontal=True,
        )
    with middle:
        mode = common.translated_choice(
            st.radio,
            t("coh.mode", lang),
            COHORT_MODES,
            key="coh_mode",
            lang=lang,
            default=COHORT_MODES[0],
            format_func=lambda v: t(f"coh.{v}", lang),
            horizontal=True,
        )
    shown = right.slider(
        t("coh.max_periods", lang),
        min_value=1,
        max_value=36,
        value=COHORT_PERIODS_SHOWN[period],
        key=f"coh_max_{period}",
    )
    value = COHORT_VALUE[(what, mode)]
    if value == "revenue_per_customer" and st.checkbox(t("coh.cumulative", lang), key="coh_cum"):
        value = "cumulative_revenue_per_customer"
    table = load_cohorts(path, version, as_of, period, shown, common.chosen_currency())
    name = t(f"coh.period_name.{period}", lang)
    st.caption(common.t_md("coh.caption", lang, period=name, zone=data.time_zone))
    if what == "revenue":
        _money_caption("revenue", data)
    st.altair_chart(cohort_chart(table, value=value, period=period, lang=lang), width="stretch")
    matrix = cohorts.cohort_matrix(table, value=value).with_columns(
        cohort_label(pl.col("cohort"), period)
    )
    periods = [c for c in matrix.columns if c not in ("cohort", "cohort_size")]
    if value == "retention_rate":
        matrix = matrix.with_columns(pl.col(periods) * 100.0)
    fmt = {"retention_rate": common.PERCENT_FORMAT, "active_customers": "%,d"}.get(value, "%,.0f")
    st.dataframe(
        matrix.rename(
            {
                "cohort": t("coh.col.cohort", lang),
                "cohort_size": t("coh.col.cohort_size", lang),
            }
        ),
        hide_index=True,
        column_config={
            t("coh.col.cohort_size", lang): COUNT,
            **{
                c: st.column_config.NumberColumn(
                    t(f"coh.col.period_{period}", lang, n=c), format=fmt
                )
                for c in periods
            },
        },
        placeholder="",  # periods a cohort has not reached yet stay blank
        height="content",
    )
    if value == "retention_rate":
        st.caption(t("ch.percent_note", lang))


# ----------------------------------------------------------------------------- the page

lang = common.current_lang()
common.require("page.channels", lang)  # whatever the URL: the role decides
st.title(t("ch.title", lang))
st.caption(t("ch.intro", lang))
inputs = common.analysis_inputs(lang)
if inputs is not None:
    data, as_of = inputs
    ws_path = str(common.workspace_dir())
    version = common.data_version(ws_path)
    days = common.translated_choice(
        st.selectbox,
        t("ch.window", lang),
        WINDOWS,
        key="ch_window",
        lang=lang,
        default=DEFAULT_WINDOW,
        format_func=lambda n: t("ch.window_days", lang, n=n) if n else t("ch.window_all", lang),
        help=t("ch.window_help", lang),
    )
    start = window_start(as_of, days)
    if start is not None:
        st.caption(common.t_md("ch.window_range", lang, start=start, end=as_of))
    if load_metrics(ws_path, version, as_of, None, common.chosen_currency()).is_empty():
        st.info(t("ch.no_orders", lang))
    else:
        channel_section(ws_path, version, as_of, start, data)
        acquisition_section(ws_path, version, as_of, data)
        overlap_section(ws_path, version, as_of, start, data)
        migration_section(ws_path, version, as_of, data)
        cohort_section(ws_path, version, as_of, data)
